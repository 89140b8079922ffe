package audit

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Problem kinds reported by [Verify].
const (
	KindGap        = "gap"        // an entry is missing: the sequence jumps forward
	KindReorder    = "reorder"    // the sequence goes backwards or an entry appears out of place
	KindHash       = "hash"       // an entry's Hash does not recompute: the entry was edited
	KindLink       = "link"       // an entry's PrevHash is not the previous entry's Hash
	KindCheckpoint = "checkpoint" // a checkpoint is forged, malformed, out of order, or disagrees with the log
	KindTruncated  = "truncated"  // the log ends before the last checkpoint's size
)

// Problem is the evidence of tampering that [Verify] returns. Seq is the
// first entry that could not be verified: entries before it passed every
// check made so far. For KindTruncated it is the first missing entry. For
// KindCheckpoint it is the first entry after the last checkpoint that
// matched when a root disagrees (the rewrite lies between that entry and the
// checkpoint's size), the checkpoint's Size when its signature is bad, and 0
// when the checkpoint list itself is malformed or out of order.
type Problem struct {
	Seq    int64
	Kind   string // one of the Kind constants: "gap", "reorder", "hash", "link", "checkpoint", "truncated"
	Detail string
}

// Error names the first bad entry, e.g.
// "audit entry 1234: hash mismatch (entry was edited)".
func (p *Problem) Error() string {
	if p.Seq <= 0 {
		return "audit log: " + p.Detail
	}
	return fmt.Sprintf("audit entry %d: %s", p.Seq, p.Detail)
}

