package door_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// queue reads one whole queue of an actor (every page of 2 lines), and
// checks that the pages join without a repeat and that the count agrees.
func queue(t *testing.T, w *nrmWorld, a *nrm.Actor, q nrm.Queue) []nrm.QueueItem {
	t.Helper()
	var all []nrm.QueueItem
	after := ""
	var count nrm.QueueCount
	for i := 0; ; i++ {
		v, err := w.Door.QueuePage(ctx, a, q, after, 2)
		if err != nil {
			t.Fatalf("%s page %d: %v", q, i, err)
		}
		if i == 0 {
			count = v.Count
		}
		all = append(all, v.Items...)
		if v.Next == "" {
			break
		}
		if len(v.Items) != 2 {
			t.Fatalf("%s: a page that is not the last has %d lines", q, len(v.Items))
		}
		after = v.Next
	}
	seen := map[string]bool{}
	for _, it := range all {
		k := it.OtherID + it.ID
		if seen[k] {
			t.Fatalf("%s: %s twice across pages", q, it.ID)
		}
		seen[k] = true
	}
	if count.N != len(all) || count.More {
		t.Fatalf("%s: count %+v, %d lines", q, count, len(all))
	}
	return all
}

// on reports whether a queue has a line about the record.
func on(items []nrm.QueueItem, personID string) *nrm.QueueItem {
	for i := range items {
		if items[i].PersonID == personID {
			return &items[i]
		}
	}
	return nil
}

