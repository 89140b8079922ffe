package door_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
)

// evidenceReferral is an adult's referral by the border police with labour
// indicators in every section, safety flags, the free text and a shelter
// need given to the shelter of organisation B.
func evidenceReferral(t *testing.T, w *nrmWorld, given string) *door.ReferralResult {
	t.Helper()
	res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
		MetOn: "2026-11-20", MetRegion: "tirane", MetHow: "border_check", MetPlace: "Rinas crossing, second lane",
		Identity: &nrm.Identity{GivenName: given, FamilyName: "Haddad", BirthDate: "1994-03-02"}, Sex: "male", Nationalities: []string{"SYR"},
		AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32), Safety: []string{"threatened"}, SafetyNote: "The recruiter calls him every night.",
		Needs:      []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-b"}},
		Indicators: indicators(t, "labour", "A", "B", "C"), Account: "Worked on a farm for no pay; passport kept by the employer.",
		Consent: nrm.ConsentGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func caseOf(t *testing.T, w *nrmWorld, a *nrm.Actor, id string) *door.CaseFile {
	t.Helper()
	cf, err := w.Door.Case(ctx, a, id)
	if err != nil {
		t.Fatalf("case: %v", err)
	}
	return cf
}

// TestReferralOnTheRecordByRole: each reader sees what the referral said
// within the policy and consent — the indicators by form and the screening
// result for all, the account where the scope includes it, the referrer's
// name where the policy allows — and is told which parts are withheld and
// why, without their content.
func TestReferralOnTheRecordByRole(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		health := w.User(t, "health.user", "org-health", nrm.OrgHealth, nrm.RoleServiceProvider)
		p := evidenceReferral(t, w, "Amir").Person
		if _, err := w.Door.RecordConsent(ctx, w.border, p.ID, informed(nrm.PurposeShare, nrm.ConsentSummary, nrm.GivenByPerson, "org-health")); err != nil {
			t.Fatal(err)
		}

		// The referrer sees everything, its own colleague's name included.
		own := caseOf(t, w, w.border, p.ID)
		r := own.Referrals[0]
		if r.Account == "" || r.MetPlace == "" || r.SafetyNote == "" || r.ReferrerName != "bp.officer" || own.Withheld != nil || own.GlassOffer {
			t.Fatalf("the referrer's view: %+v withheld=%+v", r, own.Withheld)
		}
		if !r.Screening.Meets || len(r.Screening.Missing) != 0 || r.Screening.Sections["A"] == 0 || r.Screening.Sections["C"] == 0 {
			t.Fatalf("screening against the threshold: %+v", r.Screening)
		}
		forms := map[rules.Form]int{}
		n := 0
		for _, g := range r.IndicatorGroups {
			forms[g.Form] += len(g.Codes)
			n += len(g.Codes)
			for _, c := range g.Codes {
				if ind, _ := rules.Indicators().Lookup(c); ind.Forms[0] != g.Form {
					t.Fatalf("%s grouped under %s, its main form is %s", c, g.Form, ind.Forms[0])
				}
			}
		}
		if n != len(r.Indicators) || len(forms) == 0 {
			t.Fatalf("every indicator in one group: %+v of %v", r.IndicatorGroups, r.Indicators)
		}

		// The Responsible Authority reads the account the person agreed to
		// be referred with, not the identity; it sees who referred.
		ra := caseOf(t, w, w.raOff, p.ID)
		if ra.Person.Identity != nil || ra.Referrals[0].Account == "" || ra.Referrals[0].ReferrerName != "bp.officer" || len(ra.Referrals[0].IndicatorGroups) == 0 {
			t.Fatalf("the RA's view: identity=%v %+v", ra.Person.Identity, ra.Referrals[0])
		}
		if wh := ra.Withheld; wh == nil || !slices.Equal(wh.Parts, []nrm.Part{nrm.PartIdentity}) || wh.Basis != door.BasisConsent || wh.Scope != nrm.ConsentAccount {
			t.Fatalf("the RA is told identity is withheld by the consent's scope: %+v", ra.Withheld)
		}

		// The shelter given the task sees identity, not the account, and
		// not the referrer's name; it is offered no emergency opening for an
		// account.
		sh := caseOf(t, w, w.sp, p.ID)
		sr := sh.Referrals[0]
		if sh.Person.Identity == nil || sr.Account != "" || sr.MetPlace != "" || sr.SafetyNote != "" || sr.ReferrerName != "" || len(sr.Safety) != 1 {
			t.Fatalf("the shelter's view: %+v", sr)
		}
		if wh := sh.Withheld; wh == nil || !slices.Equal(wh.Parts, []nrm.Part{nrm.PartNarrative}) || wh.Basis != door.BasisConsent || wh.Scope != nrm.ConsentIdentity || sh.GlassOffer {
			t.Fatalf("the shelter is told the account is withheld: %+v offer=%v", sh.Withheld, sh.GlassOffer)
		}

		// A summary-only consent: identity and account withheld, and the
		// emergency opening offered (its role may use it).
		hv := caseOf(t, w, health, p.ID)
		if hv.Person.Identity != nil || hv.Referrals[0].Account != "" || len(hv.Referrals[0].Indicators) == 0 {
			t.Fatalf("the summary reader: %+v", hv.Referrals[0])
		}
		if wh := hv.Withheld; wh == nil || len(wh.Parts) != 2 || wh.Scope != nrm.ConsentSummary || !hv.GlassOffer {
			t.Fatalf("summary-only withheld: %+v offer=%v", hv.Withheld, hv.GlassOffer)
		}

		// A child: the RA reads the account by law (registration).
		child, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{MetOn: "2026-11-20", MetRegion: "tirane", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(15),
			Identity: &nrm.Identity{GivenName: "Dea"}, Consent: nrm.ConsentChild, Indicators: indicators(t, "sexual", "A", "C"), Account: "Met at a bus station."})
		if err != nil {
			t.Fatal(err)
		}
		rc := caseOf(t, w, w.raOff, child.Person.ID)
		if rc.Referrals[0].Account == "" || rc.Withheld == nil || rc.Withheld.Basis != door.BasisLegal || !slices.Contains(rc.Withheld.Reasons, "registration") {
			t.Fatalf("a child's referral for the RA: %+v", rc.Withheld)
		}
		if !rc.Referrals[0].Screening.Child {
			t.Fatal("the child rule applies to a child's screening")
		}

		// An anonymous notification: the register's coded summary only, and
		// no emergency opening for an identity that was never recorded.
		anon, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{MetOn: "2026-11-20", MetRegion: "tirane", Consent: nrm.ConsentRefused,
			Indicators: indicators(t, "labour", "A"), Account: "Refused to give a name."})
		if err != nil {
			t.Fatal(err)
		}
		ra2 := caseOf(t, w, w.raOff, anon.Person.ID)
		if ra2.Referrals[0].Account != "" || ra2.Withheld == nil || ra2.Withheld.Basis != door.BasisRegister || len(ra2.Withheld.Parts) != 2 || ra2.GlassOffer {
			t.Fatalf("an anonymous notification in the register: %+v offer=%v", ra2.Withheld, ra2.GlassOffer)
		}
		if ra2.Referrals[0].Screening.Meets {
			t.Fatal("one section does not meet the adult threshold")
		}
	})
}

