// Package audit makes the nrm audit trail tamper-evident.
//
// Every read and write of case data, every login, export, permission change
// and break-glass access produces an [Entry], written by the storage layer in
// the same database transaction as the access itself. This package supplies
// the cryptography around those entries; it contains no database code.
//
//   - [Entry.Canonical] is an unambiguous, length-prefixed, versioned byte
//     encoding of an entry. [Entry.Seal] chains the entry to its predecessor:
//     Hash = SHA-256(domain tag ‖ PrevHash ‖ Canonical).
//   - The entry hashes are the leaves of an RFC 6962 Merkle tree
//     ([MerkleRoot], [InclusionProof], [ConsistencyProof], [CompactTree]).
//   - A [Checkpoint] is an Ed25519 signature over (size, Merkle root, time).
//     The signing key lives outside the database ([LoadOrCreateSigner]).
//   - [Verify] streams the log in sequence order and reports the first bad
//     entry as a [*Problem].
//
// # Threat model
//
// The adversary of interest is someone with write access to the database —
// a DB superuser, a compromised application account, an operator with a
// backup tool — who wants to hide or fabricate an access to a victim's
// record.
//
// The hash chain alone detects naive tampering: editing any field of an
// entry, deleting, inserting or reordering entries breaks the chain at that
// point, and [Verify] names the first broken entry. But the chain is unkeyed,
// so an adversary who can write the table can also recompute every hash after
// the entry they changed. Signed checkpoints close that gap: a checkpoint
// commits to the Merkle root of the first Size entries, and nobody without
// the signing key can produce one for a rewritten history. Rewriting,
// deleting or truncating anything covered by a checkpoint is detected.
//
// What remains possible, and cannot be prevented by any scheme that lives in
// the same database:
//
//   - Entries after the last checkpoint can be altered or truncated without
//     detection. Checkpoint often (every N entries and every few minutes) to
//     keep that window small.
//   - Checkpoints stored only in the database can be deleted together with
//     the entries they cover. Checkpoints must be exported off-box (WORM
//     storage, another organisation, a transparency witness, paper) and the
//     verifier must be fed those exported copies, not the ones in the
//     database. A DB superuser can then truncate the log only after the last
//     exported checkpoint.
//   - Whoever holds the signing key can sign a checkpoint for a forged
//     history. Keep the key file (0600) away from database credentials and
//     backups; earlier exported checkpoints still expose such a rewrite,
//     because a forged history is inconsistent with them.
//   - The package proves that the log was not changed after the fact; it
//     cannot prove that the application logged every access, nor that the
//     clock behind [Entry.At] was right.
//
// Entries never contain personal data: only identifiers, field names, the
// action and its outcome, and a reason blob that the caller has already
// encrypted. Because the hash covers the ciphertext, destroying the reason
// key (crypto-shredding) keeps the chain verifiable, whereas deleting or
// rewriting the blob itself is detected as tampering.
//
// # Resources
//
// [Verify] keeps O(log n) state: the Merkle roots are computed incrementally
// with a compact range ([CompactTree]), so verifying millions of entries
// needs a few kilobytes regardless of log size. The proof generators
// ([InclusionProof], [ConsistencyProof]) take all leaves and run in O(n);
// they are meant for export tooling and tests, not the hot path.
//
// Checkpoints do not read the log: the storage layer keeps a [Tree] (the
// compact range of github.com/transparency-dev/merkle, at most 64 hashes)
// between checkpoints and appends only the entries since, so a checkpoint
// costs O(new entries + log n). [ProveConsistency] builds a consistency
// proof from O(log n) stored interior nodes (level [StoredLevel] and up)
// and at most 60 entry hashes.
package audit
