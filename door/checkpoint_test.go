package door_test

import (
	"bytes"
	"context"
	"math/bits"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// newEntries makes the door write n audit entries (audited record reads)
// and returns how many entries the log gained.
func newEntries(t testing.TB, w *world, id string, n int) int64 {
	t.Helper()
	before := auditHead(t, w.DB)
	for range n {
		if _, err := w.Door.GetPerson(ctx, w.fr, id); err != nil {
			t.Fatal(err)
		}
	}
	return auditHead(t, w.DB) - before
}

// TestCheckpointWorkIsFlat is issue 21's measure: a checkpoint after ten
// new entries reads those ten rows of the log, at 10,000 entries as at
// 200,000 (NRM_AUDIT_LOG_SIZE=1000000 for a million; 50,000 with -short).
// On main it read every hash of the log inside the write transaction
// (4.1 MB of the database at 10k, 19.4 MB at 60k). Rows read are counted,
// not timed.
func TestCheckpointWorkIsFlat(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		var runs []door.CheckpointRun
		var proofs []*door.Consistency
		for _, size := range []int{10_000, bigAuditLog(t)} {
			w := newWorld(t, engine)
			p, err := w.Door.CreatePerson(ctx, w.fr, input("Flat", "Work", "x"))
			if err != nil {
				t.Fatal(err)
			}
			seedAuditLog(t, w.DB, size)
			head := auditHead(t, w.DB)
			// The first checkpoint builds the tree over the existing log once,
			// in rounds that each end in a short write.
			first, err := w.Door.RunCheckpoint(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			rounds := int((head + 16383) / 16384)
			if first.Checkpoint == nil || first.Checkpoint.Size != head || first.LogRows != head || first.Writes != rounds {
				t.Fatalf("%d entries: the first checkpoint %+v should cover %d entries in %d rounds", size, first, head, rounds)
			}
			added := newEntries(t, w, p.ID, 10)
			run, err := w.Door.RunCheckpoint(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			if run.Checkpoint == nil || run.Checkpoint.Size != head+added || run.LogRows != added || run.Writes != 1 {
				t.Fatalf("%d entries: a checkpoint after %d new entries %+v; want it to read exactly those rows in one write", size, added, run)
			}
			// Nodes completed: about one per 16 entries, plus one per level
			// when the new entries complete a larger subtree.
			if run.NodesKept > added/8+21 {
				t.Fatalf("%d entries: %d interior nodes stored for %d entries", size, run.NodesKept, added)
			}
			c, err := w.Door.ConsistencyProof(ctx, first.Checkpoint.Size, run.Checkpoint.Size)
			if err != nil {
				t.Fatal(err)
			}
			if !audit.VerifyConsistency(int(c.From), int(c.To), first.Checkpoint.Root, run.Checkpoint.Root, c.Proof) {
				t.Fatalf("%d entries: the consistency proof between the two checkpoints does not verify", size)
			}
			runs, proofs = append(runs, run), append(proofs, c)
			t.Logf("%s, %d entries: a checkpoint after %d new entries read %d log rows in %d write; the first read %d rows in %d writes; consistency proof: %d node rows, %d log rows",
				engine, head, added, run.LogRows, run.Writes, first.LogRows, first.Writes, c.NodeRows, c.LogRows)
		}
		if runs[0].LogRows != runs[1].LogRows || runs[0].Writes != runs[1].Writes {
			t.Fatalf("the checkpoint's work grows with the log: %+v vs %+v", runs[0], runs[1])
		}
		for _, c := range proofs {
			if c.NodeRows > 2*21+2 || c.LogRows > 60 {
				t.Fatalf("a consistency proof read %d node rows and %d log rows", c.NodeRows, c.LogRows)
			}
		}
	})
}

// TestCheckpointOverALogCheckpointedBefore: a database whose checkpoints
// were signed over the whole log, as before the tree state was kept (its
// state starts empty after the migration), catches up, and the old and new
// checkpoints verify together and are proven consistent.
func TestCheckpointOverALogCheckpointedBefore(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Old", "Checkpoint", "x"))
		if err != nil {
			t.Fatal(err)
		}
		seedAuditLog(t, w.DB, 1234)
		newEntries(t, w, p.ID, 3)
		// The former checkpoint: every hash of the log, MerkleRoot, signed.
		signer, err := audit.LoadOrCreateSigner(filepath.Join(w.KeyDir, "audit.key"))
		if err != nil {
			t.Fatal(err)
		}
		var old audit.Checkpoint
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT hash FROM audit_log ORDER BY seq`)
			if err != nil {
				return err
			}
			var leaves [][]byte
			for rows.Next() {
				var h []byte
				if err := rows.Scan(&h); err != nil {
					rows.Close()
					return err
				}
				leaves = append(leaves, h)
			}
			rows.Close()
			old = audit.SignCheckpoint(signer, audit.KeyID(w.Door.PublicKey()), int64(len(leaves)), audit.MerkleRoot(leaves), tx.Now)
			_, err = tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, root, at, key_id, sig) VALUES (?, ?, ?, ?, ?)`,
				old.Size, old.Root, store.Micros(old.At), old.KeyID, old.Sig)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		newEntries(t, w, p.ID, 5)
		cp, err := w.Door.Checkpoint(ctx, true)
		if err != nil || cp == nil {
			t.Fatalf("checkpoint after the old one: %v %v", cp, err)
		}
		if n, err := w.Door.VerifyAudit(ctx); err != nil || n != cp.Size {
			t.Fatalf("old and new checkpoints verify together: %d %v", n, err)
		}
		c, err := w.Door.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil || !audit.VerifyConsistency(int(old.Size), int(cp.Size), old.Root, cp.Root, c.Proof) {
			t.Fatalf("the old checkpoint is a prefix of the new one: %v", err)
		}
		// A proof never reaches past the stored tree.
		if _, err := w.Door.ConsistencyProof(ctx, old.Size, cp.Size+1); err == nil {
			t.Fatal("a proof beyond the stored tree was made")
		}
		// An entry edited after it entered the tree: the next checkpoint
		// still signs the tree of the entries as they were, and verify names
		// the entry.
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET action = 'edited' WHERE seq = ?`, old.Size-7)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		newEntries(t, w, p.ID, 2)
		if _, err := w.Door.Checkpoint(ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.VerifyAudit(ctx); err == nil {
			t.Fatal("an edited entry verifies")
		} else if prob, ok := audit.AsProblem(err); !ok || prob.Seq != old.Size-7 {
			t.Fatalf("verify must name entry %d: %v", old.Size-7, err)
		}
	})
}

// TestCheckpointRefusesABrokenChain: a checkpoint appends only entries that
// follow the stored tree in the hash chain, so it never signs over an entry
// inserted or swapped after the fact.
func TestCheckpointRefusesABrokenChain(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Broken", "Chain", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.Checkpoint(ctx, true); err != nil {
			t.Fatal(err)
		}
		newEntries(t, w, p.ID, 3)
		head := auditHead(t, w.DB)
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET prev_hash = ? WHERE seq = ?`, make([]byte, 32), head-1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		cp, err := w.Door.Checkpoint(ctx, true)
		prob, ok := audit.AsProblem(err)
		if cp != nil || !ok || prob.Seq != head-1 || prob.Kind != audit.KindLink {
			t.Fatalf("a checkpoint over a broken link at %d must be refused: %v %v", head-1, cp, err)
		}
	})
}

