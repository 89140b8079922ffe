package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// The tests run the real web layer over a real door, on a real SQLite
// database in a temporary directory: no mocks of storage. One environment
// is shared by the package's tests, because every user costs an Argon2id
// hash (46 MiB) to create and to sign in.

// testClock is the database's clock. Each TOTP code is generated for a
// fresh 30-second step (the door refuses a step already used), so the
// clock moves on by a step whenever a code is needed.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *testClock) Advance(d time.Duration) time.Time {
	return time.Unix(0, c.ns.Add(int64(d))).UTC()
}

type testUser struct {
	Username, Password, Display string
	ID, OrgID                   string
	Secret                      string // TOTP secret once enrolled
	Token                       string // API bearer token (persons:read, persons:write)
}

type testEnv struct {
	dir    string
	db     *store.DB
	door   *door.Service
	srv    *Server
	cat    *i18n.Catalog
	clock  *testClock
	logs   *syncBuffer
	orgA   string
	orgB   string
	ana    *testUser // first responder, org A; enrols through the web pages
	besa   *testUser // first responder and DPO, org B
	admin  *testUser // sysadmin and monitor, org A
	remote string

	anaRecovery []string // shown once when Ana enrolled through the pages
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	envOnce sync.Once
	theEnv  *testEnv
	envErr  error
)

func TestMain(m *testing.M) {
	code := skipnote.Main(m)
	if theEnv != nil {
		theEnv.db.Close()
		os.RemoveAll(theEnv.dir)
	}
	os.Exit(code)
}

// env returns the shared environment, building it on first use.
func env(t testing.TB) *testEnv {
	t.Helper()
	envOnce.Do(func() { theEnv, envErr = newEnv() })
	if envErr != nil {
		t.Fatalf("test environment: %v", envErr)
	}
	return theEnv
}

