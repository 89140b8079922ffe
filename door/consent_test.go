package door_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// informed is a consent with the six points explained.
func informed(purpose, scope, by string, orgs ...string) nrm.ConsentInput {
	return nrm.ConsentInput{Purpose: purpose, Scope: scope, RecipientOrgs: orgs, GivenBy: by, How: "written",
		Language: "sq", TextVersion: "2026.1", Explained: nrm.ExplainedPoints}
}

// sees reports what an actor sees of a record: nothing (nil), or the parts shown.
func sees(t *testing.T, w *world, a *nrm.Actor, id string) []nrm.Part {
	t.Helper()
	p, err := w.Door.GetPerson(ctx, a, id)
	if errors.Is(err, nrm.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := []nrm.Part{nrm.PartSummary}
	if p.Identity != nil {
		out = append(out, nrm.PartIdentity)
	}
	if p.Narrative != nil {
		out = append(out, nrm.PartNarrative)
	}
	return out
}

func TestConsentGovernsDisclosure(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		clock := w.UseClock()
		w.Org(t, "org-c", nrm.OrgNGOShelter)
		spC := w.User(t, "spc.user", "org-c", nrm.OrgNGOShelter, nrm.RoleServiceProvider)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "needs a shelter place"))
		if err != nil {
			t.Fatal(err)
		}
		idOnly := []nrm.Part{nrm.PartSummary, nrm.PartIdentity}

		// Consent to share with shelter B only.
		c1, err := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b"))
		if err != nil {
			t.Fatal(err)
		}
		if got := sees(t, w, w.sp, p.ID); !slices.Equal(got, idOnly) {
			t.Fatalf("shelter B under consent sees %v, want %v", got, idOnly)
		}
		if got := sees(t, w, spC, p.ID); got != nil {
			t.Fatalf("shelter C without consent sees %v", got)
		}

		// A new version adds shelter C; the first is superseded, not edited.
		in := informed(nrm.PurposeShare, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b", "org-c")
		in.Replaces = c1
		c2, err := w.Door.RecordConsent(ctx, w.cm, p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := sees(t, w, spC, p.ID); !slices.Equal(got, idOnly) {
			t.Fatalf("shelter C after the new version sees %v", got)
		}
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, in); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("replacing a superseded version must be refused: %v", err)
		}
		hist, err := w.Door.Consents(ctx, w.cm, p.ID)
		if err != nil || len(hist) != 2 || hist[0].ID != c2 || hist[0].Version != 2 || hist[1].State(clock.Now()) != "superseded" || hist[1].SupersededBy != c2 || hist[0].Chain != c1 {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if !slices.Equal(hist[0].RecipientNames, []string{"Org org-b", "Org org-c"}) && !slices.Equal(hist[0].RecipientNames, []string{"Org org-c", "Org org-b"}) {
			t.Fatalf("recipient names: %v", hist[0].RecipientNames)
		}

		// Withdrawal: the very next request of either shelter sees nothing.
		if err := w.Door.WithdrawConsent(ctx, w.cm, p.ID, c2, "oral"); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*nrm.Actor{w.sp, spC} {
			if got := sees(t, w, a, p.ID); got != nil {
				t.Fatalf("after withdrawal %s sees %v", a.OrgID, got)
			}
		}
		if err := w.Door.WithdrawConsent(ctx, w.cm, p.ID, c2, "oral"); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("withdrawing twice: %v", err)
		}

		// A type of organisation, the account without identity, until tomorrow.
		tin := informed(nrm.PurposeServices, nrm.ConsentAccount, nrm.GivenByPerson)
		tin.RecipientTypes = []nrm.OrgType{nrm.OrgNGOShelter}
		tin.ExpiresOn = clock.Now().In(w.Door.Profile().Location()).AddDate(0, 0, 1).Format(time.DateOnly)
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, tin); err != nil {
			t.Fatal(err)
		}
		if got := sees(t, w, spC, p.ID); !slices.Equal(got, []nrm.Part{nrm.PartSummary, nrm.PartNarrative}) {
			t.Fatalf("account-only consent to shelters: C sees %v", got)
		}
		clock.Advance(72 * time.Hour)
		if got := sees(t, w, spC, p.ID); got != nil {
			t.Fatalf("after expiry C sees %v", got)
		}

		// The recipient may not record consent; the referring side may.
		if _, err := w.Door.RecordConsent(ctx, w.sp, p.ID, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-b")); !errors.Is(err, nrm.ErrNotFound) && nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a recipient recording consent: %v", err)
		}
		// Every change is audited; nothing personal in the audit.
		if n := auditCount(t, w, p.ID, door.ActConsent, "ok"); n != 3 {
			t.Fatalf("consent audit entries %d, want 3", n)
		}
		if n := auditCount(t, w, p.ID, door.ActConsentWithdraw, "ok"); n != 1 {
			t.Fatalf("withdraw audit entries %d, want 1", n)
		}
	})
}

