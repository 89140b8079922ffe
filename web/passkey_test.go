package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/softkey"
)

// The door's default relying party: the origin a browser would report.
const rpOrigin = "http://localhost:8080"

// newPasskeyUser adds a user who has no second factor yet.
func (e *testEnv) newPasskeyUser(t *testing.T, username string, requireWebAuthn bool, roles ...nrm.Role) *testUser {
	t.Helper()
	tu := &testUser{Username: username, Password: "Hëna mbi Drin e Bunë, natë e qetë " + fmt.Sprint(len(username)), Display: "P " + username, OrgID: e.orgA}
	u, err := e.door.CreateUser(context.Background(), nrm.SystemActor("test"), door.UserInput{OrgID: e.orgA, Username: username,
		DisplayName: tu.Display, Roles: roles, Password: tu.Password, RequireWebAuthn: requireWebAuthn})
	if err != nil {
		t.Fatal(err)
	}
	tu.ID = u.ID
	return tu
}

// ceremony runs the two JSON steps of a passkey ceremony as passkey.js
// does, with answer standing in for navigator.credentials.
func (e *testEnv) ceremony(t *testing.T, c *http.Cookie, csrf, begin, finish string, answer func([]byte) ([]byte, error)) *httptest.ResponseRecorder {
	t.Helper()
	js := map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}
	rec := e.do(t, req{method: "POST", path: begin, cookies: []*http.Cookie{c}, body: `{"csrf":"` + csrf + `"}`, header: js})
	wantStatus(t, rec, 200)
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("options are %q", rec.Header().Get("Content-Type"))
	}
	cred, err := answer(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]json.RawMessage{"csrf": json.RawMessage(`"` + csrf + `"`), "credential": cred})
	return e.do(t, req{method: "POST", path: finish, cookies: []*http.Cookie{c}, body: string(body), header: js})
}

func nextOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	wantStatus(t, rec, 200)
	var d ceremonyDone
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return d.Next
}

var scriptRe = regexp.MustCompile(`<script src="/static/passkey.js" nonce="([^"]+)" defer></script>`)

// wantPasskeyScript: the page loads passkey.js with this response's CSP nonce.
func wantPasskeyScript(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	m := scriptRe.FindStringSubmatch(rec.Body.String())
	if m == nil || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "'nonce-"+html.UnescapeString(m[1])+"'") {
		t.Fatalf("passkey.js not loaded with the CSP nonce:\n%s", rec.Body.String())
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Error("the CSP must let passkey.js talk to this site")
	}
}

