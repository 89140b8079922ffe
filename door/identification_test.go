package door_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// nrmWorld is an NRM of one region with every member type the scenarios
// need, and one user per seat.
type nrmWorld struct {
	*world
	border, police, social, cpu, ngo, raOff *nrm.Actor
	panelPolice, panelSocial, panelCPU      *nrm.Actor
	justice                                 *nrm.Actor
}

func newNRM(t *testing.T, engine string) *nrmWorld {
	w := newWorld(t, engine)
	for id, typ := range map[string]nrm.OrgType{
		"org-bp": nrm.OrgBorderPolice, "org-pol": nrm.OrgPolice, "org-cpu": nrm.OrgChildProtection,
		"org-health": nrm.OrgHealth, "org-iom": nrm.OrgInternational, "org-pros": nrm.OrgProsecution,
	} {
		w.Org(t, id, typ)
	}
	return &nrmWorld{
		world:       w,
		border:      w.User(t, "bp.officer", "org-bp", nrm.OrgBorderPolice, nrm.RoleFirstResponder),
		police:      w.User(t, "pol.officer", "org-pol", nrm.OrgPolice, nrm.RoleFirstResponder),
		social:      w.cm,
		cpu:         w.User(t, "cpu.worker", "org-cpu", nrm.OrgChildProtection, nrm.RoleCaseManager),
		ngo:         w.User(t, "ngo.worker", "org-b", nrm.OrgNGOShelter, nrm.RoleFirstResponder),
		raOff:       w.ra,
		panelPolice: w.User(t, "panel.police", "org-pol", nrm.OrgPolice, nrm.RolePanelMember),
		panelSocial: w.User(t, "panel.social", "org-a", nrm.OrgSocialService, nrm.RolePanelMember),
		panelCPU:    w.User(t, "panel.cpu", "org-cpu", nrm.OrgChildProtection, nrm.RolePanelMember),
		justice:     w.User(t, "prosecutor", "org-pros", nrm.OrgProsecution, nrm.RoleJusticeOfficer),
	}
}

// indicators picks one indicator of a form in each of the given sections,
// from the catalogue in force, so the test follows the data.
func indicators(t *testing.T, form rules.Form, sections ...string) []string {
	t.Helper()
	var out []string
	for _, sec := range sections {
		found := false
		for _, ind := range rules.Indicators().Indicators {
			if ind.Section == sec && slices.Contains(ind.Forms, form) {
				out = append(out, ind.Code)
				found = true
				break
			}
		}
		if !found {
			// Fall back to any indicator of the section: the rule counts sections.
			for _, ind := range rules.Indicators().Indicators {
				if ind.Section == sec {
					out = append(out, ind.Code)
					found = true
					break
				}
			}
		}
		if !found {
			t.Fatalf("catalogue has no indicator in section %s", sec)
		}
	}
	return out
}

func fieldOf(err error) []string {
	var es nrm.Errors
	var e *nrm.Error
	switch {
	case errors.As(err, &es):
		var out []string
		for _, x := range es {
			out = append(out, x.Field)
		}
		return out
	case errors.As(err, &e):
		return []string{e.Field}
	}
	return nil
}

