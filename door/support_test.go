package door_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// cellsContain reports whether any cell of the columns of a table holds the
// text as plaintext.
func cellsContain(t *testing.T, w *world, table, text string, cols ...string) bool {
	t.Helper()
	found := false
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		for _, c := range cols {
			rows, err := tx.Query(ctx, `SELECT `+c+` FROM `+table)
			if err != nil {
				return err
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					rows.Close()
					return err
				}
				found = found || bytes.Contains(b, []byte(text))
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func agreedPlan(revises int, goals ...nrm.GoalInput) nrm.PlanInput {
	return nrm.PlanInput{Revises: revises, SupportLevel: "intensive", Goals: goals, Agreed: true, AgreedOn: "2025-03-01", AgreedHow: "oral",
		AgreedLang: "sq", ReviewOn: "2025-06-01"}
}

func TestPlanInPersonsWordsIsAgreedEncryptedAndVersioned(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Arta", "Hoxha", "story"))
		if err != nil {
			t.Fatal(err)
		}
		words := "GOALWORDS dua të mbaroj kursin e rrobaqepësisë"
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, agreedPlan(0,
			nrm.GoalInput{Area: "training", Text: words, Action: "ACTIONWORDS enrol in the spring course", ResponsibleOrg: "org-b", DueOn: "2025-09-01"})); err != nil {
			t.Fatal(err)
		}
		// The person's words are nowhere in the database as plaintext.
		if cellsContain(t, w, "plan_goals", "GOALWORDS", "text", "action") || cellsContain(t, w, "plan_goals", "ACTIONWORDS", "text", "action") {
			t.Fatal("a goal is stored as plaintext")
		}
		if cellsContain(t, w, "timeline", "GOALWORDS", "args") || cellsContain(t, w, "audit_log", "GOALWORDS", "fields") {
			t.Fatal("a goal leaked into the timeline or the audit")
		}
		// A second version: support tapers, a housing goal joins; both versions stay.
		next := agreedPlan(1, nrm.GoalInput{Area: "training", Text: words}, nrm.GoalInput{Area: "housing", Text: "GOALWORDS një shtëpi timen", DueOn: "2025-12-01"})
		next.SupportLevel = "regular"
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, next); err != nil {
			t.Fatal(err)
		}
		// Revising a version that is no longer current is a conflict, not an overwrite.
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, agreedPlan(1, nrm.GoalInput{Area: "other", Text: "stale"})); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("stale revision: %v", err)
		}
		sv, err := w.Door.Support(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sv.Plans) != 2 || sv.Plans[0].Version != 2 || sv.Plans[1].Version != 1 {
			t.Fatalf("plans %+v", sv.Plans)
		}
		cur, old := sv.Plans[0], sv.Plans[1]
		if cur.SupportLevel != "regular" || old.SupportLevel != "intensive" || !cur.Agreed || cur.AgreedHow != "oral" || cur.AgreedLang != "sq" || cur.AgreedOn != "2025-03-01" {
			t.Fatalf("current plan %+v", cur)
		}
		if len(old.Goals) != 1 || old.Goals[0].Text != words || old.Goals[0].ResponsibleName != "Org org-b" || old.Goals[0].DueOn != "2025-09-01" ||
			old.Goals[0].Action != "ACTIONWORDS enrol in the spring course" {
			t.Fatalf("first version goals %+v", old.Goals)
		}
		if len(cur.Goals) != 2 || cur.Goals[1].Area != "housing" {
			t.Fatalf("second version goals %+v", cur.Goals)
		}
		// The case file carries the same, and the timeline says it twice.
		cf, err := w.Door.Case(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cf.Support == nil || len(cf.Support.Plans) != 2 {
			t.Fatalf("case support %+v", cf.Support)
		}
		n := 0
		for _, e := range cf.Timeline {
			if e.Kind == door.TLPlan {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d plan entries on the timeline", n)
		}
		// The Responsible Authority sees the plan's codes, never the person's words.
		rv, err := w.Door.Support(ctx, w.ra, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rv.Plans) != 2 || rv.Plans[0].Goals[0].Text != "" || rv.TextShown {
			t.Fatalf("register sees %+v", rv.Plans)
		}
		// An unrelated organisation gets the same answer as for a missing record.
		_, err = w.Door.Support(ctx, w.cmB, p.ID)
		_, err2 := w.Door.Support(ctx, w.cmB, "no-such-record")
		if !errors.Is(err, nrm.ErrNotFound) || !errors.Is(err2, nrm.ErrNotFound) {
			t.Fatalf("unrelated org: %v / missing: %v", err, err2)
		}
		if _, err := w.Door.RecordPlan(ctx, w.cmB, p.ID, agreedPlan(2, nrm.GoalInput{Area: "other", Text: "x"})); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("unrelated org writes: %v", err)
		}
		// The register may read but does not write plans.
		if _, err := w.Door.RecordPlan(ctx, w.ra, p.ID, agreedPlan(2, nrm.GoalInput{Area: "other", Text: "x"})); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("register writes a plan: %v", err)
		}
	})
}