// TestPasskeyEnrolAndSignInThroughPages: a first sign-in offers a passkey
// beside the authenticator app; the passkey is registered, and the next
// sign-in goes password → passkey → home. The account page lists it and
// will not remove the only second factor.
func TestPasskeyEnrolAndSignInThroughPages(t *testing.T) {
	e := env(t)
	u := e.newPasskeyUser(t, "pk.flutura", false, nrm.RoleCaseManager)
	key := softkey.New(rpOrigin)

	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/enrol")
	c := sessionCookie(t, rec)
	page := e.do(t, req{path: "/login/enrol", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	body := page.Body.String()
	for _, want := range []string{`data-testid="totp-secret"`, `data-testid="enrol-passkey"`, `data-testid="passkey-register"`,
		`data-begin="/account/passkeys/begin"`, `data-msg-unsupported="`} {
		if !strings.Contains(body, want) {
			t.Errorf("enrolment page lacks %s", want)
		}
	}
	wantPasskeyScript(t, page)
	csrf := csrfOf(t, body)

	fin := e.ceremony(t, c, csrf, "/account/passkeys/begin", "/account/passkeys/finish", key.Create)
	if next := nextOf(t, fin); next != "/" {
		t.Fatalf("after registration at enrolment, next %q", next)
	}
	full := sessionCookie(t, fin)
	if full.Value == c.Value {
		t.Fatal("the session token must change when the passkey completes enrolment")
	}
	wantStatus(t, e.do(t, req{path: "/", cookies: []*http.Cookie{full}}), 200)
	wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), "/login")

	// The account page lists the passkey; the only second factor stays.
	acct := e.do(t, req{path: "/account", cookies: []*http.Cookie{full}})
	wantStatus(t, acct, 200)
	if n := strings.Count(acct.Body.String(), `data-testid="passkey-row"`); n != 1 {
		t.Fatalf("%d passkeys listed, want 1", n)
	}
	// The CSRF token of the enrolment page died with its session.
	wantStatus(t, e.do(t, req{method: "POST", path: "/account/passkeys/" + key.CredentialID() + "/remove", cookies: []*http.Cookie{full},
		form: url.Values{"csrf": {csrf}}}), 403)
	rm := e.do(t, req{method: "POST", path: "/account/passkeys/" + key.CredentialID() + "/remove", cookies: []*http.Cookie{full},
		form: url.Values{"csrf": {csrfOf(t, acct.Body.String())}}})
	wantStatus(t, rm, http.StatusConflict)
	if !strings.Contains(rm.Body.String(), e.cat.T("sq", "error.passkey_last")) {
		t.Errorf("refusal not explained:\n%s", rm.Body.String())
	}
	wantStatus(t, e.do(t, req{method: "POST", path: "/account/passkeys/" + key.CredentialID() + "/remove", cookies: []*http.Cookie{full},
		form: url.Values{"csrf": {"wrong"}}}), 403)

	// Next sign-in: no TOTP, so the code page sends the user to the passkey page.
	rec = e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/code")
	c = sessionCookie(t, rec)
	wantRedirect(t, e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}}), "/login/passkey")
	pk := e.do(t, req{path: "/login/passkey", cookies: []*http.Cookie{c}})
	wantStatus(t, pk, 200)
	if !strings.Contains(pk.Body.String(), `data-testid="passkey-login"`) || strings.Contains(pk.Body.String(), `data-testid="code-instead"`) {
		t.Errorf("passkey page:\n%s", pk.Body.String())
	}
	wantPasskeyScript(t, pk)
	fin = e.ceremony(t, c, csrfOf(t, pk.Body.String()), "/login/passkey/begin", "/login/passkey/finish", key.Get)
	if next := nextOf(t, fin); next != "/" {
		t.Fatalf("after passkey sign-in, next %q", next)
	}
	full2 := sessionCookie(t, fin)
	home := e.do(t, req{path: "/", cookies: []*http.Cookie{full2}})
	wantStatus(t, home, 200)
	if !strings.Contains(home.Body.String(), "P pk.flutura") {
		t.Error("home after passkey sign-in")
	}
	wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), "/login")
}

// TestPasskeyOfferedBesideTOTP: a user with TOTP and a passkey is offered
// "use a passkey instead" on the code page, and the passkey page offers
// the code back.
func TestPasskeyOfferedBesideTOTP(t *testing.T) {
	e := env(t)
	c, csrf := e.anaLogin(t)
	// Ana just proved her code: she may add a passkey from the account page.
	acct := e.do(t, req{path: "/account", cookies: []*http.Cookie{c}})
	wantStatus(t, acct, 200)
	if !strings.Contains(acct.Body.String(), `data-testid="passkey-add"`) || strings.Contains(acct.Body.String(), `data-testid="reauth"`) {
		t.Fatalf("account page right after sign-in:\n%s", acct.Body.String())
	}
	key := softkey.New(rpOrigin)
	if next := nextOf(t, e.ceremony(t, c, csrf, "/account/passkeys/begin", "/account/passkeys/finish", key.Create)); next != "/account" {
		t.Fatalf("after adding a passkey, next %q", next)
	}
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {e.ana.Username}, "password": {e.ana.Password}}})
	c2 := sessionCookie(t, rec)
	code := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c2}})
	wantStatus(t, code, 200)
	if !strings.Contains(code.Body.String(), `href="/login/passkey" data-testid="passkey-instead"`) {
		t.Errorf("code page does not offer the passkey:\n%s", code.Body.String())
	}
	pk := e.do(t, req{path: "/login/passkey", cookies: []*http.Cookie{c2}})
	if !strings.Contains(pk.Body.String(), `data-testid="code-instead"`) {
		t.Errorf("passkey page does not offer the code back:\n%s", pk.Body.String())
	}
	// The code still works for her.
	wantRedirect(t, e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c2},
		form: url.Values{"csrf": {csrfOf(t, code.Body.String())}, "code": {e.code(t, e.ana.Secret)}}}), "/")
	// Break-glass offers the passkey step-up beside the code.
	id := e.createViaAPI(t, e.besa, `{"region":"vlore"}`)
	hidden := e.do(t, req{path: "/persons/" + id, cookies: []*http.Cookie{c}})
	wantStatus(t, hidden, 404)
	if b := hidden.Body.String(); !strings.Contains(b, `data-testid="passkey-stepup"`) || !strings.Contains(b, `data-submit="1"`) || !strings.Contains(b, `name="code"`) {
		t.Errorf("break-glass lacks the passkey step-up or the code:\n%s", b)
	}
	wantPasskeyScript(t, hidden)
	// Step-up with the passkey, then break glass without a code.
	if next := nextOf(t, e.ceremony(t, c, csrf, "/stepup/passkey/begin", "/stepup/passkey/finish", key.Get)); next != "" {
		t.Fatalf("step-up answers no next, got %q", next)
	}
	wantRedirect(t, e.do(t, req{method: "POST", path: "/persons/" + id + "/breakglass", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrf}, "reason": {"The person called from the border and needs help now."}}}), "/persons/"+id)
}