func hasTimeline(cf *door.CaseFile, kind string) bool {
	for _, e := range cf.Timeline {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

func count(t *testing.T, w *nrmWorld, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.DB.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// A border police officer refers a foreign adult with labour indicators:
// potential victim at once, reflection period running, shelter and
// interpreter tasks open, the register shows the person, a police and
// social-services panel decides, and a return step is refused while the
// reflection period runs.
func TestScenarioForeignAdultLabour(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		in := nrm.ReferralInput{
			MetOn: "2026-11-20", MetRegion: "tirane", MetHow: "border_check", MetPlace: "Rinas crossing, second lane",
			Identity: &nrm.Identity{GivenName: "Amir", FamilyName: "Haddad", BirthDate: "1994"},
			Sex:      "male", Nationalities: []string{"SYR"}, Languages: []string{"ar"}, Interpreter: true, PreferredGender: "male",
			AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32),
			Needs:      []nrm.NeedRequest{{Need: nrm.NeedShelter}, {Need: nrm.NeedInterpreter}},
			Indicators: indicators(t, "labour", "A", "B", "C"),
			Account:    "Worked on a farm for no pay; passport kept by the employer.",
			Consent:    nrm.ConsentGiven,
		}
		res, err := w.Door.Refer(ctx, w.border, in)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person
		if !res.Recommendation.Meets || p.Status != nrm.StatusPotentialVictim || p.PotentialAt.IsZero() {
			t.Fatalf("want potential victim at once: meets=%v status=%s", res.Recommendation.Meets, p.Status)
		}
		if !p.Foreign || !p.ReflectionRunning(w.Door.Now()) {
			t.Fatalf("reflection period should run for a foreign national: %+v", p)
		}
		if days := p.ReflectionEnd.Sub(p.ReflectionStart).Hours() / 24; days < 30 {
			t.Fatalf("reflection period %.0f days, below the Convention's 30", days)
		}
		kinds := map[string]string{}
		for _, tk := range res.Tasks {
			kinds[tk.Kind] = tk.OrgID
		}
		if kinds["shelter"] != "org-b" || kinds["interpreter"] != "org-iom" {
			t.Fatalf("tasks should go to named organisations at once: %v", kinds)
		}
		// The shelter sees the record and its task, with no identification.
		cfShelter, err := w.Door.Case(ctx, w.cmB, p.ID)
		if err != nil {
			t.Fatalf("shelter cannot open the record its task is for: %v", err)
		}
		if cfShelter.Person.Identity == nil || cfShelter.Person.Identity.GivenName != "Amir" {
			t.Fatal("the shelter should see the identity disclosed under the referral consent")
		}
		work, err := w.Door.Work(ctx, w.cmB)
		if err != nil || len(work.Tasks) != 1 || work.Tasks[0].Kind != "shelter" {
			t.Fatalf("shelter's work list: %+v %v", work, err)
		}

		// The Responsible Authority's register shows the person under a code.
		reg, err := w.Door.Register(ctx, w.raOff, door.RegisterFilter{})
		if err != nil || len(reg) != 1 || reg[0].Code != p.Code || reg[0].Status != nrm.StatusPotentialVictim {
			t.Fatalf("register: %+v %v", reg, err)
		}
		if err := w.Door.RegisterPerson(ctx, w.raOff, p.ID); err != nil {
			t.Fatal(err)
		}

		// A return step is refused while the reflection period runs.
		err = w.Door.RecordReturnStep(ctx, w.border, p.ID, nrm.ReturnStep{Kind: "removal_order"})
		if !slices.Contains(fieldOf(err), "own_request") {
			t.Fatalf("return during reflection must be refused naming own_request, got %v", err)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM return_steps`); n != 0 {
			t.Fatal("a refused return step was written")
		}

		// The adult asks for formal identification; the panel needs police and social services.
		_, err = w.Door.RequestIdentification(ctx, w.border, p.ID, nrm.IdentificationRequest{
			RequestedBy: nrm.RequestedByPerson, Explanation: "Told what it means, in Arabic", Language: "ar", PanelOrgs: []string{"org-pol"}})
		if !slices.Contains(fieldOf(err), "panel_orgs") {
			t.Fatalf("a police-only panel must be refused, got %v", err)
		}
		reqID, err := w.Door.RequestIdentification(ctx, w.border, p.ID, nrm.IdentificationRequest{
			RequestedBy: nrm.RequestedByPerson, Explanation: "Told what it means, in Arabic", Language: "ar", PanelOrgs: []string{"org-pol", "org-a"}})
		if err != nil {
			t.Fatal(err)
		}
		dec := nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "Consistent account; indicators in every section.",
			InterviewOn: "2026-11-25", InterviewerGender: "female", InterpreterLang: "ar", ToldOn: "2026-11-25", ToldHow: "in_person", ToldLang: "ar"}
		_, err = w.Door.Decide(ctx, w.panelPolice, reqID, dec)
		if !slices.Contains(fieldOf(err), "gender_reason") {
			t.Fatalf("an interviewer against the person's preference needs a reason, got %v", err)
		}
		dec.InterviewerGender = "male"
		decID, err := w.Door.Decide(ctx, w.panelPolice, reqID, dec)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := w.Door.Case(ctx, w.border, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cf.Person.Status != nrm.StatusPotentialVictim {
			t.Fatal("one signature must not decide")
		}
		if err := w.Door.SignDecision(ctx, w.panelPolice, decID); err == nil {
			t.Fatal("the same member signed twice")
		}
		if err := w.Door.SignDecision(ctx, w.panelSocial, decID); err != nil {
			t.Fatal(err)
		}
		cf, err = w.Door.Case(ctx, w.border, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cf.Person.Status != nrm.StatusIdentified || cf.Person.DecidedAt.IsZero() {
			t.Fatalf("two signatures from both sides should decide: %s", cf.Person.Status)
		}
		var tos []nrm.Status
		for _, h := range cf.History {
			tos = append(tos, h.To)
		}
		if !slices.Equal(tos, []nrm.Status{nrm.StatusPotentialVictim, nrm.StatusIdentified}) {
			t.Fatalf("status history %v", tos)
		}
		for _, k := range []string{door.TLReferred, door.TLReflection, door.TLTaskOpened, door.TLIDRequested, door.TLDecisionSigned, door.TLDecisionEffective, door.TLRegistered} {
			if !hasTimeline(cf, k) {
				t.Errorf("timeline lacks %s", k)
			}
		}
		// The person's own request, after a risk assessment, makes a return step possible.
		if _, err := w.Door.RecordReturnRisk(ctx, w.border, p.ID, nrm.ReturnRiskAssessment{On: "2026-11-25", Outcome: "low"}); err != nil {
			t.Fatal(err)
		}
		err = w.Door.RecordReturnStep(ctx, w.border, p.ID, nrm.ReturnStep{Kind: "voluntary_return", OwnRequest: true, Note: "Asked to go home to family, in writing."})
		if err != nil {
			t.Fatal(err)
		}
		// Services under way keep running: the shelter task is still open.
		if n := count(t, w, `SELECT COUNT(*) FROM tasks WHERE person_id = ? AND state = 'open'`, p.ID); n != 2 {
			t.Fatalf("open tasks after the decision: %d", n)
		}
	})
}

// An NGO refers a young person of uncertain age: treated as a child, the
// child protection unit notified at once, a guardian required before the
// record can progress to formal identification.
func TestScenarioUncertainAgeChild(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		res, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{
			MetRegion: "tirane", MetHow: "outreach", Region: "tirane",
			Identity: &nrm.Identity{GivenName: "Dea"}, Sex: "female", Nationalities: []string{"ALB"},
			AgeBasis: nrm.AgeUncertain, ChildSigns: true,
			Indicators: indicators(t, "sexual", "A", "C"),
			Consent:    nrm.ConsentChild,
		})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person
		if !p.IsChild() || !p.PresumedChild {
			t.Fatalf("uncertain age with a sign of a child must be treated as a child: %+v", p)
		}
		if p.Status != nrm.StatusPotentialVictim {
			t.Fatalf("a child with indicators in A and C meets the threshold: %s", p.Status)
		}
		if p.Foreign {
			t.Fatal("an Albanian national is not foreign in the Albanian profile")
		}
		work, err := w.Door.Work(ctx, w.cpu)
		if err != nil {
			t.Fatal(err)
		}
		var notice *nrm.Notification
		for i := range work.Notifications {
			if work.Notifications[i].Kind == "child_referred" && work.Notifications[i].PersonID == p.ID {
				notice = &work.Notifications[i]
			}
		}
		if notice == nil {
			t.Fatalf("the child protection unit was not notified: %+v", work.Notifications)
		}
		// The CPU can open the record under the legal basis of child protection.
		if _, err := w.Door.Case(ctx, w.cpu, p.ID); err != nil {
			t.Fatal(err)
		}
		req := nrm.IdentificationRequest{RequestedBy: nrm.RequestedByChildProtection, PanelOrgs: []string{"org-pol", "org-a", "org-cpu"}}
		_, err = w.Door.RequestIdentification(ctx, w.cpu, p.ID, req)
		if !slices.Contains(fieldOf(err), "guardian") {
			t.Fatalf("a child's record must not progress without a guardian, got %v", err)
		}
		if err := w.Door.RecordGuardian(ctx, w.cpu, p.ID, nrm.GuardianInput{Kind: "cpu_worker", Name: "Blerta K.", OrgID: "org-cpu"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RequestIdentification(ctx, w.cpu, p.ID, nrm.IdentificationRequest{RequestedBy: nrm.RequestedByChildProtection, PanelOrgs: []string{"org-pol", "org-a"}}); !slices.Contains(fieldOf(err), "panel_orgs") {
			t.Fatalf("a child's panel needs child protection, got %v", err)
		}
		reqID, err := w.Door.RequestIdentification(ctx, w.cpu, p.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		dec := nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "Recruited through a false romance.", InterviewOn: "2026-11-25"}
		if _, err := w.Door.Decide(ctx, w.panelPolice, reqID, dec); !slices.Contains(fieldOf(err), "child_views") {
			t.Fatalf("a child's views must be recorded at the decision, got %v", err)
		}
		dec.ChildViews = "She wants to stay with her aunt."
		decID, err := w.Door.Decide(ctx, w.panelPolice, reqID, dec)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SignDecision(ctx, w.panelSocial, decID); err != nil {
			t.Fatal(err)
		}
		cf, _ := w.Door.Case(ctx, w.cpu, p.ID)
		if cf.Person.Status != nrm.StatusPotentialVictim {
			t.Fatal("a child's decision needs the child-protection signature too")
		}
		if err := w.Door.SignDecision(ctx, w.panelCPU, decID); err != nil {
			t.Fatal(err)
		}
		cf, _ = w.Door.Case(ctx, w.cpu, p.ID)
		if cf.Person.Status != nrm.StatusIdentified {
			t.Fatalf("status after three signatures: %s", cf.Person.Status)
		}
		if len(cf.Requests) != 1 || cf.Requests[0].Decisions[0].ChildViews != "She wants to stay with her aunt." {
			t.Fatal("the child's views are not on the decision")
		}
		// Age assessment ends the presumption.
		got, err := w.Door.AssessAge(ctx, w.cpu, p.ID, nrm.AgeAssessment{On: "2026-11-24", Method: "multidisciplinary", Years: 16})
		if err != nil || got.AgeGroup != nrm.AgeChild || got.PresumedChild {
			t.Fatalf("assessed child: %+v %v", got, err)
		}
	})
}

// The same person referred by a second organisation is flagged as a
// possible duplicate, by blind index; the Responsible Authority links them.
func TestScenarioDuplicate(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		in := nrm.ReferralInput{Identity: &nrm.Identity{GivenName: "Mirela", FamilyName: "Hoxha", BirthDate: "2001-03-04"},
			Nationalities: []string{"ALB"}, Consent: nrm.ConsentGiven, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(25)}
		first, err := w.Door.Refer(ctx, w.ngo, in)
		if err != nil || first.Duplicate {
			t.Fatalf("first referral: %v dup=%v", err, first != nil && first.Duplicate)
		}
		in.Identity = &nrm.Identity{GivenName: "  MIRELA ", FamilyName: "hoxha", BirthDate: "2001"}
		second, err := w.Door.Refer(ctx, w.police, in)
		if err != nil {
			t.Fatal(err)
		}
		if !second.Duplicate {
			t.Fatal("the second referral of the same person was not flagged")
		}
		cf, err := w.Door.Case(ctx, w.raOff, second.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cf.Duplicates) != 1 || cf.Duplicates[0].OtherID != first.Person.ID || cf.Duplicates[0].State != "possible" {
			t.Fatalf("RA's view of the duplicate: %+v", cf.Duplicates)
		}
		if cf.Person.Identity != nil {
			t.Fatal("the register view must not carry identity")
		}
		if err := w.Door.ResolveDuplicate(ctx, w.police, first.Person.ID, second.Person.ID, "linked"); err == nil {
			t.Fatal("only the Responsible Authority resolves duplicates")
		}
		if err := w.Door.ResolveDuplicate(ctx, w.raOff, first.Person.ID, second.Person.ID, "merged"); err != nil {
			t.Fatal(err)
		}
		reg, _ := w.Door.Register(ctx, w.raOff, door.RegisterFilter{})
		if len(reg) != 1 || reg[0].PersonID != first.Person.ID || reg[0].Duplicate {
			t.Fatalf("after merging the register shows one open record: %+v", reg)
		}
	})
}

// A missed deadline escalates to the Responsible Authority, once.
func TestScenarioMissedDeadlineEscalates(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		res, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{Consent: nrm.ConsentChild, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(15), Region: "tirane",
			Needs: []nrm.NeedRequest{{Need: nrm.NeedMedical}}, Judged: true, JudgedReason: "Found working at night in a bar"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Person.Status != nrm.StatusPotentialVictim {
			t.Fatal("the referrer's judgement with a reason makes a potential victim")
		}
		if n, err := w.Door.EscalateDeadlines(ctx); err != nil || n != 0 {
			t.Fatalf("nothing is missed yet: %d %v", n, err)
		}
		real := w.DB.Now
		w.DB.Now = func() time.Time { return real().Add(10 * 24 * time.Hour) }
		defer func() { w.DB.Now = real }()
		n, err := w.Door.EscalateDeadlines(ctx)
		if err != nil || n == 0 {
			t.Fatalf("missed deadlines should escalate: %d %v", n, err)
		}
		if again, _ := w.Door.EscalateDeadlines(ctx); again != 0 {
			t.Fatalf("escalated twice: %d", again)
		}
		work, err := w.Door.Work(ctx, w.raOff)
		if err != nil {
			t.Fatal(err)
		}
		missed := 0
		for _, nt := range work.Notifications {
			if nt.Kind == "deadline_missed" {
				missed++
			}
		}
		if missed != n || len(work.Deadlines) < n {
			t.Fatalf("RA sees %d escalations and %d deadlines, want %d", missed, len(work.Deadlines), n)
		}
		cf, _ := w.Door.Case(ctx, w.ngo, res.Person.ID)
		if !hasTimeline(cf, door.TLDeadlineMissed) {
			t.Fatal("the record's timeline lacks the missed deadline")
		}
	})
}

// Impossible values get clear field errors and nothing is written.
func TestReferralRejectsImpossibleValues(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		cases := []struct {
			name  string
			in    nrm.ReferralInput
			field string
		}{
			{"future birth date", nrm.ReferralInput{Consent: nrm.ConsentGiven, Identity: &nrm.Identity{BirthDate: "2099-01-01"}}, "birth_date"},
			{"unknown indicator", nrm.ReferralInput{Consent: nrm.ConsentGiven, Indicators: []string{"lab.no_such_thing"}}, "indicators"},
			{"unknown organisation", nrm.ReferralInput{Consent: nrm.ConsentGiven, Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "nope"}}}, "needs"},
			{"no consent answer", nrm.ReferralInput{}, "consent"},
			{"identity without consent", nrm.ReferralInput{Consent: nrm.ConsentRefused, Identity: &nrm.Identity{GivenName: "X"}}, "consent"},
			{"judged without reason", nrm.ReferralInput{Consent: nrm.ConsentGiven, Judged: true}, "judged_reason"},
			{"bad nationality", nrm.ReferralInput{Consent: nrm.ConsentGiven, Nationalities: []string{"xx"}}, "nationalities"},
		}
		for _, c := range cases {
			_, err := w.Door.Refer(ctx, w.ngo, c.in)
			if !slices.Contains(fieldOf(err), c.field) {
				t.Errorf("%s: want a field error on %s, got %v", c.name, c.field, err)
			}
		}
		if n := count(t, w, `SELECT COUNT(*) FROM persons`); n != 0 {
			t.Fatalf("%d persons written by rejected referrals", n)
		}
		// An adult who refuses consent is an anonymous notification.
		res, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{Consent: nrm.ConsentRefused, Sex: "female", Nationalities: []string{"ALB"}})
		if err != nil || !res.Person.Anonymous || res.Person.Identity != nil {
			t.Fatalf("anonymous notification: %+v %v", res, err)
		}
	})
}

// Drafts survive, belong to their author, and refuse a stale save.
func TestDrafts(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		d, err := w.Door.SaveDraft(ctx, w.ngo, door.Draft{Kind: "referral", Step: "person", Data: []byte(`{"given_name":"Ana"}`)})
		if err != nil {
			t.Fatal(err)
		}
		d2, err := w.Door.SaveDraft(ctx, w.ngo, door.Draft{ID: d.ID, Version: d.Version, Kind: "referral", Step: "age", Data: []byte(`{"given_name":"Ana","age":"15"}`)})
		if err != nil || d2.Version != 2 {
			t.Fatalf("update: %+v %v", d2, err)
		}
		if _, err := w.Door.SaveDraft(ctx, w.ngo, door.Draft{ID: d.ID, Version: 1, Kind: "referral", Data: []byte(`{}`)}); !errors.Is(err, nrm.ErrNotFound) {
			var e *nrm.Error
			if !errors.As(err, &e) || e.Code != nrm.EConflict {
				t.Fatalf("stale save should conflict, got %v", err)
			}
		}
		got, err := w.Door.GetDraft(ctx, w.ngo, d.ID)
		if err != nil || string(got.Data) != `{"given_name":"Ana","age":"15"}` || got.Step != "age" {
			t.Fatalf("read back: %+v %v", got, err)
		}
		if _, err := w.Door.GetDraft(ctx, w.police, d.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("another user's draft must look missing, got %v", err)
		}
		var raw []byte
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT data FROM drafts WHERE id = ?`, d.ID).Scan(&raw)
		}); err != nil || len(raw) == 0 || strings.Contains(string(raw), "Ana") {
			t.Fatalf("draft content must be stored encrypted (err %v)", err)
		}
		if err := w.Door.DeleteDraft(ctx, w.ngo, d.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// "Not identified" never cuts services under way without a recorded
// handover; reconsideration is asked for and decided the same way; the
// non-punishment note is for justice roles only.
func TestNotIdentifiedHandoverReconsiderationAndNonPunishment(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		res, err := w.Door.Refer(ctx, w.social, nrm.ReferralInput{Consent: nrm.ConsentGiven, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(27), Region: "tirane",
			Nationalities: []string{"ALB"}, Indicators: indicators(t, "forced_criminality", "A", "B", "C"), Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter}}})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person
		req := nrm.IdentificationRequest{RequestedBy: nrm.RequestedByPerson, Explanation: "Explained orally", PanelOrgs: []string{"org-pol", "org-a"}}
		reqID, err := w.Door.RequestIdentification(ctx, w.social, p.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		dec := nrm.DecisionInput{Outcome: nrm.OutcomeNotIdentified, Reasons: "Account not consistent yet", InterviewOn: "2026-11-25"}
		if _, err := w.Door.Decide(ctx, w.panelSocial, reqID, dec); !slices.Contains(fieldOf(err), "handover") {
			t.Fatalf("not identified with a shelter task open needs a handover, got %v", err)
		}
		dec.Handover = "Shelter stays until the social worker finds a family placement."
		decID, err := w.Door.Decide(ctx, w.panelSocial, reqID, dec)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SignDecision(ctx, w.panelPolice, decID); err != nil {
			t.Fatal(err)
		}
		cf, _ := w.Door.Case(ctx, w.social, p.ID)
		if cf.Person.Status != nrm.StatusNotIdentified || cf.Tasks[0].State != "open" {
			t.Fatalf("status %s, task %s", cf.Person.Status, cf.Tasks[0].State)
		}
		if _, err := w.Door.ChangeStatus(ctx, w.social, p.ID, cf.Person.Version, nrm.StatusPotentialVictim, "x"); !slices.Contains(fieldOf(err), "status") {
			t.Fatalf("a panel decision is changed only by reconsideration, got %v", err)
		}
		req.ReconsiderationOf = decID
		req2, err := w.Door.RequestIdentification(ctx, w.social, p.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		dec2 := nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "New evidence from the labour inspectorate", InterviewOn: "2026-11-26"}
		id2, err := w.Door.Decide(ctx, w.panelPolice, req2, dec2)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SignDecision(ctx, w.panelSocial, id2); err != nil {
			t.Fatal(err)
		}
		cf, _ = w.Door.Case(ctx, w.social, p.ID)
		if cf.Person.Status != nrm.StatusIdentified || cf.Requests[0].Decisions[0].State != "reconsidered" {
			t.Fatalf("after reconsideration: %s / %s", cf.Person.Status, cf.Requests[0].Decisions[0].State)
		}

		// Non-punishment: the flag is summary; the note is for justice roles.
		if err := w.Door.FlagNonPunishment(ctx, w.social, p.ID, "Forced to carry drugs across the border"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordConsent(ctx, w.social, p.ID, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-pros", "org-b")); err != nil {
			t.Fatal(err)
		}
		jcf, err := w.Door.Case(ctx, w.justice, p.ID)
		if err != nil || jcf.Person.JusticeNote == nil || *jcf.Person.JusticeNote != "Forced to carry drugs across the border" {
			t.Fatalf("justice role should read the note: %v", err)
		}
		scf, err := w.Door.Case(ctx, w.cmB, p.ID)
		if err != nil || !scf.Person.NonPunishment || scf.Person.JusticeNote != nil {
			t.Fatalf("a shelter sees the flag but not the note: %v", err)
		}
	})
}

