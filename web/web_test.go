package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

func TestSignInEnrolsAndReachesHome(t *testing.T) {
	e := env(t)
	// First sign-in: password, then the enrolment pages (driven in anaLogin).
	c, _ := e.anaLogin(t)
	if c.HttpOnly != true || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != 0 || c.Secure {
		t.Errorf("session cookie attributes: %+v", c)
	}
	home := e.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	wantStatus(t, home, 200)
	body := home.Body.String()
	for _, want := range []string{`data-testid="home-heading">Ana Hoxha<`, `data-testid="home-org">Policia e Shtetit, Tiranë<`,
		`data-testid="role-first_responder"`, `data-testid="refer-link"`, `data-testid="section-persons"`, `<html lang="sq">`, "Dil"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if cc := home.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("home Cache-Control %q", cc)
	}
	// A signed-in browser that opens /login goes home.
	wantRedirect(t, e.do(t, req{path: "/login", cookies: []*http.Cookie{c}}), "/")
}

func TestSecondFactorWrongCode(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.besa.Username}, "password": {e.besa.Password}}})
	wantRedirect(t, rec, "/login/code")
	c := sessionCookie(t, rec)
	// The half-signed-in session reaches no page with data: it is sent back to its step.
	wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), "/login/code")
	page := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}})
	body := page.Body.String()
	if !strings.Contains(body, `autocomplete="one-time-code"`) || !strings.Contains(body, `<label class="label" for="code">`) {
		t.Errorf("code page lacks autocomplete or label:\n%s", body)
	}
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, body)}, "code": {"123456"}}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	b := rec.Body.String()
	for _, want := range []string{`data-testid="error-summary"`, `href="#code"`, `id="code-error"`, `aria-describedby="code-hint code-error"`,
		"Kodi nuk është i saktë"} {
		if !strings.Contains(b, want) {
			t.Errorf("wrong-code page lacks %q", want)
		}
	}
	// Without the form's CSRF token the code is not even checked.
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c}, form: url.Values{"code": {e.code(t, e.besa.Secret)}}})
	wantStatus(t, rec, http.StatusForbidden)
}

func TestLoginFailureLooksTheSame(t *testing.T) {
	e := env(t)
	wrong := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.admin.Username}, "password": {"not-the-password-at-all"}}})
	unknown := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {"nobody.here"}, "password": {"not-the-password-at-all"}}})
	if wrong.Code != http.StatusUnauthorized || unknown.Code != wrong.Code {
		t.Fatalf("statuses %d and %d, want 401 both", wrong.Code, unknown.Code)
	}
	// The form keeps the username typed; apart from it the pages are identical.
	a := strings.ReplaceAll(wrong.Body.String(), e.admin.Username, "USER")
	b := strings.ReplaceAll(unknown.Body.String(), "nobody.here", "USER")
	if a != b {
		t.Errorf("the answers differ:\n%s\n----\n%s", a, b)
	}
	if !strings.Contains(a, "Emri i përdoruesit ose fjalëkalimi nuk është i saktë") {
		t.Errorf("no translated message:\n%s", a)
	}
	for _, rec := range []*http.Response{wrong.Result(), unknown.Result()} {
		for _, c := range rec.Cookies() {
			if c.Name == "nrm" && c.Value != "" {
				t.Error("a failed sign-in set a session cookie")
			}
		}
	}
}

func TestLogoutKillsTheSession(t *testing.T) {
	e := env(t)
	c, csrf := e.login(t, e.admin)
	wantStatus(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), 200)
	// Sign-out needs the session's CSRF token.
	wantStatus(t, e.do(t, req{method: "POST", path: "/logout", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {"forged"}}}), 403)
	rec := e.do(t, req{method: "POST", path: "/logout", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrf}}})
	wantRedirect(t, rec, "/login")
	cleared := false
	for _, k := range rec.Result().Cookies() {
		cleared = cleared || k.Name == "nrm" && k.MaxAge < 0
	}
	if !cleared {
		t.Error("logout did not clear the cookie")
	}
	// The old cookie is dead: the next request is sent to sign in.
	wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), "/login")
	wantRedirect(t, e.do(t, req{path: "/persons", cookies: []*http.Cookie{c}}), "/login")
	api := e.do(t, req{path: "/api/v1/me", cookies: []*http.Cookie{c}})
	wantStatus(t, api, 401)
}

