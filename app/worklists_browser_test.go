package app_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserRARegistersFromTheWorklist: a border officer refers a person;
// the Responsible Authority signs in, finds the referral on the home
// worklist ("referrals awaiting registration", by its code and with its
// deadline), follows the line to the registration, confirms it, and the
// line leaves the list. Then the RA sets immediate e-mail on the account
// page, which (no mail server in the demo) shows what would be sent, with
// nothing of the record in it.
func TestBrowserRARegistersFromTheWorklist(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	actor := func(user string, typ nrm.OrgType) *nrm.Actor {
		t.Helper()
		u, err := a.Door.UserByName(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: typ, Roles: u.Roles, Remote: "test"}
	}
	ra := actor("autoriteti", nrm.OrgResponsibleAuthority)
	// The demo's own referrals are registered first, so that the one made
	// now is the line the RA has to find.
	v, err := a.Door.QueuePage(ctx, ra, nrm.QueueRegistration, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range v.Items {
		if err := a.Door.RegisterPerson(ctx, ra, it.PersonID); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Door.Refer(ctx, actor("policia.kufi", nrm.OrgBorderPolice), app.FakeReferral(rand.New(rand.NewPCG(14, 6)), a.Door.Now(), a.Door.Catalogue()))
	if err != nil {
		t.Fatal(err)
	}
	code := res.Person.Code

	br := newBrowser(t, chrome, url, logins)
	br.signIn("autoriteti")
	reg := `[data-testid=queue-registration] `
	br.do("the home worklist", chromedp.WaitVisible(reg+`[data-testid=queue-line]`))
	if n := strings.TrimSpace(br.text(reg + `[data-testid=count-registration]`)); n != "1" {
		t.Fatalf("referrals awaiting registration: %q, want 1", n)
	}
	line := br.text(reg + `[data-testid=queue-line]`)
	if !strings.Contains(line, code) || strings.TrimSpace(br.text(reg+`[data-testid=line-due]`)) == "" {
		t.Fatalf("the line must name %s and say by when: %q", code, line)
	}
	br.do("register from the line",
		chromedp.Click(reg+`[data-testid=line-action]`),
		chromedp.WaitVisible(`[data-testid=action-submit]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitNotPresent(`[data-testid=action-submit]`),
	)
	p, err := a.Door.GetPerson(ctx, ra, res.Person.ID)
	if err != nil || p.RegisteredAt.IsZero() {
		t.Fatalf("not registered: %v", err)
	}
	br.do("home again: the line has left",
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(reg+`[data-testid=queue-empty]`),
	)

	// The e-mail choices, and what a message would say.
	br.do("choose immediate e-mail",
		chromedp.Navigate(url+"/account/mail"),
		chromedp.WaitVisible(`[data-testid=mail-form]`),
		chromedp.Click(`[data-testid=mode-immediate]`),
		chromedp.Click(`[data-testid=mail-save]`),
		chromedp.WaitVisible(`[data-testid=mail-saved]`),
	)
	if _, err := a.Door.QueueMail(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Door.SendMail(ctx, nil, 50); err != nil {
		t.Fatal(err)
	}
	br.do("the messages", chromedp.Reload(), chromedp.WaitVisible(`[data-testid=mail-sent]`))
	preview := br.text(`[data-testid=mail-preview]`) + br.text(`[data-testid=mail-sent]`)
	if !strings.Contains(preview, "nrm") || strings.Contains(preview, code) || strings.Contains(preview, res.Person.ID) {
		t.Fatalf("the message must say only how many items wait: %q", preview)
	}
}
