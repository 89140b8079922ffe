package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/nrm-org/nrm/audit"
)

// Example shows the life cycle: the storage layer seals each entry in the
// transaction that performs the access, periodically signs and exports a
// checkpoint, and an auditor later verifies the log against the exported
// checkpoints.
func Example() {
	seed := sha256.Sum256([]byte("example only: use LoadOrCreateSigner"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)

	var (
		log  []audit.Entry
		tree audit.CompactTree
		prev = audit.GenesisHash
		at   = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	)
	for i := int64(1); i <= 5; i++ {
		e := audit.Entry{
			Seq: i, At: at.Add(time.Duration(i) * time.Minute),
			ActorUser: "u-0007", ActorOrg: "org-ngo-17", ActorRole: "caseworker",
			Action: "record.read", Subject: "case-000123", Fields: []string{"referral"},
			Outcome: "ok", RequestID: fmt.Sprintf("req-%d", i),
		}
		e.Seal(prev) // in the same DB transaction as the access
		prev = e.Hash
		log = append(log, e)
		tree.Append(e.Hash)
	}
	cp := audit.SignCheckpoint(priv, audit.KeyID(pub), tree.Size(), tree.Root(), at.Add(time.Hour))
	exported := audit.MarshalCheckpoint(cp) // ship this off-box

	// Later: an auditor with the exported checkpoint and the public key.
	cp2, err := audit.ParseCheckpoint(exported)
	if err != nil {
		panic(err)
	}
	entries := func(yield func(audit.Entry, error) bool) {
		for _, e := range log {
			if !yield(e, nil) {
				return
			}
		}
	}
	n, err := audit.Verify(entries, []audit.Checkpoint{cp2}, pub)
	fmt.Println(n, err)

	// Someone edits entry 3 to hide who read the record.
	log[2].ActorUser = "u-0001"
	_, err = audit.Verify(entries, []audit.Checkpoint{cp2}, pub)
	fmt.Println(err)
	// Output:
	// 5 <nil>
	// audit entry 3: hash mismatch (entry was edited)
}
