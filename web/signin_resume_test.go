package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// TestSignInSurvivesAVisitHome: between the password and the second factor
// (or the enrolment), opening the home page or any signed-in page sends the
// browser back to the step it is at; it does not end the sign-in. A cookie
// without a live session still goes to the sign-in page and is cleared.
func TestSignInSurvivesAVisitHome(t *testing.T) {
	e := env(t)
	cleared := func(rec *httptest.ResponseRecorder) bool {
		for _, c := range rec.Result().Cookies() {
			if c.Name == "nrm" && (c.MaxAge < 0 || c.Value == "") {
				return true
			}
		}
		return false
	}

	// At the code step.
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.besa.Username}, "password": {e.besa.Password}}})
	wantRedirect(t, rec, "/login/code")
	c := sessionCookie(t, rec)
	for _, path := range []string{"/", "/persons", "/account"} {
		rec := e.do(t, req{path: path, cookies: []*http.Cookie{c}})
		wantRedirect(t, rec, "/login/code")
		if cleared(rec) {
			t.Fatalf("GET %s at the code step cleared the session cookie", path)
		}
	}
	page := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, page.Body.String())}, "code": {e.code(t, e.besa.Secret)}}})
	wantRedirect(t, rec, "/")
	wantStatus(t, e.do(t, req{path: "/", cookies: []*http.Cookie{sessionCookie(t, rec)}}), 200)

	// At the enrolment step (a new user who reads case data).
	u := &testUser{Username: "resume.enrol", Password: "Rruga e gjatë drejt shtëpisë 2031", Display: "Resume Enrol", OrgID: e.orgA}
	if _, err := e.door.CreateUser(context.Background(), nrm.SystemActor("test"), door.UserInput{OrgID: u.OrgID, Username: u.Username,
		DisplayName: u.Display, Roles: []nrm.Role{nrm.RoleCaseManager}, Password: u.Password}); err != nil {
		t.Fatal(err)
	}
	rec = e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/enrol")
	c = sessionCookie(t, rec)
	rec = e.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	wantRedirect(t, rec, "/login/enrol")
	if cleared(rec) {
		t.Fatal("GET / at the enrolment step cleared the session cookie")
	}
	wantStatus(t, e.do(t, req{path: "/login/enrol", cookies: []*http.Cookie{c}}), 200)

	// No live session behind the cookie: to the sign-in page, cookie cleared.
	rec = e.do(t, req{path: "/", cookies: []*http.Cookie{{Name: "nrm", Value: "not-a-session"}}})
	wantRedirect(t, rec, "/login")
	if !cleared(rec) {
		t.Fatal("a dead session's cookie must be cleared")
	}
}