// referralConsent finds the consent the referral recorded for the task
// organisations.
func referralConsent(t *testing.T, w *nrmWorld, personID string) string {
	t.Helper()
	cs, err := w.Door.Consents(ctx, w.border, personID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Purpose == nrm.PurposeServices && slices.Contains(c.RecipientOrgs, "org-b") && c.WithdrawnAt.IsZero() && c.SupersededAt.IsZero() {
			return c.ID
		}
	}
	t.Fatalf("no referral consent for org-b in %+v", cs)
	return ""
}

// endedStatement is the one statement an organisation's worklist shows for
// a record whose work ended.
func endedStatement(t *testing.T, w *nrmWorld, a *nrm.Actor, personID, why string) nrm.Notification {
	t.Helper()
	wl, err := w.Door.Work(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var out []nrm.Notification
	for _, n := range wl.Notifications {
		if n.PersonID != personID {
			continue
		}
		if !slices.Contains(door.EndingKinds, n.Kind) {
			t.Fatalf("a notice that leads to the record is left: %+v", n)
		}
		out = append(out, n)
	}
	for _, tk := range wl.Tasks {
		if tk.PersonID == personID {
			t.Fatalf("an open task is left: %+v", tk)
		}
	}
	for _, d := range wl.Deadlines {
		if d.PersonID == personID {
			t.Fatalf("a running clock is left: %+v", d)
		}
	}
	if len(out) != 1 || out[0].Kind != why {
		t.Fatalf("want one %s statement, got %+v", why, out)
	}
	return out[0]
}

// TestWorkEndsWhenConsentIsWithdrawn: the shelter's task, clock and notice
// end with its access, and it is told so; no emergency opening is offered
// in place of the record; the clock is not escalated as missed.
func TestWorkEndsWhenConsentIsWithdrawn(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		p := evidenceReferral(t, w, "Amir").Person
		wl, err := w.Door.Work(ctx, w.sp)
		if err != nil || len(wl.Tasks) != 1 || len(wl.Notifications) != 1 {
			t.Fatalf("the shelter's work before: %+v %v", wl, err)
		}
		if err := w.Door.WithdrawConsent(ctx, w.border, p.ID, referralConsent(t, w, p.ID), "oral"); err != nil {
			t.Fatal(err)
		}
		n := endedStatement(t, w, w.sp, p.ID, door.EndAccess)
		if n.Detail != string(nrm.NeedShelter) {
			t.Fatalf("the statement names the task: %+v", n)
		}
		if _, err := w.Door.Case(ctx, w.sp, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("the record after withdrawal: %v", err)
		}
		offer, end, err := w.Door.BreakGlassOffer(ctx, w.sp, p.ID)
		if err != nil || offer || end == nil || end.Why != door.EndAccess {
			t.Fatalf("break-glass after access ended: offer=%v end=%+v %v", offer, end, err)
		}
		// Another record out of reach still looks like any missing one.
		if offer, end, _ := w.Door.BreakGlassOffer(ctx, w.sp, "00000000000000000000000000000000"); !offer || end != nil {
			t.Fatal("a record never known must be answered as before")
		}
		own := caseOf(t, w, w.border, p.ID)
		for _, tk := range own.Tasks {
			if tk.OrgID == "org-b" && (tk.State != "ended" || tk.EndedWhy != door.EndAccess || tk.EndedAt.IsZero()) {
				t.Fatalf("the record shows the task ended: %+v", tk)
			}
		}
		for _, d := range own.Deadlines {
			if d.OrgID == "org-b" && (d.EndedAt.IsZero() || d.Missed(clock.Advance(30*24*time.Hour))) {
				t.Fatalf("the clock ends, neither met nor missed: %+v", d)
			}
		}
		if _, err := w.Door.EscalateDeadlines(ctx); err != nil {
			t.Fatal(err)
		}
		if c := count(t, w, `SELECT COUNT(*) FROM notifications WHERE kind = 'deadline_missed' AND ref IN (SELECT id FROM deadlines WHERE org_id = 'org-b')`); c != 0 {
			t.Fatalf("an ended clock was escalated %d times", c)
		}
		if c := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ?`, door.ActWorkEnded, p.ID); c != 1 {
			t.Fatalf("the end is audited once, got %d", c)
		}
		// Read once, the statement is gone.
		if err := w.Door.ReadNotification(ctx, w.sp, n.ID); err != nil {
			t.Fatal(err)
		}
		if wl, _ := w.Door.Work(ctx, w.sp); len(wl.Notifications) != 0 {
			t.Fatalf("after reading: %+v", wl.Notifications)
		}
	})
}

// TestWorkEndsWhenConsentExpires: nothing is withdrawn; the consent runs
// out, and the job (or the worklist itself) ends the work.
func TestWorkEndsWhenConsentExpires(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		a := evidenceReferral(t, w, "Amir").Person
		b := evidenceReferral(t, w, "Karim").Person
		for _, p := range []*nrm.Person{a, b} {
			in := informed(nrm.PurposeServices, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b")
			in.Replaces, in.ExpiresOn = referralConsent(t, w, p.ID), clock.Now().In(w.Door.Profile().Location()).AddDate(0, 0, 1).Format("2006-01-02")
			if _, err := w.Door.RecordConsent(ctx, w.border, p.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		if wl, _ := w.Door.Work(ctx, w.sp); len(wl.Tasks) != 2 {
			t.Fatalf("both tasks open while the consent runs: %+v", wl.Tasks)
		}
		clock.Advance(72 * time.Hour)
		if err := w.Door.EndExpiredAccess(ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*nrm.Person{a, b} {
			endedStatement(t, w, w.sp, p.ID, door.EndAccess)
		}
	})
}

// TestClosureEndsOpenTasks: a closed record needs nothing more from those
// who had tasks; they keep what they could read.
func TestClosureEndsOpenTasks(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		p := evidenceReferral(t, w, "Amir").Person
		if _, err := w.Door.CloseRecord(ctx, w.border, p.ID, nrm.CloseInput{Reason: "declined_services", On: w.Door.Now().Format("2006-01-02")}); err != nil {
			t.Fatal(err)
		}
		endedStatement(t, w, w.sp, p.ID, door.EndClosed)
		cf := caseOf(t, w, w.sp, p.ID)
		if len(cf.Tasks) != 1 || cf.Tasks[0].State != "ended" || cf.Tasks[0].EndedWhy != door.EndClosed || !hasTimeline(cf, door.TLWorkEnded) {
			t.Fatalf("the closed record's task: %+v", cf.Tasks)
		}
	})
}

// TestServiceReferralFulfilsTheImmediateNeed: the shelter task opened at
// referral and the service referral to a shelter are one thing; a
// cancelled service referral ends the receiver's work on it.
func TestServiceReferralFulfilsTheImmediateNeed(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		sv, err := w.Door.SaveService(ctx, w.sp, "", nrm.ServiceInput{Kind: "shelter", Name: "Shtëpia e sigurt", Regions: []string{"tirane"},
			Languages: []string{"sq"}, ForWhom: []string{"men"}, Capacity: 4})
		if err != nil {
			t.Fatal(err)
		}
		p := evidenceReferral(t, w, "Amir").Person
		ref, err := w.Door.ReferService(ctx, w.border, p.ID, nrm.ServiceReferralInput{ServiceID: sv})
		if err != nil {
			t.Fatal(err)
		}
		cf := caseOf(t, w, w.border, p.ID)
		if len(cf.Tasks) != 1 || cf.Tasks[0].State != "done" || cf.Tasks[0].FulfilledBy != ref {
			t.Fatalf("the shelter task is the service referral: %+v", cf.Tasks)
		}
		for _, d := range cf.Deadlines {
			if d.Rule == "immediate_needs" && (d.MetAt.IsZero() || !d.EndedAt.IsZero()) {
				t.Fatalf("the need's clock is met: %+v", d)
			}
		}
		wl, err := w.Door.Work(ctx, w.sp)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, n := range wl.Notifications {
			kinds = append(kinds, n.Kind)
		}
		if len(wl.Tasks) != 0 || !slices.Equal(kinds, []string{"service_referral"}) {
			t.Fatalf("the shelter's work is the service referral: tasks=%+v notices=%v", wl.Tasks, kinds)
		}
		// Cancelled: the acknowledgement clock ends unmet, the notice is put
		// away, and the shelter is told nothing more is needed.
		if err := w.Door.StepServiceReferral(ctx, w.border, ref, nrm.ServiceStepInput{State: nrm.SRCancelled, Reason: "The person left the country."}); err != nil {
			t.Fatal(err)
		}
		endedStatement(t, w, w.sp, p.ID, door.EndCancelled)
		for _, d := range caseOf(t, w, w.border, p.ID).Deadlines {
			if d.Rule == "referral_acknowledgement" && d.EndedAt.IsZero() {
				t.Fatalf("the acknowledgement clock of a cancelled referral ends: %+v", d)
			}
		}

		// A shelter need given to one organisation, met by another's
		// service: the first is told nothing more is needed from it.
		nrc := w.User(t, "nrc.sp", "org-iom", nrm.OrgInternational, nrm.RoleServiceProvider)
		sv2, err := w.Door.SaveService(ctx, nrc, "", nrm.ServiceInput{Kind: "emergency_accommodation", Name: "Strehim emergjent", Regions: []string{"tirane"},
			Languages: []string{"sq"}, ForWhom: []string{"men"}})
		if err != nil {
			t.Fatal(err)
		}
		q := evidenceReferral(t, w, "Karim").Person
		if _, err := w.Door.ReferService(ctx, w.border, q.ID, nrm.ServiceReferralInput{ServiceID: sv2}); err != nil {
			t.Fatal(err)
		}
		endedStatement(t, w, w.sp, q.ID, door.EndFulfilled)
	})
}

// TestSignaturesNeedAFreshSecondFactor: deciding and signing are deliberate
// acts: a second factor older than the step-up window is refused, and the
// signer reads who decided.
func TestSignaturesNeedAFreshSecondFactor(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		p := evidenceReferral(t, w, "Amir").Person
		req, err := w.Door.RequestIdentification(ctx, w.border, p.ID, nrm.IdentificationRequest{RequestedBy: nrm.RequestedByPerson,
			Explanation: "Told in Arabic what the panel does.", Language: "ar", PanelOrgs: []string{"org-pol", "org-a"}})
		if err != nil {
			t.Fatal(err)
		}
		dec := nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "Consistent account; indicators in every section.", InterviewOn: "2026-11-25",
			ToldOn: "2026-11-25", ToldHow: "in_person", ToldLang: "ar"}
		stale := *w.panelPolice
		stale.MFAAt = w.Door.Now().Add(-time.Hour)
		if _, err := w.Door.Decide(ctx, &stale, req, dec); nrm.ErrorOf(err).Key != "error.stepup_required" {
			t.Fatalf("a decision with a stale second factor: %v", err)
		}
		id, err := w.Door.Decide(ctx, w.panelPolice, req, dec)
		if err != nil {
			t.Fatal(err)
		}
		staleSocial := *w.panelSocial
		staleSocial.MFAAt = time.Time{}
		if err := w.Door.SignDecision(ctx, &staleSocial, id); nrm.ErrorOf(err).Key != "error.stepup_required" {
			t.Fatalf("a signature without a second factor (an API token): %v", err)
		}
		cf := caseOf(t, w, w.panelSocial, p.ID)
		d := cf.Requests[0].Decisions[0]
		if d.DecidedBy != "panel.police" || d.DecidedByOrg != "Org org-pol" || d.Reasons == "" || d.ToldHow != "in_person" || !slices.Contains(cf.CanSign, id) {
			t.Fatalf("the second signer sees the whole decision: %+v", d)
		}
		if len(d.Signatures) != 1 || d.Signatures[0].Name != "panel.police" || d.Signatures[0].OrgName != "Org org-pol" {
			t.Fatalf("the first signature: %+v", d.Signatures)
		}
		if err := w.Door.SignDecision(ctx, w.panelSocial, id); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBreakGlassReviewedHolderToldAndExpiry: an emergency opening tells the
// organisation that holds the record, ends when its time is up, and waits
// for the DPO's finding, which is recorded once.
func TestBreakGlassReviewedHolderToldAndExpiry(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		dpo := w.User(t, "dpo.user", "org-it", nrm.OrgMinistry, nrm.RoleDPO)
		p := evidenceReferral(t, w, "Amir").Person
		if _, err := w.Door.Case(ctx, w.justice, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("out of scope before: %v", err)
		}
		w.justice.MFAAt = clock.Now()
		if err := w.Door.BreakGlass(ctx, w.justice, p.ID, "The prosecutor must reach the witness tonight: threat reported."); err != nil {
			t.Fatal(err)
		}
		if cf := caseOf(t, w, w.justice, p.ID); cf.Person.Identity == nil || cf.GlassOffer {
			t.Fatalf("open under break-glass: %+v", cf.Withheld)
		}
		wl, err := w.Door.Work(ctx, w.border)
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, n := range wl.Notifications {
			told = told || (n.Kind == door.NoteBreakGlass && n.PersonID == p.ID)
		}
		if !told {
			t.Fatalf("the holder is told of the opening: %+v", wl.Notifications)
		}
		clock.Advance(w.Door.Settings().BreakGlassFor + time.Second)
		if _, err := w.Door.Case(ctx, w.justice, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("after the opening expired: %v", err)
		}

		if _, err := w.Door.BreakGlassOpenings(ctx, w.raOff, door.BreakGlassFilter{}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("only the DPO reviews: %v", err)
		}
		os, err := w.Door.BreakGlassOpenings(ctx, dpo, door.BreakGlassFilter{PendingOnly: true})
		if err != nil || len(os) != 1 {
			t.Fatalf("pending openings: %+v %v", os, err)
		}
		o := os[0]
		if o.PersonCode != p.Code || o.UserName != "prosecutor" || o.HolderOrg != "Org org-bp" || o.Reason == "" || o.ReadsAfterOpening != 1 || !o.Expired(clock.Now()) {
			t.Fatalf("the opening as the DPO reads it: %+v", o)
		}
		if err := w.Door.ReviewBreakGlass(ctx, dpo, o.ID, door.BreakGlassReview{Outcome: door.GlassNotJustified}); !slices.Contains(fieldOf(err), "note") {
			t.Fatalf("not justified needs a note: %v", err)
		}
		if err := w.Door.ReviewBreakGlass(ctx, dpo, o.ID, door.BreakGlassReview{}); !slices.Contains(fieldOf(err), "outcome") {
			t.Fatalf("nothing is chosen for the DPO: %v", err)
		}
		if err := w.Door.ReviewBreakGlass(ctx, dpo, o.ID, door.BreakGlassReview{Outcome: door.GlassNotJustified, Note: "No threat was on file; spoke to the prosecutor."}); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.ReviewBreakGlass(ctx, dpo, o.ID, door.BreakGlassReview{Outcome: door.GlassJustified}); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("a finding is recorded once: %v", err)
		}
		if os, _ := w.Door.BreakGlassOpenings(ctx, dpo, door.BreakGlassFilter{PendingOnly: true}); len(os) != 0 {
			t.Fatalf("nothing pending after the review: %+v", os)
		}
		got, err := w.Door.BreakGlassOpening(ctx, dpo, o.ID)
		if err != nil || got.Outcome != door.GlassNotJustified || got.Note == "" || got.ReviewerName != "dpo.user" || got.ReviewedAt.IsZero() {
			t.Fatalf("the finding: %+v %v", got, err)
		}
		if c := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ?`, door.ActBreakGlassReview, p.ID); c != 1 {
			t.Fatalf("the finding is audited on the record: %d", c)
		}
	})
}

