package door_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/stats"
)

// parked yields one fact, then waits until the test lets it go on (the file
// is "being parsed"), then yields a second.
func parked(parsing chan<- struct{}, resume <-chan struct{}) func(func(stats.Fact, error) bool) {
	return func(yield func(stats.Fact, error) bool) {
		fact := func(i int) stats.Fact {
			return stats.Fact{Key: strconv.Itoa(i), Counted: true, Status: "potential_victim", Sex: "female", Age: stats.AgeUnknown,
				From: 202501, To: 202501, DaysToPot: -1, DaysToDecide: -1}
		}
		if !yield(fact(1), nil) {
			return
		}
		close(parsing)
		<-resume
		yield(fact(2), nil)
	}
}

func isBusy(err error) bool {
	var e *nrm.Error
	return errors.As(err, &e) && e.Code == nrm.EConflict && e.Key == "error.import_busy"
}

// TestImportParsesOutsideTheWriteTransaction: while an import's file is being
// parsed, no database connection is held (so no transaction is open), a case
// read through the door goes through, and a second import — here or on
// another instance over the same database — is told that one is running.
// Before the fix the facts were read inside the import's write transaction:
// the connection was held for the whole parse, and on SQLite the case read
// (which writes its audit entry) waited behind it.
func TestImportParsesOutsideTheWriteTransaction(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		coord := w.User(t, "coord.user", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleCoordinator)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Elona", "Çela", "met at the port"))
		if err != nil {
			t.Fatal(err)
		}
		signer, err := audit.LoadOrCreateSigner(filepath.Join(w.KeyDir, "audit.key"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := door.New(ctx, w.DB, w.Vault, signer, door.Settings{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}

		parsing, resume := make(chan struct{}), make(chan struct{})
		done := make(chan struct{}) // for imports that must not wait
		close(done)
		type result struct {
			d   *door.Dataset
			err error
		}
		first := make(chan result, 1)
		go func() {
			d, err := w.Door.ImportDataset(ctx, w.ra, "Parked", "htcds", parked(parsing, resume))
			first <- result{d, err}
		}()
		select {
		case <-parsing:
		case r := <-first:
			t.Fatalf("the import ended before its file was read: %v", r.err)
		}

		// Mid-parse. Generous bounds: they only stop a deadlock from hanging the test.
		bounded := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 20*time.Second) }
		if n := w.DB.W.Stats().InUse; n != 0 {
			t.Errorf("%d database connections held while the file is parsed, want 0", n)
		}
		c, cancel := bounded()
		if _, err := w.Door.GetPerson(c, w.cm, p.ID); err != nil {
			t.Errorf("a case read waited behind the import: %v", err)
		}
		cancel()
		c, cancel = bounded()
		if _, err := w.Door.ImportDataset(c, coord, "Second", "htcds", parked(make(chan struct{}), done)); !isBusy(err) {
			t.Errorf("a second import here: %v, want 'another import is running'", err)
		}
		cancel()
		c, cancel = bounded()
		if _, err := other.ImportDataset(c, coord, "Elsewhere", "htcds", parked(make(chan struct{}), done)); !isBusy(err) {
			t.Errorf("a second import on another instance: %v, want 'another import is running'", err)
		}
		cancel()

		close(resume)
		r := <-first
		if r.err != nil || r.d.Rows != 2 {
			t.Fatalf("the parked import: %+v %v", r.d, r.err)
		}
		// The slot is free again, on both instances.
		for _, d := range []*door.Service{other, w.Door} {
			if _, err := d.ImportDataset(ctx, coord, "After", "htcds", parked(make(chan struct{}), done)); err != nil {
				t.Fatalf("an import after the first: %v", err)
			}
		}
	})
}

// TestImportLeaseGivenBack: an import that fails (a bad row, a bad name, a
// refusal from the reader) gives the slot back, and a refused actor never
// takes it.
func TestImportLeaseGivenBack(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		bad := func(yield func(stats.Fact, error) bool) {
			yield(stats.Fact{}, nrm.FieldError("file", "error.import_row", 3, "prs_Gender"))
		}
		if _, err := w.Door.ImportDataset(ctx, w.ra, "Bad", "htcds", bad); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("bad row: %v", err)
		}
		if _, err := w.Door.ImportDataset(ctx, w.ra, " ", "htcds", bad); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("no name: %v", err)
		}
		if _, err := w.Door.ImportDataset(ctx, w.mon, "Monitor's", "htcds", bad); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a monitor: %v", err)
		}
		if err := w.Door.MayImportStatistics(w.mon); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a monitor may not import: %v", err)
		}
		if err := w.Door.MayImportStatistics(w.ra); err != nil {
			t.Fatalf("the Responsible Authority may import: %v", err)
		}
		done := make(chan struct{})
		close(done)
		d, err := w.Door.ImportDataset(ctx, w.ra, "Good", "htcds", parked(make(chan struct{}), done))
		if err != nil || d.Rows != 2 {
			t.Fatalf("an import after failed ones: %+v %v", d, err)
		}
	})
}
