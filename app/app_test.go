package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// startDemo starts the real system (as `nrm demo` does) on a free port.
func startDemo(t *testing.T, engine string) (url string, a *app.App, logins []app.DemoLogin) {
	t.Helper()
	sc := testenv.Config(t, engine)
	cfg := app.Config{DataDir: sc.DataDir, DatabaseURL: sc.URL, Migrate: true, LogFormat: "text", SQLiteSync: "NORMAL"}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	logins, err = app.Seed(ctx, a.Door, 6)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return "http://" + ln.Addr().String(), a, logins
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

// TestBrowserSignInLanguageSignOut drives headless Chromium through the
// real pages: password, second factor, the role's home page, a language
// switch, sign-out, and proves the old session cookie is dead afterwards.
func TestBrowserSignInLanguageSignOut(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	secret := secretOf(t, logins, "punonjese.sociale")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate(url+"/")); err != nil { // starts the browser (no timeout on the first run)
		t.Fatalf("start browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
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
			args := []string{"--data", a.Config.DataDir, "--key-dir", a.Config.KeyDir}
			if a.Config.DatabaseURL != "" {
				args = append(args, "--database-url", a.Config.DatabaseURL)
			}
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