func TestLanguageSwitch(t *testing.T) {
	e := env(t)
	// Signed out: a cookie remembers the choice; the default is Albanian.
	login := e.do(t, req{path: "/login"})
	if m := langRe.FindStringSubmatch(login.Body.String()); m == nil || m[1] != "sq" {
		t.Fatalf("default language %v", m)
	}
	if !strings.Contains(login.Body.String(), "Emri i përdoruesit") || !strings.Contains(login.Body.String(), `autocomplete="current-password"`) {
		t.Error("login page not in Albanian or lacks autocomplete")
	}
	rec := e.do(t, req{method: "POST", path: "/lang", form: url.Values{"lang": {"en"}, "next": {"/login"}}})
	wantRedirect(t, rec, "/login")
	var lc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "lang" {
			lc = c
		}
	}
	if lc == nil || lc.Value != "en" {
		t.Fatal("no lang cookie")
	}
	en := e.do(t, req{path: "/login", cookies: []*http.Cookie{lc}})
	if !strings.Contains(en.Body.String(), `<html lang="en">`) || !strings.Contains(en.Body.String(), "Username") {
		t.Errorf("login page not in English:\n%s", en.Body.String())
	}
	// Accept-Language is honoured when nothing was chosen.
	if !strings.Contains(e.do(t, req{path: "/login", header: map[string]string{"Accept-Language": "en-GB,en;q=0.8"}}).Body.String(), `<html lang="en">`) {
		t.Error("Accept-Language en ignored")
	}

	// Signed in: the session keeps the choice.
	c, csrf := e.login(t, e.admin)
	home := e.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	if !strings.Contains(home.Body.String(), `<html lang="sq">`) || !strings.Contains(home.Body.String(), ">Dil<") {
		t.Fatalf("home not in Albanian:\n%s", home.Body.String())
	}
	wantStatus(t, e.do(t, req{method: "POST", path: "/lang", cookies: []*http.Cookie{c}, form: url.Values{"lang": {"en"}}}), 403) // no CSRF token
	wantRedirect(t, e.do(t, req{method: "POST", path: "/lang", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "lang": {"en"}, "next": {"/?x=1"}}}), "/?x=1")
	home = e.do(t, req{path: "/", cookies: []*http.Cookie{c}})
	if !strings.Contains(home.Body.String(), `<html lang="en">`) || !strings.Contains(home.Body.String(), ">Sign out<") {
		t.Errorf("home not in English after the switch:\n%s", home.Body.String())
	}
	// Never an open redirect.
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "", "/%0d%0aSet-Cookie:x"} {
		rec := e.do(t, req{method: "POST", path: "/lang", form: url.Values{"lang": {"sq"}, "next": {next}}})
		if loc := rec.Header().Get("Location"); loc != "/" && !strings.HasPrefix(loc, "/%") {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
	wantStatus(t, e.do(t, req{method: "POST", path: "/lang", form: url.Values{"lang": {"xx"}}}), 400)
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/persons?status=referred": "/persons?status=referred", "/": "/", "//evil": "/", `/\evil`: "/", "http://x/": "/",
		"persons": "/", "/a\nb": "/", "": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryRouteHasSecurityHeaders walks every registered route with GET,
// signed out and signed in, and checks the headers (req.do checks them).
func TestEveryRouteHasSecurityHeaders(t *testing.T) {
	e := env(t)
	c, _ := e.login(t, e.admin)
	if len(e.srv.patterns) < 20 {
		t.Fatalf("only %d routes registered", len(e.srv.patterns))
	}
	nonces := map[string]bool{}
	for _, p := range e.srv.patterns {
		_, path, _ := strings.Cut(p, " ")
		if path == "" {
			path = p
		}
		path = strings.ReplaceAll(strings.ReplaceAll(path, "{$}", ""), "{id}", "0123456789abcdef0123456789abcdef")
		if strings.HasSuffix(path, "/static/") {
			path += "app.css"
		}
		for _, cookies := range [][]*http.Cookie{nil, {c}} {
			rec := e.do(t, req{path: path, cookies: cookies})
			if rec.Code >= 500 {
				t.Errorf("GET %s: %d", path, rec.Code)
			}
			csp := rec.Header().Get("Content-Security-Policy")
			nonces[csp] = true
			if !strings.HasPrefix(path, "/static/") && rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: Cache-Control %q", path, rec.Header().Get("Cache-Control"))
			}
		}
	}
	if len(nonces) < 2*len(e.srv.patterns) {
		t.Errorf("CSP nonces repeat: %d distinct for %d responses", len(nonces), 2*len(e.srv.patterns))
	}
	css := e.do(t, req{path: "/static/app.css"})
	wantStatus(t, css, 200)
	if !strings.Contains(css.Header().Get("Cache-Control"), "max-age") || !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") {
		t.Errorf("static headers: %v", css.Header())
	}
	// HSTS and __Host- cookie when the origin is https, with no other flag.
	s2, err := New(Config{Origins: []string{"https://nrm.example.al"}}, e.door, e.cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptestRequest("POST", "/login", url.Values{"username": {e.admin.Username}, "password": {e.admin.Password}})
	rec := serve(s2, r)
	checkSecurityHeaders(t, "secure login", rec.Result().Header, true)
	var host *http.Cookie
	for _, k := range rec.Result().Cookies() {
		if k.Name == "__Host-nrm" {
			host = k
		}
	}
	if host == nil || !host.Secure || !host.HttpOnly || host.Path != "/" || host.SameSite != http.SameSiteStrictMode || host.Domain != "" {
		t.Errorf("secure session cookie: %+v", host)
	}
}

func TestNotFoundIsTranslated(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{path: "/no/such/page"})
	wantStatus(t, rec, 404)
	if !strings.Contains(rec.Body.String(), "Faqja nuk u gjet") || !strings.Contains(rec.Body.String(), `<html lang="sq">`) {
		t.Errorf("404 not in Albanian:\n%s", rec.Body.String())
	}
	rec = e.do(t, req{path: "/no/such/page", header: map[string]string{"Accept-Language": "en"}})
	if !strings.Contains(rec.Body.String(), "Page not found") {
		t.Errorf("404 not in English:\n%s", rec.Body.String())
	}
	api := e.do(t, req{path: "/api/v1/nothing"})
	wantStatus(t, api, 404)
	if !strings.HasPrefix(api.Header().Get("Content-Type"), "application/json") {
		t.Error("API 404 is not JSON")
	}
	wantStatus(t, e.do(t, req{path: "/static/"}), 404)
	wantStatus(t, e.do(t, req{path: "/static/nope.css"}), 404)
}

