package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// The action pages through the real door on SQLite: each seat is signed in
// with a web session, and every form is posted as a browser would.

type actWorld struct {
	srv    *Server
	door   *door.Service
	cookie map[string]*http.Cookie
	csrf   map[string]string
	actor  map[string]*nrm.Actor
}

// newActWorld signs the seats of the identification world in with web
// sessions.
func newActWorld(t *testing.T) *actWorld {
	t.Helper()
	iw := newIDWorld(t, store.SQLite)
	w := &actWorld{srv: iw.srv, door: iw.srv.door, cookie: map[string]*http.Cookie{}, csrf: map[string]string{}, actor: map[string]*nrm.Actor{}}
	ctx := context.Background()
	for _, seat := range []string{"border", "ra", "coord", "panel.police", "panel.social"} {
		w.cookie[seat], w.csrf[seat] = signInSeat(t, w.door, "u."+seat, testenv.TestPassword)
		var err error
		if w.actor[seat], _, err = w.door.Authenticate(ctx, w.cookie[seat].Value, "192.0.2.80", "test"); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *actWorld) send(t *testing.T, seat, method, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if form != nil {
		form.Set("csrf", w.csrf[seat])
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.RemoteAddr = "192.0.2.81:1"
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(w.cookie[seat])
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, r)
	return rec
}

func (w *actWorld) get(t *testing.T, seat, path string) string {
	t.Helper()
	rec := w.send(t, seat, "GET", path, nil)
	wantStatus(t, rec, 200)
	return rec.Body.String()
}

// refer seeds a foreign adult (labour indicators A, B and C: potential at
// once, the reflection period running) or a child, as the border police.
func (w *actWorld) refer(t *testing.T, given string, years int) *nrm.Person {
	t.Helper()
	born := "1994"
	if years < 18 {
		born = ""
	}
	res, err := w.door.Refer(context.Background(), w.actor["border"], nrm.ReferralInput{MetOn: w.door.Now().Format("2006-01-02"), MetRegion: "tirane",
		MetHow: "border_check", Region: "tirane", Identity: &nrm.Identity{GivenName: given, FamilyName: "Haddad", BirthDate: born}, Sex: "male",
		Nationalities: []string{"SYR"}, Languages: []string{"ar"}, AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven,
		Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter}}, Indicators: pick(t, rules.FormLabour, "A", "B", "C"), Account: "Worked for no pay."})
	if err != nil {
		t.Fatal(err)
	}
	return res.Person
}

// wantForm checks a form shown again: 422, the error summary linking to
// each field, and the values entered kept.
func wantForm(t *testing.T, rec *httptest.ResponseRecorder, status int, fields []string, kept ...string) {
	t.Helper()
	wantStatus(t, rec, status)
	body := rec.Body.String()
	if !strings.Contains(body, `data-testid="error-summary"`) {
		t.Fatalf("no error summary:\n%s", body)
	}
	for _, f := range fields {
		if !strings.Contains(body, `href="#`+f+`"`) {
			t.Errorf("the summary does not link to %s:\n%s", f, body)
		}
	}
	for _, k := range kept {
		if !strings.Contains(body, k) {
			t.Errorf("the form lost %q:\n%s", k, body)
		}
	}
}

