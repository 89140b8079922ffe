package door_test

import (
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/stats"
)

func TestExportHTCDSNeedsStatisticsConsent(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		with, err := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "what happened to Klea"))
		if err != nil {
			t.Fatal(err)
		}
		without, err := w.Door.CreatePerson(ctx, w.cm, input("Ermal", "Hoxha", "what happened to Ermal"))
		if err != nil {
			t.Fatal(err)
		}
		// Consent to something else does not count; consent to statistics does.
		if _, err := w.Door.RecordConsent(ctx, w.cm, without.ID, informed(nrm.PurposeServices, nrm.ConsentFull, nrm.GivenByPerson, "org-b")); err != nil {
			t.Fatal(err)
		}
		cid, err := w.Door.RecordConsent(ctx, w.cm, with.ID, informed(nrm.PurposeStatistics, nrm.ConsentSummary, nrm.GivenByPerson))
		if err != nil {
			t.Fatal(err)
		}
		export := func() []map[string]string {
			t.Helper()
			var out []map[string]string
			n, err := w.Door.ExportHTCDS(ctx, w.cm, door.PersonFilter{}, func(rec map[string]string) error {
				out = append(out, rec)
				return nil
			})
			if err != nil || n != len(out) {
				t.Fatalf("export: %d %v", n, err)
			}
			return out
		}
		recs := export()
		if len(recs) != 1 {
			t.Fatalf("exported %d records, want the one with statistics consent: %v", len(recs), recs)
		}
		rec := recs[0]
		if errs := stats.ValidateHTCDS(rec); len(errs) > 0 {
			t.Fatalf("invalid HTCDS record %v: %v", rec, errs)
		}
		if rec[htcds.FGender] != "Feminine" || rec[htcds.FCitizenship] != "ALB" || rec[htcds.FReferralDate] == "" {
			t.Fatalf("record: %v", rec)
		}
		for k, v := range rec {
			for _, s := range []string{"Klea", "Marku", "1999", "happened", with.Code, with.ID} {
				if strings.Contains(v, s) {
					t.Fatalf("%s = %q leaks %q", k, v, s)
				}
			}
		}
		if n := auditCount(t, w, with.ID, door.ActHTCDSExport, "ok"); n != 1 {
			t.Fatalf("%d audit entries for the exported record, want 1", n)
		}
		if n := auditCount(t, w, without.ID, door.ActHTCDSExport, "ok"); n != 0 {
			t.Fatalf("the record without consent was audited as exported")
		}
		// Withdrawn: nothing leaves any more.
		if err := w.Door.WithdrawConsent(ctx, w.cm, with.ID, cid, "oral"); err != nil {
			t.Fatal(err)
		}
		if recs := export(); len(recs) != 0 {
			t.Fatalf("exported after withdrawal: %v", recs)
		}
	})
}

// TestExportHTCDSNamesWhoReferred: a referral recorded by an organisation in
// its own name carries that organisation's type (as the statistics read it).
func TestExportHTCDSNamesWhoReferred(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		res, err := w.Door.Refer(ctx, w.cm, nrm.ReferralInput{Region: "berat", Sex: "female", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(30), Consent: nrm.ConsentGiven})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordConsent(ctx, w.cm, res.Person.ID, informed(nrm.PurposeStatistics, nrm.ConsentSummary, nrm.GivenByPerson)); err != nil {
			t.Fatal(err)
		}
		var recs []map[string]string
		if _, err := w.Door.ExportHTCDS(ctx, w.cm, door.PersonFilter{}, func(rec map[string]string) error {
			recs = append(recs, rec)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0][htcds.FOrgType] != "LocalGovernmentOrganisation" {
			t.Fatalf("a social services referral should name its organisation type: %v", recs)
		}
	})
}