// TestPasskeyRequiredPages: a user the policy requires a passkey of is
// offered no authenticator app at enrolment, is sent to the passkey page
// at sign-in, and a code is refused with a clear error.
func TestPasskeyRequiredPages(t *testing.T) {
	e := env(t)
	u := e.newPasskeyUser(t, "pk.drita", true, nrm.RoleJusticeOfficer)
	rec := e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/enrol")
	c := sessionCookie(t, rec)
	page := e.do(t, req{path: "/login/enrol", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	body := page.Body.String()
	if strings.Contains(body, `data-testid="totp-secret"`) || !strings.Contains(body, `data-testid="passkey-register"`) ||
		!strings.Contains(body, e.cat.T("sq", "passkey.enrol_required")) {
		t.Fatalf("passkey-only enrolment page:\n%s", body)
	}
	// The TOTP form cannot be used behind the page's back.
	wantStatus(t, e.do(t, req{method: "POST", path: "/login/enrol", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, body)}, "code": {"123456"}}}), 403)
	key := softkey.New(rpOrigin)
	nextOf(t, e.ceremony(t, c, csrfOf(t, body), "/account/passkeys/begin", "/account/passkeys/finish", key.Create))

	rec = e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	c = sessionCookie(t, rec)
	wantRedirect(t, e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}}), "/login/passkey")
	pk := e.do(t, req{path: "/login/passkey", cookies: []*http.Cookie{c}})
	if strings.Contains(pk.Body.String(), `data-testid="code-instead"`) {
		t.Error("a passkey-only user is offered the code")
	}
	refused := e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, pk.Body.String())}, "code": {"123456"}}})
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.Body.String(), e.cat.T("sq", "error.passkey_required")) {
		t.Errorf("the refusal must say a passkey is needed:\n%s", refused.Body.String())
	}
	nextOf(t, e.ceremony(t, c, csrfOf(t, pk.Body.String()), "/login/passkey/begin", "/login/passkey/finish", key.Get))
}

