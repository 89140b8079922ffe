package audit

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm/internal/skipnote"
)

func TestVerifyValid(t *testing.T) {
	pub, priv := testKey("verify")
	r := rand.New(rand.NewPCG(7, 7))
	entries := buildChain(r, 250)
	cps := checkpointsEvery(entries, 50, priv)

	n, err := Verify(seqOf(entries), cps, pub)
	if err != nil || n != 250 {
		t.Fatalf("Verify = %d, %v; want 250, nil", n, err)
	}
	// Entries past the last checkpoint are fine (they are just not yet
	// protected against truncation).
	n, err = Verify(seqOf(entries), cps[:2], pub)
	if err != nil || n != 250 {
		t.Fatalf("Verify with fewer checkpoints = %d, %v", n, err)
	}
	// Empty logs, with and without an empty-tree checkpoint.
	if n, err := Verify(nil, nil, nil); err != nil || n != 0 {
		t.Fatalf("empty log: %d, %v", n, err)
	}
	empty := SignCheckpoint(priv, KeyID(pub), 0, MerkleRoot(nil), baseTime)
	if n, err := Verify(seqOf(nil), []Checkpoint{empty}, pub); err != nil || n != 0 {
		t.Fatalf("empty log with size-0 checkpoint: %d, %v", n, err)
	}
	// Duplicate checkpoints (e.g. exported twice) are fine.
	dup := slices.Insert(slices.Clone(cps), 2, cps[1])
	if _, err := Verify(seqOf(entries), dup, pub); err != nil {
		t.Fatalf("duplicate checkpoint: %v", err)
	}
	// A database round trip (sub-µs precision lost, other time zone, nil
	// slices coming back empty) keeps the log valid.
	rt := make([]Entry, len(entries))
	for i, e := range entries {
		e = cloneEntry(e)
		e.At = time.UnixMicro(e.At.UnixMicro()).In(time.FixedZone("X", -5*3600))
		if e.Reason == nil {
			e.Reason = []byte{}
		}
		if e.Fields == nil {
			e.Fields = []string{}
		}
		rt[i] = e
	}
	if _, err := Verify(seqOf(rt), cps, pub); err != nil {
		t.Fatalf("after DB round trip: %v", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	pub, priv := testKey("verify")
	r := rand.New(rand.NewPCG(8, 8))
	entries := buildChain(r, 30)
	cps := checkpointsEvery(entries, 10, priv)

	// Wrong key size is a usage error, not tampering.
	if _, err := Verify(seqOf(entries), cps, pub[:16]); err == nil {
		t.Error("short public key accepted")
	} else if _, ok := AsProblem(err); ok {
		t.Error("short public key reported as tampering")
	}
	// Wrong key: every checkpoint looks forged.
	other, _ := testKey("other")
	_, err := Verify(seqOf(entries), cps, other)
	if p, ok := AsProblem(err); !ok || p.Kind != KindCheckpoint || p.Seq != 10 {
		t.Errorf("wrong key: %v", err)
	}
	// Iterator errors are passed through.
	boom := errors.New("connection reset")
	failing := func(yield func(Entry, error) bool) {
		for i, e := range entries {
			if i == 12 {
				yield(Entry{}, boom)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
	n, err := Verify(failing, cps, pub)
	if !errors.Is(err, boom) || n != 12 {
		t.Errorf("iterator error: %d, %v", n, err)
	}
	if _, ok := AsProblem(err); ok {
		t.Error("iterator error reported as tampering")
	}
	// Checkpoints out of order.
	swapped := slices.Clone(cps)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	if _, err := Verify(seqOf(entries), swapped, pub); !isKind(err, KindCheckpoint) {
		t.Errorf("unsorted checkpoints: %v", err)
	}
	// Two validly signed checkpoints for the same size with different
	// roots: a fork, which only the key holder can produce.
	fork := SignCheckpoint(priv, KeyID(pub), 10, MerkleRoot(nil), baseTime)
	forked := slices.Insert(slices.Clone(cps), 1, fork)
	_, err = Verify(seqOf(entries), forked, pub)
	if p, ok := AsProblem(err); !ok || p.Kind != KindCheckpoint || !strings.Contains(p.Detail, "fork") {
		t.Errorf("fork: %v", err)
	}
	// Malformed checkpoint.
	bad := slices.Clone(cps)
	bad[1].Root = bad[1].Root[:8]
	if _, err := Verify(seqOf(entries), bad, pub); !isKind(err, KindCheckpoint) {
		t.Errorf("malformed checkpoint: %v", err)
	}
	// An entry with a non-32-byte PrevHash.
	short := slices.Clone(entries)
	short[4] = cloneEntry(short[4])
	short[4].PrevHash = short[4].PrevHash[:31]
	if p, ok := AsProblem(mustErr(Verify(seqOf(short), cps, pub))); !ok || p.Kind != KindLink || p.Seq != 5 {
		t.Errorf("short PrevHash: %v", p)
	}
	// The log must start at 1 with the genesis hash.
	if p, _ := AsProblem(mustErr(Verify(seqOf(entries[1:]), nil, nil))); p == nil || p.Seq != 1 || p.Kind != KindGap {
		t.Errorf("missing first entry: %v", p)
	}
	wrongGenesis := slices.Clone(entries)
	wrongGenesis[0] = cloneEntry(wrongGenesis[0])
	wrongGenesis[0].Seal(bytes.Repeat([]byte{1}, 32))
	if p, _ := AsProblem(mustErr(Verify(seqOf(wrongGenesis), nil, nil))); p == nil || p.Seq != 1 || p.Kind != KindLink {
		t.Errorf("wrong genesis: %v", p)
	}
}

func mustErr(_ int64, err error) error { return err }

func isKind(err error, kind string) bool {
	p, ok := AsProblem(err)
	return ok && p.Kind == kind
}

func TestProblemError(t *testing.T) {
	p := &Problem{Seq: 1234, Kind: KindHash, Detail: "hash mismatch (entry was edited)"}
	if got, want := p.Error(), "audit entry 1234: hash mismatch (entry was edited)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var err error = p
	if got, ok := AsProblem(fmt.Errorf("wrapped: %w", err)); !ok || got != p {
		t.Error("AsProblem does not unwrap")
	}
	if !strings.HasPrefix((&Problem{Kind: KindCheckpoint, Detail: "x"}).Error(), "audit log: ") {
		t.Error("Seq 0 problem is not reported against the log")
	}
}

// TestVerifyLimitation documents what the threat model concedes: entries
// after the last checkpoint can be removed without detection, and a
// rewritten history with re-computed hashes is only caught by a checkpoint.
func TestVerifyLimitation(t *testing.T) {
	pub, priv := testKey("verify")
	r := rand.New(rand.NewPCG(9, 9))
	entries := buildChain(r, 120)
	cps := checkpointsEvery(entries, 100, priv) // one checkpoint, at 100

	if n, err := Verify(seqOf(entries[:105]), cps, pub); err != nil || n != 105 {
		t.Fatalf("truncation after the last checkpoint should be undetectable: %d, %v", n, err)
	}
	if _, err := Verify(seqOf(entries[:99]), cps, pub); !isKind(err, KindTruncated) {
		t.Fatalf("truncation before the last checkpoint: %v", err)
	}
	// Rewriting entry 50 and re-hashing the rest fools the chain…
	rewritten := slices.Clone(entries)
	rewritten[49] = cloneEntry(rewritten[49])
	rewritten[49].Subject = "case-999999"
	reseal(rewritten, 49)
	if _, err := Verify(seqOf(rewritten), nil, nil); err != nil {
		t.Fatalf("re-hashed chain without checkpoints: %v", err)
	}
	// …but not the checkpoint.
	_, err := Verify(seqOf(rewritten), cps, pub)
	if p, ok := AsProblem(err); !ok || p.Kind != KindCheckpoint || p.Seq != 1 {
		t.Fatalf("re-hashed chain with checkpoint: %v", err)
	}
}

// reseal recomputes the chain from index i on, as an attacker with write
// access to the table (but not the signing key) can.
func reseal(entries []Entry, i int) {
	prev := GenesisHash
	if i > 0 {
		prev = entries[i-1].Hash
	}
	for j := i; j < len(entries); j++ {
		entries[j].Seq = int64(j + 1)
		entries[j].Seal(prev)
		prev = entries[j].Hash
	}
}

// mutation is one tampering applied by the harness, with what Verify must
// report for it. wantSeq 0 means "any".
type mutation struct {
	kind     string
	entries  iter.Seq2[Entry, error] // a tampered view of the base log
	cps      []Checkpoint
	wantKind []string
	wantSeq  int64
	desc     string
}

// view yields base with entry i replaced by the result of at(i) (which may
// yield zero, one or more entries in its place). Building views instead of
// copying the 2,000-entry slice keeps the harness fast.
func view(base []Entry, lo, hi int, at func(i int, yield func(Entry, error) bool) bool) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for i := range base {
			if i >= lo && i <= hi {
				if !at(i, yield) {
					return
				}
				continue
			}
			if !yield(base[i], nil) {
				return
			}
		}
	}
}

// editEntry changes one field of e so that the change is visible to the
// chain, and returns which field and what Verify must call it.
func editEntry(r *rand.Rand, e *Entry) (field, wantKind string) {
	bump := func(s string) string {
		if s == "" || r.IntN(2) == 0 {
			return s + "x"
		}
		b := []byte(s)
		b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
		return string(b)
	}
	switch f := r.IntN(15); f {
	case 0:
		d := int64(1 + r.IntN(5))
		if r.IntN(2) == 0 {
			e.Seq -= d
			return "Seq", KindReorder
		}
		e.Seq += d
		return "Seq", KindGap
	case 1:
		d := time.Duration(1+r.IntN(1_000_000)) * time.Microsecond
		if r.IntN(2) == 0 {
			d = -d
		}
		e.At = e.At.Add(d)
		return "At", KindHash
	case 2:
		e.ActorUser = bump(e.ActorUser)
		return "ActorUser", KindHash
	case 3:
		e.ActorOrg = bump(e.ActorOrg)
		return "ActorOrg", KindHash
	case 4:
		e.ActorRole = bump(e.ActorRole)
		return "ActorRole", KindHash
	case 5:
		e.Action = actions[(slices.Index(actions, e.Action)+1+r.IntN(len(actions)-1))%len(actions)]
		return "Action", KindHash
	case 6:
		e.Subject = bump(e.Subject)
		return "Subject", KindHash
	case 7:
		switch {
		case len(e.Fields) == 0 || r.IntN(3) == 0:
			e.Fields = append(e.Fields, fieldSet[r.IntN(len(fieldSet))])
		case r.IntN(2) == 0:
			e.Fields = slices.Delete(e.Fields, 0, 1)
		default:
			// Move a byte across a field boundary: same bytes, new split.
			i := r.IntN(len(e.Fields))
			if len(e.Fields[i]) > 0 {
				e.Fields[i], e.Fields = e.Fields[i][1:], append(e.Fields, e.Fields[i][:1])
			} else {
				e.Fields[i] = "x"
			}
		}
		return "Fields", KindHash
	case 8:
		e.Outcome = outcomes[(slices.Index(outcomes, e.Outcome)+1)%len(outcomes)]
		return "Outcome", KindHash
	case 9:
		e.BreakGlass = !e.BreakGlass
		return "BreakGlass", KindHash
	case 10:
		if len(e.Reason) == 0 {
			e.Reason = []byte{byte(r.Uint32())}
		} else if r.IntN(2) == 0 {
			e.Reason = e.Reason[:len(e.Reason)-1]
		} else {
			e.Reason[r.IntN(len(e.Reason))] ^= 1 << r.IntN(8)
		}
		return "Reason", KindHash
	case 11:
		e.Remote = bump(e.Remote)
		return "Remote", KindHash
	case 12:
		e.RequestID = bump(e.RequestID)
		return "RequestID", KindHash
	case 13:
		e.PrevHash[r.IntN(32)] ^= 1 << r.IntN(8)
		return "PrevHash", KindLink
	default:
		if r.IntN(4) == 0 {
			e.Hash = e.Hash[:r.IntN(32)]
		} else {
			e.Hash[r.IntN(32)] ^= 1 << r.IntN(8)
		}
		return "Hash", KindHash
	}
}

// mutate applies one random tampering of the given kind to a view of the
// log.
func mutate(r *rand.Rand, kind string, base []Entry, baseCPs []Checkpoint, every int) mutation {
	n := len(base)
	m := mutation{kind: kind, entries: seqOf(base), cps: baseCPs}
	switch kind {
	case "edit":
		k := 1 + r.IntN(n)
		e := cloneEntry(base[k-1])
		field, want := editEntry(r, &e)
		m.entries = view(base, k-1, k-1, func(_ int, yield func(Entry, error) bool) bool { return yield(e, nil) })
		m.wantKind, m.wantSeq = []string{want}, int64(k)
		m.desc = fmt.Sprintf("edit %s of entry %d", field, k)
	case "delete":
		k := 1 + r.IntN(n)
		m.entries = view(base, k-1, k-1, func(int, func(Entry, error) bool) bool { return true })
		m.wantKind, m.wantSeq = []string{KindGap}, int64(k)
		if k == n {
			m.wantKind = []string{KindTruncated} // the last entry: only the checkpoint knows
		}
		m.desc = fmt.Sprintf("delete entry %d", k)
	case "insert":
		// A forged entry with Seq k, correctly linked to entry k-1 and
		// with a recomputed hash, placed before the real entry k.
		k := 1 + r.IntN(n)
		forged := randomEntry(r, int64(k))
		prev := GenesisHash
		if k > 1 {
			prev = base[k-2].Hash
		}
		forged.Seal(prev)
		m.entries = view(base, k-1, k-1, func(i int, yield func(Entry, error) bool) bool {
			return yield(forged, nil) && yield(base[i], nil)
		})
		m.wantKind, m.wantSeq = []string{KindReorder}, int64(k+1)
		if k%every == 0 {
			// The forged entry completes a checkpointed prefix, so the
			// checkpoint sees it before the real entry k shows up.
			m.wantKind, m.wantSeq = []string{KindCheckpoint}, int64(k-every+1)
		}
		m.desc = fmt.Sprintf("insert forged entry before entry %d", k)
	case "swap":
		i := 1 + r.IntN(n-1)
		j := i + 1 + r.IntN(min(n-i, 50)) // mostly near neighbours, like a real reordering
		if r.IntN(4) == 0 {
			j = i + 1 + r.IntN(n-i)
		}
		m.entries = view(base, i-1, j-1, func(x int, yield func(Entry, error) bool) bool {
			switch x {
			case i - 1:
				return yield(base[j-1], nil)
			case j - 1:
				return yield(base[i-1], nil)
			}
			return yield(base[x], nil)
		})
		m.wantKind, m.wantSeq = []string{KindReorder}, int64(i)
		m.desc = fmt.Sprintf("swap entries %d and %d", i, j)
	case "truncate":
		last := baseCPs[len(baseCPs)-1].Size
		keep := r.Int64N(last)
		m.entries = seqOf(base[:keep])
		m.wantKind, m.wantSeq = []string{KindTruncated}, keep+1
		m.desc = fmt.Sprintf("truncate to %d entries", keep)
	case "forge":
		cps := slices.Clone(baseCPs)
		ci := r.IntN(len(cps))
		c := cloneCheckpoint(cps[ci])
		var what string
		switch r.IntN(6) {
		case 0:
			c.Root[r.IntN(32)] ^= 1 << r.IntN(8)
			what = "root"
		case 1:
			c.Size += int64(1 + r.IntN(every-1))
			what = "size"
		case 2:
			c.At = c.At.Add(time.Duration(1+r.IntN(3600)) * time.Second)
			what = "time"
		case 3:
			c.Sig[r.IntN(64)] ^= 1 << r.IntN(8)
			what = "signature"
		case 4:
			c.KeyID = "ed25519:" + strings.Repeat("0", 16)
			what = "key id"
		default:
			// A well-formed checkpoint over a rewritten history, signed
			// with a key the attacker does control.
			_, attacker := testKey("attacker")
			c = SignCheckpoint(attacker, c.KeyID, c.Size, MerkleRoot(testLeaves(3)), c.At)
			what = "attacker-signed"
		}
		cps[ci] = c
		m.cps = cps
		m.wantKind = []string{KindCheckpoint}
		m.desc = fmt.Sprintf("forge %s of checkpoint %d", what, ci)
	case "rewrite":
		// Edit entry k and recompute every hash after it, as someone
		// with write access to the table can: only a checkpoint can
		// catch this. The re-hashing happens lazily, as Verify reads.
		k := 1 + r.IntN(n)
		m.entries = view(base, k-1, n-1, func() func(int, func(Entry, error) bool) bool {
			var prev []byte
			return func(i int, yield func(Entry, error) bool) bool {
				e := cloneEntry(base[i])
				if i == k-1 {
					prev = e.PrevHash
					e.Subject += "-rewritten"
				}
				e.Seal(prev)
				prev = e.Hash
				return yield(e, nil)
			}
		}())
		prevCP := int64((k - 1) / every * every)
		m.wantKind, m.wantSeq = []string{KindCheckpoint}, prevCP+1
		m.desc = fmt.Sprintf("rewrite entry %d and re-hash the rest", k)
	default:
		panic(kind)
	}
	return m
}

// TestMutationHarness applies thousands of random tamperings to copies of a
// 2,000-entry log with a checkpoint every 100 entries, and requires Verify
// to catch every one of them, naming the right first bad entry.
func TestMutationHarness(t *testing.T) {
	const (
		size    = 2000
		every   = 100
		perKind = 300
	)
	pub, priv := testKey("harness")
	r := rand.New(rand.NewPCG(20260301, 6962)) // fixed seed: reproducible
	base := buildChain(r, size)
	cps := checkpointsEvery(base, every, priv)
	if n, err := Verify(seqOf(base), cps, pub); err != nil || n != size {
		t.Fatalf("unmodified log: %d, %v", n, err)
	}

	kinds := []string{"edit", "delete", "insert", "swap", "truncate", "forge", "rewrite"}
	total := perKind * len(kinds)
	// Each mutation draws from its own generator seeded by its index, so
	// the run is reproducible however the work is split across CPUs.
	workers := min(runtime.GOMAXPROCS(0), 4)
	counts := make([]map[string]int, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = map[string]int{}
		wg.Go(func() {
			for i := w; i < total; i += workers {
				r := rand.New(rand.NewPCG(20260301, uint64(i)))
				kind := kinds[i%len(kinds)]
				m := mutate(r, kind, base, cps, every)
				n, err := Verify(m.entries, m.cps, pub)
				p, ok := AsProblem(err)
				if !ok {
					t.Errorf("mutation %d (%s): not detected: n=%d err=%v", i, m.desc, n, err)
					continue
				}
				good := true
				if !slices.Contains(m.wantKind, p.Kind) {
					t.Errorf("mutation %d (%s): kind %q, want %v (%v)", i, m.desc, p.Kind, m.wantKind, p)
					good = false
				}
				if m.wantSeq != 0 && p.Seq != m.wantSeq {
					t.Errorf("mutation %d (%s): reported entry %d, want %d (%v)", i, m.desc, p.Seq, m.wantSeq, p)
					good = false
				}
				if p.Kind != KindCheckpoint && p.Kind != KindTruncated && n != p.Seq-1 {
					t.Errorf("mutation %d (%s): n = %d for a problem at entry %d", i, m.desc, n, p.Seq)
					good = false
				}
				if !good {
					continue
				}
				counts[w][kind]++
			}
		})
	}
	wg.Wait()
	detected := map[string]int{}
	sum := 0
	for _, c := range counts {
		for k, v := range c {
			detected[k] += v
			sum += v
		}
	}
	if sum != total {
		t.Fatalf("only %d of %d mutations were detected as expected", sum, total)
	}
	t.Logf("%d mutations, %d detected with the expected kind and entry (%v), %d workers, %v",
		total, sum, detected, workers, time.Since(start).Round(time.Millisecond))
}

// TestVerifyStreamsLongLog streams a log that is generated on the fly and
// never held in memory: Verify needs only O(log n) state.
func TestVerifyStreamsLongLog(t *testing.T) {
	skipnote.Short(t, "streams and verifies a log of 50 000 entries")
	pub, priv := testKey("stream")
	const n = 50_000
	r := rand.New(rand.NewPCG(1, 1))
	template := randomEntry(r, 1)
	var tree CompactTree
	gen := func(yield func(Entry, error) bool) {
		prev := GenesisHash
		for i := int64(1); i <= n; i++ {
			e := template
			e.Seq = i
			e.At = baseTime.Add(time.Duration(i) * time.Millisecond)
			e.Seal(prev)
			prev = e.Hash
			if !yield(e, nil) {
				return
			}
		}
	}
	for e := range gen {
		tree.Append(e.Hash)
	}
	last := SignCheckpoint(priv, KeyID(pub), tree.Size(), tree.Root(), baseTime)
	got, err := Verify(iter.Seq2[Entry, error](gen), []Checkpoint{last}, pub)
	if err != nil || got != n {
		t.Fatalf("Verify = %d, %v", got, err)
	}
}
