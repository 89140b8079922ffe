package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// The form's own words: every key in all three languages, none empty, and
// none calling the reader a victim or a case.
func TestFeedbackTextComplete(t *testing.T) {
	if len(feedbackText) != len(nrm.FeedbackLangs) {
		t.Fatalf("languages %v, want %v", len(feedbackText), nrm.FeedbackLangs)
	}
	ref := feedbackText["en"]
	for _, q := range nrm.FeedbackQuestions {
		if ref["q_"+q] == "" {
			t.Errorf("question %s has no text", q)
		}
	}
	bad := regexp.MustCompile(`(?i)victim|viktim|vittim|\bcase\b|\brast|\bcaso\b|trafic|traffick|trafik`)
	for _, l := range nrm.FeedbackLangs {
		m := feedbackText[l]
		for k := range ref {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s: key %q missing", l, k)
			}
		}
		for k, v := range m {
			if _, ok := ref[k]; !ok {
				t.Errorf("%s: key %q not in en", l, k)
			}
			if bad.MatchString(v) {
				t.Errorf("%s %s: %q", l, k, v)
			}
		}
	}
}

// TestFeedbackFormAnonymous runs the public form with no session: no cookie
// is ever set, a cross-site post is refused, errors come back in a summary,
// and neither the log nor the database keeps the client address, the user
// agent or the link's code.
func TestFeedbackFormAnonymous(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	cm := &nrm.Actor{UserID: "fb-cm", OrgID: e.orgA, OrgType: nrm.OrgPolice, Roles: []nrm.Role{nrm.RoleCaseManager}}
	c, err := e.door.CreateFeedbackCampaign(ctx, cm, "Anonymous test")
	if err != nil {
		t.Fatal(err)
	}
	const ip, ua = "203.0.113.77:5555", "FeedbackTestAgent/9.9"
	hdr := map[string]string{"User-Agent": ua, "Accept-Language": "it-IT,it;q=0.9"}
	noCookie := func(what string, rec interface{ Result() *http.Response }) {
		t.Helper()
		if sc := rec.Result().Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("%s set a cookie: %v", what, sc)
		}
	}
	form := e.do(t, req{path: "/f/" + c.Code, remote: ip, header: hdr})
	wantStatus(t, form, 200)
	noCookie("form", form)
	if b := form.Body.String(); !strings.Contains(b, `lang="it"`) || !strings.Contains(b, feedbackText["it"]["q_safe"]) {
		t.Errorf("Accept-Language it did not pick Italian")
	}
	// Nothing answered: the error summary, in the form's language.
	empty := e.do(t, req{method: "POST", path: "/f/" + c.Code, remote: ip, header: hdr, form: url.Values{"lang": {"en"}}})
	wantStatus(t, empty, 422)
	noCookie("empty post", empty)
	if b := empty.Body.String(); !strings.Contains(b, `data-testid="error-summary"`) || !strings.Contains(b, feedbackText["en"]["err_empty"]) {
		t.Errorf("no error summary: %s", b)
	}
	// A cross-site post is refused like any other unsafe cross-origin request.
	cross := e.do(t, req{method: "POST", path: "/f/" + c.Code, remote: ip, form: url.Values{"lang": {"en"}, "safe": {"5"}},
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	wantStatus(t, cross, 403)
	ok := e.do(t, req{method: "POST", path: "/f/" + c.Code, remote: ip, header: hdr,
		form: url.Values{"lang": {"sq"}, "safe": {"5"}, "respected": {"4"}, "comment": {"Faleminderit"}}})
	wantRedirect(t, ok, "/f/"+c.Code+"/thanks?lang=sq")
	noCookie("post", ok)
	thanks := e.do(t, req{path: "/f/" + c.Code + "/thanks?lang=sq", remote: ip, header: hdr})
	wantStatus(t, thanks, 200)
	noCookie("thanks", thanks)
	// An unknown code: the "not open" page.
	wantStatus(t, e.do(t, req{path: "/f/zzzzzzzz"}), 404)

	logs := e.logs.String()
	for _, s := range []string{"203.0.113.77", ua, c.Code} {
		if strings.Contains(logs, s) {
			t.Errorf("the log carries %q", s)
		}
	}
	if !strings.Contains(logs, `"route":"POST /f/{code}"`) {
		t.Errorf("no access log line for the feedback route")
	}
	err = e.db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT * FROM feedback_answers`)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		want := []string{"id", "campaign_id", "lang", "answered_on", "safe", "listened", "helped", "understood", "respected", "comment"}
		if !slices.Equal(cols, want) {
			t.Errorf("feedback_answers columns %v, want exactly %v", cols, want)
		}
		for rows.Next() {
			vals, err := scanRow(rows, len(cols))
			if err != nil {
				return err
			}
			for i, v := range vals {
				s := ""
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				}
				if strings.Contains(s, "203.0.113") || strings.Contains(s, ua) || strings.Contains(s, "Faleminderit") {
					t.Errorf("column %s holds %q", cols[i], s)
				}
				if cols[i] == "answered_on" && !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(s) {
					t.Errorf("answered_on %q is not a bare date", s)
				}
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE remote LIKE '203.0.113.%'`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("the audit trail holds the client address %d times", n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFeedbackResultsPage: the results page and the QR code for a signed-in
// monitor.
func TestFeedbackResultsPage(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	cm := &nrm.Actor{UserID: "fb-cm2", OrgID: e.orgA, OrgType: nrm.OrgPolice, Roles: []nrm.Role{nrm.RoleCaseManager}}
	c, err := e.door.CreateFeedbackCampaign(ctx, cm, "Results test")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		in := nrm.FeedbackInput{Lang: "en", Ratings: map[string]int{"safe": 1 + i%5}}
		if i == 0 {
			in.Comment = "Kind staff"
		}
		if err := e.door.SubmitFeedback(ctx, c.Code, in); err != nil {
			t.Fatal(err)
		}
	}
	cookie, _ := e.login(t, e.admin)
	rec := e.do(t, req{path: "/feedback/results?campaign=" + c.ID, cookies: []*http.Cookie{cookie}})
	if rec.Code != 200 {
		t.Fatalf("results: %d %s", rec.Code, e.logs.String()[max(0, len(e.logs.String())-600):])
	}
	b := rec.Body.String()
	if !strings.Contains(b, "Kind staff") || strings.Count(b, `data-testid="fb-suppressed"`) != 4 {
		t.Errorf("results page: %s", b)
	}
	qr := e.do(t, req{path: "/feedback/" + c.Code + "/qr.svg", cookies: []*http.Cookie{cookie}})
	wantStatus(t, qr, 200)
	if ct := qr.Result().Header.Get("Content-Type"); ct != "image/svg+xml" || !strings.HasPrefix(qr.Body.String(), "<svg") {
		t.Errorf("qr: %s %q", ct, qr.Body.String()[:40])
	}
}
