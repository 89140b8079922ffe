package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserDashboard: the Responsible Authority opens the dashboard from
// the home page in a real browser. Every figure has a chart (an SVG image
// with a title) and a table with a caption beside it; the persons counted
// are the door's own count of the demo register; every indicator shows its
// definition; a quarter that does not exist is named in the error summary.
func TestBrowserDashboard(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	u, err := a.Door.UserByName(ctx, "autoriteti")
	if err != nil {
		t.Fatal(err)
	}
	ra := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgResponsibleAuthority, Roles: u.Roles, Remote: "test"}
	want, err := a.Door.Statistics(ctx, ra, stats.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	n, ok := want.Persons.Value()
	if !ok || n == 0 {
		t.Fatalf("the demo register should publish its number of persons: %+v", want.Persons)
	}

	b := newBrowser(t, chrome, url, logins)
	b.signIn("autoriteti")
	b.do("open the dashboard", chromedp.Click(`[data-testid=statistics-link]`), chromedp.WaitVisible(`[data-testid=report-figures]`))
	if got := strings.TrimSpace(b.text(`[data-testid=report-persons]`)); got != strconv.Itoa(n) {
		t.Errorf("persons on the page %q, door %d", got, n)
	}
	counts, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[
		document.querySelectorAll('[data-testid=report-figures] svg[role=img]').length,
		document.querySelectorAll('[data-testid=report-figures] svg[role=img] > title').length,
		document.querySelectorAll('[data-testid=report-figures] table > caption').length,
		document.querySelectorAll('[data-testid=kpi-def]').length]`))
	if err != nil {
		t.Fatal(err)
	}
	if counts[0] < len(want.Figures) || counts[1] != counts[0] || counts[2] < len(want.Figures) || counts[3] < len(want.KPIs) {
		t.Errorf("charts %d (titled %d), tables %d, definitions %d for %d figures and %d indicators", counts[0], counts[1], counts[2], counts[3], len(want.Figures), len(want.KPIs))
	}
	if def := b.text(`[data-testid=kpi-def]`); strings.TrimSpace(def) == "" || strings.HasPrefix(def, "kpi.") {
		t.Errorf("first definition %q", def)
	}
	b.do("ask for a quarter that does not exist",
		chromedp.SendKeys(`#period`, "2026-Q9"), chromedp.Submit(`#period`), chromedp.WaitVisible(`[data-testid=error-summary]`))
	if got := b.text(`[data-testid=error-summary]`); !strings.Contains(got, "Periudha") {
		t.Errorf("the error summary should name the period: %q", got)
	}
}
