package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"time"
)

// testKey returns a fixed Ed25519 key pair derived from name, so that test
// failures are reproducible.
func testKey(name string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte("nrm-audit-test-key/" + name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

var (
	actions  = []string{"record.read", "record.update", "login.success", "login.failure", "export", "permission.change", "breakglass.open"}
	outcomes = []string{"ok", "denied", "error"}
	roles    = []string{"caseworker", "supervisor", "first_responder", "auditor", "admin"}
	orgs     = []string{"org-police-01", "org-ngo-17", "org-la-03", "org-homeoffice"}
	fieldSet = []string{"name", "dob", "nationality", "address", "exploitation_type", "referral", "decision", "notes", "contact", "documents"}
)

var baseTime = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// randomEntry returns a plausible unsealed entry with the given Seq.
func randomEntry(r *rand.Rand, seq int64) Entry {
	e := Entry{
		Seq:       seq,
		At:        baseTime.Add(time.Duration(seq)*time.Second + time.Duration(r.IntN(1_000_000_000))),
		ActorUser: fmt.Sprintf("u-%04d", r.IntN(500)),
		ActorOrg:  orgs[r.IntN(len(orgs))],
		ActorRole: roles[r.IntN(len(roles))],
		Action:    actions[r.IntN(len(actions))],
		Outcome:   outcomes[r.IntN(len(outcomes))],
		Remote:    fmt.Sprintf("10.%d.%d.0/24", r.IntN(256), r.IntN(256)),
		RequestID: fmt.Sprintf("req-%016x", r.Uint64()),
	}
	if r.IntN(10) > 0 {
		e.Subject = fmt.Sprintf("case-%06d", r.IntN(100000))
	}
	if r.IntN(5) == 0 {
		e.ActorUser = "" // system / anonymous
	}
	for range r.IntN(4) {
		e.Fields = append(e.Fields, fieldSet[r.IntN(len(fieldSet))])
	}
	if r.IntN(20) == 0 {
		e.BreakGlass = true
	}
	if r.IntN(3) == 0 {
		e.Reason = make([]byte, 16+r.IntN(48))
		for i := range e.Reason {
			e.Reason[i] = byte(r.Uint32())
		}
	}
	return e
}

// buildChain returns n sealed entries with Seq 1..n.
func buildChain(r *rand.Rand, n int) []Entry {
	out := make([]Entry, n)
	prev := GenesisHash
	for i := range out {
		out[i] = randomEntry(r, int64(i+1))
		out[i].Seal(prev)
		prev = out[i].Hash
	}
	return out
}

// checkpointsEvery signs a checkpoint after every `every` entries.
func checkpointsEvery(entries []Entry, every int, priv ed25519.PrivateKey) []Checkpoint {
	var (
		t   CompactTree
		cps []Checkpoint
	)
	keyID := KeyID(priv.Public().(ed25519.PublicKey))
	for i := range entries {
		t.Append(entries[i].Hash)
		if (i+1)%every == 0 {
			at := entries[i].At.Add(time.Second)
			cps = append(cps, SignCheckpoint(priv, keyID, t.Size(), t.Root(), at))
		}
	}
	return cps
}

// seqOf adapts a slice to the iterator Verify takes.
func seqOf(entries []Entry) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// cloneEntry deep-copies e so a mutation cannot leak into the original.
func cloneEntry(e Entry) Entry {
	e.Fields = slices.Clone(e.Fields)
	e.Reason = bytes.Clone(e.Reason)
	e.PrevHash = bytes.Clone(e.PrevHash)
	e.Hash = bytes.Clone(e.Hash)
	return e
}

func cloneCheckpoint(c Checkpoint) Checkpoint {
	c.Root = bytes.Clone(c.Root)
	c.Sig = bytes.Clone(c.Sig)
	return c
}