// TestCheckpointDoesNotHoldTheWriter: a checkpoint reads the log on the
// reader side and writes only its result, so a request's write completes
// while a checkpoint is between its read and its write. On main the
// checkpoint read every hash of the log inside the write transaction, and
// every write waited for it (1.0–1.7 s every 30 s at 1M entries).
func TestCheckpointDoesNotHoldTheWriter(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Not", "Held", "x"))
		if err != nil {
			t.Fatal(err)
		}
		seedAuditLog(t, w.DB, 5000)
		var during error
		var wrote int64
		door.SetCheckpointHook(w.Door, func() {
			door.SetCheckpointHook(w.Door, nil)
			// The checkpoint has read the log and holds nothing: a write goes through.
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			before := auditHead(t, w.DB)
			_, during = w.Door.UpdatePerson(wctx, w.fr, p.ID, 1, nrm.PersonInput{Narrative: ptr("written during a checkpoint")})
			wrote = auditHead(t, w.DB) - before
		})
		cp, err := w.Door.Checkpoint(ctx, true)
		if err != nil || cp == nil {
			t.Fatalf("checkpoint: %v %v", cp, err)
		}
		if during != nil || wrote != 1 {
			t.Fatalf("a write while the checkpoint was paused between read and write: %v (%d entries)", during, wrote)
		}
		// The checkpoint signed the head it read; the write's entry comes next.
		if head := auditHead(t, w.DB); cp.Size != head-1 {
			t.Fatalf("checkpoint at %d, head %d: it must cover exactly what it read", cp.Size, head)
		}
		if n, err := w.Door.VerifyAudit(ctx); err != nil || n != cp.Size+1 {
			t.Fatalf("verify: %d %v", n, err)
		}
	})
}