func TestPanicIsA500WithoutStack(t *testing.T) {
	e := env(t)
	e.srv.handle("GET /test-panic", func(w http.ResponseWriter, r *http.Request) { panic("boom: secret detail") })
	rec := e.do(t, req{path: "/test-panic"})
	wantStatus(t, rec, 500)
	body := rec.Body.String()
	if strings.Contains(body, "goroutine") || strings.Contains(body, "secret detail") || strings.Contains(body, ".go:") {
		t.Errorf("500 page leaks detail:\n%s", body)
	}
	id := rec.Header().Get("X-Request-Id")
	if !strings.Contains(body, id) || !strings.Contains(body, "Na vjen keq") {
		t.Errorf("500 page lacks the request id %s or the message:\n%s", id, body)
	}
	if !strings.Contains(e.logs.String(), `"request_id":"`+id+`"`) {
		t.Error("the panic was not logged with the request id")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{path: "/healthz"})
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body.String())
	}
	wantStatus(t, e.do(t, req{path: "/readyz"}), 200)
	e.do(t, req{path: "/persons/0123456789abcdef0123456789abcdef?status=referred"})
	// The public handler has no metrics: they are served apart (MetricsHandler).
	wantStatus(t, e.do(t, req{path: "/metrics"}), 404)
	m := serve(e.srv.MetricsHandler(), httptest.NewRequest("GET", "/metrics", nil))
	wantStatus(t, m, 200)
	body := m.Body.String()
	if !strings.Contains(body, `nrm_http_requests_total{method="GET",route="GET /persons/{id}",status="303"}`) {
		t.Errorf("metrics lack the route pattern:\n%s", grepLines(body, "nrm_http_requests_total"))
	}
	if strings.Contains(body, "0123456789abcdef") || strings.Contains(body, "status=referred") {
		t.Error("metrics carry a raw path")
	}
	if !strings.Contains(body, "nrm_http_request_duration_seconds_bucket") {
		t.Error("no duration histogram")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestCSRF(t *testing.T) {
	e := env(t)
	c, csrf := e.anaLogin(t)
	form := func(tok string) url.Values {
		return url.Values{"csrf": {tok}, "region": {"tirane"}, "age_group": {"adult"}}
	}
	// No token, a wrong token: refused.
	wantStatus(t, e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: form("")}), 403)
	rec := e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: form(csrf + "x")})
	wantStatus(t, rec, 403)
	if !strings.Contains(rec.Body.String(), "Ky formular ka skaduar") {
		t.Errorf("CSRF refusal not explained:\n%s", rec.Body.String())
	}
	// The right token from another site: refused by the cross-origin check.
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		wantStatus(t, e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: form(csrf), header: h}), 403)
		api := e.do(t, req{method: "POST", path: "/api/v1/persons", cookies: []*http.Cookie{c}, body: `{}`,
			header: map[string]string{"Content-Type": "application/json", h2k(h): h[h2k(h)]}})
		wantStatus(t, api, 403)
		wantJSONError(t, api, "forbidden")
		wantStatus(t, e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {"x"}, "password": {"y"}}, header: h}), 403)
	}
	// Same origin with the token: accepted.
	rec = e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: form(csrf),
		header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/persons/") {
		t.Fatalf("same-origin referral: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	// The browser API with a session cookie, same origin: allowed.
	api := e.do(t, req{method: "POST", path: "/api/v1/persons", cookies: []*http.Cookie{c}, body: `{"region":"tirane"}`,
		header: map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}})
	wantStatus(t, api, 201)
}