func TestSupportInputErrorsNameTheField(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Besa", "Kola", "story"))
		if err != nil {
			t.Fatal(err)
		}
		field := func(err error) []string {
			var es nrm.Errors
			var e *nrm.Error
			var out []string
			if errors.As(err, &es) {
				for _, x := range es {
					out = append(out, x.Field)
				}
			} else if errors.As(err, &e) {
				out = append(out, e.Field)
			}
			return out
		}
		in := agreedPlan(0, nrm.GoalInput{Area: "housing", Text: ""})
		in.AgreedHow, in.SupportLevel = "", "lots"
		_, err = w.Door.RecordPlan(ctx, w.cm, p.ID, in)
		for _, f := range []string{"goal_text", "agreed_how", "support_level"} {
			if !slices.Contains(field(err), f) {
				t.Errorf("plan error %v lacks field %s", err, f)
			}
		}
		_, err = w.Door.RecordNeeds(ctx, w.cm, p.ID, nrm.NeedsInput{On: "2025-01-01", Needs: []nrm.NeedInput{{Area: "moon", Level: "high"}}})
		if !slices.Contains(field(err), "area") {
			t.Errorf("needs error %v", err)
		}
		_, err = w.Door.RecordSafetyPlan(ctx, w.cm, p.ID, nrm.SafetyInput{RiskLevel: "high", Measures: "m", ReviewOn: "2001-01-01"})
		if !slices.Contains(field(err), "review_on") {
			t.Errorf("safety error %v", err)
		}
		_, err = w.Door.CloseRecord(ctx, w.cm, p.ID, nrm.CloseInput{Reason: "bored", On: "2025-01-01"})
		if !slices.Contains(field(err), "closure_reason") {
			t.Errorf("closure error %v", err)
		}
	})
}

