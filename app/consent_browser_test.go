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
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserConsentGovernsWhatAShelterSees drives the consent form: a case
// manager records, through the form, consent to share the person's identity
// with shelter A only; a worker of shelter B sees no identity, on the record
// page or through the API. A new version of the consent adds shelter B, and
// B sees the given name; the case manager withdraws it, and B's very next
// page load shows no identity. Each user has a browser of their own (each
// signs in once: the door refuses a code step already used).
func TestBrowserConsentGovernsWhatAShelterSees(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	logins = append(logins, shelterBUser(t, a))

	u, err := a.Door.UserByName(ctx, "punonjese.sociale")
	if err != nil {
		t.Fatal(err)
	}
	cm := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgSocialService, Roles: u.Roles, Remote: "test"}
	const given = "Karimconsent"
	p, err := a.Door.CreatePerson(ctx, cm, nrm.PersonInput{Identity: &nrm.Identity{GivenName: given, FamilyName: "Nasser"}})
	if err != nil {
		t.Fatal(err)
	}
	record := url + "/persons/" + p.ID

	manager := newBrowser(t, chrome, url, logins)
	manager.signIn("punonjese.sociale")
	shelter := newBrowser(t, chrome, url, logins)
	shelter.signIn("strehez.b")

	// B's view: whether the record page shows identity, and whether the API
	// names the person.
	sees := func(when string) (page, api bool) {
		t.Helper()
		shelter.do(when+": the record as shelter B", chromedp.Navigate(record), chromedp.WaitVisible(`main`))
		page, err := chromedp.Run(shelter.ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=person-identity]') !== null && document.body.innerText.includes('`+given+`')`))
		if err != nil {
			t.Fatal(err)
		}
		shelter.do(when+": the API as shelter B", chromedp.Navigate(url+"/api/v1/persons/"+p.ID), chromedp.WaitReady(`body`))
		body, err := chromedp.Run(shelter.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		return page, strings.Contains(body, given)
	}
	// act follows a link of the record to an action page, ticks what is
	// named (by data-testid), sends the form and waits for the record.
	act := func(what, link, ready, done string, ticks ...string) {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{chromedp.Navigate(record), chromedp.WaitVisible(`[data-testid=` + link + `]`),
			chromedp.Click(`[data-testid=` + link + `]`), chromedp.WaitVisible(ready)}
		for _, id := range ticks {
			acts = append(acts, chromedp.Click(`[data-testid=`+id+`]`))
		}
		manager.do(what, append(acts, chromedp.Click(`[data-testid=action-submit]`), chromedp.WaitVisible(done))...)
	}
	var explained []string
	for _, pt := range nrm.ExplainedPoints {
		explained = append(explained, "explained-"+pt)
	}

	act("record consent for shelter A", "action-consent", `[data-testid=action-form]`, `[data-testid=consent-change]`,
		append([]string{"purpose-share", "data_scope-identity", "recipient_orgs-org-shelter-a", "given_by-person", "how-written"}, explained...)...)
	if page, api := sees("consent for A only"); page || api {
		t.Fatalf("shelter B must not see the identity (page %v, API %v)", page, api)
	}

	act("a new version adds shelter B", "consent-change", `[data-testid=consent-replaces]`, `[data-consent-state=superseded]`,
		append([]string{"recipient_orgs-org-shelter-b", "how-written"}, explained...)...)
	if page, api := sees("consent for A and B"); !page || !api {
		t.Fatalf("shelter B must now see the given name (page %v, API %v)", page, api)
	}

	act("withdraw the consent", "consent-withdraw", `[data-testid=withdraw-confirm]`, `[data-consent-state=withdrawn]`, "how-oral")
	if page, api := sees("after the withdrawal"); page || api {
		t.Fatalf("the withdrawal must take effect at once (page %v, API %v)", page, api)
	}
}

// shelterBUser adds a service worker of shelter B (the demo has none) with
// a second factor enrolled, as the demo seeds its users.
func shelterBUser(t *testing.T, a *app.App) app.DemoLogin {
	t.Helper()
	ctx := context.Background()
	d := a.Door
	if _, err := d.CreateUser(ctx, nrm.SystemActor("test"), door.UserInput{OrgID: "org-shelter-b", Username: "strehez.b", DisplayName: "Blerta Hasa (test)",
		Roles: []nrm.Role{nrm.RoleServiceProvider}, Password: app.DemoPassword}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := d.Login(ctx, "strehez.b", app.DemoPassword, "test")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := d.BeginTOTPEnrolment(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, d.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := d.ConfirmTOTPEnrolment(ctx, tok, code, "test")
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Logout(ctx, full, "test")
	return app.DemoLogin{Role: nrm.RoleServiceProvider, Username: "strehez.b", Org: "org-shelter-b", TOTPSecret: secret}
}
