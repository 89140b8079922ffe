package door_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// Bulk work has no cap: more records than two chunks are exported and
// reassigned, each with its own audit entry, a child's identity never
// leaving; a reassignment refuses a worker of another organisation and a
// record that is not the organisation's, and moves nothing then.
func TestBulkExportAndReassignHaveNoCap(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		rows := func(q string, args ...any) int { return count(t, &nrmWorld{world: w}, q, args...) }
		const n = 1234 // two full chunks and part of a third
		ins := make([]nrm.PersonInput, n)
		for i := range ins {
			ins[i] = input(fmt.Sprintf("Bulk%04d", i), "Family", "")
			if i%100 == 7 {
				ins[i].AgeGroup = ptr(nrm.AgeChild)
			}
		}
		ps, err := w.Door.CreatePersons(ctx, w.fr, ins)
		if err != nil {
			t.Fatal(err)
		}
		other, err := w.Door.CreatePerson(ctx, w.cmB, input("Elsewhere", "Shelter", ""))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps[:600] {
			if err := w.Door.Assign(ctx, w.cm, p.ID, w.fr.UserID); err != nil {
				t.Fatal(err)
			}
		}

		got, err := exportAll(w.Door, w.cm)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("exported %d records, want all %d", len(got), n)
		}
		seen := map[string]bool{}
		for _, p := range got {
			if seen[p.ID] {
				t.Fatalf("record %s exported twice", p.Code)
			}
			seen[p.ID] = true
			if p.IsChild() && p.Identity != nil {
				t.Fatalf("a child's identity left in the export: %s", p.Code)
			}
			if !p.IsChild() && (p.Identity == nil || p.Identity.FamilyName != "Family") {
				t.Fatalf("an adult's identity is missing for its own organisation: %s", p.Code)
			}
		}
		if seen[other.ID] {
			t.Fatal("another organisation's record was exported")
		}
		if c := rows(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = 'ok'`, door.ActExport); c != n {
			t.Fatalf("want one export audit entry per record (%d), got %d", n, c)
		}

		// Reassign: all of fr's records go to cm.
		for _, bad := range []struct {
			in    door.ReassignInput
			field string
		}{
			{door.ReassignInput{From: w.fr.UserID, To: w.cmB.UserID}, "to_user"},
			{door.ReassignInput{From: w.fr.UserID, To: w.fr.UserID}, "to_user"},
			{door.ReassignInput{To: w.cm.UserID}, "from_user"},
			{door.ReassignInput{To: w.cm.UserID, IDs: []string{ps[0].ID, other.ID}}, "ids"},
		} {
			if _, err := w.Door.Reassign(ctx, w.cm, bad.in); !slices.Contains(fieldOf(err), bad.field) {
				t.Fatalf("%+v: want a %s error, got %v", bad.in, bad.field, err)
			}
		}
		if c := rows(`SELECT COUNT(*) FROM assignments WHERE user_id = ?`, w.cm.UserID); c != 0 {
			t.Fatalf("a refused reassignment moved %d records", c)
		}
		if _, err := w.Door.Reassign(ctx, w.sp, door.ReassignInput{From: w.fr.UserID, To: w.cm.UserID}); !isCode(err, nrm.EForbidden) {
			t.Fatalf("a service provider reassigned: %v", err)
		}
		moved, err := w.Door.Reassign(ctx, w.cm, door.ReassignInput{From: w.fr.UserID, To: w.cm.UserID})
		if err != nil || moved != 600 {
			t.Fatalf("moved %d, %v; want 600", moved, err)
		}
		if a, b := rows(`SELECT COUNT(*) FROM assignments WHERE user_id = ?`, w.fr.UserID),
			rows(`SELECT COUNT(*) FROM assignments WHERE user_id = ?`, w.cm.UserID); a != 0 || b != 600 {
			t.Fatalf("after the move: %d left with fr, %d with cm", a, b)
		}
		// Named records, more than a chunk of them.
		var ids []string
		for _, p := range ps[600:] {
			ids = append(ids, p.ID)
		}
		if moved, err = w.Door.Reassign(ctx, w.cm, door.ReassignInput{To: w.fr.UserID, IDs: append(ids, ids[0])}); err != nil || moved != len(ids) {
			t.Fatalf("named: moved %d, %v; want %d", moved, err, len(ids))
		}
		if c := rows(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = 'ok'`, door.ActReassign); c != 600+len(ids) {
			t.Fatalf("want one audit entry per moved record, got %d", c)
		}
		if engine == store.SQLite {
			if _, err := w.Door.VerifyAudit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}
