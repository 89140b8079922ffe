package door_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// shelter puts a shelter of organisation B with places into the directory.
func shelter(t *testing.T, w *world, places int) string {
	t.Helper()
	id, err := w.Door.SaveService(ctx, w.sp, "", nrm.ServiceInput{Kind: "shelter", Name: "Shtëpia e sigurt", Regions: []string{"vlore", "tirane"},
		Languages: []string{"sq", "en"}, ForWhom: []string{"women", "children"}, Capacity: places, Accreditation: "Licence 12/2024", AccreditedUntil: "2030-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func fieldKey(err error, field string) string {
	var es nrm.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			if e.Field == field {
				return e.Key
			}
		}
		return ""
	}
	var e *nrm.Error
	if errors.As(err, &e) && e.Field == field {
		return e.Key
	}
	return ""
}

func step(t *testing.T, w *world, a *nrm.Actor, id, state string) {
	t.Helper()
	if err := w.Door.StepServiceReferral(ctx, a, id, nrm.ServiceStepInput{State: state}); err != nil {
		t.Fatalf("step %s: %v", state, err)
	}
}

func freeOf(t *testing.T, w *world, id string) int {
	t.Helper()
	l, err := w.Door.Services(ctx, w.cm, door.ServiceFilter{Kind: "shelter"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l {
		if s.ID == id {
			return s.Free()
		}
	}
	t.Fatalf("service %s not listed", id)
	return 0
}

func TestServiceDirectoryKeptByItsOrganisation(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		id := shelter(t, w, 3)
		// Another organisation may not change it; the Responsible Authority may.
		in := nrm.ServiceInput{Kind: "shelter", Name: "Renamed", Regions: []string{"vlore"}, ForWhom: []string{"women"}, Capacity: 3}
		if _, err := w.Door.SaveService(ctx, w.cm, id, in); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("another organisation's entry: %v", err)
		}
		if _, err := w.Door.SaveService(ctx, w.ra, id, in); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.SaveService(ctx, w.sp, "", nrm.ServiceInput{Kind: "spa", Regions: []string{"mars"}, ForWhom: []string{"cats"}, Capacity: -1}); fieldKey(err, "kind") != "error.unknown_value" ||
			fieldKey(err, "name") != "error.required" || fieldKey(err, "regions") != "error.unknown_value" || fieldKey(err, "for_whom") != "error.unknown_value" ||
			fieldKey(err, "capacity") != "error.service_capacity" {
			t.Fatalf("field errors: %v", err)
		}
		for _, f := range []door.ServiceFilter{{Region: "vlore"}, {ForWhom: "women"}, {Kind: "shelter", FreeOnly: true}} {
			if l, err := w.Door.Services(ctx, w.mon, f); err != nil || len(l) != 1 || l[0].Name != "Renamed" || l[0].Free() != 3 {
				t.Fatalf("filter %+v: %+v %v", f, l, err)
			}
		}
		for _, f := range []door.ServiceFilter{{Region: "kukes"}, {ForWhom: "men"}, {Language: "it"}, {Kind: "medical"}} {
			if l, _ := w.Door.Services(ctx, w.mon, f); len(l) != 0 {
				t.Fatalf("filter %+v selects nothing: %+v", f, l)
			}
		}
		if n := auditCount(t, w, id, door.ActServiceSave, "ok"); n != 2 {
			t.Fatalf("directory changes audited %d times", n)
		}
	})
}