func TestConsentValidation(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Ana", "Leka", "x"))
		fields := func(err error) []string {
			var es nrm.Errors
			var e1 *nrm.Error
			var out []string
			switch {
			case errors.As(err, &es):
				for _, e := range es {
					out = append(out, e.Field)
				}
			case errors.As(err, &e1):
				out = append(out, e1.Field)
			default:
				t.Fatalf("want field errors, got %v", err)
			}
			return out
		}
		in := informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByGuardian)
		in.Explained = in.Explained[:3]
		in.ExpiresOn = "2001-01-01"
		_, err := w.Door.RecordConsent(ctx, w.cm, p.ID, in)
		got := fields(err)
		for _, f := range []string{"recipients", "given_by", "explained", "expires_on"} {
			if !slices.Contains(got, f) {
				t.Errorf("missing field error %q in %v", f, got)
			}
		}
		_, err = w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-nowhere"))
		if got := fields(err); !slices.Contains(got, "recipients") {
			t.Fatalf("unknown recipient: %v", got)
		}

		// A child below the consent age: the guardian consents, with the
		// child's assent; a child of 14 or more consents themselves.
		if _, err := w.Door.AssessAge(ctx, w.cm, p.ID, nrm.AgeAssessment{On: "2026-01-05", Method: "documents", Years: 12}); err != nil {
			t.Fatal(err)
		}
		_, err = w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeServices, nrm.ConsentFull, nrm.GivenByPerson, "org-b"))
		if got := fields(err); !slices.Contains(got, "given_by") {
			t.Fatalf("a 12-year-old's own consent: %v", got)
		}
		g := informed(nrm.PurposeServices, nrm.ConsentFull, nrm.GivenByGuardian, "org-b")
		_, err = w.Door.RecordConsent(ctx, w.cm, p.ID, g)
		if got := fields(err); !slices.Contains(got, "guardian_name") || !slices.Contains(got, "child_assent") {
			t.Fatalf("guardian consent needs the name and the child's assent: %v", got)
		}
		g.GuardianName, g.ChildAssent = "Drita Leka", "agrees"
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, g); err != nil {
			t.Fatal(err)
		}
		hist, _ := w.Door.Consents(ctx, w.cm, p.ID)
		if len(hist) != 1 || hist[0].GuardianName == nil || *hist[0].GuardianName != "Drita Leka" {
			t.Fatalf("guardian name is kept, encrypted, for those who may see identity: %+v", hist)
		}
		if _, err := w.Door.AssessAge(ctx, w.cm, p.ID, nrm.AgeAssessment{On: "2026-01-06", Method: "documents", Years: 15}); err != nil {
			t.Fatal(err)
		}
		_, err = w.Door.RecordConsent(ctx, w.cm, p.ID, g)
		if got := fields(err); !slices.Contains(got, "given_by") {
			t.Fatalf("a 15-year-old consents themselves: %v", got)
		}
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeServices, nrm.ConsentFull, nrm.GivenByChild, "org-b")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConsentStatesMatrix is the authorization matrix with consent states
// as a dimension: for every role of a recipient organisation and every
// state of the consent naming it, the parts the door discloses are exactly
// the policy's granted parts within the consent's scope (plus what the role
// sees of any record through the register), and nothing once the consent
// is withdrawn, expired or replaced by one that leaves the organisation out.
func TestConsentStatesMatrix(t *testing.T) {
	states := []string{"none", "summary", "account", "identity", "full", "withdrawn", "expired", "superseded", "legal"}
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		clock := w.UseClock()
		actors := map[nrm.Role]*nrm.Actor{}
		for _, r := range nrm.Roles {
			actors[r] = w.User(t, "b."+string(r), "org-b", nrm.OrgNGOShelter, r)
		}
		tomorrow := func() string {
			return clock.Now().In(w.Door.Profile().Location()).AddDate(0, 0, 1).Format(time.DateOnly)
		}
		for _, st := range states {
			p, err := w.Door.CreatePerson(ctx, w.cm, input("Mira", "Hoxha", "account"))
			if err != nil {
				t.Fatal(err)
			}
			var scope []nrm.Part
			switch st {
			case "summary", "account", "identity", "full":
				if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, st, nrm.GivenByPerson, "org-b")); err != nil {
					t.Fatal(err)
				}
				scope = nrm.ScopeParts(st)
			case "withdrawn":
				id, _ := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-b"))
				if err := w.Door.WithdrawConsent(ctx, w.cm, p.ID, id, "written"); err != nil {
					t.Fatal(err)
				}
			case "expired":
				in := informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-b")
				in.ExpiresOn = tomorrow()
				if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, in); err != nil {
					t.Fatal(err)
				}
			case "superseded":
				id, _ := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-b"))
				in := informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-a")
				in.Replaces = id
				if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, in); err != nil {
					t.Fatal(err)
				}
			case "legal":
				if _, err := w.Door.Grant(ctx, w.cm, p.ID, door.GrantInput{OrgID: "org-b", Parts: []nrm.Part{nrm.PartSummary, nrm.PartIdentity}, Basis: door.BasisLegal, Reason: "child protection order"}); err != nil {
					t.Fatal(err)
				}
				scope = []nrm.Part{nrm.PartSummary, nrm.PartIdentity}
			}
			if st == "expired" {
				clock.Advance(72 * time.Hour)
			}
			for _, r := range nrm.Roles {
				var want []nrm.Part
				for _, pt := range nrm.Parts {
					if nrm.Allows(r, nrm.ScopeRegister, pt, nrm.Read) || (slices.Contains(scope, pt) && nrm.Allows(r, nrm.ScopeGranted, pt, nrm.Read)) {
						want = append(want, pt)
					}
				}
				got := sees(t, w, actors[r], p.ID)
				if !slices.Equal(got, want) {
					t.Errorf("consent %s, role %s: sees %v, want %v", st, r, got, want)
				}
			}
		}
	})
}