func h2k(h map[string]string) string {
	for k := range h {
		return k
	}
	return ""
}

func wantJSONError(t testing.TB, rec interface{ Result() *http.Response }, code string) apiError {
	t.Helper()
	res := rec.Result()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("error is %q, not JSON", res.Header.Get("Content-Type"))
	}
	var body apiError
	dec := json.NewDecoder(res.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body: %v", err)
	}
	if body.Error.Code != code || body.Error.Message == "" || body.Error.RequestID == "" {
		t.Errorf("error %+v, want code %q with a message and request id", body.Error, code)
	}
	return body
}

func TestAccessLogCarriesNoPersonalData(t *testing.T) {
	e := env(t)
	c, csrf := e.anaLogin(t)
	rec := e.do(t, req{method: "POST", path: "/persons?leak=querystring", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "given_name": {"Mirela"}, "family_name": {"Xhafërri"}, "narrative": {"tregim-sekret"}}})
	wantStatus(t, rec, 303)
	id := strings.TrimPrefix(rec.Header().Get("Location"), "/persons/")
	e.do(t, req{path: "/persons/" + id, cookies: []*http.Cookie{c}})
	logs := e.logs.String()
	for _, bad := range []string{"Mirela", "Xhaf", "tregim-sekret", "querystring", id, e.ana.Password, c.Value, csrf} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log carries %q", bad)
		}
	}
	if !regexp.MustCompile(`"msg":"http","method":"POST","route":"POST /persons","status":303,"duration_ms":[0-9.e-]+,"bytes":[0-9]+,"request_id":"[0-9a-f]{16}"`).MatchString(logs) {
		t.Errorf("no access log line for the referral:\n%s", grepLines(logs, `"POST /persons"`))
	}
}

