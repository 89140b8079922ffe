package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// startDemo starts the real system (as `nrm demo` does) on a free port.
func startDemo(t *testing.T, engine string) (url string, a *app.App, logins []app.DemoLogin) {
	t.Helper()
	url, a = serveApp(t, engine, app.Config{LogFormat: "text", SQLiteSync: "NORMAL"}, slog.New(slog.DiscardHandler))
	logins, err := app.Seed(context.Background(), a.Door, 6)
	if err != nil {
		t.Fatal(err)
	}
	return url, a, logins
}

func secretOf(t *testing.T, logins []app.DemoLogin, user string) string {
	for _, l := range logins {
		if l.Username == user {
			return l.TOTPSecret
		}
	}
	t.Fatalf("no demo login %s", user)
	return ""
}

// browserDeadline bounds a browser test's steps. Every step waits for an
// event or a condition in the page, never for a fixed time, so the deadline
// only says how long to wait before calling a step stuck; it is generous
// because the machine may be busy (an Argon2id sign-in alone takes seconds
// under load).
const browserDeadline = 5 * time.Minute

// scriptsRan waits until the page has run its scripts: readyState becomes
// "complete" after the deferred scripts ran and the load event fired. A
// click on a button a script wires up (the passkey buttons) must not come
// before, or it does nothing: after a click that navigates, chromedp's
// WaitVisible returns as soon as the new page's element is shown, which may
// be before its scripts ran (shown by serving passkey.js 3 s late: the
// registration click was lost and the test ran into its deadline).
var scriptsRan = chromedp.Poll[chromedp.Void](`document.readyState === "complete"`,
	chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(0))

// TestBrowserSignInLanguageSignOut drives headless Chromium through the
// real pages: password, second factor, the role's home page, a language
// switch, sign-out, and proves the old session cookie is dead afterwards.
func TestBrowserSignInLanguageSignOut(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	secret := secretOf(t, logins, "punonjese.sociale")

	br := newBrowser(t, chrome, url, logins)
	ctx := br.ctx
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(sel, name))
		if err != nil {
			t.Fatalf("attribute %s of %s: %v", name, sel, err)
		}
		return v.Value
	}
	sessions := func() int {
		t.Helper()
		var n int
		if err := a.DB.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'punonjese.sociale'`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The seed used the current 30-second step to enrol; the next step is
	// accepted (one step of clock skew) and is not a replay.
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(`[data-testid=login-heading]`),
		chromedp.SendKeys(`input[name=username]`, "punonjese.sociale"),
		chromedp.SendKeys(`input[name=password]`, app.DemoPassword),
		chromedp.Click(`[data-testid=login-submit]`),
		chromedp.WaitVisible(`[data-testid=code-heading]`),
		chromedp.SendKeys(`input[name=code]`, code),
		chromedp.Click(`[data-testid=code-submit]`),
		chromedp.WaitVisible(`[data-testid=home-heading]`),
	)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	heading, lang := text(`[data-testid=home-heading]`), attr(`html`, "lang")
	role, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid^="role-"]').getAttribute('data-testid')`))
	if err != nil {
		t.Fatal(err)
	}
	if lang != "sq" || !strings.Contains(heading, "Elira Daci") || role != "role-case_manager" {
		t.Fatalf("home after sign-in: lang=%q heading=%q role=%q", lang, heading, role)
	}
	if n := sessions(); n != 1 {
		t.Fatalf("one live session after sign-in, got %d", n)
	}
	signout := text(`[data-testid=signout]`)
	if err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid=lang-switch] button[value=en]`),
		chromedp.WaitVisible(`html[lang=en]`),
	); err != nil {
		t.Fatalf("language switch: %v", err)
	}
	if so := text(`[data-testid=signout]`); so == signout || !strings.Contains(so, "Sign out") {
		t.Fatalf("the page must change language: %q (was %q)", so, signout)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid=signout]`),
		chromedp.WaitVisible(`[data-testid=login-heading]`),
		chromedp.Navigate(url+"/persons"),
		chromedp.WaitVisible(`[data-testid=login-heading]`),
	); err != nil {
		t.Fatalf("sign-out: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/login") {
		t.Fatalf("after sign-out, pages redirect to sign-in; got %s %v", loc, err)
	}
	if n := sessions(); n != 0 {
		t.Fatalf("sign-out must end the session server-side, %d left", n)
	}
}

