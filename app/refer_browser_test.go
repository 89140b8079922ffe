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

// TestBrowserReferralThroughEveryStep drives headless Chromium through the
// guided referral: a border police officer refers a foreign adult with
// labour indicators that meet the Albanian A+B+C threshold, reloads midway
// (the draft and the unsent text survive), sends, and sees potential-victim
// status and the reflection period at once; the Responsible Authority then
// finds the person's code in the register.
func TestBrowserReferralThroughEveryStep(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, _, logins := startDemo(t, store.SQLite)
	cat := i18n.MustLoad()

	// One labour indicator of each section, chosen from the catalogue now.
	picked := map[string]string{}
	for _, ind := range rules.Indicators().Indicators {
		if len(ind.Forms) > 0 && ind.Forms[0] == rules.FormLabour && ind.Section != "" && picked[ind.Section] == "" {
			picked[ind.Section] = ind.Code
		}
	}
	for _, s := range []string{"A", "B", "C"} {
		if picked[s] == "" {
			t.Fatalf("no labour indicator in section %s", s)
		}
	}

	br := newBrowser(t, chrome, url, logins)
	do, text, signIn := br.do, br.text, br.signIn
	heading := func(step string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(`[data-testid=refer-heading]`)
	}
	cont := chromedp.Click(`[data-testid=refer-continue]`)

	signIn("policia.kufi")
	do("start a referral",
		chromedp.Click(`[data-testid=refer-link]`),
		chromedp.WaitVisible(`[data-testid=refer-start]`),
		chromedp.Click(`[data-testid=refer-start]`),
		heading("meeting"),
		chromedp.SetValue(`#met_region`, "gjirokaster"),
		chromedp.SendKeys(`#met_place`, "Kakavijë"),
		chromedp.SendKeys(`#met_on-day`, time.Now().Format("2")),
		chromedp.SendKeys(`#met_on-month`, time.Now().Format("1")),
		chromedp.SendKeys(`#met_on-year`, time.Now().Format("2006")),
		chromedp.SetValue(`#met_how`, "border_check"),
		cont,
		chromedp.WaitVisible(`[data-testid=consent-given]`),
		chromedp.Click(`[data-testid=consent-given]`),
		cont,
		chromedp.WaitVisible(`#given_name`),
		scriptsRan, // the type-ahead over the country and language selects
		chromedp.SendKeys(`#given_name`, "Rami"),
		chromedp.SetValue(`#sex`, "male"),
		chromedp.SendKeys(`#nationalities`, i18n.CountryName("sq", "SYR")),
		chromedp.WaitVisible(`#nationalities__option--0`),
		chromedp.Click(`#nationalities__option--0`),
		chromedp.SendKeys(`#languages`, i18n.Capital(i18n.LanguageName("sq", "ar"))),
		chromedp.WaitVisible(`#languages__option--0`),
		chromedp.Click(`#languages__option--0`),
		chromedp.Click(`#interpreter`),
		cont,
		chromedp.WaitVisible(`#age_basis`),
		chromedp.SetValue(`#age_basis`, "declared"),
		chromedp.SendKeys(`#age_years`, "34"),
		cont,
		chromedp.WaitVisible(`[data-testid=trafficking_scope-cross_border]`),
		chromedp.Click(`[data-testid=trafficking_scope-cross_border]`),
		cont,
		chromedp.WaitVisible(`[data-testid=needs-shelter]`),
		chromedp.Click(`[data-testid=needs-shelter]`),
		cont,
		chromedp.WaitVisible(`[data-testid=suspected_forms-labour]`),
		chromedp.Click(`[data-testid=suspected_forms-labour]`),
		cont,
		chromedp.WaitVisible(`[data-testid=form-labour]`),
	)
	for _, s := range []string{"A", "B", "C"} {
		sel := `[data-testid="ind-` + strings.ReplaceAll(picked[s], ".", "-") + `"]`
		do("indicator "+picked[s], chromedp.WaitVisible(sel), chromedp.Click(sel))
	}
	const account = "U takua në pikën kufitare; thotë se punonte pa pagë në ndërtim."
	do("indicators, then part of the account",
		cont,
		chromedp.WaitVisible(`#account`),
		scriptsRan, // draft.js keeps what is typed only once it listens
		chromedp.SendKeys(`#account`, account),
	)
	// A reload before sending the step: the draft is on the server, the
	// typed text comes back from the browser's session storage.
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(br.ctx, chromedp.Value(sel))
		if err != nil {
			t.Fatalf("value of %s: %v", sel, err)
		}
		return v
	}
	do("reload", chromedp.Reload(), chromedp.WaitVisible(`#account`))
	got := value(`#account`)
	if got != account {
		t.Fatalf("after a reload the account must survive: %q", got)
	}
	// The draft is listed on /refer and resumes at the step reached.
	do("resume the draft",
		chromedp.Navigate(url+"/refer"),
		chromedp.WaitVisible(`[data-testid=draft-resume]`),
		chromedp.Click(`[data-testid=draft-resume]`),
		chromedp.WaitVisible(`#account`),
		scriptsRan, // draft.js puts the unsent text back
	)
	if got := value(`#account`); got != account {
		t.Fatalf("the resumed step must keep the account: %q", got)
	}
	do("check and send",
		cont,
		chromedp.WaitVisible(`[data-testid=answers-indicators]`),
		chromedp.Click(`[data-testid=refer-send]`),
		chromedp.WaitVisible(`[data-testid=refer-done]`),
	)
	if st, want := text(`[data-testid=done-status]`), cat.T("sq", "status.potential_victim"); st != want {
		t.Fatalf("status after the referral: %q, want %q", st, want)
	}
	if r := text(`[data-testid=done-reflection]`); r == "" {
		t.Fatal("a foreign potential victim's reflection period must show")
	}
	code := strings.TrimSpace(text(`[data-testid=done-code]`))
	if code == "" {
		t.Fatal("no register code on the confirmation")
	}
	do("the record", chromedp.Click(`[data-testid=done-record]`), chromedp.WaitVisible(`[data-testid=case-reflection]`), chromedp.WaitVisible(`[data-testid=case-tasks]`))
	do("sign out", chromedp.Click(`[data-testid=signout]`), chromedp.WaitVisible(`[data-testid=login-heading]`))

	signIn("autoriteti")
	do("the register", chromedp.Navigate(url+"/register"), chromedp.WaitVisible(`[data-testid=register-table]`))
	if reg := text(`[data-testid=register-table]`); !strings.Contains(reg, code) {
		t.Fatalf("the register must list %s", code)
	}
}