func newEnv() (*testEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "nrm-web-test-")
	if err != nil {
		return nil, err
	}
	e := &testEnv{dir: dir, clock: &testClock{}, logs: &syncBuffer{}, remote: "192.0.2.10:4321"}
	e.clock.ns.Store(time.Now().UnixNano())
	if e.db, err = store.Open(ctx, store.Config{DataDir: dir}); err != nil {
		return nil, err
	}
	e.db.Now = e.clock.Now
	if _, err := e.db.Migrate(ctx); err != nil {
		return nil, err
	}
	v, err := vault.Open(vault.Config{KeyDir: dir + "/keys"})
	if err != nil {
		return nil, err
	}
	signer, err := audit.LoadOrCreateSigner(dir + "/audit.key")
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	// Long session timeouts: the test clock jumps ahead for every code.
	e.door, err = door.New(ctx, e.db, v, signer, door.Settings{SessionIdle: 24 * time.Hour, SessionAbsolute: 48 * time.Hour, StepUp: 24 * time.Hour}, log)
	if err != nil {
		return nil, err
	}
	e.cat, err = i18n.Load()
	if err != nil {
		return nil, err
	}
	if e.srv, err = New(Config{Addr: "127.0.0.1:0"}, e.door, e.cat, log); err != nil {
		return nil, err
	}
	sys := nrm.SystemActor("test")
	orgA := &nrm.Org{Name: "Policia e Shtetit, Tiranë", Type: nrm.OrgPolice, Regions: []string{"tirane"}}
	orgB := &nrm.Org{Name: "Strehëza Shpresa", Type: nrm.OrgNGOShelter, Regions: []string{"vlore"}}
	for _, o := range []*nrm.Org{orgA, orgB} {
		if err := e.door.CreateOrg(ctx, sys, o); err != nil {
			return nil, err
		}
	}
	e.orgA, e.orgB = orgA.ID, orgB.ID
	n := 0
	mk := func(org, username, display string, roles ...nrm.Role) (*testUser, error) {
		n++
		tu := &testUser{Username: username, Password: fmt.Sprintf("Ylli i mëngjesit mbi Tomorr %d", 1900+n*7), Display: display, OrgID: org}
		u, err := e.door.CreateUser(ctx, sys, door.UserInput{OrgID: org, Username: username, DisplayName: display, Roles: roles, Password: tu.Password})
		if err != nil {
			return nil, err
		}
		tu.ID = u.ID
		return tu, nil
	}
	if e.ana, err = mk(e.orgA, "ana.hoxha", "Ana Hoxha", nrm.RoleFirstResponder); err != nil {
		return nil, err
	}
	if e.besa, err = mk(e.orgB, "besa.kola", "Besa Kola", nrm.RoleFirstResponder, nrm.RoleDPO); err != nil {
		return nil, err
	}
	if e.admin, err = mk(e.orgA, "admin", "Arben Administratori", nrm.RoleSysAdmin, nrm.RoleMonitor); err != nil {
		return nil, err
	}
	// Besa and the administrator enrol through the door directly (every
	// role has a second factor); Ana does it through the pages, in
	// TestSignInEnrolsAndReachesHome.
	for _, u := range []*testUser{e.besa, e.admin} {
		_, _, secret, err := doorSignIn(ctx, e.door, u.Username, u.Password, "192.0.2.1", e.clock.Advance(30*time.Second))
		if err != nil {
			return nil, err
		}
		u.Secret = secret
	}
	for _, u := range []*testUser{e.ana, e.besa} {
		if u.Token, err = e.door.MintToken(ctx, sys, u.ID, []string{door.ScopeRead, door.ScopeWrite}, time.Hour*24*30); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// doorSignIn signs a user in through the door as the pages do, enrolling
// TOTP (with a code for at) at the first sign-in. It returns the full
// session's token and CSRF token, and the secret it enrolled.
func doorSignIn(ctx context.Context, d *door.Service, username, password, remote string, at time.Time) (tok, csrf, secret string, err error) {
	tok, sess, err := d.Login(ctx, username, password, remote)
	if err != nil {
		return "", "", "", err
	}
	if sess.Stage != door.StageEnrol {
		return "", "", "", fmt.Errorf("%s: stage %q, want enrol", username, sess.Stage)
	}
	if secret, _, err = d.BeginTOTPEnrolment(ctx, tok); err != nil {
		return "", "", "", err
	}
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		return "", "", "", err
	}
	if tok, _, err = d.ConfirmTOTPEnrolment(ctx, tok, code, remote); err != nil {
		return "", "", "", err
	}
	// The session was replaced, and with it its CSRF token.
	if sess, err = d.SessionInfo(ctx, tok); err != nil {
		return "", "", "", err
	}
	return tok, sess.CSRF, secret, nil
}

// signInSeat signs a user in through the door for a test that drives the
// pages with the session's cookie and CSRF token.
func signInSeat(t testing.TB, d *door.Service, username, password string) (*http.Cookie, string) {
	t.Helper()
	tok, csrf, _, err := doorSignIn(context.Background(), d, username, password, "192.0.2.80", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "nrm", Value: tok}, csrf
}

// code returns a TOTP code for a fresh step.
func (e *testEnv) code(t testing.TB, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, e.clock.Advance(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// req is one request to the handler.
type req struct {
	method, path string
	body         string
	form         url.Values
	cookies      []*http.Cookie
	header       map[string]string
	remote       string // client address; the shared one when empty
}

func (e *testEnv) do(t testing.TB, r req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	} else if r.body != "" {
		body = strings.NewReader(r.body)
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = e.remote
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, hr)
	checkSecurityHeaders(t, r.method+" "+r.path, rec.Result().Header, false)
	return rec
}

// checkSecurityHeaders fails unless h carries every header the middleware
// promises.
func checkSecurityHeaders(t testing.TB, what string, h http.Header, secure bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'nonce-", "style-src 'self'", "img-src 'self' data:",
		"form-action 'self'", "base-uri 'none'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
	} {
		if h.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", what, k, h.Get(k), v)
		}
	}
	if h.Get("Permissions-Policy") == "" {
		t.Errorf("%s: no Permissions-Policy", what)
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", what)
	}
	if hsts := h.Get("Strict-Transport-Security"); secure != (hsts == "max-age=63072000; includeSubDomains") {
		t.Errorf("%s: HSTS %q with secure=%v", what, hsts, secure)
	}
}