func TestChildRefusesMeasureInterimDecision(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		w.Org(t, "org-cpu", nrm.OrgChildProtection)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Erion", "Dema", "x"))
		adult := nrm.MeasureInput{Kind: "shelter_placement", Consent: nrm.MeasureGiven, ChildViews: "wants to stay near school"}
		if _, err := w.Door.RecordMeasure(ctx, w.cm, p.ID, adult); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a measure for an adult under child rules: %v", err)
		}
		if _, err := w.Door.AssessAge(ctx, w.cm, p.ID, nrm.AgeAssessment{On: "2026-01-05", Method: "documents", Years: 15}); err != nil {
			t.Fatal(err)
		}
		// The child's views are required every time; a refusal needs the
		// structure whose head decides in the interim.
		if _, err := w.Door.RecordMeasure(ctx, w.cm, p.ID, nrm.MeasureInput{Kind: "foster_care", Consent: nrm.MeasureRefused}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("refusal without views or interim decider: %v", err)
		}
		if _, err := w.Door.RecordMeasure(ctx, w.cm, p.ID, nrm.MeasureInput{Kind: "foster_care", Consent: nrm.MeasureRefused, ChildViews: "v", InterimOrg: "org-b", InterimRole: "Director"}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a shelter cannot take the interim decision: %v", err)
		}
		mid, err := w.Door.RecordMeasure(ctx, w.cm, p.ID, nrm.MeasureInput{Kind: "foster_care", Consent: nrm.MeasureRefused,
			ChildViews: "does not want to leave the shelter friends", InterimOrg: "org-a", InterimRole: "Head of the regional social services"})
		if err != nil {
			t.Fatal(err)
		}
		cf, err := w.Door.Case(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cf.Measures) != 1 || !cf.Measures[0].Interim || cf.Measures[0].ConsentBy != "child" || cf.Measures[0].ChildViews == nil || cf.Measures[0].CourtDue.IsZero() {
			t.Fatalf("interim measure: %+v", cf.Measures)
		}
		var court *nrm.Deadline
		for i, d := range cf.Deadlines {
			if d.Rule == "court_ruling_request" {
				court = &cf.Deadlines[i]
			}
		}
		if court == nil || court.OrgID != "org-a" || !court.MetAt.IsZero() {
			t.Fatalf("the court deadline runs for the deciding structure: %+v", cf.Deadlines)
		}
		want, _, _ := w.Door.Profile().Due("court_ruling_request", cf.Measures[0].DecidedAt)
		if !court.DueAt.Equal(want) {
			t.Fatalf("court deadline due %v, want %v from the profile", court.DueAt, want)
		}
		if err := w.Door.RecordCourtRuling(ctx, w.cm, p.ID, mid, "confirmed"); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.RecordCourtRuling(ctx, w.cm, p.ID, mid, "confirmed"); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a second ruling: %v", err)
		}
		cf, _ = w.Door.Case(ctx, w.cm, p.ID)
		for _, d := range cf.Deadlines {
			if d.Rule == "court_ruling_request" && d.MetAt.IsZero() {
				t.Fatalf("the ruling meets the deadline: %+v", d)
			}
		}
		if cf.Measures[0].CourtOutcome != "confirmed" {
			t.Fatalf("outcome: %+v", cf.Measures[0])
		}
	})
}