func TestNeedsAndSafetyPlanVersionsAndReviewClock(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Drita", "Lika", "story"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordNeeds(ctx, w.cm, p.ID, nrm.NeedsInput{On: "2025-01-05", Needs: []nrm.NeedInput{
			{Area: "safety", Level: "urgent", Note: "NEEDNOTE afraid of the recruiter"}, {Area: "accommodation", Level: "high"}}}); err != nil {
			t.Fatal(err)
		}
		if cellsContain(t, w, "needs", "NEEDNOTE", "note") {
			t.Fatal("a need's note is stored as plaintext")
		}
		review1 := w.Door.Now().AddDate(0, 1, 0).Format(time.DateOnly)
		review2 := w.Door.Now().AddDate(0, 2, 0).Format(time.DateOnly)
		if _, err := w.Door.RecordSafetyPlan(ctx, w.cm, p.ID, nrm.SafetyInput{RiskLevel: "high", Risks: []string{"threats", "re_trafficking"},
			Measures: "SAFETYTEXT change phone number", ReviewOn: review1}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordSafetyPlan(ctx, w.cm, p.ID, nrm.SafetyInput{Revises: 1, RiskLevel: "medium", Measures: "SAFETYTEXT keep the new number", ReviewOn: review2}); err != nil {
			t.Fatal(err)
		}
		if cellsContain(t, w, "safety_plans", "SAFETYTEXT", "measures") {
			t.Fatal("a safety plan is stored as plaintext")
		}
		cf, err := w.Door.Case(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sv := cf.Support
		if len(sv.Safety) != 2 || sv.Safety[0].Version != 2 || sv.Safety[0].Measures != "SAFETYTEXT keep the new number" ||
			sv.Safety[1].Measures != "SAFETYTEXT change phone number" || !slices.Equal(sv.Safety[1].Risks, []string{"threats", "re_trafficking"}) {
			t.Fatalf("safety versions %+v", sv.Safety)
		}
		if len(sv.Needs) != 1 || len(sv.Needs[0].Needs) != 2 || sv.Needs[0].Needs[0].Area != "accommodation" || sv.Needs[0].Needs[1].Note != "NEEDNOTE afraid of the recruiter" {
			t.Fatalf("needs %+v", sv.Needs)
		}
		// One review clock runs, to the latest plan's review date; the first was met.
		var open, met []nrm.Deadline
		for _, d := range cf.Deadlines {
			if d.Rule == door.RuleSafetyReview {
				if d.MetAt.IsZero() {
					open = append(open, d)
				} else {
					met = append(met, d)
				}
			}
		}
		if len(open) != 1 || len(met) != 1 {
			t.Fatalf("review clocks open %d met %d", len(open), len(met))
		}
		if got := open[0].DueAt.In(w.Door.Profile().Location()).Format(time.DateOnly); got != review2 {
			t.Fatalf("review due %s, want %s", got, review2)
		}
		if sv.ReviewOverdue {
			t.Fatal("a future review is overdue")
		}
	})
}