// browser is a headless Chromium on the demo, with the steps every
// browser test takes.
type browser struct {
	t      *testing.T
	ctx    context.Context
	url    string
	logins []app.DemoLogin
}

func newBrowser(t *testing.T, chrome, url string, logins []app.DemoLogin) *browser {
	t.Helper()
	return newBrowserFor(t, chrome, url, logins, browserDeadline)
}

// newBrowserFor is a browser for a test that walks longer than most: every
// step of it must be done within d.
func newBrowserFor(t *testing.T, chrome, url string, logins []app.DemoLogin, d time.Duration) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx, chromedp.Navigate(url+"/")); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, max(d, browserDeadline))
	t.Cleanup(cancel)
	return &browser{t: t, ctx: ctx, url: url, logins: logins}
}

func (b *browser) do(what string, acts ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, acts...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// signIn signs a demo user in with a code for the next step (each user
// signs in once per test: the door refuses a step already used).
func (b *browser) signIn(user string) {
	b.t.Helper()
	b.signInAt(user, time.Now().Add(30*time.Second))
}

// signInAt signs a demo user in with the code of the step at a time (the
// previous step leaves the next ones free for a step-up).
func (b *browser) signInAt(user string, at time.Time) {
	b.t.Helper()
	code, err := totp.GenerateCode(secretOf(b.t, b.logins, user), at)
	if err != nil {
		b.t.Fatal(err)
	}
	b.do("sign in as "+user,
		chromedp.Navigate(b.url+"/login"),
		chromedp.WaitVisible(`[data-testid=login-heading]`),
		chromedp.SendKeys(`input[name=username]`, user),
		chromedp.SendKeys(`input[name=password]`, app.DemoPassword),
		chromedp.Click(`[data-testid=login-submit]`),
		chromedp.WaitVisible(`[data-testid=code-heading]`),
		chromedp.SendKeys(`input[name=code]`, code),
		chromedp.Click(`[data-testid=code-submit]`),
		chromedp.WaitVisible(`[data-testid=home-heading]`),
	)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(`[data-testid=signout]`), chromedp.WaitVisible(`[data-testid=login-heading]`))
}