// A bucket of the coarse duplicate index holds unrelated people by design;
// only those with the same name, birth year and nationality are flagged.
func TestDuplicateBucketIsConfirmedInsideTheDoor(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		in := nrm.ReferralInput{Identity: &nrm.Identity{GivenName: "Mirela", FamilyName: "Hoxha", BirthDate: "2001-03-04"},
			Nationalities: []string{"ALB"}, Consent: nrm.ConsentGiven, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(25)}
		bucket := w.Vault.BlindIndex("person.dup", vault.Normalize("Mirela Hoxha")+"|2001|ALB")
		other := ""
		for i := 0; other == "" && i < 1<<22; i++ {
			name := "Other " + strconv.Itoa(i)
			if w.Vault.BlindIndex("person.dup", vault.Normalize(name+" Hoxha")+"|2001|ALB") == bucket {
				other = name
			}
		}
		if other == "" {
			t.Fatal("no colliding name found")
		}
		if _, err := w.Door.Refer(ctx, w.ngo, in); err != nil {
			t.Fatal(err)
		}
		in.Identity = &nrm.Identity{GivenName: other, FamilyName: "Hoxha", BirthDate: "2001-07-01"}
		res, err := w.Door.Refer(ctx, w.police, in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate {
			t.Fatalf("%q shares only the index bucket with Mirela Hoxha, yet was flagged", other)
		}
	})
}
