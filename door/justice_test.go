package door_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// errKey returns the catalogue key of a single field error, or "".
func errKey(err error) string {
	var e *nrm.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

// foreignAdult refers a foreign adult with labour indicators (reflection
// period running) through the border police.
func foreignAdult(t *testing.T, w *nrmWorld) *nrm.Person {
	t.Helper()
	res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
		MetOn: "2026-11-20", MetRegion: "tirane", MetHow: "border_check",
		Identity: &nrm.Identity{GivenName: "Amir", FamilyName: "Haddad", BirthDate: "1994"},
		Sex:      "male", Nationalities: []string{"SYR"}, Languages: []string{"ar"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32),
		Indicators: indicators(t, "labour", "A", "B", "C"), Account: "Worked on a farm for no pay.", Consent: nrm.ConsentGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Person
}

// uncertainChild refers a young Albanian of uncertain age through an NGO:
// treated as a child, the child protection unit allowed under the law.
func uncertainChild(t *testing.T, w *nrmWorld) *nrm.Person {
	t.Helper()
	res, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{
		MetRegion: "tirane", MetHow: "outreach", Region: "tirane",
		Identity: &nrm.Identity{GivenName: "Dea"}, Sex: "female", Nationalities: []string{"ALB"},
		AgeBasis: nrm.AgeUncertain, ChildSigns: true, Indicators: indicators(t, "sexual", "A", "C"), Consent: nrm.ConsentChild,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Person
}

// A return is organised only on the adult's own request and after a risk
// assessment; the refusal names the field and writes nothing.
func TestReturnNeedsOwnRequestAndRiskAssessment(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		p := foreignAdult(t, w)
		step := nrm.ReturnStep{Kind: "voluntary_return", OwnRequest: true, Note: "Asked to go home, in writing."}
		if err := w.Door.RecordReturnStep(ctx, w.border, p.ID, step); errKey(err) != "error.return_risk_assessment" {
			t.Fatalf("a return without a risk assessment must be refused, got %v", err)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM return_steps`); n != 0 {
			t.Fatal("a refused return step was written")
		}
		if _, err := w.Door.RecordReturnRisk(ctx, w.border, p.ID, nrm.ReturnRiskAssessment{On: "2026-11-24", Outcome: "extreme"}); !slices.Contains(fieldOf(err), "outcome") {
			t.Fatalf("unknown outcome accepted: %v", err)
		}
		if _, err := w.Door.RecordReturnRisk(ctx, w.border, p.ID, nrm.ReturnRiskAssessment{On: "2026-11-24", Outcome: "medium", Note: "Recruiter lives in the home town."}); err != nil {
			t.Fatal(err)
		}
		// The reflection period runs: the person's request is still required.
		if err := w.Door.RecordReturnStep(ctx, w.border, p.ID, nrm.ReturnStep{Kind: "return_planned"}); !slices.Contains(fieldOf(err), "own_request") {
			t.Fatalf("a return without the person's request must be refused, got %v", err)
		}
		if err := w.Door.RecordReturnStep(ctx, w.border, p.ID, step); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.AddReceivingContact(ctx, w.border, p.ID, nrm.ReceivingContact{Organisation: "IOM Damascus", Country: "SYR", Contact: "Rana, +963 11 000"}); err != nil {
			t.Fatal(err)
		}
		rf, err := w.Door.Reintegration(ctx, w.border, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rf.Risks) != 1 || rf.Risks[0].Outcome != "medium" || rf.Risks[0].Note != "Recruiter lives in the home town." || rf.Risks[0].OrgID != "org-bp" {
			t.Fatalf("risk assessment read back: %+v", rf.Risks)
		}
		if len(rf.Contacts) != 1 || rf.Contacts[0].Contact != "Rana, +963 11 000" || rf.Contacts[0].Country != "SYR" {
			t.Fatalf("receiving contact read back: %+v", rf.Contacts)
		}
		// The raw contact is not stored in clear.
		if n := count(t, w, `SELECT COUNT(*) FROM receiving_contacts WHERE contact LIKE '%Rana%'`); n != 0 {
			t.Fatal("the receiving contact is stored in clear")
		}
	})
}

// A child's reunification needs the family and social assessment and a
// best-interests decision of the child protection structure, with the
// child's views, in favour — and a risk assessment.
func TestChildReunificationNeedsAssessments(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		p := uncertainChild(t, w)
		step := nrm.ReturnStep{Kind: "family_reunification"}
		refused := func(key string) {
			t.Helper()
			if err := w.Door.RecordReturnStep(ctx, w.cpu, p.ID, step); errKey(err) != key {
				t.Fatalf("want %s, got %v", key, err)
			}
		}
		refused("error.return_family_assessment")
		if _, err := w.Door.RecordChildAssessment(ctx, w.cpu, p.ID, nrm.ChildReturnAssessment{Kind: nrm.ChildFamilyAssessment, On: "2026-11-23",
			Note: "Aunt's household visited; safe, no link to the recruiter."}); err != nil {
			t.Fatal(err)
		}
		refused("error.return_best_interests")
		bid := nrm.ChildReturnAssessment{Kind: nrm.ChildBestInterests, On: "2026-11-24", Decision: nrm.BestInterestsNoReturn}
		if _, err := w.Door.RecordChildAssessment(ctx, w.cpu, p.ID, bid); !slices.Contains(fieldOf(err), "child_views") {
			t.Fatalf("a best-interests decision needs the child's views, got %v", err)
		}
		bid.ChildViews = "She wants to live with her aunt."
		if _, err := w.Door.RecordChildAssessment(ctx, w.ngo, p.ID, bid); errKey(err) != "error.best_interests_cpu" {
			t.Fatalf("only the child protection structure decides best interests, got %v", err)
		}
		if _, err := w.Door.RecordChildAssessment(ctx, w.cpu, p.ID, bid); err != nil {
			t.Fatal(err)
		}
		refused("error.return_best_interests_against")
		bid.Decision = nrm.BestInterestsReturn
		if _, err := w.Door.RecordChildAssessment(ctx, w.cpu, p.ID, bid); err != nil {
			t.Fatal(err)
		}
		refused("error.return_risk_assessment")
		if _, err := w.Door.RecordReturnRisk(ctx, w.cpu, p.ID, nrm.ReturnRiskAssessment{On: "2026-11-24", Outcome: "low"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.RecordReturnStep(ctx, w.cpu, p.ID, step); err != nil {
			t.Fatalf("reunification after the assessments: %v", err)
		}
		cf, err := w.Door.Case(ctx, w.cpu, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cf.Reintegration.Child) != 3 || cf.Reintegration.Child[2].ChildViews != "She wants to live with her aunt." {
			t.Fatalf("child assessments on the case file: %+v", cf.Reintegration.Child)
		}
		if !hasTimeline(cf, door.TLChildAssessment) || !hasTimeline(cf, door.TLReturnStep) {
			t.Fatal("timeline lacks the assessments or the step")
		}
		// An adult has no child assessment.
		adult := foreignAdult(t, w)
		if _, err := w.Door.RecordChildAssessment(ctx, w.border, adult.ID, nrm.ChildReturnAssessment{Kind: nrm.ChildFamilyAssessment, On: "2026-11-23", Note: "x"}); errKey(err) != "error.return_child_only" {
			t.Fatalf("child assessment on an adult: %v", err)
		}
	})
}

// A family member at risk is linked, referred as their own record through
// the referral path, and the link shows on both records; a reader who may
// open only one of them learns nothing of the other.
func TestLinkedFamilyMemberReferredAsOwnRecord(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		a := foreignAdult(t, w)
		linkID, err := w.Door.LinkPerson(ctx, w.border, a.ID, nrm.LinkInput{Relationship: "child", AtRisk: true, Name: "Lina Haddad", Note: "Still with the employer's family."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.LinkPerson(ctx, w.border, a.ID, nrm.LinkInput{Relationship: "cousin"}); !slices.Contains(fieldOf(err), "relationship") {
			t.Fatalf("unknown relationship accepted: %v", err)
		}
		// Someone who cannot write the record cannot refer from its link.
		if _, err := w.Door.ReferLinked(ctx, w.cmB, a.ID, linkID, nrm.ReferralInput{}); err == nil {
			t.Fatal("a shelter referred from a link on a record it does not work")
		}
		res, err := w.Door.ReferLinked(ctx, w.border, a.ID, linkID, nrm.ReferralInput{
			MetRegion: "tirane", MetHow: "border_check", Identity: &nrm.Identity{GivenName: "Lina", FamilyName: "Haddad"},
			Sex: "female", Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(12),
			Indicators: indicators(t, "labour", "A", "C"), Consent: nrm.ConsentChild,
		})
		if err != nil {
			t.Fatal(err)
		}
		b := res.Person
		if b.ID == a.ID || !b.IsChild() {
			t.Fatalf("the linked person should be a record of their own: %+v", b)
		}
		if _, err := w.Door.ReferLinked(ctx, w.border, a.ID, linkID, nrm.ReferralInput{}); nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("a link referred twice: %v", err)
		}
		rfA, err := w.Door.Reintegration(ctx, w.border, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rfA.Links) != 1 || rfA.Links[0].OtherCode != b.Code || rfA.Links[0].Name != "Lina Haddad" || !rfA.Links[0].AtRisk || rfA.Links[0].Reverse {
			t.Fatalf("link on the first record: %+v", rfA.Links)
		}
		cfB, err := w.Door.Case(ctx, w.border, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		lb := cfB.Reintegration.Links
		if len(lb) != 1 || !lb[0].Reverse || lb[0].OtherCode != a.Code || lb[0].Relationship != "child" || lb[0].Name != "" {
			t.Fatalf("link on the linked record: %+v", lb)
		}
		if !hasTimeline(cfB, door.TLLinkReferred) {
			t.Fatal("the linked record's timeline lacks the link")
		}
		// The child protection unit opens the child's record under the law
		// but not the adult's: the link says there is one, never whose.
		rfCPU, err := w.Door.Reintegration(ctx, w.cpu, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rfCPU.Links) != 1 || rfCPU.Links[0].OtherID != "" || rfCPU.Links[0].OtherCode != "" || rfCPU.Links[0].Name != "" {
			t.Fatalf("the link disclosed the other record: %+v", rfCPU.Links)
		}
		if _, err := w.Door.GetPerson(ctx, w.cpu, a.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("test premise: the CPU must not see the adult: %v", err)
		}
	})
}

// The justice track: report, stages, protective measures, representation,
// compensation and permits round-trip; the police reference and court
// references are shown only with the identity part.
func TestJusticeTrackRoundTrip(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		p := foreignAdult(t, w)
		health := w.User(t, "health.cm", "org-health", nrm.OrgHealth, nrm.RoleCaseManager)
		for org, parts := range map[string][]nrm.Part{"org-pros": nrm.Parts, "org-health": {nrm.PartSummary, nrm.PartNarrative}} {
			if _, err := w.Door.Grant(ctx, w.border, p.ID, door.GrantInput{OrgID: org, Parts: parts, Basis: door.BasisLegal, Reason: "Criminal proceedings"}); err != nil {
				t.Fatal(err)
			}
		}
		// A health service reads the record but does not work it: it does not record justice.
		if _, err := w.Door.ReportToPolice(ctx, health, p.ID, nrm.ProceedingInput{ReportedOn: "2026-11-21"}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a health service recorded a police report: %v", err)
		}
		procID, err := w.Door.ReportToPolice(ctx, w.justice, p.ID, nrm.ProceedingInput{ReportedOn: "2026-11-21", OwnChoice: true,
			PoliceRef: "TR-2026-0042", Witness: true, WitnessNote: "Will testify about the farm.", LawyerOrg: "Legal Clinic Tirana", FreeLegalAid: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []nrm.StageInput{
			{ProceedingID: procID, Stage: "investigation", On: "2026-11-22"},
			{ProceedingID: procID, Stage: "prosecution", On: "2026-11-25", Reference: "PROS-77/2026"},
		} {
			if _, err := w.Door.RecordJusticeStage(ctx, w.justice, p.ID, st); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Door.RecordJusticeStage(ctx, w.justice, p.ID, nrm.StageInput{ProceedingID: procID, Stage: "verdict", On: "2026-11-25"}); !slices.Contains(fieldOf(err), "stage") {
			t.Fatalf("unknown stage accepted: %v", err)
		}
		for _, m := range []nrm.ProtectiveInput{
			{ProceedingID: procID, Measure: "video_testimony", State: "asked", On: "2026-11-22"},
			{ProceedingID: procID, Measure: "no_visual_contact", State: "asked", On: "2026-11-22"},
			{ProceedingID: procID, Measure: "video_testimony", State: "granted", On: "2026-11-24"},
			{ProceedingID: procID, Measure: "no_visual_contact", State: "refused", On: "2026-11-24"},
		} {
			if err := w.Door.RecordProtectiveMeasure(ctx, w.border, p.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		claim := nrm.CompensationInput{ProceedingID: procID, Route: "criminal_court", AmountAsked: 1500000, Currency: "ALL", Outcome: "pending", FiledOn: "2026-11-25"}
		claimID, err := w.Door.RecordCompensation(ctx, w.justice, p.ID, claim)
		if err != nil {
			t.Fatal(err)
		}
		claim.ID, claim.Outcome, claim.AmountAwarded, claim.DecidedOn = claimID, "partly_awarded", 800000, "2026-11-24"
		if _, err := w.Door.RecordCompensation(ctx, w.justice, p.ID, claim); err != nil {
			t.Fatal(err)
		}
		permitID, err := w.Door.RecordPermit(ctx, w.border, p.ID, nrm.PermitInput{Kind: "cooperation", Status: "applied"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordPermit(ctx, w.border, p.ID, nrm.PermitInput{ID: permitID, Kind: "cooperation", Status: "granted", From: "2026-12-01", To: "2027-11-30"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordPermit(ctx, w.border, p.ID, nrm.PermitInput{Kind: "cooperation", Status: "granted", From: "2027-12-01", To: "2026-11-30"}); !slices.Contains(fieldOf(err), "to") {
			t.Fatalf("a permit ending before it starts: %v", err)
		}

		jf, err := w.Door.Justice(ctx, w.border, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(jf.Proceedings) != 1 {
			t.Fatalf("proceedings: %+v", jf.Proceedings)
		}
		pr := jf.Proceedings[0]
		if pr.PoliceRef != "TR-2026-0042" || !pr.OwnChoice || !pr.Witness || pr.WitnessNote != "Will testify about the farm." || !pr.FreeLegalAid || pr.LawyerOrg != "Legal Clinic Tirana" {
			t.Fatalf("proceeding read back: %+v", pr)
		}
		var stages []string
		for _, s := range pr.Stages {
			stages = append(stages, s.Stage)
		}
		if !slices.Equal(stages, []string{"reported", "investigation", "prosecution"}) || pr.Stages[2].Reference != "PROS-77/2026" {
			t.Fatalf("stages: %+v", pr.Stages)
		}
		want := []door.ProtectiveView{{"no_visual_contact", "refused", "2026-11-22", "2026-11-24"}, {"video_testimony", "granted", "2026-11-22", "2026-11-24"}}
		if !slices.Equal(pr.Protective, want) {
			t.Fatalf("protective measures: %+v", pr.Protective)
		}
		if len(jf.Claims) != 1 || jf.Claims[0].Outcome != "partly_awarded" || jf.Claims[0].AmountAsked != 1500000 || jf.Claims[0].AmountAwarded != 800000 || jf.Claims[0].Currency != "ALL" || jf.Claims[0].DecidedOn != "2026-11-24" {
			t.Fatalf("claims: %+v", jf.Claims)
		}
		if len(jf.Permits) != 1 || jf.Permits[0].Status != "granted" || jf.Permits[0].To != "2027-11-30" {
			t.Fatalf("permits: %+v", jf.Permits)
		}
		// The references are not stored in clear.
		if n := count(t, w, `SELECT COUNT(*) FROM justice_proceedings WHERE police_ref LIKE '%TR-2026%'`); n != 0 {
			t.Fatal("the police reference is stored in clear")
		}
		// A reader with the narrative but not the identity part sees the
		// track, not the references.
		for _, get := range []func() (*door.JusticeFile, error){
			func() (*door.JusticeFile, error) { return w.Door.Justice(ctx, health, p.ID) },
			func() (*door.JusticeFile, error) {
				cf, err := w.Door.Case(ctx, health, p.ID)
				if err != nil {
					return nil, err
				}
				return cf.Justice, nil
			},
		} {
			jh, err := get()
			if err != nil {
				t.Fatal(err)
			}
			if len(jh.Proceedings) != 1 || jh.Proceedings[0].PoliceRef != "" || jh.Proceedings[0].PoliceRefShown || jh.Proceedings[0].Stages[2].Reference != "" {
				t.Fatalf("references shown without the identity part: %+v", jh.Proceedings)
			}
			if jh.Proceedings[0].WitnessNote == "" || len(jh.Proceedings[0].Stages) != 3 {
				t.Fatalf("the narrative reader should see the track: %+v", jh.Proceedings[0])
			}
		}
		// The register's summary shows nothing of the track. (The
		// Responsible Authority reads the account the person agreed to be
		// referred with, so the register reader here is the coordinator.)
		coord := w.User(t, "coord.user", "org-it", nrm.OrgMinistry, nrm.RoleCoordinator)
		jr, err := w.Door.Justice(ctx, coord, p.ID)
		if err != nil || len(jr.Proceedings)+len(jr.Claims)+len(jr.Permits) != 0 {
			t.Fatalf("the register reader sees the justice track: %+v %v", jr, err)
		}
	})
}

// Beside, never before: every step outside the justice track succeeds with
// the justice track empty. Each step is a row; the service-referral and
// plan steps are appended when those land.
func TestNothingDependsOnJustice(t *testing.T) {
	type state struct {
		adult, child *nrm.Person
		reqID        string
	}
	steps := []struct {
		name string
		run  func(t *testing.T, w *nrmWorld, s *state) error
	}{
		{"refer", func(t *testing.T, w *nrmWorld, s *state) error {
			res, err := w.Door.Refer(ctx, w.social, nrm.ReferralInput{MetRegion: "tirane", MetHow: "outreach",
				Identity: &nrm.Identity{GivenName: "Arta"}, Sex: "female", Nationalities: []string{"ALB"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(24),
				Consent: nrm.ConsentGiven})
			if err == nil {
				s.adult = res.Person
			}
			return err
		}},
		{"status to potential victim", func(t *testing.T, w *nrmWorld, s *state) error {
			p, err := w.Door.ChangeStatus(ctx, w.social, s.adult.ID, s.adult.Version, nrm.StatusPotentialVictim, "Screening complete")
			if err == nil && p.Status != nrm.StatusPotentialVictim {
				return errors.New("status not changed")
			}
			return err
		}},
		{"consent", func(t *testing.T, w *nrmWorld, s *state) error {
			_, err := w.Door.RecordConsent(ctx, w.social, s.adult.ID, informed(nrm.PurposeShare, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b"))
			return err
		}},
		{"interview", func(t *testing.T, w *nrmWorld, s *state) error {
			_, err := w.Door.RecordInterview(ctx, w.social, s.adult.ID, nrm.InterviewInput{On: "2026-11-21", Purpose: "needs_assessment", Statement: "Needs a safe place."})
			return err
		}},
		{"identification request", func(t *testing.T, w *nrmWorld, s *state) error {
			var err error
			s.reqID, err = w.Door.RequestIdentification(ctx, w.social, s.adult.ID, nrm.IdentificationRequest{
				RequestedBy: nrm.RequestedByPerson, Explanation: "Told what it means", Language: "sq", PanelOrgs: []string{"org-pol", "org-a"}})
			return err
		}},
		{"identification decision", func(t *testing.T, w *nrmWorld, s *state) error {
			dec, err := w.Door.Decide(ctx, w.panelPolice, s.reqID, nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "Consistent account.", InterviewOn: "2026-11-22"})
			if err != nil {
				return err
			}
			if err := w.Door.SignDecision(ctx, w.panelSocial, dec); err != nil {
				return err
			}
			p, err := w.Door.GetPerson(ctx, w.social, s.adult.ID)
			if err == nil && p.Status != nrm.StatusIdentified {
				return errors.New("decision did not take effect")
			}
			return err
		}},
		{"child measure", func(t *testing.T, w *nrmWorld, s *state) error {
			s.child = uncertainChild(t, w)
			if _, err := w.Door.AssessAge(ctx, w.cpu, s.child.ID, nrm.AgeAssessment{On: "2026-11-20", Method: "documents", Years: 15}); err != nil {
				return err
			}
			_, err := w.Door.RecordMeasure(ctx, w.cpu, s.child.ID, nrm.MeasureInput{Kind: "shelter_placement", Consent: nrm.MeasureGiven, ChildViews: "Wants to stay near school."})
			return err
		}},
		{"return step", func(t *testing.T, w *nrmWorld, s *state) error {
			if _, err := w.Door.RecordReturnRisk(ctx, w.social, s.adult.ID, nrm.ReturnRiskAssessment{On: "2026-11-23", Outcome: "low"}); err != nil {
				return err
			}
			return w.Door.RecordReturnStep(ctx, w.social, s.adult.ID, nrm.ReturnStep{Kind: "voluntary_return", OwnRequest: true, Note: "Asked to go home."})
		}},
		{"service directory, referral and delivery", func(t *testing.T, w *nrmWorld, s *state) error {
			sh, err := w.Door.SaveService(ctx, w.sp, "", nrm.ServiceInput{Kind: "shelter", Name: "Shtëpia", Regions: []string{"tirane"}, ForWhom: []string{"women"}, Capacity: 2})
			if err != nil {
				return err
			}
			ref, err := w.Door.ReferService(ctx, w.social, s.adult.ID, nrm.ServiceReferralInput{ServiceID: sh})
			if err != nil {
				return err
			}
			for _, st := range []string{nrm.SRReceived, nrm.SRAccepted, nrm.SRDelivered} {
				if err := w.Door.StepServiceReferral(ctx, w.sp, ref, nrm.ServiceStepInput{State: st}); err != nil {
					return fmt.Errorf("%s: %w", st, err)
				}
			}
			return nil
		}},
		{"individual plan in the person's words", func(t *testing.T, w *nrmWorld, s *state) error {
			_, err := w.Door.RecordPlan(ctx, w.social, s.adult.ID, agreedPlan(0, nrm.GoalInput{Area: "employment", Text: "Të punoj si rrobaqepëse"}))
			return err
		}},
		{"closure and reopening", func(t *testing.T, w *nrmWorld, s *state) error {
			if _, err := w.Door.CloseRecord(ctx, w.social, s.adult.ID, nrm.CloseInput{Reason: "reintegrated", On: "2026-11-24"}); err != nil {
				return err
			}
			return w.Door.ReopenRecord(ctx, w.social, s.adult.ID, nrm.ReopenInput{Reason: "new_needs"})
		}},
		{"case file", func(t *testing.T, w *nrmWorld, s *state) error {
			cf, err := w.Door.Case(ctx, w.social, s.adult.ID)
			if err == nil && (cf.Justice == nil || len(cf.Justice.Proceedings) != 0) {
				return errors.New("the case file should show an empty justice track")
			}
			return err
		}},
	}
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		s := &state{}
		for _, st := range steps {
			if err := st.run(t, w, s); err != nil {
				t.Fatalf("%s with the justice track empty: %v", st.name, err)
			}
			for _, tbl := range []string{"justice_proceedings", "justice_stages", "protective_measures", "compensation_claims", "residence_permits"} {
				if n := count(t, w, `SELECT COUNT(*) FROM `+tbl); n != 0 {
					t.Fatalf("%s wrote %d rows to %s", st.name, n, tbl)
				}
			}
		}
	})
}

// No gate on justice data: outside the justice track itself (and erasure,
// which shreds everything), no code of the door or the policy names a
// justice table, so nothing can wait for or look at it.
func TestNoGateOnJusticeData(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../policy.go")
	tables := []string{"justice_proceedings", "justice_stages", "protective_measures", "compensation_claims", "residence_permits"}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "justice.go" || f == "retention.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tbl := range tables {
			if strings.Contains(string(b), tbl) {
				t.Errorf("%s names %s: the justice track must stay beside the rest", f, tbl)
			}
		}
	}
}