// TestBrowserPanelDecisionAndRefusedReturn drives the record's action pages:
// a border police officer's referral of a foreign adult (seeded through the
// door, shelter with the regional social services) is in the register; the
// case manager requests formal identification with a police and a social
// services panel organisation; the police member decides "identified" on
// the decision page and the social services member signs; the record shows
// the new status and the sentence that says so. A return step without the
// person's own request is then refused while the reflection period runs,
// and accepted with it.
func TestBrowserPanelDecisionAndRefusedReturn(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	cat := i18n.MustLoad()
	ctx := context.Background()

	u, err := a.Door.UserByName(ctx, "policia.kufi")
	if err != nil {
		t.Fatal(err)
	}
	border := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgBorderPolice, Roles: u.Roles, Remote: "test"}
	var inds []string
	for _, s := range []string{"A", "B", "C"} {
		for _, ind := range rules.Indicators().Indicators {
			if len(ind.Forms) > 0 && ind.Forms[0] == rules.FormLabour && ind.Section == s {
				inds = append(inds, ind.Code)
				break
			}
		}
	}
	years := 29
	res, err := a.Door.Refer(ctx, border, nrm.ReferralInput{MetOn: time.Now().Format("2006-01-02"), MetRegion: "vlore", MetHow: "border_check",
		Region: "vlore", Identity: &nrm.Identity{GivenName: "Karim"}, Sex: "male", Nationalities: []string{"SYR"}, Languages: []string{"ar"},
		AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven, Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-sss-vlore"}},
		Indicators: inds, Account: "Punonte në bujqësi pa pagë; pasaporta i mbahej."})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Person
	if p.Status != nrm.StatusPotentialVictim || !p.ReflectionRunning(time.Now()) {
		t.Fatalf("want a foreign potential victim in the reflection period: %+v", p)
	}
	record := url + "/persons/" + p.ID
	br := newBrowser(t, chrome, url, logins)

	br.signIn("autoriteti")
	br.do("the register", chromedp.Navigate(url+"/register"), chromedp.WaitVisible(`[data-testid=register-table]`))
	if reg := br.text(`[data-testid=register-table]`); !strings.Contains(reg, p.Code) {
		t.Fatalf("the register must list %s", p.Code)
	}
	br.signOut()

	br.signIn("punonjese.sociale")
	br.do("request formal identification",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=action-identification]`),
		chromedp.Click(`[data-testid=action-identification]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.SetValue(`#requested_by`, "person"),
		chromedp.SendKeys(`#explanation`, "I shpjegua në arabisht me përkthyes se çfarë bën paneli."),
		chromedp.SendKeys(`#language`, "ar"),
		chromedp.Click(`[data-testid=panel_orgs-org-police-at]`),
		chromedp.Click(`[data-testid=panel_orgs-org-sss-vlore]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=case-request]`),
	)
	br.signOut()

	today := time.Now().Format("2006-01-02")
	br.signIn("paneli.policia")
	br.do("the panel decides",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=decide-link]`),
		chromedp.Click(`[data-testid=decide-link]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.Click(`#outcome-`+nrm.OutcomeIdentified),
		chromedp.SendKeys(`#reasons`, "Rrëfim i qëndrueshëm; tregues në çdo seksion."),
		chromedp.SetValue(`#interview_on`, today),
		chromedp.SetValue(`#told_on`, today),
		chromedp.SetValue(`#told_how`, "in_person"),
		chromedp.SendKeys(`#told_lang`, "ar"),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=decision-state]`),
	)
	if st, want := br.text(`[data-testid=decision-state]`), cat.T("sq", "decisionstate.signing"); st != want {
		t.Fatalf("after one signature the decision is %q, want %q", st, want)
	}
	br.signOut()

	br.signIn("paneli.sociale")
	br.do("the other side reads the decision and signs",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=sign-decision]`),
		chromedp.Click(`[data-testid=sign-decision]`),
		chromedp.WaitVisible(`[data-testid=sign-form]`),
		chromedp.Click(`[data-testid=sign-read]`),
		chromedp.Click(`[data-testid=sign-submit]`),
		chromedp.WaitVisible(`[data-testid=person-status]`),
		chromedp.WaitNotPresent(`[data-testid=sign-decision]`),
	)
	if st, want := br.text(`[data-testid=person-status]`), cat.T("sq", "status.identified_victim"); st != want {
		t.Fatalf("status after both signatures: %q, want %q", st, want)
	}
	timeline, err := chromedp.Run(br.ctx, chromedp.TextContent(`[data-testid=case-timeline]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(cat.T("sq", "story.decision_effective"), "{outcome}", cat.T("sq", "outcome.identified")); !strings.Contains(timeline, want) {
		t.Fatalf("the timeline must say %q:\n%s", want, timeline)
	}
	br.signOut()

	br.signIn("policia.kufi")
	br.do("a return step without the person's own request",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=action-return]`),
		chromedp.Click(`[data-testid=action-return]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.SetValue(`#kind`, "voluntary_return"),
		chromedp.SendKeys(`#note`, "Kërkoi me shkrim të kthehet në shtëpi."),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=error-summary]`),
	)
	if sum := br.text(`[data-testid=error-summary]`); !strings.Contains(sum, cat.T("sq", "field.own_request")) {
		t.Fatalf("the refusal must name the person's own request: %q", sum)
	}
	br.do("with the person's own request but no risk assessment",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=action-return]`),
		chromedp.Click(`[data-testid=action-return]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.SetValue(`#kind`, "voluntary_return"),
		chromedp.SendKeys(`#note`, "Kërkoi me shkrim të kthehet në shtëpi."),
		chromedp.Click(`[data-testid=own-request]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=error-summary]`),
	)
	if sum := br.text(`[data-testid=error-summary]`); !strings.Contains(sum, cat.T("sq", "error.return_risk_assessment")) {
		t.Fatalf("a return without a risk assessment must be refused: %q", sum)
	}
	br.do("the risk assessment first",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=action-return-risk]`),
		chromedp.Click(`[data-testid=action-return-risk]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.SetValue(`#on`, time.Now().Format("2006-01-02")),
		chromedp.Click(`#outcome-low`), // nothing is chosen for the reader
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=person-status]`),
	)
	br.do("then the return with the person's own request",
		chromedp.Navigate(record),
		chromedp.WaitVisible(`[data-testid=action-return]`),
		chromedp.Click(`[data-testid=action-return]`),
		chromedp.WaitVisible(`[data-testid=action-form]`),
		chromedp.SetValue(`#kind`, "voluntary_return"),
		chromedp.SendKeys(`#note`, "Kërkoi me shkrim të kthehet në shtëpi."),
		chromedp.Click(`[data-testid=own-request]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=person-status]`),
	)
	returns, err := chromedp.Run(br.ctx, chromedp.TextContent(`main`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(returns, cat.T("sq", "returnkind.voluntary_return")) {
		t.Fatalf("the record must show the return step:\n%s", returns)
	}
}
