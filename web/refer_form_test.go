package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// referDraft starts a referral as Ana and returns her session and the draft.
func (e *testEnv) referDraft(t *testing.T) (*http.Cookie, string, string) {
	t.Helper()
	c, csrf := e.anaLogin(t)
	rec := e.do(t, req{method: "POST", path: "/refer", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrf}}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("start: %d", rec.Code)
	}
	m := regexp.MustCompile(`^/refer/([0-9a-f]+)/meeting$`).FindStringSubmatch(rec.Header().Get("Location"))
	if m == nil {
		t.Fatalf("start went to %q", rec.Header().Get("Location"))
	}
	return c, csrf, m[1]
}

// versionOf reads the draft version a step page carries.
func versionOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no draft version on the step")
	}
	return m[1]
}

// A step checks its own answers on Continue: "31 February" is refused on
// the meeting step itself (422), with the summary linking to the day, the
// message at the date, the day marked, and the values kept; a real date
// moves on. Before issue 15 the step accepted it and moved on.
func TestReferStepRefusesAnImpossibleDate(t *testing.T) {
	e := env(t)
	c, csrf, draft := e.referDraft(t)
	step := "/refer/" + draft + "/meeting"
	page := e.do(t, req{path: step, cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	form := url.Values{"csrf": {csrf}, "version": {versionOf(t, page.Body.String())}, "met_place": {"Kakavijë"},
		"met_on-day": {"31"}, "met_on-month": {"2"}, "met_on-year": {"2026"}}
	rec := e.do(t, req{method: "POST", path: step, cookies: []*http.Cookie{c}, form: form})
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("an impossible date must be refused on its step: %d", rec.Code)
	}
	msg := e.cat.T("sq", "error.date_real")
	for _, want := range []string{`data-testid="error-summary"`, `href="#met_on-day"`, `id="met_on-error"`, msg, `value="31"`, `value="Kakavijë"`,
		`data-testid="refer-heading">` + e.cat.T("sq", "refer.step.meeting")} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused step lacks %q", want)
		}
	}
	if !regexp.MustCompile(`id="met_on-day"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Error("the day is not marked")
	}
	form.Set("version", versionOf(t, body))
	form.Set("met_on-day", "28")
	rec = e.do(t, req{method: "POST", path: step, cookies: []*http.Cookie{c}, form: form})
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "/consent") {
		t.Fatalf("a real date moves on: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

// Each referral page — HTML, stylesheets and scripts — weighs under 60 KB
// compressed (gzip), takes nothing from another host, and has no script
// that blocks rendering (every script is deferred).
func TestReferralPageWeight(t *testing.T) {
	e := env(t)
	c, _, draft := e.referDraft(t)
	gz := func(b []byte) int {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Len()
	}
	assetRe := regexp.MustCompile(`(?:src|href)="([^"#]+\.(?:js|css))"`)
	scriptRe := regexp.MustCompile(`<script[^>]*>`)
	hostRe := regexp.MustCompile(`(?:src|href|action)="(?:https?:)?//`)
	for _, st := range referSteps {
		path := "/refer/" + draft + "/" + st.Name
		rec := e.do(t, req{path: path, cookies: []*http.Cookie{c}})
		wantStatus(t, rec, 200)
		html := rec.Body.Bytes()
		total, wire, parts := gz(html), len(html), []string{"html " + strconv.Itoa(gz(html)) + " (" + strconv.Itoa(len(html)) + " as served)"}
		for _, m := range assetRe.FindAllSubmatch(html, -1) {
			// The assets as the server sends them to a browser that takes gzip.
			asset := string(m[1])
			a := e.do(t, req{path: asset, cookies: []*http.Cookie{c}, header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}})
			wantStatus(t, a, 200)
			if a.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("%s is not sent compressed", asset)
			}
			n := a.Body.Len()
			total += n
			wire += n
			parts = append(parts, asset+" "+strconv.Itoa(n))
		}
		t.Logf("%s: %d bytes compressed, %d as served (%s)", st.Name, total, wire, strings.Join(parts, ", "))
		if total >= 60*1024 {
			t.Errorf("step %s weighs %d bytes compressed, over 60 KB", st.Name, total)
		}
		if hostRe.Match(html) {
			t.Errorf("step %s takes something from another host", st.Name)
		}
		for _, tag := range scriptRe.FindAll(html, -1) {
			if !bytes.Contains(tag, []byte(" defer")) {
				t.Errorf("step %s: a script blocks rendering: %s", st.Name, tag)
			}
		}
	}
}