func TestDisclosureLogIsExactlyTheAudit(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "account"))
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeShare, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b")); err != nil {
			t.Fatal(err)
		}
		_, _ = w.Door.GetPerson(ctx, w.sp, p.ID)  // shelter B reads (ok)
		_, _ = w.Door.GetPerson(ctx, w.mon, p.ID) // a monitor is refused (denied, not a disclosure)
		_, _ = w.Door.Case(ctx, w.cm, p.ID)
		type row struct {
			seq           int64
			org, role, ac string
		}
		var want []row
		err := w.DB.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT seq, actor_org, actor_role, action FROM audit_log WHERE subject = ? AND outcome = 'ok' ORDER BY seq`, p.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.seq, &r.org, &r.role, &r.ac); err != nil {
					return err
				}
				want = append(want, r)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		log, err := w.Door.DisclosureLog(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != len(want) || len(want) < 4 {
			t.Fatalf("log has %d entries, the audit %d", len(log), len(want))
		}
		for i, d := range log {
			if d.Seq != want[i].seq || d.OrgID != want[i].org || string(d.Role) != want[i].role || d.Action != want[i].ac {
				t.Errorf("entry %d: %+v, audit %+v", i, d, want[i])
			}
		}
		if !slices.ContainsFunc(log, func(d nrm.Disclosure) bool {
			return d.OrgID == "org-b" && d.OrgName == "Org org-b" && d.Action == door.ActPersonRead
		}) {
			t.Fatalf("shelter B's reading is missing: %+v", log)
		}
		if slices.ContainsFunc(log, func(d nrm.Disclosure) bool { return d.OrgID == "org-it" }) {
			t.Fatal("a refused access is not a disclosure")
		}
		// Reading the log is itself audited, and recipients may not read it.
		if n := auditCount(t, w, p.ID, door.ActDisclosureLog, "ok"); n != 1 {
			t.Fatalf("log reads audited: %d", n)
		}
		if _, err := w.Door.DisclosureLog(ctx, w.sp, p.ID); err == nil {
			t.Fatal("a recipient organisation read the disclosure log")
		}
	})
}

func TestOwnFileGathersWithoutOthersData(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "my account"))
		if _, err := w.Door.AssessAge(ctx, w.cm, p.ID, nrm.AgeAssessment{On: "2026-01-05", Method: "documents", Years: 12}); err != nil {
			t.Fatal(err)
		}
		g := informed(nrm.PurposeServices, nrm.ConsentFull, nrm.GivenByGuardian, "org-b")
		g.GuardianName, g.ChildAssent = "Drita Marku", "agrees"
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, g); err != nil {
			t.Fatal(err)
		}
		f, err := w.Door.OwnFile(ctx, w.cm, p.ID, "en")
		if err != nil {
			t.Fatal(err)
		}
		if f.Code != p.Code || f.Lang != "en" || f.ProducedBy != "Org org-a" || f.Person.Identity == nil || f.Person.Identity.GivenName != "Klea" {
			t.Fatalf("own file: %+v", f)
		}
		if len(f.Consents) != 1 || f.Consents[0].GuardianName != nil {
			t.Fatalf("the guardian's name is someone else's data: %+v", f.Consents)
		}
		if len(f.Disclosures) == 0 {
			t.Fatal("no disclosure log in the own file")
		}
		if n := auditCount(t, w, p.ID, door.ActOwnFile, "ok"); n != 1 {
			t.Fatalf("own file audited %d times", n)
		}
		if _, err := w.Door.OwnFile(ctx, w.sp, p.ID, "en"); err == nil {
			t.Fatal("a recipient produced the own file")
		}
	})
}

// TestExportFollowsConsentAndHidesChildren: an export carries exactly what
// a page would show, and never a child's identity.
func TestExportFollowsConsentAndHidesChildren(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		adult, _ := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "adult account"))
		child, _ := w.Door.CreatePerson(ctx, w.cm, input("Ermal", "Marku", "child account"))
		if _, err := w.Door.AssessAge(ctx, w.cm, child.ID, nrm.AgeAssessment{On: "2026-01-05", Method: "documents", Years: 15}); err != nil {
			t.Fatal(err)
		}
		find := func(ps []nrm.Person, id string) *nrm.Person {
			for i := range ps {
				if ps[i].ID == id {
					return &ps[i]
				}
			}
			return nil
		}
		// The owning organisation: the adult in full, the child without identity.
		own, err := exportAll(w.Door, w.cm)
		if err != nil || len(own) != 2 {
			t.Fatalf("own export: %d %v", len(own), err)
		}
		if a := find(own, adult.ID); a == nil || a.Identity == nil || a.Identity.GivenName != "Klea" {
			t.Fatalf("adult in own export: %+v", a)
		}
		if c := find(own, child.ID); c == nil || c.Identity != nil || c.Narrative != nil {
			t.Fatalf("a child's identity left in an export: %+v", c)
		}
		// Shelter B: nothing, then within the consent's scope, then nothing.
		if got, _ := exportAll(w.Door, w.sp); len(got) != 0 {
			t.Fatalf("shelter B exported %d records without consent", len(got))
		}
		cid, err := w.Door.RecordConsent(ctx, w.cm, adult.ID, informed(nrm.PurposeShare, nrm.ConsentAccount, nrm.GivenByPerson, "org-b"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := exportAll(w.Door, w.sp)
		if len(got) != 1 || got[0].Identity != nil || got[0].Narrative == nil {
			t.Fatalf("account-only consent: export %+v", got)
		}
		list, _ := w.Door.ListPersons(ctx, w.sp, door.PersonFilter{})
		if len(list) != 1 || list[0].ID != adult.ID {
			t.Fatalf("the consented record is in B's list: %+v", list)
		}
		if err := w.Door.WithdrawConsent(ctx, w.cm, adult.ID, cid, "oral"); err != nil {
			t.Fatal(err)
		}
		if got, _ := exportAll(w.Door, w.sp); len(got) != 0 {
			t.Fatalf("after withdrawal B exported %d", len(got))
		}
		if n := auditCount(t, w, adult.ID, door.ActExport, "ok"); n != 2 {
			t.Fatalf("export audit entries for the adult: %d, want 2", n)
		}
	})
}

// The SQL that discloses under a consent names exactly the purposes the
// domain says disclose.
func TestConsentSQLPurposesMatchTheDomain(t *testing.T) {
	for _, p := range nrm.ConsentPurposes {
		if in := strings.Contains(door.ActiveConsentSQL, "'"+p+"'"); in != slices.Contains(nrm.DisclosingPurposes, p) {
			t.Errorf("purpose %q: in the SQL %v, disclosing in the domain %v", p, in, !in)
		}
	}
}

// exportAll collects a whole export.
func exportAll(d *door.Service, a *nrm.Actor) ([]nrm.Person, error) {
	var out []nrm.Person
	_, err := d.ExportPersons(ctx, a, door.PersonFilter{}, func(p nrm.Person) error {
		out = append(out, p)
		return nil
	})
	return out, err
}
