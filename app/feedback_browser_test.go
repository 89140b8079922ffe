package app_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserAnonymousFeedback opens a feedback link in a real browser that
// never signed in, answers once in English and once in Albanian (switching
// language on the form, and meeting the error summary on an empty send),
// and then proves from the database that what was stored holds no client
// address, no user agent, no time of day and no cookie value — and that
// the browser was given no cookie at all.
func TestBrowserAnonymousFeedback(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	u, err := a.Door.UserByName(ctx, "punonjese.sociale")
	if err != nil {
		t.Fatal(err)
	}
	cm := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgSocialService, Roles: u.Roles, Remote: "test"}
	c, err := a.Door.CreateFeedbackCampaign(ctx, cm, "Browser test")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, chrome, url, logins)
	// Start from an empty cookie jar: whatever the browser holds after this
	// came from the feedback pages.
	if _, err := chromedp.Call(b.ctx, storage.ClearCookies, storage.ClearCookiesParams{}); err != nil {
		t.Fatal(err)
	}
	ua, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil || ua == "" {
		t.Fatalf("user agent: %q %v", ua, err)
	}
	link := url + "/f/" + c.Code

	// In English.
	b.do("open the link in English", chromedp.Navigate(link+"?lang=en"), chromedp.WaitVisible(`[data-testid=fb-form]`))
	if got := b.text(`[data-testid=fb-heading]`); got != "Tell us how it went" {
		t.Errorf("English heading %q", got)
	}
	b.do("answer in English",
		chromedp.Click(`[data-testid=safe-4]`), chromedp.Click(`[data-testid=respected-5]`),
		chromedp.SendKeys(`[data-testid=fb-comment]`, "Everyone was kind"),
		chromedp.Click(`[data-testid=fb-send]`), chromedp.WaitVisible(`[data-testid=fb-thanks]`))
	if got := b.text(`[data-testid=fb-heading]`); got != "Thank you" {
		t.Errorf("English thanks %q", got)
	}

	// In Albanian, chosen on the form; an empty send first.
	b.do("open the link and choose Albanian", chromedp.Navigate(link+"?lang=en"), chromedp.WaitVisible(`[data-testid=fb-lang-sq]`),
		chromedp.Click(`[data-testid=fb-lang-sq]`), chromedp.WaitVisible(`[data-testid=fb-form]`))
	if got := b.text(`[data-testid=fb-heading]`); got != "Na tregoni si ju shkoi" {
		t.Errorf("Albanian heading %q", got)
	}
	b.do("send nothing", chromedp.Click(`[data-testid=fb-send]`), chromedp.WaitVisible(`[data-testid=error-summary]`))
	if got := b.text(`[data-testid=error-summary]`); !strings.Contains(got, "Përgjigjuni të paktën një pyetjeje") {
		t.Errorf("Albanian error summary %q", got)
	}
	b.do("answer in Albanian",
		chromedp.Click(`[data-testid=helped-3]`), chromedp.Click(`[data-testid=understood-2]`),
		chromedp.SendKeys(`[data-testid=fb-comment]`, "Gjithçka shkoi mirë"),
		chromedp.Click(`[data-testid=fb-send]`), chromedp.WaitVisible(`[data-testid=fb-thanks]`))
	if got := b.text(`[data-testid=fb-heading]`); got != "Faleminderit" {
		t.Errorf("Albanian thanks %q", got)
	}

	// The browser was given no cookie: not a session, not a language, not
	// even a CSRF token (the cross-origin protection needs none).
	jar, err := chromedp.Call(b.ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var cookieValues []string
	for _, ck := range jar.Cookies {
		t.Errorf("the feedback pages set cookie %q", ck.Name)
		cookieValues = append(cookieValues, ck.Value)
	}

	// What the database holds.
	type answer struct {
		lang, day string
		ratings   [5]int
		all       []string
	}
	var got []answer
	err = a.Door.DB().View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT * FROM feedback_answers WHERE campaign_id = ? ORDER BY lang`, c.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		if want := []string{"id", "campaign_id", "lang", "answered_on", "safe", "listened", "helped", "understood", "respected", "comment"}; !slices.Equal(cols, want) {
			t.Errorf("columns %v, want exactly %v (no address, agent, time or cookie column)", cols, want)
		}
		for rows.Next() {
			var id, cid, lang, day string
			var r [5]int
			var comment []byte
			if err := rows.Scan(&id, &cid, &lang, &day, &r[0], &r[1], &r[2], &r[3], &r[4], &comment); err != nil {
				return err
			}
			got = append(got, answer{lang: lang, day: day, ratings: r, all: []string{id, cid, lang, day, string(comment)}})
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].lang != "en" || got[1].lang != "sq" {
		t.Fatalf("stored answers: %+v", got)
	}
	if got[0].ratings != [5]int{4, 0, 0, 0, 5} || got[1].ratings != [5]int{0, 0, 3, 2, 0} {
		t.Errorf("ratings: %v %v", got[0].ratings, got[1].ratings)
	}
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, g := range got {
		if !date.MatchString(g.day) {
			t.Errorf("answered_on %q is not a bare date (no time of day)", g.day)
		}
		for _, v := range g.all {
			for _, bad := range append([]string{"127.0.0.1", ua, "HeadlessChrome", "Everyone was kind", "Gjithçka"}, cookieValues...) {
				if bad != "" && strings.Contains(v, bad) {
					t.Errorf("stored value %q holds %q", v, bad)
				}
			}
		}
	}
	// Nor does the audit trail know of the answers.
	var n int
	err = a.Door.DB().View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE remote = '127.0.0.1' AND actor_user = ''`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("audit entries from the anonymous browser: %d %v", n, err)
	}
}