// TestCLIAuditVerifyNamesTampering runs the real subcommands: the trail of a
// seeded database verifies; after an edit, `nrm audit verify` exits non-zero
// and names the entry.
func TestCLIAuditVerifyNamesTampering(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			_, a, _ := startDemo(t, engine)
			args := storeArgs(a)
			var out, errb bytes.Buffer
			if code := app.Run(context.Background(), append([]string{"audit", "verify"}, args...), &out, &errb); code != 0 {
				t.Fatalf("verify on an untouched trail: %d %s %s", code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), "audit trail intact") {
				t.Fatalf("verify output: %s", out.String())
			}
			if err := a.DB.Update(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Exec(context.Background(), `UPDATE audit_log SET action = 'person.read' WHERE seq = 7`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			errb.Reset()
			if code := app.Run(context.Background(), append([]string{"audit", "verify"}, args...), &out, &errb); code == 0 {
				t.Fatal("verify must fail after tampering")
			}
			if !strings.Contains(errb.String(), "audit entry 7") {
				t.Fatalf("the first bad entry must be named: %s", errb.String())
			}
		})
	}
}

// TestServeRefusesStaleSchema: the binary will not serve an unmigrated database.
func TestServeRefusesStaleSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "nrm.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "nrm migrate") {
		t.Fatalf("serve must refuse a stale schema and say how to migrate: %d %s", code, errb.String())
	}
}

// TestBrowserPasskeyEnrolAndSignIn drives headless Chromium with the
// DevTools virtual authenticator (CTAP2, internal, resident keys, user
// verification): a user the policy requires a passkey of registers one at
// enrolment, signs out, and signs in again with password and passkey to
// the home page. A browser without WebAuthn is told so, in Albanian.
func TestBrowserPasskeyEnrolAndSignIn(t *testing.T) {
	chrome := testenv.Chromium(t)
	// Listen first: the relying party's origin is http://localhost:PORT,
	// derived from --addr as `nrm serve` does (passkeys need a name, not an IP).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	sc := testenv.Config(t, store.SQLite)
	cfg := app.Config{DataDir: sc.DataDir, Addr: "localhost:" + port, Migrate: true, SQLiteSync: "NORMAL", WebAuthnRoles: "justice_officer"}
	ctx0, cancel0 := context.WithCancel(context.Background())
	a, err := app.Open(ctx0, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx0, ln); close(done) }()
	t.Cleanup(func() { cancel0(); <-done; a.Close() })
	sys := nrm.SystemActor("test")
	if err := a.Door.CreateOrg(ctx0, sys, &nrm.Org{ID: "org-prosecution", Name: "Prokuroria (test)", Type: nrm.OrgProsecution}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Door.CreateUser(ctx0, sys, door.UserInput{OrgID: "org-prosecution", Username: "prokurore", DisplayName: "Mira Leka",
		Roles: []nrm.Role{nrm.RoleJusticeOfficer}, Password: app.DemoPassword}); err != nil {
		t.Fatal(err)
	}
	url := "http://localhost:" + port

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate(url+"/login")); err != nil { // starts the browser (no timeout on the first run)
		t.Fatalf("start browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, browserDeadline)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	va, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{
			Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
			Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	authID := va.AuthenticatorID
	signIn := chromedp.Steps(
		chromedp.WaitVisible(`[data-testid=login-heading]`),
		chromedp.SendKeys(`input[name=username]`, "prokurore"),
		chromedp.SendKeys(`input[name=password]`, app.DemoPassword),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	// First sign-in: password, then enrolment, which offers a passkey only.
	if err := chromedp.Do(ctx, signIn, chromedp.WaitVisible(`[data-testid=enrol-heading]`)); err != nil {
		t.Fatalf("sign-in to enrolment: %v", err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=totp-secret]').length`)); err != nil || n != 0 {
		t.Fatalf("a passkey-only user is offered an authenticator app: %d %v", n, err)
	}
	if err := chromedp.Do(ctx,
		scriptsRan, // the button does nothing until passkey.js has wired it up
		chromedp.Click(`[data-testid=passkey-register]`),
		chromedp.WaitVisible(`[data-testid=home-heading]`),
	); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Text(`body`))
		t.Fatalf("passkey registration: %v\n%s", err, status)
	}
	creds, err := chromedp.Call(ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: authID})
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || creds.Credentials[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds one resident passkey for localhost: %+v %v", creds, err)
	}
	// Sign out, then password and passkey again.
	if err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid=signout]`),
		signIn,
		chromedp.WaitVisible(`[data-testid=passkey-heading]`),
		scriptsRan,
		chromedp.Click(`[data-testid=passkey-login]`),
		chromedp.WaitVisible(`[data-testid=home-heading]`),
	); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Text(`body`))
		t.Fatalf("sign-in with the passkey: %v\n%s", err, status)
	}
	if h, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid=home-heading]`)); !strings.Contains(h, "Mira Leka") {
		t.Fatalf("home after passkey sign-in: %q", h)
	}
	creds, _ = chromedp.Call(ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: authID})
	if len(creds.Credentials) != 1 || creds.Credentials[0].SignCount < 2 {
		t.Fatalf("the passkey was used to sign in: %+v", creds)
	}
	count := func(action string) int {
		var n int
		if err := a.DB.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = 'ok'`, action).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(door.ActPasskeyRegister) != 1 || count(door.ActLoginPasskey) != 1 {
		t.Fatalf("audit: %d registrations, %d passkey sign-ins", count(door.ActPasskeyRegister), count(door.ActLoginPasskey))
	}

	// A browser without WebAuthn: the passkey page says so, visibly, and the button is off.
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid=signout]`), chromedp.WaitVisible(`[data-testid=login-heading]`)); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url+"/login")); err != nil {
		t.Fatal(err)
	}
	tctx, cancel = context.WithTimeout(tctx, browserDeadline)
	defer cancel()
	if _, err := chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `delete window.PublicKeyCredential;`}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(url+"/login"), signIn, chromedp.WaitVisible(`[data-testid=passkey-heading]`),
		chromedp.WaitVisible(`[data-testid=passkey-login-status].error-message`)); err != nil {
		t.Fatalf("no-WebAuthn browser: %v", err)
	}
	msg, _ := chromedp.Run(tctx, chromedp.Text(`[data-testid=passkey-login-status]`))
	off, _ := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=passkey-login]').disabled`))
	if want := i18n.MustLoad().T("sq", "passkey.unsupported"); msg != want || !off {
		t.Fatalf("unsupported message %q (button disabled %v), want %q", msg, off, want)
	}
}

