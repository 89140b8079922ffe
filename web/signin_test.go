package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// auditWith returns the fields and outcome of the audit entries of action
// written for one request id.
func (e *testEnv) auditWith(t *testing.T, action, requestID string) []string {
	t.Helper()
	var out []string
	err := e.db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT outcome, fields FROM audit_log WHERE action = ? AND request_id = ? ORDER BY seq`, action, requestID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var outcome, fields string
			if err := rows.Scan(&outcome, &fields); err != nil {
				return err
			}
			out = append(out, outcome+" "+fields)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCSRFRenewedWithSession: the second factor replaces the session, and
// its CSRF token with it. The token of the half-signed-in session's code
// page is refused afterwards; the full session's own works.
func TestCSRFRenewedWithSession(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.besa.Username}, "password": {e.besa.Password}}})
	wantRedirect(t, rec, "/login/code")
	half := sessionCookie(t, rec)
	old := csrfOf(t, e.do(t, req{path: "/login/code", cookies: []*http.Cookie{half}}).Body.String())
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{half}, form: url.Values{"csrf": {old}, "code": {e.code(t, e.besa.Secret)}}})
	wantRedirect(t, rec, "/")
	full := sessionCookie(t, rec)
	wantStatus(t, e.do(t, req{method: "POST", path: "/lang", cookies: []*http.Cookie{full}, form: url.Values{"csrf": {old}, "lang": {"sq"}}}), 403)
	fresh := csrfOf(t, e.do(t, req{path: "/", cookies: []*http.Cookie{full}}).Body.String())
	if fresh == old {
		t.Fatal("the CSRF token survived the second factor")
	}
	wantRedirect(t, e.do(t, req{method: "POST", path: "/lang", cookies: []*http.Cookie{full}, form: url.Values{"csrf": {fresh}, "lang": {"sq"}, "next": {"/"}}}), "/")

	// At a first sign-in the recovery-code page, shown by the enrolment
	// that replaced the session, already carries the new session's token.
	u := e.newPasskeyUser(t, "csrf.enrol", false, nrm.RoleCaseManager)
	c, recovery := e.enrolThroughPages(t, u)
	tok := csrfOf(t, recovery.Body.String())
	home := csrfOf(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}).Body.String())
	if tok != home {
		t.Errorf("the recovery page's forms carry %q, the session's token is %q", tok, home)
	}
}

// TestEveryRoleSignsInWithSecondFactor: an administrator and a monitor are
// sent to enrol a second factor at their first sign-in, like everyone.
func TestEveryRoleSignsInWithSecondFactor(t *testing.T) {
	e := env(t)
	for _, role := range []nrm.Role{nrm.RoleSysAdmin, nrm.RoleMonitor} {
		u := e.newPasskeyUser(t, "mfa.web."+string(role), false, role)
		rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
		wantRedirect(t, rec, "/login/enrol")
		// Home before the second factor resumes the enrolment, never skips it.
		wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{sessionCookie(t, rec)}}), "/login/enrol")
	}
}

// TestDenialsAudited: a page refused for the role (403) and throttled
// sign-ins (429) leave audit entries naming the request; the throttled ones
// once per counter and minute, not once per request.
func TestDenialsAudited(t *testing.T) {
	e := env(t)
	c, _ := e.login(t, e.admin) // an administrator and monitor refers no one
	rec := e.do(t, req{path: "/persons/new", cookies: []*http.Cookie{c}})
	wantStatus(t, rec, 403)
	got := e.auditWith(t, door.ActRefused, rec.Header().Get("X-Request-Id"))
	if len(got) != 1 || !strings.HasPrefix(got[0], "denied ") || !strings.Contains(got[0], "route:GET /persons/new") || !strings.Contains(got[0], "reason:error.forbidden") {
		t.Fatalf("a 403 must leave one audit entry with its route and reason: %v", got)
	}
	api := e.do(t, req{path: "/api/v1/register", cookies: []*http.Cookie{c}})
	wantStatus(t, api, 403)
	if got := e.auditWith(t, door.ActRefused, api.Header().Get("X-Request-Id")); len(got) != 1 || !strings.Contains(got[0], "route:GET /api/v1/register") {
		t.Errorf("an API 403 must be audited: %v", got)
	}

	// Throttled sign-ins: one entry for the burst's minute, with the id of
	// the request that was first refused.
	var first string
	refusals := 0
	for range 12 {
		rec := e.do(t, req{method: "POST", path: "/login", remote: "198.51.100.99:1", form: url.Values{"username": {"audited.ghost"}, "password": {"not the password at all"}}})
		if rec.Code == http.StatusTooManyRequests {
			refusals++
			if first == "" {
				first = rec.Header().Get("X-Request-Id")
			} else if got := e.auditWith(t, door.ActThrottled, rec.Header().Get("X-Request-Id")); len(got) != 0 {
				t.Errorf("a second refusal in the same minute was audited again: %v", got)
			}
		}
	}
	if refusals < 2 {
		t.Fatalf("only %d of 12 were throttled", refusals)
	}
	if got := e.auditWith(t, door.ActThrottled, first); len(got) != 1 || !strings.HasPrefix(got[0], "denied ") {
		t.Errorf("the first refusal must be audited with its request id: %v", got)
	}
}