var (
	csrfRe   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	secretRe = regexp.MustCompile(`data-testid="totp-secret">([^<]+)<`)
	langRe   = regexp.MustCompile(`<html lang="([a-z]+)">`)
)

func csrfOf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}

func sessionCookie(t testing.TB, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == "nrm" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie set (status %d)", rec.Code)
	return nil
}

func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body:\n%s", rec.Code, want, rec.Body.String())
	}
}

func wantRedirect(t testing.TB, rec *httptest.ResponseRecorder, to string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != to {
		t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", rec.Code, rec.Header().Get("Location"), to, rec.Body.String())
	}
}

// login signs an enrolled user in through the pages and returns the full
// session cookie and the CSRF token of the full session (a new one: the
// token of the code page dies with the half-signed-in session).
func (e *testEnv) login(t testing.TB, u *testUser) (*http.Cookie, string) {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/code")
	c := sessionCookie(t, rec)
	page := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	csrf := csrfOf(t, page.Body.String())
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "code": {e.code(t, u.Secret)}}})
	wantRedirect(t, rec, "/")
	full := sessionCookie(t, rec)
	if full.Value == c.Value {
		t.Fatal("the session token was not replaced after the second factor")
	}
	home := e.do(t, req{path: "/", cookies: []*http.Cookie{full}})
	wantStatus(t, home, 200)
	fullCSRF := csrfOf(t, home.Body.String())
	if fullCSRF == csrf {
		t.Fatal("the CSRF token was not renewed with the session")
	}
	return full, fullCSRF
}

// anaSession makes sure Ana has enrolled (through the pages) and signs her in.
var anaOnce sync.Once

func (e *testEnv) anaLogin(t testing.TB) (*http.Cookie, string) {
	t.Helper()
	anaOnce.Do(func() {
		_, rec := e.enrolThroughPages(t, e.ana)
		for _, m := range regexp.MustCompile(`<li>([A-Za-z0-9-]+)</li>`).FindAllStringSubmatch(rec.Body.String(), -1) {
			e.anaRecovery = append(e.anaRecovery, m[1])
		}
	})
	if e.ana.Secret == "" {
		t.Fatal("Ana could not enrol")
	}
	return e.login(t, e.ana)
}

// enrolThroughPages drives the first sign-in of a user who has no second
// factor yet: password, the enrolment page, a code, the recovery codes.
func (e *testEnv) enrolThroughPages(t testing.TB, u *testUser) (*http.Cookie, *httptest.ResponseRecorder) {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/enrol")
	c := sessionCookie(t, rec)
	page := e.do(t, req{path: "/login/enrol", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	body := page.Body.String()
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Error("no QR code on the enrolment page")
	}
	csrf := csrfOf(t, body)
	// A wrong code first: the page comes back with the error and the same key.
	bad := e.do(t, req{method: "POST", path: "/login/enrol", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "code": {"000000"}, "secret": {secret}, "otpauth": {"otpauth://totp/NRM:x?secret=" + secret}}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !strings.Contains(bad.Body.String(), groupFour(secret)) || !strings.Contains(bad.Body.String(), `id="code-error"`) {
		t.Errorf("wrong code: page lacks the key or the error:\n%s", bad.Body.String())
	}
	rec = e.do(t, req{method: "POST", path: "/login/enrol", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "code": {e.code(t, secret)}}})
	wantStatus(t, rec, 200)
	if !strings.Contains(rec.Body.String(), `data-testid="recovery-codes"`) {
		t.Fatalf("no recovery codes:\n%s", rec.Body.String())
	}
	u.Secret = secret
	return sessionCookie(t, rec), rec
}

func httptestRequest(method, path string, form url.Values) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "192.0.2.99:1"
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