// A referral to a shelter with free places is accepted; places are taken
// and freed; invalid steps are refused; the receiver sees no identity.
func TestServiceReferralToShelterCapacity(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		sh := shelter(t, w, 1)
		p1, _ := w.Door.CreatePerson(ctx, w.cm, input("Blerta", "Hoxha", "needs a safe place"))
		p2, _ := w.Door.CreatePerson(ctx, w.cm, input("Dora", "Gjoni", "needs a safe place too"))
		r1, err := w.Door.ReferService(ctx, w.cm, p1.ID, nrm.ServiceReferralInput{ServiceID: sh, Note: "arrives tonight"})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := w.Door.ReferService(ctx, w.cm, p2.ID, nrm.ServiceReferralInput{ServiceID: sh})
		if err != nil {
			t.Fatal(err)
		}
		// Only the receiving organisation moves the loop on; others find it missing.
		if err := w.Door.StepServiceReferral(ctx, w.cm, r1, nrm.ServiceStepInput{State: nrm.SRAccepted}); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("the sender may not accept: %v", err)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRDelivered}); fieldKey(err, "state") != "error.service_transition" {
			t.Fatalf("sent → delivered must be refused: %v", err)
		}
		step(t, w, w.sp, r1, nrm.SRReceived)
		step(t, w, w.sp, r1, nrm.SRAccepted)
		if free := freeOf(t, w, sh); free != 0 {
			t.Fatalf("the one place is taken: %d free", free)
		}
		if l, _ := w.Door.Services(ctx, w.cm, door.ServiceFilter{FreeOnly: true}); len(l) != 0 {
			t.Fatalf("a full shelter is not offered as free: %+v", l)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r2, nrm.ServiceStepInput{State: nrm.SRAccepted}); fieldKey(err, "state") != "error.service_full" {
			t.Fatalf("no free place: %v", err)
		}
		step(t, w, w.sp, r1, nrm.SRInProgress)
		if free := freeOf(t, w, sh); free != 0 {
			t.Fatalf("in progress holds the place: %d", free)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRDelivered, On: "2999-01-01"}); fieldKey(err, "delivered_on") != "error.date_future" {
			t.Fatalf("a future delivery date: %v", err)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRDelivered, Mode: "phone"}); err != nil {
			t.Fatal(err)
		}
		if free := freeOf(t, w, sh); free != 1 {
			t.Fatalf("delivery frees the place: %d", free)
		}
		step(t, w, w.sp, r2, nrm.SRAccepted)
		if free := freeOf(t, w, sh); free != 0 {
			t.Fatal("the freed place is taken again")
		}
		// The sender cancels: the place is freed.
		if err := w.Door.StepServiceReferral(ctx, w.cm, r2, nrm.ServiceStepInput{State: nrm.SRCancelled, Reason: "moved to family"}); err != nil {
			t.Fatal(err)
		}
		if free := freeOf(t, w, sh); free != 1 {
			t.Fatalf("cancelling frees the place: %d", free)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRAccepted}); fieldKey(err, "state") != "error.service_transition" {
			t.Fatalf("a delivered referral is closed: %v", err)
		}
		// Sender, receiver and the Responsible Authority see the same loop.
		for _, a := range []*nrm.Actor{w.cm, w.sp, w.ra} {
			rs, err := w.Door.ServiceReferrals(ctx, a, p1.ID)
			if err != nil || len(rs) != 1 {
				t.Fatalf("%v: %+v %v", a.Roles, rs, err)
			}
			r := rs[0]
			if r.State != nrm.SRDelivered || r.DeliveryMode != "phone" || r.DeliveredOn == "" || len(r.Steps) != 5 || r.Note != "arrives tonight" || r.PersonCode != p1.Code {
				t.Fatalf("%v: the loop %+v", a.Roles, r)
			}
			for i, st := range []string{nrm.SRSent, nrm.SRReceived, nrm.SRAccepted, nrm.SRInProgress, nrm.SRDelivered} {
				if r.Steps[i].State != st || r.Steps[i].At.IsZero() || r.Steps[i].OrgID == "" {
					t.Fatalf("step %d: %+v", i, r.Steps[i])
				}
			}
			if want := a == w.cm; (r.PersonName != "") != want {
				t.Fatalf("%v: name shown %q", a.Roles, r.PersonName)
			}
		}
		// The case file carries the loop.
		cf, err := w.Door.Case(ctx, w.cm, p2.ID)
		if err != nil || len(cf.ServiceReferrals) != 1 || cf.ServiceReferrals[0].State != nrm.SRCancelled || cf.ServiceReferrals[0].Steps[2].Reason != "moved to family" {
			t.Fatalf("case file: %+v %v", cf, err)
		}
		// A stranger finds nothing.
		if _, err := w.Door.ServiceReferrals(ctx, w.mon, p1.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("monitor: %v", err)
		}
	})
}