func TestHomeByRole(t *testing.T) {
	e := env(t)
	c, _ := e.login(t, e.admin)
	body := e.do(t, req{path: "/", cookies: []*http.Cookie{c}}).Body.String()
	for _, want := range []string{`data-testid="role-sysadmin"`, `data-testid="role-monitor"`, `data-testid="section-users"`,
		`data-testid="section-monitor"`, "ana.hoxha", "besa.kola"} {
		if !strings.Contains(body, want) {
			t.Errorf("admin home lacks %q", want)
		}
	}
	for _, bad := range []string{`data-testid="section-persons"`, `data-testid="refer-link"`, `href="/persons"`, `data-testid="section-audit"`} {
		if strings.Contains(body, bad) {
			t.Errorf("admin home shows %q", bad)
		}
	}
	// A monitor or administrator reaches no person.
	wantStatus(t, e.do(t, req{path: "/persons", cookies: []*http.Cookie{c}}), 403)
	wantStatus(t, e.do(t, req{path: "/persons/new", cookies: []*http.Cookie{c}}), 403)

	b, _ := e.login(t, e.besa)
	body = e.do(t, req{path: "/", cookies: []*http.Cookie{b}}).Body.String()
	for _, want := range []string{`data-testid="role-first_responder"`, `data-testid="role-dpo"`, `data-testid="section-audit"`,
		`data-testid="section-persons"`, `data-testid="audit-table"`, "login.success"} {
		if !strings.Contains(body, want) {
			t.Errorf("besa's home lacks %q", want)
		}
	}
}

