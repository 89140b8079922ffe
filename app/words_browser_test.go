package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserDisclosureLogOnAPhone: on a 390 × 844 phone the person's
// disclosure log does not scroll sideways; the Responsible Authority's three
// readings of the record on one day are one line that says "3 herë", and one
// tap on it shows the three entries of the audit.
func TestBrowserDisclosureLogOnAPhone(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	actor := func(name string, typ nrm.OrgType) *nrm.Actor {
		u, err := a.Door.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: typ, Roles: u.Roles, Remote: "test"}
	}
	cm, ra := actor("punonjese.sociale", nrm.OrgSocialService), actor("autoriteti", nrm.OrgResponsibleAuthority)
	years := 30
	res, err := a.Door.Refer(ctx, cm, nrm.ReferralInput{MetOn: a.Door.Now().Format("2006-01-02"), MetRegion: "vlore", MetHow: "outreach", Region: "vlore",
		Identity: &nrm.Identity{GivenName: "Drita", FamilyName: "Çela"}, Sex: "female", Nationalities: []string{"ALB"},
		AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Door.GetPerson(ctx, ra, res.Person.ID); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, chrome, url, logins)
	b.do("a phone's screen", chromedp.EmulateViewport(390, 844))
	b.signIn("punonjese.sociale")
	b.do("the disclosure log", chromedp.Navigate(url+"/persons/"+res.Person.ID+"/disclosures"), chromedp.WaitVisible(`[data-testid=disclosures]`))
	eval := func(what, js string) int {
		t.Helper()
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return n
	}
	if eval("the page's width", `document.documentElement.scrollWidth - window.innerWidth`) > 0 {
		t.Error("the disclosure log scrolls sideways on a 390 px phone")
	}
	// Mark the line of the three readings, to tap it.
	if eval("the line of three", `(() => { const li = [...document.querySelectorAll('[data-testid=disclosure]')].filter(l => l.querySelector('[data-testid=disclosure-count]').textContent.startsWith('3 herë')); if (li.length === 1) li[0].id = 'three'; return li.length })()`) != 1 {
		t.Fatalf("not one line of three readings:\n%s", b.text(`main`))
	}
	if line := b.text(`#three summary`); !strings.Contains(line, "Autoriteti Përgjegjës") {
		t.Fatalf("the line of three readings does not name the Responsible Authority: %q", line)
	}
	visible := `[...document.querySelectorAll('#three [data-testid=disclosure-entry]')].filter(e => e.getClientRects().length > 0 && e.checkVisibility()).length`
	if n := eval("hidden entries", visible); n != 0 {
		t.Errorf("%d entries shown before the tap", n)
	}
	b.do("one tap", chromedp.Click(`#three summary`), chromedp.WaitVisible(`#three [data-testid=disclosure-entry]`))
	if n := eval("shown entries", visible); n != 3 {
		t.Errorf("one tap showed %d entries, want the 3 readings", n)
	}
	if eval("the page's width, open", `document.documentElement.scrollWidth - window.innerWidth`) > 0 {
		t.Error("the opened line scrolls sideways on a 390 px phone")
	}
}
