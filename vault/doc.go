// Package vault encrypts identity data (names, birth dates, documents,
// addresses, narratives) field by field before it reaches the database. It
// uses envelope encryption with one data key per data subject, so the data of
// one person can be crypto-shredded by destroying a single row. All
// cryptography is Google Tink (github.com/tink-crypto/tink-go/v2); this
// package only arranges keys, associated data and byte formats.
//
// # Key hierarchy
//
//	master secret (32 bytes)              KeyDir/master.key (0600) or Config.MasterSecret
//	  │ AES-256-GCM (Tink aead/subtle), associated data "nrm/vault/v1|kek.keyset" / "|index.keyset"
//	  ├── KEK keyset   (Tink AEAD keyset, AES256_GCM, TINK prefix)   KeyDir/kek.keyset (0600)
//	  │     │ wraps, associated data "dek|" + subjectID
//	  │     └── DEK, one per data subject (single-key AES256_GCM keyset)
//	  │           stored WRAPPED by the caller in its subject_keys table
//	  │           │ seals, associated data = version ‖ len‖table ‖ len‖column ‖ len‖recordID
//	  │           └── field ciphertexts, stored in the data tables
//	  └── index keyset (Tink PRF keyset, HMAC-SHA256)                KeyDir/index.keyset (0600)
//	        └── blind indexes (truncated HMAC), stored next to encrypted columns
//
// What is stored where:
//
//   - KeyDir (outside the database, never in a database backup):
//     master.key (unless the secret is supplied through Config.MasterSecret),
//     kek.keyset and index.keyset (both Tink binary EncryptedKeyset files,
//     encrypted under the master secret; they contain no cleartext key
//     material) and .lock (an empty file used for flock).
//   - The database: wrapped DEKs (subject_keys), field envelopes, blind
//     indexes. Nothing in the database can be decrypted without KeyDir and the
//     master secret.
//
// Keeping master.key in KeyDir only protects against a leak of the database
// (or its backups). For defence against theft of the application host's disk,
// supply the master secret from a separate secret store (systemd credential,
// container secret, HSM/KMS-unsealed file) through Config.MasterSecret and do
// not keep a master.key in KeyDir. Losing KeyDir or the master secret loses
// all encrypted data: back them up, separately from the database.
//
// # Byte formats
//
// Field envelope (what DEK.Seal returns, what the data columns hold):
//
//	0x01 ‖ Tink AEAD ciphertext (0x01 ‖ DEK key ID (4 bytes BE) ‖ IV (12) ‖ ciphertext ‖ tag (16))
//
// The leading byte is this package's format version; it is also covered by
// the associated data, so it cannot be swapped. ParseEnvelope decodes the
// outer layer of untrusted bytes without panicking.
//
// Wrapped DEK (what NewDEK/Rewrap return, what subject_keys holds):
//
//	0x01 ‖ Tink EncryptedKeyset protobuf (KEK ciphertext with the KEK key ID
//	       in its 5-byte Tink prefix, plus non-secret KeysetInfo)
//
// # Crypto-shredding
//
// To erase a person: delete (or overwrite) their subject_keys row and call
// Vault.Forget(subjectID) in every process (the unwrapped-DEK cache also has
// a TTL, Config.CacheTTL, which bounds how long another process can keep the
// key in memory). The field ciphertexts may stay where they are; they are now
// undecryptable. Database backups still contain the wrapped DEK: the erasure
// becomes complete for backups when those backups expire, or when the KEK
// keys that wrapped the DEK are deleted (see the rotation runbook, step 5).
//
// # KEK rotation runbook (no downtime)
//
//  1. Call Vault.Rotate() in one process (an admin command or an endpoint).
//     It takes an exclusive lock on KeyDir, re-reads kek.keyset, adds a new
//     primary key, and atomically replaces the file. Old keys stay enabled,
//     so everything keeps working. Other processes pick up the new key
//     automatically the first time they meet a DEK wrapped under it, or
//     explicitly with Vault.Reload().
//  2. Make sure every process serving requests has reloaded (restart or
//     Reload) so that new DEKs are wrapped under the new primary.
//  3. Re-wrap in batches: for each subject_keys row, if
//     Vault.NeedsRewrap(wrapped) then new, changed, err :=
//     Vault.Rewrap(subjectID, wrapped) and, if changed, UPDATE the row with a
//     compare-and-swap on the old value (WHERE wrapped = old). Repeat the scan
//     until no row needs a rewrap. Data ciphertexts are not touched: DEKs do
//     not change, only their wrapping.
//  4. Vault.DisableOldKeys() disables every non-primary KEK key. Disabled
//     key material is still in kek.keyset, so Vault.EnableKey can undo it if
//     some row was missed (it then fails to open with ErrDecrypt).
//  5. After a grace period (and after the backup retention window if you
//     rely on it for crypto-shredding), Vault.DeleteDisabledKeys() removes the
//     old key material for good. Database backups older than step 3 can no
//     longer be decrypted after this step.
//
// The index keyset is not rotated: changing it would change every blind
// index. Re-keying blind indexes requires decrypting and re-indexing all rows
// and is deliberately not offered here.
//
// # Blind indexes
//
// Vault.BlindIndex(name, Normalize(value)) returns a truncated keyed HMAC
// usable for exact-match lookups on encrypted columns. It is intentionally
// short, so it is NOT unique: it returns candidates that must be decrypted and
// compared. See DefaultIndexBits for the leakage analysis.
//
// # Concurrency
//
// A Vault and DEK values are safe for concurrent use. Seal, Open and DEK may
// run while Rotate, Reload or DisableOldKeys run in another goroutine.
package vault