// A declined referral needs a new one; the new one links to it.
func TestServiceReferralDeclinedIsReReferred(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		sh := shelter(t, w, 5)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Elira", "Shehu", "referred for shelter"))
		r1, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRDeclined}); fieldKey(err, "reason") != "error.required" {
			t.Fatalf("a decline needs a reason: %v", err)
		}
		if err := w.Door.StepServiceReferral(ctx, w.sp, r1, nrm.ServiceStepInput{State: nrm.SRDeclined, Reason: "no place for her child"}); err != nil {
			t.Fatal(err)
		}
		rs, _ := w.Door.ServiceReferrals(ctx, w.cm, p.ID)
		if len(rs) != 1 || !rs[0].NeedsNew || rs[0].Steps[1].Reason != "no place for her child" {
			t.Fatalf("a declined referral needs a new one: %+v", rs)
		}
		// Replacing an open referral is refused.
		other, _ := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh})
		if _, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh, Replaces: other}); fieldKey(err, "replaces") != "error.service_replaces" {
			t.Fatalf("only a declined referral is replaced: %v", err)
		}
		r2, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh, Replaces: r1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh, Replaces: r1}); fieldKey(err, "replaces") != "error.service_replaces" {
			t.Fatalf("replaced once: %v", err)
		}
		rs, _ = w.Door.ServiceReferrals(ctx, w.ra, p.ID)
		byID := map[string]nrm.ServiceReferral{}
		for _, r := range rs {
			byID[r.ID] = r
		}
		if byID[r1].NeedsNew || byID[r1].ReplacedBy != r2 || byID[r2].Replaces != r1 || byID[r2].State != nrm.SRSent {
			t.Fatalf("re-referral linked: %+v", byID)
		}
		step(t, w, w.sp, r2, nrm.SRAccepted)
	})
}