// TestCLIRequireWebAuthn: `nrm user create --require-webauthn` and
// `nrm user require-webauthn NAME on|off` set the account's passkey-only
// flag (and refuse a malformed call).
func TestCLIRequireWebAuthn(t *testing.T) {
	sc := testenv.Config(t, store.SQLite)
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: sc.DataDir, Migrate: true, SQLiteSync: "NORMAL"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Door.CreateOrg(ctx, nrm.SystemActor("test"), &nrm.Org{ID: "org-ra", Name: "RA", Type: nrm.OrgResponsibleAuthority}); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(app.DemoPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := app.Run(ctx, args, &out, &errb)
		return code, out.String() + errb.String()
	}
	flag := func() bool {
		u, err := a.Door.UserByName(ctx, "zyrtare.ra")
		if err != nil {
			t.Fatal(err)
		}
		return u.RequireWebAuthn
	}
	if code, out := run("user", "create", "--data", sc.DataDir, "--username", "zyrtare.ra", "--org", "org-ra", "--name", "Zana Meta",
		"--roles", "ra_officer", "--password-file", pw, "--require-webauthn"); code != 0 || !flag() {
		t.Fatalf("create --require-webauthn: %d %s", code, out)
	}
	if code, out := run("user", "require-webauthn", "zyrtare.ra", "off", "--data", sc.DataDir); code != 0 || flag() {
		t.Fatalf("require-webauthn NAME off: %d %s", code, out)
	}
	if code, out := run("user", "require-webauthn", "--data", sc.DataDir, "--username", "zyrtare.ra", "on"); code != 0 || !flag() {
		t.Fatalf("require-webauthn --username NAME on: %d %s", code, out)
	}
	if code, out := run("user", "require-webauthn", "--data", sc.DataDir, "zyrtare.ra", "maybe"); code == 0 || !strings.Contains(out, "on|off") {
		t.Fatalf("a malformed call must fail with the usage: %d %s", code, out)
	}
	if code, out := run("serve", "--data", sc.DataDir, "--addr", "127.0.0.1:0", "--webauthn-roles", "police"); code == 0 || !strings.Contains(out, "police") {
		t.Fatalf("an unknown role in --webauthn-roles must stop serve: %d %s", code, out)
	}
}
