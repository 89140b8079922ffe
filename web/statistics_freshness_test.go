package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/stats"
)

// TestDashboardSaysHowFresh: the dashboard and the API say as of when the
// figures are true, in the reader's language: up to date, as of the last
// change counted while a background refresh catches up, or not counted yet.
func TestDashboardSaysHowFresh(t *testing.T) {
	e := env(t)
	c, _ := e.login(t, e.admin)
	page := e.do(t, req{path: "/statistics", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	if !strings.Contains(page.Body.String(), `data-testid="stats-freshness">Shifrat janë të përditësuara më `) {
		t.Fatalf("the dashboard does not say the figures are current: %.3000s", page.Body.String())
	}
	api := e.do(t, req{path: "/api/v1/statistics", cookies: []*http.Cookie{c}})
	wantStatus(t, api, 200)
	var got statisticsJSON
	if err := json.Unmarshal(api.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Current || got.FiguresAsOf == nil || got.FiguresAsOf.After(got.GeneratedAt) {
		t.Fatalf("API freshness: current %v, as of %v, generated %v", got.Current, got.FiguresAsOf, got.GeneratedAt)
	}
	at := time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)
	for _, lang := range e.cat.Langs() {
		stale := e.srv.freshness(lang, &stats.Report{AsOf: at})
		current := e.srv.freshness(lang, &stats.Report{AsOf: at, Current: true})
		none := e.srv.freshness(lang, &stats.Report{})
		if !strings.Contains(stale, e.srv.when(at)) || !strings.Contains(current, e.srv.when(at)) || stale == current ||
			strings.Contains(none, "stats.") || none == "" || strings.Contains(stale, "%!") {
			t.Fatalf("%s: stale %q, current %q, none %q", lang, stale, current, none)
		}
	}
	if got := e.srv.freshness("en", &stats.Report{AsOf: at}); !strings.HasPrefix(got, "Figures as of "+e.srv.when(at)+".") {
		t.Fatalf("en stale: %q", got)
	}
}
