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

// TestBrowserChildMeasureCourtRulingAndOwnView drives the person's rights
// pages in a real browser: a 15-year-old refuses a shelter placement, the
// head of the social services decides in the interim and the record shows
// the deadline to seek a court's ruling; the ruling is recorded on its own
// page and the deadline goes; an interview is recorded and counted, and the
// next interview page offers the statement; the disclosure log names the
// Responsible Authority once it has read the record.
func TestBrowserChildMeasureCourtRulingAndOwnView(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()

	u, err := a.Door.UserByName(ctx, "punonjese.sociale")
	if err != nil {
		t.Fatal(err)
	}
	cm := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgSocialService, Roles: u.Roles, Remote: "test"}
	years := 15
	res, err := a.Door.Refer(ctx, cm, nrm.ReferralInput{MetOn: a.Door.Now().Format("2006-01-02"), MetRegion: "vlore", MetHow: "outreach", Region: "vlore",
		Identity: &nrm.Identity{GivenName: "Sokolchild", FamilyName: "Marku"}, Sex: "male", Nationalities: []string{"ALB"}, Languages: []string{"sq"},
		AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentChild})
	if err != nil {
		t.Fatal(err)
	}
	record := url + "/persons/" + res.Person.ID

	b := newBrowser(t, chrome, url, logins)
	b.signIn("punonjese.sociale")
	open := func(what, link, ready string) {
		t.Helper()
		b.do(what, chromedp.Navigate(record), chromedp.WaitVisible(`[data-testid=`+link+`]`), chromedp.Click(`[data-testid=`+link+`]`), chromedp.WaitVisible(ready))
	}

	open("the measure page", "action-measure", `[data-testid=action-form]`)
	b.do("the child refuses; the head of social services decides in the interim",
		chromedp.SetValue(`#kind`, "shelter_placement"),
		chromedp.Click(`[data-testid=consent-refused]`),
		chromedp.SendKeys(`#child_views`, "Wants to stay with the aunt"),
		chromedp.SetValue(`#interim_org`, "org-sss-vlore"),
		chromedp.SendKeys(`#interim_role`, "Director of social services"),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=measure-court-due]`))

	open("the court's ruling page", "action-court-ruling", `[data-testid=action-form]`)
	b.do("the court confirms the measure",
		chromedp.Click(`input[name=measure]`),
		chromedp.Click(`[data-testid=court_outcome-confirmed]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=case-measures]`))
	if m := b.text(`[data-testid=case-measures]`); !strings.Contains(m, "Director of social services") || !strings.Contains(m, "konfirm") && !strings.Contains(m, "onfirm") {
		t.Fatalf("after the ruling the record shows the interim decision and its ruling:\n%s", m)
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=measure-court-due]').length`)); err != nil || n != 0 {
		t.Fatalf("the court deadline still shows after the ruling: %d %v", n, err)
	}

	open("the interview page", "action-interview", `[data-testid=interview-earlier]`)
	b.do("record an interview the person agreed may be reused by the same organisation",
		chromedp.SetValue(`#on`, a.Door.Now().Format("2006-01-02")),
		chromedp.Click(`[data-testid=purpose-needs_assessment]`),
		chromedp.SetValue(`#interviewer_gender`, "female"),
		chromedp.SendKeys(`#statement`, "Told once: the aunt lives in Fier"),
		chromedp.Click(`[data-testid=shareable_with-org-sss-vlore]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=case-interviews]`))
	open("the next interview page", "action-interview", `[data-testid=interview-offered]`)
	if got := b.text(`[data-testid=interview-offered]`); !strings.Contains(got, "the aunt lives in Fier") {
		t.Fatalf("the earlier statement is not offered: %q", got)
	}

	// The Responsible Authority reads the record; the log says so.
	ra, err := a.Door.UserByName(ctx, "autoriteti")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Door.GetPerson(ctx, &nrm.Actor{UserID: ra.ID, OrgID: ra.OrgID, OrgType: nrm.OrgResponsibleAuthority, Roles: ra.Roles, Remote: "test"}, res.Person.ID); err != nil {
		t.Fatal(err)
	}
	b.do("the disclosure log", chromedp.Navigate(record), chromedp.Click(`[data-testid=disclosures-link]`), chromedp.WaitVisible(`[data-testid=disclosure]`))
	if log := b.text(`main`); !strings.Contains(log, "Autoriteti Përgjegjës") {
		t.Fatalf("the disclosure log must name the Responsible Authority:\n%s", log)
	}
}
