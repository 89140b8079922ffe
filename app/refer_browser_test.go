package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

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

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate(url+"/")); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	do := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	signIn := func(user string) {
		t.Helper()
		code, err := totp.GenerateCode(secretOf(t, logins, user), time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		do("sign in as "+user,
			chromedp.Navigate(url+"/login"),
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
		chromedp.SendKeys(`#met_on`, time.Now().Format("2006-01-02")),
		chromedp.SetValue(`#met_how`, "border_check"),
		cont,
		chromedp.WaitVisible(`[data-testid=consent-given]`),
		chromedp.Click(`[data-testid=consent-given]`),
		cont,
		chromedp.WaitVisible(`#given_name`),
		chromedp.SendKeys(`#given_name`, "Rami"),
		chromedp.SetValue(`#sex`, "male"),
		chromedp.SendKeys(`#nationalities`, "SYR"),
		chromedp.SendKeys(`#languages`, "ar"),
		chromedp.Click(`#interpreter`),
		cont,
		chromedp.WaitVisible(`#age_basis`),
		chromedp.SetValue(`#age_basis`, "declared"),
		chromedp.SendKeys(`#age_years`, "34"),
		cont,
		chromedp.WaitVisible(`[data-testid=needs-shelter]`),
		chromedp.Click(`[data-testid=needs-shelter]`),
		cont,
		chromedp.WaitVisible(`[data-testid=form-labour] summary`),
		chromedp.Click(`[data-testid=form-labour] summary`),
	)
	for _, s := range []string{"A", "B", "C"} {
		sel := `[data-testid="ind-` + strings.ReplaceAll(picked[s], ".", "-") + `"]`
		do("indicator "+picked[s], chromedp.WaitVisible(sel), chromedp.Click(sel))
	}
	const account = "U takua në pikën kufitare; thotë se punonte pa pagë në ndërtim."
	do("indicators, then part of the account",
		cont,
		chromedp.WaitVisible(`#account`),
		chromedp.SendKeys(`#account`, account),
	)
	// A reload before sending the step: the draft is on the server, the
	// typed text comes back from the browser's session storage.
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Value(sel))
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