// TestDuplicatesComparedSideBySide: the Responsible Authority alone sees
// the two records' fields, identity included, with the differences marked;
// the reading is audited on both; once decided, the identity is not shown
// again.
func TestDuplicatesComparedSideBySide(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		a := evidenceReferral(t, w, "Amir").Person
		res, err := w.Door.Refer(ctx, w.police, nrm.ReferralInput{MetOn: "2026-11-24", MetRegion: "tirane", MetHow: "police_operation",
			Identity: &nrm.Identity{GivenName: "amir", FamilyName: "HADDAD", BirthDate: "1994", DocNumber: "N0123456"}, Sex: "male",
			Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32), Consent: nrm.ConsentGiven, Indicators: indicators(t, "labour", "A")})
		if err != nil {
			t.Fatal(err)
		}
		b := res.Person
		if !res.Duplicate {
			t.Fatal("same name, birth year and nationality: a possible duplicate")
		}
		if _, err := w.Door.CompareDuplicate(ctx, w.border, a.ID, b.ID); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("only the RA compares: %v", err)
		}
		cmp, err := w.Door.CompareDuplicate(ctx, w.raOff, b.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]door.DuplicateField{}
		for _, f := range cmp.Fields {
			got[f.Field] = f
		}
		if f := got["given_name"]; !f.Same || f.A != "amir" || f.B != "Amir" {
			t.Fatalf("names compared as the index compares them: %+v", f)
		}
		if f := got["birth_date"]; f.Same || f.Unknown {
			t.Fatalf("a different birth date is marked: %+v", f)
		}
		if f := got["doc_number"]; !f.Unknown {
			t.Fatalf("a document on one side only cannot be compared: %+v", f)
		}
		if f := got["met_on"]; f.Same || f.A != "2026-11-24" {
			t.Fatalf("where and when met: %+v", f)
		}
		if cmp.A.Code != b.Code || cmp.B.Code != a.Code || cmp.A.OrgName != "Org org-pol" {
			t.Fatalf("the sides: %+v %+v", cmp.A, cmp.B)
		}
		for _, id := range []string{a.ID, b.ID} {
			if c := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ?`, door.ActDuplicateCompare, id); c != 1 {
				t.Fatalf("the comparison is audited on each record: %d", c)
			}
		}
		if err := w.Door.ResolveDuplicate(ctx, w.raOff, b.ID, a.ID, "distinct"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.CompareDuplicate(ctx, w.raOff, b.ID, a.ID); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("once decided, the identity is not shown again: %v", err)
		}
	})
}
