package door_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/store"
)

// TestAuditVerifyUnderLiveWrites runs `nrm audit verify` (VerifyAudit) while
// other requests keep writing audit entries. The verifier must judge one
// consistent view of the log: a head that moved on while the log was being
// read is not a truncation. Before the fix it reported "the log ends at N
// but its head says N+1" on both engines (issue 13, part 3).
func TestAuditVerifyUnderLiveWrites(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Live", "Writer", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.Checkpoint(ctx, true); err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var writes atomic.Int64
		errc := make(chan error, 2)
		for range 2 {
			wg.Go(func() {
				for wctx.Err() == nil {
					if _, err := w.Door.GetPerson(wctx, w.fr, p.ID); err != nil {
						if wctx.Err() == nil {
							errc <- err
						}
						return
					}
					writes.Add(1)
				}
			})
		}
		// Verify until the writers have written well past several verify
		// runs, so that writes commit while the log is being read.
		var runs int
		for runs = 0; runs < 8 || writes.Load() < 200; runs++ {
			if _, err := w.Door.VerifyAudit(ctx); err != nil {
				stop()
				wg.Wait()
				t.Fatalf("verify run %d with %d concurrent writes: %v", runs, writes.Load(), err)
			}
			if runs > 400 {
				break
			}
		}
		stop()
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatalf("a concurrent write failed: %v", err)
		}
		if writes.Load() == 0 {
			t.Fatal("no write ran beside the verifier")
		}
		t.Logf("%d verify runs beside %d writes", runs, writes.Load())
		// Once quiet, the whole trail still verifies to the head.
		if n, err := w.Door.VerifyAudit(ctx); err != nil || n < writes.Load() {
			t.Fatalf("quiet verify: %d entries, %v", n, err)
		}
	})
}

// TestAuditVerifyHeadMustMatch: the head is read in the same snapshot as the
// log, so it must name the last entry exactly, by number and by hash.
func TestAuditVerifyHeadMustMatch(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		if _, err := w.Door.CreatePerson(ctx, w.fr, input("Head", "Check", "x")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, make([]byte, 32))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, err := w.Door.VerifyAudit(ctx)
		prob, ok := audit.AsProblem(err)
		if !ok || prob.Kind != audit.KindLink || prob.Seq != n {
			t.Fatalf("a head whose hash is not the last entry's must be reported at entry %d: %v", n, err)
		}
	})
}