// Verify checks an audit log and its checkpoints.
//
// entries must yield the whole log in Seq order, starting at 1; a nil
// iterator is an empty log. checkpoints must be sorted by Size (the order
// they were made in) and should come from the off-box export, not from the
// database being verified. pub is the checkpoint signing key; it may be nil
// only if there are no checkpoints.
//
// Verify checks that
//   - sequence numbers run 1..n without gaps, duplicates or reordering;
//   - each PrevHash is 32 bytes and equals the previous entry's Hash
//     (GenesisHash for entry 1);
//   - each Hash recomputes from PrevHash and the entry's contents;
//   - every checkpoint is well formed, is signed by pub, sizes do not
//     decrease, and each checkpoint with Size ≤ n has the Merkle root of the
//     first Size entry hashes. Since every such root is recomputed from the
//     same entries, those checkpoints are also mutually consistent;
//   - no checkpoint has Size > n: that means the tail was truncated.
//
// It returns n, the number of entries that passed the checks, and a nil
// error if everything verifies. On tampering the error is a [*Problem]
// naming the first bad entry. Errors from the iterator, and a public key of
// the wrong size, are returned as ordinary (non-*Problem) errors.
//
// Verify stops at the first problem, with one exception: when the sequence
// jumps forward it reads on through the log to tell a deletion (the
// missing entry never appears: KindGap) from a reordering (it appears
// later: KindReorder).
//
// Memory use is O(log n): roots are computed with a [CompactTree].
func Verify(entries iter.Seq2[Entry, error], checkpoints []Checkpoint, pub ed25519.PublicKey) (n int64, err error) {
	if len(checkpoints) > 0 && len(pub) != ed25519.PublicKeySize {
		return 0, fmt.Errorf("audit: Verify: public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	if p := checkCheckpointList(checkpoints, pub); p != nil {
		return 0, p
	}

	v := verifier{cps: checkpoints, pub: pub, prev: genesis, next: 1}
	if p := v.checkpointsAt(0); p != nil {
		return 0, p
	}
	if entries == nil {
		entries = func(func(Entry, error) bool) {}
	}

	var (
		prob     *Problem
		iterErr  error
		scanning bool  // looking ahead after a forward jump
		missing  int64 // the entry we are looking for while scanning
		jumpedTo int64 // the Seq found where missing was expected
		found    bool  // missing turned up later
		scanErr  error // iterator error during the look-ahead
	)
	for e, err := range entries {
		if scanning {
			if err != nil {
				scanErr = err
				break
			}
			if e.Seq == missing {
				found = true
				break
			}
			continue
		}
		if err != nil {
			iterErr = err
			break
		}
		if e.Seq > v.next {
			scanning, missing, jumpedTo = true, v.next, e.Seq
			continue
		}
		if prob = v.entry(&e); prob != nil {
			break
		}
	}
	n = v.next - 1

	switch {
	case prob != nil:
		return n, prob
	case scanning && found:
		return n, &Problem{Seq: missing, Kind: KindReorder, Detail: fmt.Sprintf(
			"out of order: entry %d was found where entry %d belongs, and entry %d comes later in the log (entries were reordered)",
			jumpedTo, missing, missing)}
	case scanning:
		d := fmt.Sprintf("missing: the log jumps from entry %d to entry %d (entries were deleted, or a sequence number was altered)",
			missing-1, jumpedTo)
		if scanErr != nil {
			d += fmt.Sprintf("; the rest of the log could not be read to rule out reordering: %v", scanErr)
		}
		return n, &Problem{Seq: missing, Kind: KindGap, Detail: d}
	case iterErr != nil:
		return n, fmt.Errorf("audit: reading entry %d: %w", v.next, iterErr)
	}

	// Checkpoints beyond the end of the log: a genuine one proves the tail
	// was cut off; a forged one is reported as such.
	if v.ci < len(v.cps) {
		for i := v.ci; i < len(v.cps); i++ {
			if !v.cps[i].Verify(pub) {
				return n, forgedCheckpoint(i, &v.cps[i])
			}
		}
		last := &v.cps[len(v.cps)-1]
		return n, &Problem{Seq: n + 1, Kind: KindTruncated, Detail: fmt.Sprintf(
			"log truncated: it ends after entry %d, but checkpoint %d signed at %s covers %d entries (entries %d..%d were deleted)",
			n, len(v.cps)-1, fmtTime(last.At), last.Size, n+1, last.Size)}
	}
	return n, nil
}

// verifier is the streaming state of Verify.
type verifier struct {
	cps      []Checkpoint
	pub      ed25519.PublicKey
	ci       int            // next checkpoint to check
	lastGood int64          // size of the last checkpoint that matched
	next     int64          // Seq expected next
	prev     [HashSize]byte // Hash of entry next-1
	tree     CompactTree
	buf      []byte // scratch space for hashing
}

// entry checks one entry whose Seq is at most v.next (forward jumps are
// handled by the caller).
func (v *verifier) entry(e *Entry) *Problem {
	s := v.next
	if e.Seq < s {
		d := fmt.Sprintf("out of order: found entry %d again where entry %d belongs", e.Seq, s)
		if e.Seq == s-1 {
			d += " (a duplicated or inserted entry)"
		} else {
			d += " (entries were reordered, duplicated or inserted)"
		}
		return &Problem{Seq: s, Kind: KindReorder, Detail: d}
	}
	if len(e.PrevHash) != HashSize {
		return &Problem{Seq: s, Kind: KindLink, Detail: fmt.Sprintf(
			"broken link: PrevHash is %d bytes, want %d (entry was edited)", len(e.PrevHash), HashSize)}
	}
	if !bytes.Equal(e.PrevHash, v.prev[:]) {
		what := "the previous entry's hash"
		if s == 1 {
			what = "the genesis hash"
		}
		return &Problem{Seq: s, Kind: KindLink, Detail: fmt.Sprintf(
			"broken link: PrevHash does not match %s (an entry was inserted, deleted or edited here)", what)}
	}
	sum := hashEntry(&v.buf, e.PrevHash, e)
	if !bytes.Equal(sum[:], e.Hash) {
		return &Problem{Seq: s, Kind: KindHash, Detail: "hash mismatch (entry was edited)"}
	}
	v.prev = sum
	v.next++
	if v.ci == len(v.cps) {
		return nil // no checkpoint left to check: the tree is not needed
	}
	v.tree.appendLeaf(hashLeaf(sum[:]))
	return v.checkpointsAt(s)
}

// checkpointsAt checks every checkpoint of the given size against the tree
// of the first size entries.
func (v *verifier) checkpointsAt(size int64) *Problem {
	if v.ci >= len(v.cps) || v.cps[v.ci].Size != size {
		return nil
	}
	root := v.tree.root()
	for ; v.ci < len(v.cps) && v.cps[v.ci].Size == size; v.ci++ {
		c := &v.cps[v.ci]
		if !c.Verify(v.pub) {
			return forgedCheckpoint(v.ci, c)
		}
		if !bytes.Equal(c.Root, root[:]) {
			return &Problem{Seq: v.lastGood + 1, Kind: KindCheckpoint, Detail: fmt.Sprintf(
				"history rewritten: the Merkle root of entries 1..%d does not match checkpoint %d signed at %s; "+
					"an entry in %d..%d was altered and the chain re-hashed", size, v.ci, fmtTime(c.At), v.lastGood+1, size)}
		}
		v.lastGood = size
	}
	return nil
}

// checkCheckpointList checks what can be checked about the checkpoints
// without the entries and without any signature verification (except to
// tell a forgery from a fork).
func checkCheckpointList(cps []Checkpoint, pub ed25519.PublicKey) *Problem {
	for i := range cps {
		c := &cps[i]
		if err := c.wellFormed(); err != nil {
			return &Problem{Kind: KindCheckpoint, Detail: fmt.Sprintf("checkpoint %d is malformed: %v", i, err)}
		}
		if i == 0 {
			continue
		}
		p := &cps[i-1]
		if c.Size < p.Size {
			return &Problem{Kind: KindCheckpoint, Detail: fmt.Sprintf(
				"checkpoint %d (size %d) comes after checkpoint %d (size %d): sizes must not decrease", i, c.Size, i-1, p.Size)}
		}
		if c.Size == p.Size && !bytes.Equal(c.Root, p.Root) {
			if !p.Verify(pub) {
				return forgedCheckpoint(i-1, p)
			}
			if !c.Verify(pub) {
				return forgedCheckpoint(i, c)
			}
			return &Problem{Seq: c.Size, Kind: KindCheckpoint, Detail: fmt.Sprintf(
				"fork: checkpoints %d and %d are both validly signed for size %d but have different roots (signing key misused or compromised)",
				i-1, i, c.Size)}
		}
	}
	return nil
}

func forgedCheckpoint(i int, c *Checkpoint) *Problem {
	return &Problem{Seq: c.Size, Kind: KindCheckpoint, Detail: fmt.Sprintf(
		"checkpoint %d (size %d, signed at %s, key %q) has an invalid signature (forged or altered checkpoint, or wrong public key)",
		i, c.Size, fmtTime(c.At), c.KeyID)}
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// AsProblem returns the *Problem in err's chain, if any.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}