// TestConcurrentCheckpoints: two checkpoints racing over the same state,
// beside writers, never store a tree that skipped or repeated entries: the
// one that finds the state moved starts again from the stored one.
func TestConcurrentCheckpoints(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Two", "Checkpoints", "x"))
		if err != nil {
			t.Fatal(err)
		}
		seedAuditLog(t, w.DB, 3000)
		// Deterministic race: a second checkpoint runs inside the first's
		// pause, so the first finds the state moved.
		var inner *audit.Checkpoint
		var innerErr error
		door.SetCheckpointHook(w.Door, func() {
			door.SetCheckpointHook(w.Door, nil)
			inner, innerErr = w.Door.Checkpoint(ctx, true)
		})
		outer, err := w.Door.Checkpoint(ctx, true)
		if err != nil || innerErr != nil || inner == nil || outer != nil {
			t.Fatalf("the inner checkpoint signs, the outer finds nothing left to sign: outer %v %v, inner %v %v", outer, err, inner, innerErr)
		}
		// Free-running: two checkpointers and two writers.
		var wg sync.WaitGroup
		errc := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				for range 15 {
					var err error
					if i < 2 {
						_, err = w.Door.Checkpoint(ctx, true)
					} else {
						_, err = w.Door.GetPerson(ctx, w.fr, p.ID)
					}
					if err != nil {
						errc <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		cp, err := w.Door.Checkpoint(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := w.Door.VerifyAudit(ctx); err != nil || (cp != nil && n != cp.Size) {
			t.Fatalf("verify after racing checkpoints: %d %v", n, err)
		}
		cps, err := w.Door.Checkpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(cps); i++ {
			c, err := w.Door.ConsistencyProof(ctx, cps[i-1].Size, cps[i].Size)
			if err != nil || !audit.VerifyConsistency(int(c.From), int(c.To), cps[i-1].Root, cps[i].Root, c.Proof) {
				t.Fatalf("checkpoints %d and %d are not proven consistent: %v", i-1, i, err)
			}
			if bytes.Equal(cps[i-1].Root, cps[i].Root) {
				t.Fatalf("two checkpoints with one root: %d and %d", cps[i-1].Size, cps[i].Size)
			}
		}
	})
}

// TestVerifyChecksTheTreeState: `nrm audit verify` also recomputes the
// stored tree state, so an altered frontier is named before the next
// checkpoint signs a wrong root.
func TestVerifyChecksTheTreeState(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Tree", "State", "x"))
		if err != nil {
			t.Fatal(err)
		}
		newEntries(t, w, p.ID, 4)
		cp, err := w.Door.Checkpoint(ctx, true)
		if err != nil || cp == nil {
			t.Fatal(cp, err)
		}
		newEntries(t, w, p.ID, 2)
		if _, err := w.Door.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_tree SET frontier = ? WHERE id = 1`, bytes.Repeat([]byte{7}, 32*bits.OnesCount64(uint64(cp.Size))))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = w.Door.VerifyAudit(ctx)
		if prob, ok := audit.AsProblem(err); !ok || prob.Kind != audit.KindCheckpoint || prob.Seq != cp.Size {
			t.Fatalf("an altered tree state must be named at %d: %v", cp.Size, err)
		}
	})
}