// TestWorklistsEachRole walks every role's queue through a working day:
// what appears, for whom, and that it leaves the queue once done; another
// organisation never sees it.
func TestWorklistsEachRole(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		dpo := w.User(t, "dpo.user", "org-it", nrm.OrgMinistry, nrm.RoleDPO)
		spOther := w.User(t, "sp.health", "org-health", nrm.OrgHealth, nrm.RoleServiceProvider)

		// A border officer refers an adult: shelter with organisation B.
		in := nrm.ReferralInput{
			MetOn: clock.Now().Format("2006-01-02"), MetRegion: "tirane", MetHow: "border_check",
			Identity: &nrm.Identity{GivenName: "Amir", FamilyName: "Haddad", BirthDate: "1994"},
			Sex:      "male", Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32),
			Needs:      []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-b"}},
			Indicators: indicators(t, "labour", "A", "B", "C"), Consent: nrm.ConsentGiven,
		}
		res, err := w.Door.Refer(ctx, w.border, in)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person

		// The Responsible Authority: awaiting registration, with its clock.
		reg := queue(t, w, w.raOff, nrm.QueueRegistration)
		it := on(reg, p.ID)
		if it == nil || it.Code != p.Code || it.Due.IsZero() || it.Late {
			t.Fatalf("registration queue: %+v", reg)
		}
		// The shelter's workers: the task, and the new referral.
		for _, a := range []*nrm.Actor{w.cmB, w.sp} {
			if it := on(queue(t, w, a, nrm.QueueTasks), p.ID); it == nil || it.What != "shelter" || it.Due.IsZero() {
				t.Fatalf("%v: shelter task missing: %+v", a.Roles, it)
			}
		}
		if it := on(queue(t, w, w.cmB, nrm.QueueNew), p.ID); it == nil || it.What != "task" {
			t.Fatalf("new referral to the shelter: %+v", it)
		}
		// Another organisation's workers: nothing of it.
		for _, a := range []*nrm.Actor{w.cm, w.cpu, spOther} {
			for _, q := range nrm.Queues(a) {
				if on(queue(t, w, a, q), p.ID) != nil {
					t.Fatalf("%s of %s lists another organisation's item", q, a.OrgID)
				}
			}
		}
		// A role without the queue is refused it.
		if _, err := w.Door.QueuePage(ctx, w.cm, nrm.QueueRegistration, "", 10); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a case manager reading the registration queue: %v", err)
		}

		// Registered: it leaves the queue.
		if err := w.Door.RegisterPerson(ctx, w.raOff, p.ID); err != nil {
			t.Fatal(err)
		}
		if on(queue(t, w, w.raOff, nrm.QueueRegistration), p.ID) != nil {
			t.Fatal("a registered record stays in the registration queue")
		}

		// The same identity again: a possible duplicate for the RA.
		res2, err := w.Door.Refer(ctx, w.police, in)
		if err != nil {
			t.Fatal(err)
		}
		dups := queue(t, w, w.raOff, nrm.QueueDuplicates)
		if len(dups) != 1 || dups[0].PersonID != res2.Person.ID || dups[0].OtherID != p.ID || dups[0].OtherCode != p.Code {
			t.Fatalf("duplicates queue: %+v", dups)
		}
		if err := w.Door.ResolveDuplicate(ctx, w.raOff, p.ID, res2.Person.ID, "distinct"); err != nil {
			t.Fatal(err)
		}
		if len(queue(t, w, w.raOff, nrm.QueueDuplicates)) != 0 {
			t.Fatal("a resolved duplicate stays in the queue")
		}

		// Formal identification: the RA follows it, the panel decides and signs.
		reqID, err := w.Door.RequestIdentification(ctx, w.border, p.ID, nrm.IdentificationRequest{
			RequestedBy: nrm.RequestedByPerson, Explanation: "Told what it means", Language: "ar", PanelOrgs: []string{"org-pol", "org-a"}})
		if err != nil {
			t.Fatal(err)
		}
		if it := on(queue(t, w, w.raOff, nrm.QueueIdentification), p.ID); it == nil || it.What != "open" || it.Ref != reqID || it.Due.IsZero() {
			t.Fatalf("identification queue: %+v", it)
		}
		for _, a := range []*nrm.Actor{w.panelPolice, w.panelSocial} {
			if it := on(queue(t, w, a, nrm.QueueDecide), p.ID); it == nil || it.Ref != reqID {
				t.Fatalf("%s: request awaiting a decision missing", a.OrgID)
			}
		}
		if on(queue(t, w, w.panelCPU, nrm.QueueDecide), p.ID) != nil {
			t.Fatal("a panel member not on the panel sees the request")
		}
		decID, err := w.Door.Decide(ctx, w.panelPolice, reqID, nrm.DecisionInput{Outcome: nrm.OutcomeIdentified, Reasons: "Consistent account.",
			InterviewOn: clock.Now().Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if on(queue(t, w, w.panelSocial, nrm.QueueDecide), p.ID) != nil {
			t.Fatal("a request with a decision being signed still awaits a decision")
		}
		if on(queue(t, w, w.panelPolice, nrm.QueueSign), p.ID) != nil {
			t.Fatal("the member who signed still has the decision to sign")
		}
		if it := on(queue(t, w, w.panelSocial, nrm.QueueSign), p.ID); it == nil || it.ID != decID || it.What != nrm.OutcomeIdentified {
			t.Fatalf("decision awaiting the second signature: %+v", it)
		}
		if it := on(queue(t, w, w.raOff, nrm.QueueIdentification), p.ID); it == nil || it.What != "signing" {
			t.Fatalf("the RA sees the decision being signed: %+v", it)
		}
		if err := w.Door.SignDecision(ctx, w.panelSocial, decID); err != nil {
			t.Fatal(err)
		}
		if on(queue(t, w, w.panelSocial, nrm.QueueSign), p.ID) != nil || on(queue(t, w, w.raOff, nrm.QueueIdentification), p.ID) != nil {
			t.Fatal("a decision in effect stays in a queue")
		}

		// A service referral to the shelter: acknowledge, accept, deliver.
		svc := shelter(t, w.world, 4)
		own, err := w.Door.CreatePerson(ctx, w.cm, input("Teuta", "Bregu", "met at the bus station"))
		if err != nil {
			t.Fatal(err)
		}
		srID, err := w.Door.ReferService(ctx, w.cm, own.ID, nrm.ServiceReferralInput{ServiceID: svc})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{nrm.SRSent, nrm.SRReceived, nrm.SRAccepted, nrm.SRInProgress} {
			it := on(queue(t, w, w.sp, nrm.QueueServices), own.ID)
			if it == nil || it.What != st || it.ID != srID || it.OrgName == "" {
				t.Fatalf("service referral in state %s: %+v", st, it)
			}
			if st == nrm.SRSent && it.Due.IsZero() {
				t.Fatal("a referral to acknowledge shows no clock")
			}
			if on(queue(t, w, spOther, nrm.QueueServices), own.ID) != nil {
				t.Fatal("another provider sees the referral")
			}
			next := map[string]string{nrm.SRSent: nrm.SRReceived, nrm.SRReceived: nrm.SRAccepted, nrm.SRAccepted: nrm.SRInProgress, nrm.SRInProgress: nrm.SRDelivered}[st]
			step(t, w.world, w.sp, srID, next)
		}
		if on(queue(t, w, w.sp, nrm.QueueServices), own.ID) != nil {
			t.Fatal("a delivered service stays in the queue")
		}

		// A child: the child protection unit's clocks, due and then missed,
		// escalated to the RA.
		child, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{MetRegion: "tirane", MetHow: "outreach", Region: "tirane",
			Identity: &nrm.Identity{GivenName: "Dea"}, Sex: "female", Nationalities: []string{"ALB"}, AgeBasis: nrm.AgeUncertain, ChildSigns: true,
			Indicators: indicators(t, "sexual", "A", "C"), Consent: nrm.ConsentChild})
		if err != nil {
			t.Fatal(err)
		}
		c := child.Person.ID
		due := queue(t, w, w.cpu, nrm.QueueDue)
		if it := on(due, c); it == nil || it.What != "cpu_notification" || it.Late {
			t.Fatalf("the unit's clock due within a day: %+v", due)
		}
		if it := on(queue(t, w, w.cpu, nrm.QueueNew), c); it == nil || it.What != "child_referred" {
			t.Fatalf("the child referred to the unit: %+v", it)
		}
		clock.Advance(5 * 24 * time.Hour)
		if _, err := w.Door.EscalateDeadlines(ctx); err != nil {
			t.Fatal(err)
		}
		due = queue(t, w, w.cpu, nrm.QueueDue)
		var late *nrm.QueueItem
		for i := range due {
			if due[i].PersonID == c && due[i].What == "cpu_notification" {
				late = &due[i]
			}
		}
		want := w.Door.Profile().WorkingDaysLate(late.Due, clock.Now())
		if late == nil || !late.Late || late.LateDays != want || !late.Escalated {
			t.Fatalf("a missed clock, %d working days late: %+v", want, late)
		}
		esc := queue(t, w, w.raOff, nrm.QueueEscalations)
		var names []string
		for _, e := range esc {
			if e.PersonID == c && e.What != "ra_registration" {
				names = append(names, e.What)
				if e.OrgName != "Org org-cpu" || !e.Late {
					t.Fatalf("an escalation names whose clock it was: %+v", e)
				}
			}
		}
		if !slices.Contains(names, "cpu_notification") || !slices.Contains(names, "guardian_appointment") {
			t.Fatalf("escalations of the child's record: %v", names)
		}
		// Met: it leaves both queues.
		if err := w.Door.RecordGuardian(ctx, w.cpu, c, nrm.GuardianInput{Kind: "cpu_worker", Name: "Blerta K.", OrgID: "org-cpu"}); err != nil {
			t.Fatal(err)
		}
		for _, e := range queue(t, w, w.raOff, nrm.QueueEscalations) {
			if e.PersonID == c && e.What == "guardian_appointment" {
				t.Fatal("a met clock stays escalated")
			}
		}

		// The DPO: a break-glass opening to review, until reviewed.
		w.cmB.MFAAt = clock.Now()
		if err := w.Door.BreakGlass(ctx, w.cmB, own.ID, "medical emergency at the shelter tonight"); err != nil {
			t.Fatal(err)
		}
		bg := queue(t, w, dpo, nrm.QueueBreakGlass)
		if len(bg) != 1 || bg[0].PersonID != own.ID || bg[0].OrgName != "Org org-b" {
			t.Fatalf("break-glass openings to review: %+v", bg)
		}
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE breakglass SET reviewed_at = ?`, store.Micros(clock.Now()))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(queue(t, w, dpo, nrm.QueueBreakGlass)) != 0 {
			t.Fatal("a reviewed opening stays in the DPO's queue")
		}

		// Every read of a queue is audited.
		if n := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_user = ?`, door.ActWorkList, dpo.UserID); n != 2 {
			t.Fatalf("the DPO's queue reads audited %d times, want 2", n)
		}
	})
}