func TestActionPages(t *testing.T) {
	w := newActWorld(t)
	adult := w.refer(t, "Amir", 32)
	child := w.refer(t, "Sami", 15)
	rec := "/persons/" + adult.ID
	act := func(p *nrm.Person, name string) string { return "/persons/" + p.ID + "/actions/" + name }
	today := w.door.Now().Format("2006-01-02")

	// The record offers what the reader could do: the border police works
	// its own record; a guardian only for a child; registering is the RA's.
	page := w.get(t, "border", rec)
	for _, a := range []string{"age", "status", "identification", "return", "non-punishment"} {
		if !strings.Contains(page, `data-testid="action-`+a+`"`) {
			t.Errorf("the record lacks the %s action", a)
		}
	}
	for _, a := range []string{"guardian", "register", "duplicate"} {
		if strings.Contains(page, `data-testid="action-`+a+`"`) {
			t.Errorf("the record offers %s to the border police", a)
		}
	}
	if !strings.Contains(w.get(t, "border", "/persons/"+child.ID), `data-testid="action-guardian"`) {
		t.Error("a child's record must offer the guardian")
	}
	if p := w.get(t, "coord", rec); strings.Contains(p, `data-testid="case-actions"`) {
		t.Error("the coordinator reads the register and takes no action")
	}
	wantStatus(t, w.send(t, "coord", "GET", act(adult, "age"), nil), 403)
	wantStatus(t, w.send(t, "border", "GET", act(adult, "register"), nil), 403)
	wantStatus(t, w.send(t, "border", "GET", act(adult, "nothing"), nil), 404)

	t.Run("guardian", func(t *testing.T) {
		w.get(t, "border", act(child, "guardian"))
		wantForm(t, w.send(t, "border", "POST", act(child, "guardian"), url.Values{"kind": {"guardian"}, "contact": {"069 555 0101"}, "org_id": {"org-cpu"}}),
			422, []string{"name"}, "069 555 0101", `value="org-cpu" selected`)
		wantRedirect(t, w.send(t, "border", "POST", act(child, "guardian"), url.Values{"kind": {"guardian"}, "name": {"Drita Kola"}, "org_id": {"org-cpu"}}),
			"/persons/"+child.ID)
		if p := w.get(t, "border", "/persons/"+child.ID); !strings.Contains(p, "Drita Kola") {
			t.Error("the record must show the guardian")
		}
	})
	t.Run("age", func(t *testing.T) {
		w.get(t, "border", act(child, "age"))
		wantForm(t, w.send(t, "border", "POST", act(child, "age"), url.Values{"on": {today}, "method": {"medical"}, "years": {"fifteen"}}),
			422, []string{"years"}, `value="`+today+`"`, `value="medical" selected`, `value="fifteen"`)
		wantRedirect(t, w.send(t, "border", "POST", act(child, "age"), url.Values{"on": {today}, "method": {"medical"}, "years": {"15"}}), "/persons/"+child.ID)
	})
	t.Run("status", func(t *testing.T) {
		page := w.get(t, "border", act(child, "status"))
		cur, err := w.door.GetPerson(context.Background(), w.actor["border"], child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, `name="version" value="`+itoa(cur.Version)+`"`) {
			t.Fatalf("the form must carry the version %d", cur.Version)
		}
		wantForm(t, w.send(t, "border", "POST", act(child, "status"), url.Values{"version": {itoa(cur.Version)}, "status": {"at_risk"}}),
			422, []string{"reason"}, `value="at_risk" selected`)
		// A version the record has moved past: shown again, not overwritten.
		wantForm(t, w.send(t, "border", "POST", act(child, "status"), url.Values{"version": {itoa(cur.Version - 1)}, "status": {"at_risk"}, "reason": {"Calmer now"}}),
			409, nil, "Calmer now", `name="version" value="`+itoa(cur.Version)+`"`)
		wantRedirect(t, w.send(t, "border", "POST", act(child, "status"), url.Values{"version": {itoa(cur.Version)}, "status": {"potential_victim"}, "reason": {"Indicators confirmed"}}),
			"/persons/"+child.ID)
	})
	t.Run("return refused while reflection runs", func(t *testing.T) {
		w.get(t, "border", act(adult, "return"))
		r := w.send(t, "border", "POST", act(adult, "return"), url.Values{"kind": {"removal_order"}, "note": {"Order from the court"}})
		wantForm(t, r, 422, []string{"own_request"}, "Order from the court", `value="removal_order" selected`, `id="own_request-error"`)
		if !strings.Contains(r.Body.String(), strings.Split(w.t("error.reflection_running"), "%s")[0]) {
			t.Errorf("the refusal must say why:\n%s", r.Body.String())
		}
		// Organising a return needs a risk assessment first (door/return.go).
		r = w.send(t, "border", "POST", act(adult, "return"), url.Values{"kind": {"voluntary_return"}, "own_request": {"1"}, "note": {"Asked to go home, in writing"}})
		wantForm(t, r, 422, []string{"kind"}, "Asked to go home, in writing")
		wantRedirect(t, w.send(t, "border", "POST", act(adult, "return-risk"), url.Values{"on": {"2026-11-22"}, "outcome": {"low"}, "note": {"No link to the recruiter"}}), rec)
		wantRedirect(t, w.send(t, "border", "POST", act(adult, "return"), url.Values{"kind": {"voluntary_return"}, "own_request": {"1"}, "note": {"Asked to go home, in writing"}}), rec)
		if p := w.get(t, "border", rec); !strings.Contains(p, w.t("returnkind.voluntary_return")) {
			t.Error("the record must show the return step")
		}
	})
	t.Run("non-punishment", func(t *testing.T) {
		wantForm(t, w.send(t, "border", "POST", act(adult, "non-punishment"), url.Values{"note": {"  "}}), 422, []string{"note"})
		wantRedirect(t, w.send(t, "border", "POST", act(adult, "non-punishment"), url.Values{"note": {"Forged papers, made to carry them"}}), rec)
	})
	t.Run("register", func(t *testing.T) {
		if !strings.Contains(w.get(t, "ra", act(adult, "register")), `data-testid="action-submit"`) {
			t.Fatal("no confirm button")
		}
		wantRedirect(t, w.send(t, "ra", "POST", act(adult, "register"), url.Values{}), rec)
		if strings.Contains(w.get(t, "ra", rec), `data-testid="action-register"`) {
			t.Error("a registered record must not offer registering again")
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		again := w.refer(t, "Amir", 32)
		page := w.get(t, "ra", "/persons/"+again.ID)
		if !strings.Contains(page, `data-testid="action-duplicate"`) {
			t.Fatalf("the RA must be offered the duplicate:\n%s", page)
		}
		wantForm(t, w.send(t, "ra", "POST", act(again, "duplicate"), url.Values{"state": {"distinct"}}), 422, []string{"other"}, `value="distinct" selected`)
		wantRedirect(t, w.send(t, "ra", "POST", act(again, "duplicate"), url.Values{"other": {adult.ID}, "state": {"distinct"}}), "/persons/"+again.ID)
	})
	t.Run("identification, decision and signatures", func(t *testing.T) {
		w.get(t, "border", act(adult, "identification"))
		wantForm(t, w.send(t, "border", "POST", act(adult, "identification"), url.Values{"requested_by": {"person"},
			"explanation": {"Told in Arabic what the panel does"}, "language": {"ar"}, "panel_orgs": {"org-pol"}}),
			422, []string{"panel_orgs"}, "Told in Arabic what the panel does", `value="org-pol" checked`)
		wantRedirect(t, w.send(t, "border", "POST", act(adult, "identification"), url.Values{"requested_by": {"person"},
			"explanation": {"Told in Arabic what the panel does"}, "language": {"ar"}, "panel_orgs": {"org-pol", "org-soc"}}), rec)
		cf, err := w.door.Case(context.Background(), w.actor["panel.police"], adult.ID)
		if err != nil || len(cf.CanDecide) != 1 {
			t.Fatalf("the police member must be able to decide: %v %+v", err, cf)
		}
		decide := decideLink(adult.ID, cf.CanDecide[0])
		if page := w.get(t, "panel.police", rec); !strings.Contains(page, `href="`+strings.ReplaceAll(decide, "&", "&amp;")+`" class="button" data-testid="decide-link"`) {
			t.Fatalf("the panel member must be offered the decision:\n%s", page)
		}
		w.get(t, "panel.police", decide)
		post := decide[:strings.Index(decide, "?")]
		full := url.Values{"person": {adult.ID}, "outcome": {"identified"}, "interview_on": {today}, "interviewer_gender": {"male"},
			"reasons": {"Consistent account; indicators in every section"}, "told_on": {today}, "told_how": {"in_person"}, "told_lang": {"ar"}}
		bad := url.Values{}
		for k, v := range full {
			bad[k] = v
		}
		bad.Del("reasons")
		bad.Set("interview_on", "2999-01-01")
		wantForm(t, w.send(t, "panel.police", "POST", post, bad), 422, []string{"reasons", "interview_on"}, `value="identified" selected`, `value="in_person" selected`)
		wantRedirect(t, w.send(t, "panel.police", "POST", post, full), rec)
		if strings.Contains(w.get(t, "panel.police", rec), `data-testid="sign-decision"`) {
			t.Error("the member who decided has signed already")
		}
		if cf, err = w.door.Case(context.Background(), w.actor["panel.social"], adult.ID); err != nil || len(cf.CanSign) != 1 {
			t.Fatalf("the social services member must be able to sign: %v %+v", err, cf)
		}
		sign := "/decisions/" + cf.CanSign[0] + "/sign"
		if page := w.get(t, "panel.social", rec); !strings.Contains(page, `action="`+sign+`"`) {
			t.Fatalf("the other panel member must be offered to sign:\n%s", page)
		}
		wantRedirect(t, w.send(t, "panel.social", "POST", sign, url.Values{"person": {adult.ID}}), rec)
		page := w.get(t, "border", rec)
		for _, s := range []string{w.t("status.identified_victim"), strings.ReplaceAll(w.t("story.decision_effective"), "{outcome}", w.t("outcome.identified"))} {
			if !strings.Contains(page, s) {
				t.Errorf("the record lacks %q:\n%s", s, page)
			}
		}
		// The decision is no longer open: a second signature is refused.
		wantStatus(t, w.send(t, "panel.social", "POST", sign, url.Values{"person": {adult.ID}}), 409)
	})
}

// t is a message in the language the pages speak to these sessions.
func (w *actWorld) t(key string) string { return w.srv.cat.T(i18n.Default, key) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
