package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// TestQuestionnairePages runs the questionnaire through its pages: a
// coordinator writes two sections (a question missing its English text is
// sent back naming the field) and sends a campaign (an empty title is
// named); a member of the organisation asked answers section by section,
// checks and sends; the results withhold the group below k, then show it.
func TestQuestionnairePages(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	sys := nrm.SystemActor("test")
	coord := &testUser{Username: "q.coordinator", Password: "Qielli mbi Dajt është i kaltër 2031", Display: "Koordinatori", OrgID: e.orgA}
	u, err := e.door.CreateUser(ctx, sys, door.UserInput{OrgID: e.orgA, Username: coord.Username, DisplayName: coord.Display, Roles: []nrm.Role{nrm.RoleCoordinator}, Password: coord.Password})
	if err != nil {
		t.Fatal(err)
	}
	coord.ID = u.ID
	e.enrolThroughPages(t, coord)
	cc, ccsrf := e.login(t, coord)
	cookies := []*http.Cookie{cc}
	post := func(c []*http.Cookie, csrf, path string, f url.Values) string {
		t.Helper()
		f.Set("csrf", csrf)
		rec := e.do(t, req{method: "POST", path: path, cookies: c, form: f})
		return fmt.Sprintf("%d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}

	// Editing: one text missing is named, in the error summary and beside it.
	wantStatus(t, e.do(t, req{path: "/questionnaire/edit?section=timeliness", cookies: cookies}), 200)
	got := post(cookies, ccsrf, "/questionnaire/edit", url.Values{"section": {"timeliness"}, "rows": {"1"}, "key-0": {""}, "sq-0": {"A u morën vendimet në kohë?"}, "en-0": {""}})
	if !strings.HasPrefix(got, "422 ") || !strings.Contains(got, `<a href="#en-0">Pyetja 1: shkruani tekstin në anglisht</a>`) || !strings.Contains(got, `id="en-0-error"`) ||
		!strings.Contains(got, "A u morën vendimet në kohë?") {
		t.Fatalf("missing English text: %.3000s", got)
	}
	for sec, qs := range map[string][2]string{"timeliness": {"A u morën vendimet në kohë?", "Were decisions taken on time?"}, "support_assistance": {"A ishte ndihma e mjaftueshme?", "Was the support enough?"}} {
		got = post(cookies, ccsrf, "/questionnaire/edit", url.Values{"section": {sec}, "rows": {"1"}, "key-0": {""}, "sq-0": {qs[0]}, "en-0": {qs[1]}})
		if !strings.HasPrefix(got, "303 /questionnaire?saved=1#section-"+sec) {
			t.Fatalf("save %s: %.2000s", sec, got)
		}
	}
	page := e.do(t, req{path: "/questionnaire", cookies: cookies})
	wantStatus(t, page, 200)
	if b := page.Body.String(); !strings.Contains(b, "A u morën vendimet në kohë?") || !strings.Contains(b, `href="/questionnaire/edit?section=timeliness"`) {
		t.Errorf("the question is not listed: %s", b)
	}

	// A campaign: the empty title is named; then one to organisation B.
	wantStatus(t, e.do(t, req{path: "/questionnaire/campaigns/new", cookies: cookies}), 200)
	today := e.door.Now().In(e.door.Profile().Location()).Format("2006-01-02")
	got = post(cookies, ccsrf, "/questionnaire/campaigns/new", url.Values{"title": {""}, "opens_on": {today}, "closes_on": {today}, "orgs": {e.orgB}})
	if !strings.HasPrefix(got, "422 ") || !strings.Contains(got, `<a href="#title">Titulli:`) || !strings.Contains(got, `value="`+e.orgB+`" checked`) {
		t.Fatalf("empty title: %.3000s", got)
	}
	got = post(cookies, ccsrf, "/questionnaire/campaigns/new", url.Values{"title": {"Raundi i parë"}, "opens_on": {today}, "closes_on": {today}, "orgs": {e.orgB}})
	if !strings.HasPrefix(got, "303 /questionnaire?made=1") {
		t.Fatalf("campaign: %.2000s", got)
	}
	// The coordinator's own organisation was not asked: results, no answer link.
	b := e.do(t, req{path: "/questionnaire", cookies: cookies}).Body.String()
	if strings.Contains(b, `data-testid="q-answer-link"`) || !strings.Contains(b, "Raundi i parë") {
		t.Errorf("coordinator's list: %s", b)
	}
	results := regexp.MustCompile(`href="(/questionnaire/campaigns/[0-9a-f]+/results)"`).FindStringSubmatch(b)
	if results == nil {
		t.Fatalf("no results link: %s", b)
	}

	// Besa's organisation was asked: she answers section by section.
	bc, bcsrf := e.login(t, e.besa)
	bcs := []*http.Cookie{bc}
	b = e.do(t, req{path: "/questionnaire", cookies: bcs}).Body.String()
	m := regexp.MustCompile(`href="(/questionnaire/campaigns/([0-9a-f]+)/answer)"`).FindStringSubmatch(b)
	if m == nil {
		t.Fatalf("no answer link for the organisation asked: %s", b)
	}
	answer, campaignID := m[1], m[2]
	first := e.do(t, req{path: answer, cookies: bcs})
	wantStatus(t, first, 200)
	if b := first.Body.String(); !strings.Contains(b, "Seksioni 1 nga 2") || !strings.Contains(b, "A ishte ndihma e mjaftueshme?") || !strings.Contains(b, `name="a.support_assistance.q1" value="5"`) {
		t.Errorf("first section: %s", b)
	}
	// Nothing answered at all: the check page says so, naming the answers.
	got = post(bcs, bcsrf, answer, url.Values{"go": {"submit"}, "step": {"2"}})
	if !strings.HasPrefix(got, "422 ") || !strings.Contains(got, `href="#answers"`) || !strings.Contains(got, "Përgjigjet:") {
		t.Fatalf("empty answers: %.3000s", got)
	}
	got = post(bcs, bcsrf, answer, url.Values{"go": {"next"}, "step": {"0"}, "a.support_assistance.q1": {"4"}})
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, "Seksioni 2 nga 2") || !strings.Contains(got, `name="a.support_assistance.q1" value="4"`) {
		t.Fatalf("second section: %.3000s", got)
	}
	got = post(bcs, bcsrf, answer, url.Values{"go": {"next"}, "step": {"1"}, "a.support_assistance.q1": {"4"}, "a.timeliness.q1": {"5"}})
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `data-testid="q-check-heading"`) || !strings.Contains(got, "4 – mirë") || !strings.Contains(got, "5 – shumë mirë") {
		t.Fatalf("check page: %.3000s", got)
	}
	got = post(bcs, bcsrf, answer, url.Values{"go": {"submit"}, "step": {"2"}, "a.support_assistance.q1": {"4"}, "a.timeliness.q1": {"5"}})
	if !strings.HasPrefix(got, "303 /questionnaire?answered=1") {
		t.Fatalf("submit: %.2000s", got)
	}
	// Besa may not read the results.
	wantStatus(t, e.do(t, req{path: results[1], cookies: bcs}), 403)

	// One answer set: withheld everywhere.
	rec := e.do(t, req{path: results[1], cookies: cookies})
	wantStatus(t, rec, 200)
	if b := rec.Body.String(); strings.Contains(b, `data-testid="q-result"`) || !strings.Contains(b, `data-testid="q-withheld"`) {
		t.Errorf("one answer set shown: %s", b)
	}
	// Four colleagues more (through the door): k = 5 reached.
	for i := range nrm.MinGroup - 1 {
		a := &nrm.Actor{UserID: fmt.Sprintf("q-colleague-%d", i), OrgID: e.orgB, OrgType: nrm.OrgNGOShelter, Roles: []nrm.Role{nrm.RoleFirstResponder}}
		if err := e.door.AnswerQuestionnaire(ctx, a, campaignID, map[string]map[string]int{"timeliness": {"q1": 3}}); err != nil {
			t.Fatal(err)
		}
	}
	b = e.do(t, req{path: results[1], cookies: cookies}).Body.String()
	// Timeliness: 5 answer sets, mean (5+3·4)/5 = 3.4; support: Besa's only, withheld.
	if !strings.Contains(b, `<span data-testid="q-result">3.4 (5 përgjigje)</span>`) || !strings.Contains(b, `data-testid="q-withheld"`) {
		t.Errorf("results after five answer sets: %s", b)
	}
}