// TestWorklistsAccessEnded: items whose access ended never show — a
// consent withdrawn takes the shelter's task and new referral off its
// queues; a closed record leaves every queue; a record merged into another
// leaves the Responsible Authority's.
func TestWorklistsAccessEnded(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		in := nrm.ReferralInput{
			MetOn: time.Now().Format("2006-01-02"), MetRegion: "tirane", MetHow: "outreach",
			Identity: &nrm.Identity{GivenName: "Mira", FamilyName: "Kola", BirthDate: "1990"}, Sex: "female", Nationalities: []string{"ALB"},
			AgeBasis: nrm.AgeDeclared, AgeYears: ptr(35), Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-b"}},
			Indicators: indicators(t, "sexual", "A", "B", "C"), Consent: nrm.ConsentGiven,
		}
		res, err := w.Door.Refer(ctx, w.border, in)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person
		if on(queue(t, w, w.cmB, nrm.QueueTasks), p.ID) == nil || on(queue(t, w, w.cmB, nrm.QueueNew), p.ID) == nil {
			t.Fatal("the shelter's task and new referral should show before the withdrawal")
		}
		cs, err := w.Door.Consents(ctx, w.border, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		withdrawn := 0
		for _, c := range cs {
			if slices.Contains(c.RecipientOrgs, "org-b") && c.WithdrawnAt.IsZero() && c.SupersededAt.IsZero() {
				if err := w.Door.WithdrawConsent(ctx, w.border, p.ID, c.ID, "oral"); err != nil {
					t.Fatal(err)
				}
				withdrawn++
			}
		}
		if withdrawn == 0 {
			t.Fatal("no consent named the shelter")
		}
		// Nothing leads to the record any more; the shelter is told, once,
		// that its work ended (a notice without a link, door/access_end.go).
		told := 0
		for _, a := range []*nrm.Actor{w.cmB, w.sp} {
			for _, q := range nrm.Queues(a) {
				for _, it := range queue(t, w, a, q) {
					if it.PersonID != p.ID {
						continue
					}
					if q != nrm.QueueNotices || !slices.Contains(door.EndingKinds, it.What) {
						t.Fatalf("%s still lists a record whose consent was withdrawn (%s)", q, it.What)
					}
					told++
				}
			}
		}
		if told == 0 {
			t.Fatal("the shelter was not told that its work ended")
		}
		// The referring organisation keeps its record; the RA's register too.
		if on(queue(t, w, w.raOff, nrm.QueueRegistration), p.ID) == nil {
			t.Fatal("the RA's registration queue lost the record")
		}

		// A second record, closed: its clocks and tasks leave every queue.
		res2, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{MetRegion: "tirane", MetHow: "outreach", Region: "tirane",
			Identity: &nrm.Identity{GivenName: "Dea"}, Sex: "female", Nationalities: []string{"ALB"}, AgeBasis: nrm.AgeUncertain, ChildSigns: true,
			Indicators: indicators(t, "sexual", "A", "C"), Consent: nrm.ConsentChild, Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-b"}}})
		if err != nil {
			t.Fatal(err)
		}
		c := res2.Person.ID
		if on(queue(t, w, w.cpu, nrm.QueueDue), c) == nil || on(queue(t, w, w.cmB, nrm.QueueTasks), c) == nil {
			t.Fatal("the child's clocks and tasks should show before closure")
		}
		if _, err := w.Door.CloseRecord(ctx, w.border, c, nrm.CloseInput{Reason: nrm.ClosureReasons[0], On: time.Now().Format("2006-01-02")}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*nrm.Actor{w.cpu, w.cmB, w.raOff} {
			for _, q := range []nrm.Queue{nrm.QueueDue, nrm.QueueTasks, nrm.QueueNew, nrm.QueueEscalations} {
				if q.Works(a) && on(queue(t, w, a, q), c) != nil {
					t.Fatalf("%s of %s lists a closed record", q, a.OrgID)
				}
			}
		}

		// Merged into another: it leaves the RA's queues.
		res3, err := w.Door.Refer(ctx, w.police, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(queue(t, w, w.raOff, nrm.QueueDuplicates)) != 1 {
			t.Fatal("the second referral should be a possible duplicate")
		}
		if err := w.Door.ResolveDuplicate(ctx, w.raOff, p.ID, res3.Person.ID, "merged"); err != nil {
			t.Fatal(err)
		}
		if on(queue(t, w, w.raOff, nrm.QueueRegistration), res3.Person.ID) != nil || len(queue(t, w, w.raOff, nrm.QueueDuplicates)) != 0 {
			t.Fatal("a merged record stays in the RA's queues")
		}
	})
}

// TestRegisterStatesAndCounts: the register filtered by a state lists the
// state's records, in its queue's order, with the other filters, paged by
// keyset; its counts agree.
func TestRegisterStatesAndCounts(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		var ids []string
		for i, region := range []string{"tirane", "vlore", "tirane", "tirane", "durres"} {
			p, err := w.Door.CreatePerson(ctx, w.cm, nrm.PersonInput{Region: ptr(region), Sex: ptr("female"), AgeGroup: ptr(nrm.AgeAdult),
				Identity: &nrm.Identity{GivenName: "Ana", FamilyName: "Test" + string(rune('A'+i))}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		if err := w.Door.RegisterPerson(ctx, w.raOff, ids[2]); err != nil {
			t.Fatal(err)
		}
		counts, err := w.Door.RegisterCounts(ctx, w.raOff)
		if err != nil {
			t.Fatal(err)
		}
		if counts[nrm.QueueRegistration].N != 4 || counts[nrm.QueueDuplicates].N != 0 {
			t.Fatalf("counts: %+v", counts)
		}
		var got []string
		after := ""
		for {
			rows, next, err := w.Door.RegisterState(ctx, w.raOff, nrm.QueueRegistration, door.RegisterFilter{Region: "tirane", Limit: 1}, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				got = append(got, r.PersonID)
			}
			if next == "" {
				break
			}
			after = next
		}
		if want := []string{ids[0], ids[3]}; !slices.Equal(got, want) {
			t.Fatalf("awaiting registration in Tirana, oldest first: %v, want %v", got, want)
		}
		if _, err := w.Door.RegisterCounts(ctx, w.cm); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a case manager reading the register's counts: %v", err)
		}
		if _, _, err := w.Door.RegisterState(ctx, w.raOff, nrm.QueueRegistration, door.RegisterFilter{}, "x.y.z"); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a bad cursor: %v", err)
		}
	})
}

// TestQueuesReadIndexes asks SQLite how it runs every queue's statements
// (first page, next page, count) for every role, on a fresh database with
// no statistics, as a new install runs: no table is scanned whole; a page
// walks its index in the queue's order (no sort of everything that
// matches); and no queue walks every live record (the retention index) or
// every open clock (deadlines_open), which is what the planner chose
// before the queries were shaped for it. BenchmarkWorklist* measure the
// result at a million records.
func TestQueuesReadIndexes(t *testing.T) {
	w := newNRM(t, store.SQLite)
	dpo := w.User(t, "dpo.user", "org-it", nrm.OrgMinistry, nrm.RoleDPO)
	scan := regexp.MustCompile(`^SCAN (\w+)$|^SCAN (\w+) \(`)
	for _, a := range []*nrm.Actor{w.raOff, w.panelPolice, w.cm, w.border, w.sp, w.justice, dpo} {
		for name, st := range door.QueuePlans(w.Door, a, time.Now()) {
			var plan []string
			err := w.DB.View(ctx, func(tx *store.Tx) error {
				rows, err := tx.Query(ctx, `EXPLAIN QUERY PLAN `+st[0].(string), st[1:]...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id, parent, notused int
					var detail string
					if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
						return err
					}
					plan = append(plan, detail)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, line := range plan {
				if m := scan.FindStringSubmatch(line); m != nil && m[0] != "SCAN c" {
					t.Errorf("%v %s: a full scan: %q in %v", a.Roles, name, line, plan)
				}
				if strings.Contains(line, "persons_retention") || strings.Contains(line, "deadlines_open (met_at=?)") ||
					!strings.HasSuffix(name, "count") && line == "USE TEMP B-TREE FOR ORDER BY" {
					t.Errorf("%v %s: %q in %v", a.Roles, name, line, plan)
				}
			}
		}
	}
}
