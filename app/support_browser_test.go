package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserServiceLoopPlanClosureAndReopening drives issue #5's loop in
// a real browser, each user in their own: the case manager refers a person
// to the demo shelter (free places shown), the shelter worker finds it in
// the inbox, accepts it — the directory shows one place fewer — and
// delivers it, which frees the place; the case manager records a plan with
// a goal in the person's own words, agreed, then closes the record as
// reintegrated and reopens it, and the record shows both the closure and
// the plan kept.
func TestBrowserServiceLoopPlanClosureAndReopening(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()

	u, err := a.Door.UserByName(ctx, "punonjese.sociale")
	if err != nil {
		t.Fatal(err)
	}
	cm := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgSocialService, Roles: u.Roles, Remote: "test"}
	p, err := a.Door.CreatePerson(ctx, cm, nrm.PersonInput{Region: ptrTo("vlore"), Sex: ptrTo("female"), AgeGroup: ptrTo(nrm.AgeAdult),
		Identity: &nrm.Identity{GivenName: "Blerinaloop", FamilyName: "Hoxha"}})
	if err != nil {
		t.Fatal(err)
	}
	svs, err := a.Door.Services(ctx, cm, door.ServiceFilter{Kind: "shelter", OrgID: "org-shelter-a"})
	if err != nil || len(svs) != 1 {
		t.Fatalf("the demo shelter: %v %v", svs, err)
	}
	shelterID, free := svs[0].ID, svs[0].Free()
	record := url + "/persons/" + p.ID
	cat := i18n.MustLoad()

	manager := newBrowser(t, chrome, url, logins)
	manager.signIn("punonjese.sociale")
	shelter := newBrowser(t, chrome, url, logins)
	shelter.signIn("strehez.a")

	places := func(want int) {
		t.Helper()
		shelter.do("the directory", chromedp.Navigate(url+"/services?kind=shelter"), chromedp.WaitVisible(`[data-testid=service-places]`))
		if got := shelter.text(`[data-testid=service-places]`); !strings.HasPrefix(got, strconv.Itoa(want)+" ") {
			t.Fatalf("the shelter shows %q free places, want %d", got, want)
		}
	}
	open := func(b *browser, what, link, ready string) {
		t.Helper()
		b.do(what, chromedp.Navigate(record), chromedp.WaitVisible(`[data-testid=`+link+`]`), chromedp.Click(`[data-testid=`+link+`]`), chromedp.WaitVisible(ready))
	}

	places(free)
	open(manager, "the refer-to-a-service page", "action-refer-service", `[data-testid=action-form]`)
	manager.do("refer to the shelter",
		chromedp.Click(`[data-testid=service-`+shelterID+`]`),
		chromedp.SendKeys(`#note`, "Arrives this evening, speaks Albanian."),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=service-referral]`))

	step := func(move string) {
		t.Helper()
		shelter.do("the inbox: "+move, chromedp.Navigate(url+"/service-referrals"), chromedp.WaitVisible(`[data-testid=move-`+move+`]`),
			chromedp.Click(`[data-testid=move-`+move+`]`), chromedp.WaitVisible(`[data-testid=service-step-form]`),
			chromedp.Click(`[data-testid=service-step-submit]`), chromedp.WaitVisible(`[data-testid=service-inbox-heading]`))
	}
	step(nrm.SRReceived)
	step(nrm.SRAccepted)
	places(free - 1)
	step(nrm.SRDelivered)
	places(free)
	manager.do("the record shows the service delivered", chromedp.Navigate(record), chromedp.WaitVisible(`[data-testid=service-referral-state]`))
	if got, want := manager.text(`[data-testid=service-referral-state]`), cat.T("sq", "srstate.delivered"); got != want {
		t.Fatalf("the referral's state on the record: %q, want %q", got, want)
	}

	const words = "Dua të punoj si rrobaqepëse dhe të kem shtëpinë time"
	open(manager, "the plan page", "action-plan", `[data-testid=action-form]`)
	manager.do("a plan with a goal in the person's words, agreed",
		chromedp.SetValue(`#goal_area`, "employment"),
		chromedp.SendKeys(`#goal_text`, words),
		chromedp.SetValue(`#support_level`, "intensive"),
		chromedp.SetValue(`#review_on`, a.Door.Now().AddDate(0, 3, 0).Format("2006-01-02")),
		chromedp.Click(`[data-testid=agreed]`),
		chromedp.SetValue(`#agreed_on`, a.Door.Now().Format("2006-01-02")),
		chromedp.Click(`[data-testid=agreed_how-oral]`),
		chromedp.SendKeys(`#agreed_lang`, "sq"),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=support-goals]`))
	if got := manager.text(`[data-testid=support-goals]`); !strings.Contains(got, words) {
		t.Fatalf("the goal in the person's words: %q", got)
	}

	open(manager, "the close page", "action-close", `[data-testid=action-form]`)
	manager.do("close as reintegrated",
		chromedp.Click(`[data-testid=closure_reason-reintegrated]`),
		chromedp.SetValue(`#closed_on`, a.Door.Now().Format("2006-01-02")),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=support-closed]`))
	open(manager, "the reopen page", "action-reopen", `[data-testid=action-form]`)
	manager.do("reopen on new needs",
		chromedp.Click(`[data-testid=reopen_reason-new_needs]`),
		chromedp.Click(`[data-testid=action-submit]`),
		chromedp.WaitVisible(`[data-testid=support-closures]`))
	if n, err := chromedp.Run(manager.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=support-closed]').length`)); err != nil || n != 0 {
		t.Fatalf("the reopened record still says closed: %d %v", n, err)
	}
	if got := manager.text(`[data-testid=support-closures]`); !strings.Contains(got, cat.T("sq", "closurereason.reintegrated")) {
		t.Fatalf("the earlier closure must stay in the history: %q", got)
	}
	if got := manager.text(`[data-testid=support-goals]`); !strings.Contains(got, words) {
		t.Fatalf("the plan must stay after reopening: %q", got)
	}
}

func ptrTo[T any](v T) *T { return &v }