// An unacknowledged referral escalates to the Responsible Authority after
// its deadline; an acknowledged one does not; in an emergency the clock is
// shorter.
func TestServiceReferralEscalatesAndCrisisShortens(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		clock := w.UseClock()
		coord := w.User(t, "coord.user", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleCoordinator)
		sh := shelter(t, w, 0)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Fatjona", "Dervishi", "waiting for a place"))
		if _, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh, Emergency: true}); fieldKey(err, "emergency") != "error.emergency_off" {
			t.Fatalf("no emergency referral outside an emergency: %v", err)
		}
		quiet, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh})
		if err != nil {
			t.Fatal(err)
		}
		acked, _ := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh})
		step(t, w, w.sp, acked, nrm.SRReceived)
		// The emergency protocol: the coordinator's alone.
		if err := w.Door.SetEmergency(ctx, w.ra, true, "floods"); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("only the coordinator switches: %v", err)
		}
		if err := w.Door.SetEmergency(ctx, coord, true, ""); fieldKey(err, "reason") != "error.required" {
			t.Fatalf("a reason is needed: %v", err)
		}
		if err := w.Door.SetEmergency(ctx, coord, true, "floods in the south"); err != nil {
			t.Fatal(err)
		}
		urgent, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh, Emergency: true})
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := w.Door.ServiceReferrals(ctx, w.cm, p.ID)
		for _, r := range rs {
			switch r.ID {
			case urgent:
				if !r.Emergency || !r.DuringEmergency || r.AckDue.Sub(r.SentAt) != 4*time.Hour {
					t.Fatalf("an emergency referral is due in 4 hours: %+v", r)
				}
			case quiet:
				if r.Emergency || r.DuringEmergency || r.AckDue.Sub(r.SentAt) < 24*time.Hour {
					t.Fatalf("an ordinary referral keeps its working days: %+v", r)
				}
			}
		}
		// Five hours on, only the emergency referral is late.
		clock.Advance(5 * time.Hour)
		if n, err := w.Door.EscalateDeadlines(ctx); err != nil || n != 1 {
			t.Fatalf("the emergency referral escalates first: %d %v", n, err)
		}
		if err := w.Door.SetEmergency(ctx, coord, false, "waters receded"); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SetEmergency(ctx, coord, false, ""); fieldKey(err, "emergency") != "error.emergency_off" {
			t.Fatalf("already off: %v", err)
		}
		ems, err := w.Door.Emergencies(ctx, w.cm)
		if err != nil || len(ems) != 1 || ems[0].EndedAt.IsZero() || ems[0].Reason != "floods in the south" {
			t.Fatalf("the emergency period is kept: %+v %v", ems, err)
		}
		// Ten days on, the unacknowledged ordinary referral escalates; the acknowledged one never.
		clock.Advance(10 * 24 * time.Hour)
		if n, err := w.Door.EscalateDeadlines(ctx); err != nil || n != 1 {
			t.Fatalf("the unacknowledged referral escalates: %d %v", n, err)
		}
		work, err := w.Door.Work(ctx, w.ra)
		if err != nil {
			t.Fatal(err)
		}
		missed := 0
		for _, nt := range work.Notifications {
			if nt.Kind == "deadline_missed" {
				missed++
			}
		}
		if missed != 2 {
			t.Fatalf("the Responsible Authority is told of both: %d", missed)
		}
		cf, _ := w.Door.Case(ctx, w.cm, p.ID)
		late := 0
		for _, e := range cf.Timeline {
			if e.Kind == door.TLDeadlineMissed && strings.Contains(e.Args["rule"], "referral_acknowledgement") {
				late++
			}
		}
		if late != 2 {
			t.Fatalf("the timeline shows both missed acknowledgements: %d", late)
		}
	})
}

// The receiving shelter sees the referral but no identity until a consent
// names it.
func TestServiceReceiverSeesIdentityOnlyWithConsent(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		sh := shelter(t, w, 2)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Genta", "Kola", "the account stays with the referrer"))
		if _, err := w.Door.ReferService(ctx, w.cm, p.ID, nrm.ServiceReferralInput{ServiceID: sh}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.GetPerson(ctx, w.sp, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("a referral opens no record: %v", err)
		}
		in, err := w.Door.ServiceReferralInbox(ctx, w.sp)
		if err != nil || len(in) != 1 || in[0].PersonName != "" || in[0].PersonCode != p.Code || in[0].Region != "vlore" {
			t.Fatalf("the inbox without consent: %+v %v", in, err)
		}
		rs, err := w.Door.ServiceReferrals(ctx, w.sp, p.ID)
		if err != nil || len(rs) != 1 || rs[0].PersonName != "" {
			t.Fatalf("the loop without consent: %+v %v", rs, err)
		}
		if _, err := w.Door.RecordConsent(ctx, w.cm, p.ID, informed(nrm.PurposeServices, nrm.ConsentIdentity, nrm.GivenByPerson, "org-b")); err != nil {
			t.Fatal(err)
		}
		in, _ = w.Door.ServiceReferralInbox(ctx, w.sp)
		if len(in) != 1 || in[0].PersonName != "Genta Kola" {
			t.Fatalf("with consent naming the shelter: %+v", in)
		}
		rs, _ = w.Door.ServiceReferrals(ctx, w.sp, p.ID)
		if len(rs) != 1 || rs[0].PersonName != "Genta Kola" {
			t.Fatalf("the loop with consent: %+v", rs)
		}
		// Another organisation's worker has no inbox entry and no loop.
		if in, _ := w.Door.ServiceReferralInbox(ctx, w.fr); len(in) != 0 {
			t.Fatalf("org A received nothing: %+v", in)
		}
	})
}