// TestPersonPagesAndConflict refers a person through the form, reads the
// record, and edits it while someone else saves first.
func TestPersonPagesAndConflict(t *testing.T) {
	e := env(t)
	c, csrf := e.anaLogin(t)
	// Errors: every field named, the summary links to each.
	bad := e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrf},
		"region": {"atlantis"}, "nationality": {"albania"}, "birth_date": {"1998-13"}, "given_name": {"Drita"}}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	body := bad.Body.String()
	for _, want := range []string{`href="#region"`, `href="#nationality"`, `href="#birth_date"`, `id="birth_date-error"`,
		`aria-describedby="birth_date-hint birth_date-error"`, `value="Drita"`, "Shkruani datën si VVVV", "<title>Gabim:"} {
		if !strings.Contains(body, want) {
			t.Errorf("form with errors lacks %q", want)
		}
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	rec := e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrf},
		"region": {"tirane"}, "age_group": {"child"}, "sex": {"female"}, "nationality": {"alb"}, "given_name": {"Drita"},
		"family_name": {"Lika"}, "birth_date": {"2009"}, "narrative": {"Takuar në stacionin e autobusit."}}})
	wantStatus(t, rec, 303)
	loc := rec.Header().Get("Location")
	id := strings.TrimPrefix(loc, "/persons/")
	show := e.do(t, req{path: loc, cookies: []*http.Cookie{c}})
	wantStatus(t, show, 200)
	body = show.Body.String()
	for _, want := range []string{"Drita", "Lika", "Takuar në stacionin", "ALB", "Tiranë", `data-testid="person-version">1<`,
		`name="version" value="1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("person page lacks %q", want)
		}
	}
	// The list shows the code, never the name.
	list := e.do(t, req{path: "/persons?region=tirane", cookies: []*http.Cookie{c}}).Body.String()
	if !strings.Contains(list, `href="/persons/`+id+`"`) || strings.Contains(list, "Drita") {
		t.Error("list lacks the record or shows a name")
	}
	// Edit form for version 1.
	edit := e.do(t, req{path: loc + "/edit?version=1", cookies: []*http.Cookie{c}})
	wantStatus(t, edit, 200)
	if !strings.Contains(edit.Body.String(), `name="version" value="1"`) || strings.Contains(edit.Body.String(), `data-testid="changed"`) {
		t.Fatal("edit form lacks the version")
	}
	// Someone else saves first, through the API.
	patch := e.do(t, req{method: "PATCH", path: "/api/v1/persons/" + id, body: `{"version":1,"region":"durres"}`,
		header: map[string]string{"Authorization": "Bearer " + e.ana.Token, "Content-Type": "application/json"}})
	wantStatus(t, patch, 200)
	// The form's save is a conflict: nothing overwritten, a clear message.
	conflict := e.do(t, req{method: "POST", path: loc + "/edit", cookies: []*http.Cookie{c}, form: url.Values{
		"csrf": {csrf}, "version": {"1"}, "region": {"vlore"}, "age_group": {"child"}, "sex": {"female"}, "nationality": {"ALB"},
		"with_identity": {"1"}, "given_name": {"Drita"}, "family_name": {"Lika"}}})
	wantStatus(t, conflict, http.StatusConflict)
	if !strings.Contains(conflict.Body.String(), "Dikush tjetër e ndryshoi këtë regjistrim") || !strings.Contains(conflict.Body.String(), `data-testid="conflict"`) {
		t.Errorf("conflict page:\n%s", conflict.Body.String())
	}
	p, err := e.door.GetPerson(context.Background(), &nrm.Actor{UserID: e.ana.ID, OrgID: e.orgA, Roles: []nrm.Role{nrm.RoleFirstResponder}}, id)
	if err != nil || p.Region != "durres" || p.Version != 2 {
		t.Fatalf("after the conflict: %v region %q version %d", err, p.Region, p.Version)
	}
	// An edit opened from the old page says the record changed.
	if !strings.Contains(e.do(t, req{path: loc + "/edit?version=1", cookies: []*http.Cookie{c}}).Body.String(), `data-testid="changed"`) {
		t.Error("no notice that the record changed")
	}
	// With the current version the save goes through, keeping identity.
	ok := e.do(t, req{method: "POST", path: loc + "/edit", cookies: []*http.Cookie{c}, form: url.Values{
		"csrf": {csrf}, "version": {"2"}, "region": {"vlore"}, "age_group": {"child"}, "sex": {"female"}, "nationality": {"ALB"},
		"with_identity": {"1"}, "given_name": {"Drita"}, "family_name": {"Lika"}, "birth_date": {"2009"}}})
	wantRedirect(t, ok, loc)
	if !strings.Contains(e.do(t, req{path: loc, cookies: []*http.Cookie{c}}).Body.String(), `data-testid="person-version">3<`) {
		t.Error("the edit was not saved")
	}
}

// TestBreakGlass: a first responder of another organisation sees a 404
// with the emergency form, must give a reason and a fresh code, then reads.
func TestBreakGlass(t *testing.T) {
	e := env(t)
	id := e.createViaAPI(t, e.ana, `{"region":"tirane","identity":{"given_name":"Elira"},"narrative":"..."}`)
	b, csrf := e.login(t, e.besa)
	missing := e.do(t, req{path: "/persons/ffffffffffffffffffffffffffffffff", cookies: []*http.Cookie{b}})
	hidden := e.do(t, req{path: "/persons/" + id, cookies: []*http.Cookie{b}})
	wantStatus(t, missing, 404)
	wantStatus(t, hidden, 404)
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, id, "ID"), "ffffffffffffffffffffffffffffffff", "ID")
	}
	if norm(missing.Body.String()) != norm(hidden.Body.String()) {
		t.Error("out-of-scope and missing records answer differently")
	}
	if !strings.Contains(hidden.Body.String(), `data-testid="breakglass"`) {
		t.Fatal("no break-glass form on the 404")
	}
	short := e.do(t, req{method: "POST", path: "/persons/" + id + "/breakglass", cookies: []*http.Cookie{b},
		form: url.Values{"csrf": {csrf}, "reason": {"urgent"}, "code": {e.code(t, e.besa.Secret)}}})
	wantStatus(t, short, http.StatusUnprocessableEntity)
	if !strings.Contains(short.Body.String(), `href="#reason"`) {
		t.Errorf("short reason not reported:\n%s", short.Body.String())
	}
	wrong := e.do(t, req{method: "POST", path: "/persons/" + id + "/breakglass", cookies: []*http.Cookie{b},
		form: url.Values{"csrf": {csrf}, "reason": {"The person is in hospital and cannot speak."}, "code": {"000000"}}})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	if !strings.Contains(wrong.Body.String(), `href="#code"`) {
		t.Errorf("wrong code not reported:\n%s", wrong.Body.String())
	}
	rec := e.do(t, req{method: "POST", path: "/persons/" + id + "/breakglass", cookies: []*http.Cookie{b},
		form: url.Values{"csrf": {csrf}, "reason": {"The person is in hospital and cannot speak."}, "code": {e.code(t, e.besa.Secret)}}})
	wantRedirect(t, rec, "/persons/"+id)
	page := e.do(t, req{path: "/persons/" + id, cookies: []*http.Cookie{b}})
	wantStatus(t, page, 200)
	if !strings.Contains(page.Body.String(), "Elira") {
		t.Error("break-glass did not open the record")
	}
	// The DPO sees it, with the reason, under the break-glass filter.
	audit := e.do(t, req{path: "/?breakglass=1", cookies: []*http.Cookie{b}}).Body.String()
	if !strings.Contains(audit, "breakglass.open") || !strings.Contains(audit, "The person is in hospital") || strings.Contains(audit, "login.success") {
		t.Errorf("break-glass audit list:\n%s", audit)
	}
}

func (e *testEnv) createViaAPI(t testing.TB, u *testUser, body string) string {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/api/v1/persons", body: body,
		header: map[string]string{"Authorization": "Bearer " + u.Token, "Content-Type": "application/json"}})
	wantStatus(t, rec, 201)
	var p personJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestRecoveryCodeSignsInOnce(t *testing.T) {
	e := env(t)
	e.anaLogin(t)
	if len(e.anaRecovery) != 10 {
		t.Fatalf("%d recovery codes on the page, want 10", len(e.anaRecovery))
	}
	code := e.anaRecovery[0]
	try := func() *http.Response {
		rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.ana.Username}, "password": {e.ana.Password}}})
		wantRedirect(t, rec, "/login/code")
		c := sessionCookie(t, rec)
		page := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}})
		return e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c},
			form: url.Values{"csrf": {csrfOf(t, page.Body.String())}, "code": {code}}}).Result()
	}
	if res := try(); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("recovery code: %d", res.StatusCode)
	}
	if res := try(); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("reused recovery code: %d, want 422", res.StatusCode)
	}
}

func TestLoginThrottled(t *testing.T) {
	e := env(t)
	from := "198.51.100.7:999"
	var last *http.Response
	var body string
	for i := 0; i < 8; i++ {
		rec := e.do(t, req{method: "POST", path: "/login", remote: from, form: url.Values{"username": {"ghost.user"}, "password": {"wrong password here"}}})
		last, body = rec.Result(), rec.Body.String()
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" || !strings.Contains(body, "Shumë përpjekje") {
		t.Fatalf("no throttling: %d %v", last.StatusCode, last.Header)
	}
}

// TestReadyzWithoutDatabase: readiness fails when the database is gone;
// liveness does not touch it.
func TestReadyzWithoutDatabase(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(vault.Config{KeyDir: dir + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.LoadOrCreateSigner(dir + "/audit.key")
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(ctx, db, v, signer, door.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{}, d, e.cat, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, serve(s, httptest.NewRequest("GET", "/readyz", nil)), 200)
	db.Close()
	wantStatus(t, serve(s, httptest.NewRequest("GET", "/readyz", nil)), 503)
	wantStatus(t, serve(s, httptest.NewRequest("GET", "/healthz", nil)), 200)
}

func TestAPIPaging(t *testing.T) {
	e := env(t)
	e.createViaAPI(t, e.ana, `{"region":"kukes"}`)
	e.createViaAPI(t, e.ana, `{"region":"kukes"}`)
	page := func(q string) personListJSON {
		rec := e.do(t, req{path: "/api/v1/persons?region=kukes&limit=1" + q, header: bearer(e.ana)})
		wantStatus(t, rec, 200)
		var l personListJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	one := page("")
	if len(one.Persons) != 1 || one.NextBefore == nil {
		t.Fatalf("first page %+v", one)
	}
	two := page("&before=" + *one.NextBefore)
	if len(two.Persons) != 1 || two.Persons[0].ID == one.Persons[0].ID {
		t.Fatalf("second page %+v", two)
	}
	// And the HTML list links to its next page the same way.
	c, _ := e.anaLogin(t)
	list := e.do(t, req{path: "/persons?region=kukes&before=" + *one.NextBefore, cookies: []*http.Cookie{c}}).Body.String()
	if !strings.Contains(list, two.Persons[0].Code) || strings.Contains(list, one.Persons[0].Code) {
		t.Error("the HTML list does not follow the cursor")
	}
}