// TestPasskeyJSONIsStrict: the ceremony steps take one bounded JSON object
// with known fields and the session's CSRF token, from this site only, and
// answer errors as translated JSON.
func TestPasskeyJSONIsStrict(t *testing.T) {
	e := env(t)
	c, csrf := e.login(t, e.admin)
	js := func(extra map[string]string) map[string]string {
		h := map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	post := func(body string, h map[string]string) *httptest.ResponseRecorder {
		return e.do(t, req{method: "POST", path: "/account/passkeys/begin", cookies: []*http.Cookie{c}, body: body, header: h})
	}
	for _, tc := range []struct {
		name, body string
		header     map[string]string
		status     int
		code       string
	}{
		{"no token", `{}`, js(nil), 403, "forbidden"},
		{"wrong token", `{"csrf":"x` + csrf + `"}`, js(nil), 403, "forbidden"},
		{"unknown field", `{"csrf":"` + csrf + `","role":"sysadmin"}`, js(nil), 400, "invalid"},
		{"trailing data", `{"csrf":"` + csrf + `"} {}`, js(nil), 400, "invalid"},
		{"not an object", `["` + csrf + `"]`, js(nil), 400, "invalid"},
		{"a credential to begin", `{"csrf":"` + csrf + `","credential":{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30"}}}`, js(nil), 400, "invalid"},
		{"form body", `csrf=` + csrf, js(map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), 400, "invalid"},
		{"too large", `{"csrf":"` + csrf + `","x":"` + strings.Repeat("a", maxPasskeyJSON) + `"}`, js(nil), 413, "too_large"},
		{"another site", `{"csrf":"` + csrf + `"}`, js(map[string]string{"Sec-Fetch-Site": "cross-site"}), 403, "forbidden"},
	} {
		rec := post(tc.body, tc.header)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, rec.Code, tc.status, rec.Body.String())
			continue
		}
		if tc.name != "another site" {
			wantJSONError(t, rec, tc.code)
		}
	}
	// A finish whose credential is malformed or carries unknown members.
	fin := func(cred string) *httptest.ResponseRecorder {
		return e.do(t, req{method: "POST", path: "/account/passkeys/finish", cookies: []*http.Cookie{c}, header: js(nil),
			body: `{"csrf":"` + csrf + `","credential":` + cred + `}`})
	}
	for _, cred := range []string{
		`null`, `{}`,
		`{"id":"AA","rawId":"AB","type":"public-key","response":{"clientDataJSON":"e30"}}`,
		`{"id":"AA","rawId":"AA","type":"password","response":{"clientDataJSON":"e30"}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","extra":1}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","clientExtensionResults":[1],"response":{"clientDataJSON":"e30"}}`,
	} {
		rec := fin(cred)
		wantStatus(t, rec, 400)
		wantJSONError(t, rec, "invalid")
	}
	// Signed out: a JSON 401 (passkey.js then goes to the sign-in page).
	rec := e.do(t, req{method: "POST", path: "/login/passkey/begin", body: `{"csrf":"x"}`, header: js(nil)})
	wantStatus(t, rec, 401)
	wantJSONError(t, rec, "unauthorized")
	// The script itself is served as JavaScript, cacheable, from this site.
	s := e.do(t, req{path: "/static/passkey.js"})
	wantStatus(t, s, 200)
	if ct := s.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") || !strings.Contains(s.Body.String(), "navigator.credentials.create") {
		t.Errorf("passkey.js served as %q", ct)
	}
}

// TestPasskeyUpgradeFromTOTPPages: an account with only TOTP that is then
// required to use passkeys is told so on the code page; its code leads on
// to a passkey-only enrolment, and from there to home.
func TestPasskeyUpgradeFromTOTPPages(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	u := e.newPasskeyUser(t, "pk.arta", false, nrm.RoleServiceProvider)
	_, rec := e.enrolThroughPages(t, u)
	wantStatus(t, rec, 200)
	if err := e.door.SetRequireWebAuthn(ctx, nrm.SystemActor("test"), u.ID, true); err != nil {
		t.Fatal(err)
	}
	rec = e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {u.Username}, "password": {u.Password}}})
	wantRedirect(t, rec, "/login/code")
	c := sessionCookie(t, rec)
	page := e.do(t, req{path: "/login/code", cookies: []*http.Cookie{c}})
	wantStatus(t, page, 200)
	if !strings.Contains(page.Body.String(), `data-testid="passkey-upgrade"`) {
		t.Fatalf("the code page must say a passkey is now needed:\n%s", page.Body.String())
	}
	csrf := csrfOf(t, page.Body.String())
	rec = e.do(t, req{method: "POST", path: "/login/code", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrf}, "code": {e.code(t, u.Secret)}}})
	wantRedirect(t, rec, "/login/enrol")
	c = sessionCookie(t, rec)
	wantRedirect(t, e.do(t, req{path: "/", cookies: []*http.Cookie{c}}), "/login/enrol") // no data before the passkey
	enrol := e.do(t, req{path: "/login/enrol", cookies: []*http.Cookie{c}})
	if b := enrol.Body.String(); strings.Contains(b, `data-testid="totp-secret"`) || !strings.Contains(b, `data-testid="passkey-register"`) {
		t.Fatalf("passkey-only enrolment expected:\n%s", b)
	}
	if next := nextOf(t, e.ceremony(t, c, csrfOf(t, enrol.Body.String()), "/account/passkeys/begin", "/account/passkeys/finish", softkey.New(rpOrigin).Create)); next != "/" {
		t.Fatalf("next %q", next)
	}
}
