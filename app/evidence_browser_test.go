package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// demoActor is a demo user as the door sees them, for seeding what the
// browser then works on.
func demoActor(t *testing.T, a *app.App, username string, typ nrm.OrgType) *nrm.Actor {
	t.Helper()
	u, err := a.Door.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: typ, Roles: u.Roles, Remote: "test", MFAAt: time.Now()}
}

// firstOfForm is the first indicator whose main form is f in each section
// asked for ("" for any section).
func firstOfForm(t *testing.T, f rules.Form, sections ...string) []string {
	t.Helper()
	var out []string
	for _, s := range sections {
		for _, ind := range rules.Indicators().Indicators {
			if len(ind.Forms) > 0 && ind.Forms[0] == f && (s == "" || ind.Section == s) {
				out = append(out, ind.Code)
				break
			}
		}
	}
	if len(out) != len(sections) {
		t.Fatalf("the catalogue lacks %s indicators in %v", f, sections)
	}
	return out
}

// TestBrowserDecideWithTheEvidenceOnScreen walks the working day of issue
// 14 in headless Chromium, role by role: the Responsible Authority opens a
// new referral's record and sees the indicators by form, the screening
// result and the account (not the identity); the panel decides with no
// outcome chosen for it, and the second member reads the reasons before
// signing with a fresh second factor; the Responsible Authority resolves a
// possible duplicate as "not the same person" from the side-by-side
// comparison; a shelter whose consent was withdrawn finds "access ended"
// on its worklist and no break-glass form on the record; the data
// protection officer reviews a break-glass opening.
func TestBrowserDecideWithTheEvidenceOnScreen(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	seeded := time.Now() // the demo users' last code steps
	cat := i18n.MustLoad()
	ctx := context.Background()
	sq := func(key string, args ...any) string { return cat.T("sq", key, args...) }
	border := demoActor(t, a, "policia.kufi", nrm.OrgBorderPolice)
	today := time.Now().Format("2006-01-02")
	years := 31

	// A new referral: labour indicators in every section and a method of
	// control, the account, a shelter need.
	inds := append(firstOfForm(t, rules.FormLabour, "A", "B", "C"), firstOfForm(t, rules.FormControl, "")...)
	const account = "Punonte në serra pa pagë; pronari i mbante pasaportën."
	refer := func(given, family, birth, need string) *nrm.Person {
		t.Helper()
		in := nrm.ReferralInput{MetOn: today, MetRegion: "vlore", MetHow: "border_check", MetPlace: "Pika kufitare e Kakavijës",
			Region: "vlore", Identity: &nrm.Identity{GivenName: given, FamilyName: family, BirthDate: birth}, Sex: "male",
			Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven,
			Safety: []string{"threatened"}, Indicators: inds, Account: account}
		if need != "" {
			in.Needs = []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: need}}
		}
		res, err := a.Door.Refer(ctx, border, in)
		if err != nil {
			t.Fatal(err)
		}
		return res.Person
	}
	p := refer("Yusuf", "Khalil", "1994-05-02", "")
	record := url + "/persons/" + p.ID
	req, err := a.Door.RequestIdentification(ctx, border, p.ID, nrm.IdentificationRequest{RequestedBy: nrm.RequestedByPerson,
		Explanation: "I shpjegua në arabisht me përkthyes çfarë bën grupi.", Language: "ar", PanelOrgs: []string{"org-police-at", "org-sss-vlore"}})
	if err != nil || req == "" {
		t.Fatal(err)
	}
	br := newBrowserFor(t, chrome, url, logins, 8*time.Minute)
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	content := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(br.ctx, chromedp.TextContent(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}

	// 1. The Responsible Authority reads what the referral said.
	br.signIn("autoriteti")
	br.do("the RA opens the new record", chromedp.Navigate(record), chromedp.WaitVisible(`[data-testid=evidence-referral]`))
	ev := content(`[data-testid=evidence]`)
	for _, want := range []string{rules.FormLabel(rules.FormLabour, "sq"), rules.FormLabel(rules.FormControl, "sq"),
		sq("evidence.screening_met", sq("evidence.rule_adult")), account, "Pika kufitare e Kakavijës", sq("safety.threatened"), "Arben Hoxha (demo)"} {
		if !strings.Contains(ev, want) {
			t.Errorf("the RA's record lacks %q:\n%s", want, ev)
		}
	}
	if n := count(`[data-testid=evidence-form]`); n != 2 {
		t.Errorf("indicators in %d groups, want labour and control", n)
	}
	if page := content(`main`); strings.Contains(page, "Yusuf") || strings.Contains(page, "Khalil") {
		t.Error("the RA must not see the identity")
	}
	if w := content(`[data-testid=evidence-withheld]`); !strings.Contains(w, sq("evidence.part.identity")) || !strings.Contains(w, sq("evidence.scope.account")) {
		t.Errorf("the withheld identity is said, with why: %q", w)
	}

	// 3b. …and resolves a possible duplicate from the side-by-side comparison.
	first := refer("Besnik", "Dushku", "1990-03-04", "")
	again, err := a.Door.Refer(ctx, demoActor(t, a, "ojf.terren", nrm.OrgNGOShelter), nrm.ReferralInput{MetOn: today, MetRegion: "fier", MetHow: "outreach",
		Identity: &nrm.Identity{GivenName: "besnik", FamilyName: "DUSHKU", BirthDate: "1990"}, Sex: "male", Nationalities: []string{"SYR"},
		AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven, Indicators: inds[:1]})
	if err != nil || !again.Duplicate {
		t.Fatalf("a possible duplicate: %+v %v", again, err)
	}
	br.do("the duplicate's comparison",
		chromedp.Navigate(url+"/persons/"+again.Person.ID),
		chromedp.WaitVisible(`[data-testid=action-duplicate]`),
		chromedp.Click(`[data-testid=action-duplicate]`),
		chromedp.WaitVisible(`[data-testid="compare-`+first.Code+`"]`),
		chromedp.Click(`[data-testid="compare-`+first.Code+`"]`),
		chromedp.WaitVisible(`[data-testid=compare-table]`),
	)
	table := content(`[data-testid=compare-table]`)
	for _, want := range []string{"besnik", "Besnik", "1990-03-04", sq("evidence.compare_differs"), sq("evidence.compare_same"), sq("evidence.compare_unknown")} {
		if !strings.Contains(table, want) {
			t.Errorf("the comparison lacks %q:\n%s", want, table)
		}
	}
	if n := count(`input[name=state]:checked`); n != 0 || count(`input[name=state]`) != 3 {
		t.Fatalf("nothing is chosen for the RA: %d of %d checked", n, count(`input[name=state]`))
	}
	br.do("not the same person",
		chromedp.Click(`#state-distinct`),
		chromedp.Click(`[data-testid=compare-submit]`),
		chromedp.WaitVisible(`[data-testid=done-banner]`),
		chromedp.WaitVisible(`[data-testid=case-duplicates]`),
	)
	if d := content(`[data-testid=case-duplicates]`); !strings.Contains(d, sq("dupstate.distinct")) {
		t.Errorf("the duplicate is resolved as different people: %q", d)
	}
	br.signOut()

	// 2. The panel decides: nothing is chosen for it.
	br.signIn("paneli.policia")
	br.do("the decision page",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=decide-link]`),
		chromedp.Click(`[data-testid=decide-link]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.WaitVisible(`[data-testid=decide-evidence] [data-testid=evidence-account]`),
	)
	if n := count(`input[name=outcome]:checked`); n != 0 || count(`input[name=outcome]`) != 2 {
		t.Fatalf("no outcome is chosen for the panel: %d checked", n)
	}
	const reasons = "Rrëfim i qëndrueshëm; tregues në çdo seksion; pasaporta e mbajtur nga pronari."
	br.do("without an outcome",
		chromedp.SendKeys(`#reasons`, reasons),
		chromedp.SetValue(`#interview_on`, today),
		chromedp.SetValue(`#told_on`, today),
		chromedp.SetValue(`#told_how`, "in_person"),
		chromedp.SendKeys(`#told_lang`, "ar"),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=error-summary]`),
	)
	if s := br.text(`[data-testid=error-summary]`); !strings.Contains(s, sq("field.outcome")) {
		t.Fatalf("the page asks for the outcome: %q", s)
	}
	br.do("with the outcome",
		chromedp.Click(`#outcome-`+nrm.OutcomeIdentified),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=done-banner]`),
	)
	if s := br.text(`[data-testid=done-text]`); s != sq("done.decided") {
		t.Errorf("the success banner: %q", s)
	}
	br.signOut()

	// The second member signs in with the code of the step before now, so
	// that the code of the next step proves the second factor afresh.
	if d := time.Until(seeded.Add(61 * time.Second)); d > 0 {
		time.Sleep(d) // the step before now must be later than the seed's
	}
	br.signInAt("paneli.sociale", time.Now().Add(-30*time.Second))
	br.do("the signing page",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=sign-decision]`),
		chromedp.Click(`[data-testid=sign-decision]`),
		chromedp.WaitVisible(`[data-testid=sign-form]`),
	)
	for sel, want := range map[string]string{`[data-testid=sign-reasons]`: reasons, `[data-testid=sign-decided-by]`: "Gentian Shehu (demo)",
		`[data-testid=sign-outcome]`: sq("outcome.identified"), `[data-testid=sign-notice]`: sq("toldhow.in_person"), `[data-testid=evidence]`: account} {
		if got := content(sel); !strings.Contains(got, want) {
			t.Errorf("the signer reads %q in %s: %q", want, sel, got)
		}
	}
	br.do("signing without saying it was read",
		chromedp.Click(`[data-testid=sign-submit]`),
		chromedp.WaitVisible(`[data-testid=error-summary]`),
	)
	code, err := totp.GenerateCode(secretOf(t, logins, "paneli.sociale"), time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	br.do("signing, with a fresh code",
		chromedp.Click(`[data-testid=sign-read]`),
		chromedp.SendKeys(`#code`, code),
		chromedp.Click(`[data-testid=sign-submit]`),
		chromedp.WaitVisible(`[data-testid=done-banner]`),
		chromedp.WaitVisible(`[data-testid=person-status]`),
	)
	if st := br.text(`[data-testid=person-status]`); st != sq("status.identified_victim") {
		t.Fatalf("after both signatures: %q", st)
	}
	br.signOut()

	// 4. The shelter's consent is withdrawn: its task ends, and it is told.
	shelterRec := refer("Omar", "Haddad", "1996", "org-shelter-a")
	cs, err := a.Door.Consents(ctx, border, shelterRec.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Purpose == nrm.PurposeServices && c.WithdrawnAt.IsZero() {
			if err := a.Door.WithdrawConsent(ctx, border, shelterRec.ID, c.ID, "oral"); err != nil {
				t.Fatal(err)
			}
		}
	}
	br.signIn("strehez.a")
	line := content(`[data-testid=work-ended]`)
	if !strings.Contains(line, shelterRec.Code) || !strings.Contains(line, sq("evidence.ended.access_ended", today)) || !strings.Contains(line, sq("need.shelter")) {
		t.Errorf("the shelter's worklist says access ended: %q", line)
	}
	if n := count(`[data-testid=work-ended] a`); n != 0 {
		t.Error("the statement must not link to the record")
	}
	br.do("the record, typed in", chromedp.Navigate(url+"/persons/"+shelterRec.ID), chromedp.WaitVisible(`main h1`))
	if h := br.text(`main h1`); h != sq("evidence.access_ended_title") {
		t.Errorf("the record answers %q, want the access-ended statement", h)
	}
	if n := count(`[data-testid=breakglass]`); n != 0 {
		t.Error("no break-glass form where the organisation was told nothing more is needed")
	}
	br.signOut()

	// 5. The prosecutor opens the first record in an emergency; the DPO
	// reviews the opening.
	if err := a.Door.BreakGlass(ctx, demoActor(t, a, "prokurori", nrm.OrgProsecution), p.ID, "Kërcënim i raportuar sonte; duhet gjetur dëshmitari."); err != nil {
		t.Fatal(err)
	}
	br.signIn("mbrojtja.te.dhenave")
	br.do("the openings to review",
		chromedp.Click(`[data-testid=glass-reviews-link]`),
		chromedp.WaitVisible(`[data-testid=glass-opening]`),
		chromedp.Click(`[data-testid=glass-review-link]`),
		chromedp.WaitVisible(`[data-testid=glass-review-form]`),
	)
	if r := br.text(`[data-testid=glass-reason]`); !strings.Contains(r, "dëshmitari") {
		t.Errorf("the DPO reads the reason: %q", r)
	}
	if n := count(`input[name=outcome]:checked`); n != 0 {
		t.Fatal("no finding is chosen for the DPO")
	}
	br.do("not justified, without a note",
		chromedp.Click(`#outcome-not_justified`),
		chromedp.Click(`[data-testid=glass-review-submit]`),
		chromedp.WaitVisible(`[data-testid=error-summary]`),
	)
	br.do("with the note",
		chromedp.SendKeys(`#note`, "Asnjë kërcënim nuk ishte në dosje; u fol me prokurorin."),
		chromedp.Click(`[data-testid=glass-review-submit]`),
		chromedp.WaitVisible(`[data-testid=done-banner]`),
		chromedp.WaitVisible(`[data-testid=glass-outcome]`),
	)
	if o := br.text(`[data-testid=glass-outcome]`); o != sq("evidence.glass.not_justified") {
		t.Errorf("the finding: %q", o)
	}
}