func TestCloseFollowUpAndReopenKeepHistory(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Vera", "Marku", "story"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, agreedPlan(0, nrm.GoalInput{Area: "employment", Text: "a job in a bakery"})); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordSafetyPlan(ctx, w.cm, p.ID, nrm.SafetyInput{RiskLevel: "low", Measures: "m", ReviewOn: w.Door.Now().AddDate(0, 1, 0).Format(time.DateOnly)}); err != nil {
			t.Fatal(err)
		}
		// Follow-up and reopening need a closed record.
		if _, err := w.Door.RecordFollowUp(ctx, w.cm, p.ID, nrm.FollowUpInput{On: "2025-01-01", How: "phone"}); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("follow-up on an open record: %v", err)
		}
		if err := w.Door.ReopenRecord(ctx, w.cm, p.ID, nrm.ReopenInput{Reason: "new_needs"}); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("reopen an open record: %v", err)
		}
		if _, err := w.Door.CloseRecord(ctx, w.cm, p.ID, nrm.CloseInput{Reason: "reintegrated", On: "2025-02-01", Note: "CLOSENOTE working and housed",
			FollowUpOn: []string{"2025-05-01", "2025-08-01"}}); err != nil {
			t.Fatal(err)
		}
		if cellsContain(t, w, "closures", "CLOSENOTE", "note") {
			t.Fatal("a closure note is stored as plaintext")
		}
		// Closed: support writes and a second closure are refused; reading is not.
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, agreedPlan(1, nrm.GoalInput{Area: "other", Text: "x"})); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("plan on a closed record: %v", err)
		}
		if _, err := w.Door.CloseRecord(ctx, w.ra, p.ID, nrm.CloseInput{Reason: "lost_contact", On: "2025-02-01"}); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("second closure: %v", err)
		}
		if _, err := w.Door.RecordFollowUp(ctx, w.cm, p.ID, nrm.FollowUpInput{On: "2025-02-15", How: "phone", Note: "doing well"}); err != nil {
			t.Fatal(err)
		}
		sv, err := w.Door.Support(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sv.Closed || len(sv.Closures) != 1 || sv.Closures[0].Note != "CLOSENOTE working and housed" || len(sv.FollowUps) != 1 || len(sv.Plans) != 1 {
			t.Fatalf("closed view %+v", sv)
		}
		// The review clock stopped with the closure.
		cf, err := w.Door.Case(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range cf.Deadlines {
			if d.Rule == door.RuleSafetyReview && d.MetAt.IsZero() {
				t.Fatal("a review clock runs on a closed record")
			}
		}
		// The Responsible Authority reopens on re-trafficking.
		if err := w.Door.ReopenRecord(ctx, w.ra, p.ID, nrm.ReopenInput{Reason: "re_trafficking", Note: "referred again by the police"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordPlan(ctx, w.cm, p.ID, agreedPlan(1, nrm.GoalInput{Area: "safety", Text: "to feel safe again"})); err != nil {
			t.Fatalf("plan after reopening: %v", err)
		}
		// A later closure is a new period beside the first.
		if _, err := w.Door.CloseRecord(ctx, w.cm, p.ID, nrm.CloseInput{Reason: "transferred", On: w.Door.Now().Format(time.DateOnly)}); err != nil {
			t.Fatal(err)
		}
		cf, err = w.Door.Case(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sv = cf.Support
		if len(sv.Closures) != 2 || !sv.Closed || sv.HTCDSStatus != "ClosedReferred" {
			t.Fatalf("closures %+v status %s", sv.Closures, sv.HTCDSStatus)
		}
		first := sv.Closures[0]
		if first.Reason != "reintegrated" || first.ReopenedAt.IsZero() || first.ReopenReason != "re_trafficking" || first.ReopenNote != "referred again by the police" ||
			first.ReopenedOrg != "Org org-ra" || !slices.Equal(first.FollowUpOn, []string{"2025-05-01", "2025-08-01"}) {
			t.Fatalf("first closure %+v", first)
		}
		if len(sv.Plans) != 2 || len(sv.FollowUps) != 1 || sv.FollowUps[0].ClosureID != first.ID {
			t.Fatalf("history lost: plans %d follow-ups %+v", len(sv.Plans), sv.FollowUps)
		}
		var kinds []string
		for _, e := range cf.Timeline {
			if e.Kind == door.TLClosed || e.Kind == door.TLReopened || e.Kind == door.TLFollowUp {
				kinds = append(kinds, e.Kind+":"+e.Args["closure_reason"]+e.Args["reopen_reason"]+e.Args["follow_up_how"])
			}
		}
		want := []string{"record_closed:reintegrated", "follow_up_recorded:phone", "record_reopened:re_trafficking", "record_closed:transferred"}
		if !slices.Equal(kinds, want) {
			t.Fatalf("timeline %v, want %v", kinds, want)
		}
		// The coordinator reads the register but closes nothing; an unrelated organisation finds nothing.
		if err := w.Door.ReopenRecord(ctx, w.cmB, p.ID, nrm.ReopenInput{Reason: "other"}); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("unrelated reopen: %v", err)
		}
		if got := auditCount(t, w, p.ID, door.ActClose, "ok"); got != 2 {
			t.Fatalf("%d closure audits", got)
		}
	})
}

func TestAdvocateForAdultsGuardianForChildren(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		adult, err := w.Door.CreatePerson(ctx, w.cm, input("Mira", "Doda", "story"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordAdvocate(ctx, w.cm, adult.ID, nrm.AdvocateInput{OrgID: "org-b", Role: "independent advocate", Name: "ADVNAME Ana", Contact: "+355 69 000"}); err != nil {
			t.Fatal(err)
		}
		if cellsContain(t, w, "advocates", "ADVNAME", "name") {
			t.Fatal("an advocate's name is stored as plaintext")
		}
		sv, err := w.Door.Support(ctx, w.cm, adult.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sv.Advocates) != 1 || sv.Advocates[0].Name != "ADVNAME Ana" || sv.Advocates[0].OrgName != "Org org-b" || sv.Child {
			t.Fatalf("advocates %+v", sv.Advocates)
		}
		child := input("Lira", "Doda", "story")
		child.AgeGroup = ptr(nrm.AgeChild)
		c, err := w.Door.CreatePerson(ctx, w.cm, child)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordAdvocate(ctx, w.cm, c.ID, nrm.AdvocateInput{Name: "x"}); err == nil {
			t.Fatal("an advocate recorded for a child: the guardian stands there")
		}
	})
}
