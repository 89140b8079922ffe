package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// serveApp opens the real system with cfg over a fresh database of the
// engine, as the binary does, and serves the site on a free loopback port
// until the test ends; it returns the site's URL.
func serveApp(t *testing.T, engine string, cfg app.Config, log *slog.Logger) (string, *app.App) {
	t.Helper()
	sc := testenv.Config(t, engine)
	cfg.DataDir, cfg.DatabaseURL, cfg.Migrate = sc.DataDir, sc.URL, true
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return "http://" + ln.Addr().String(), a
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(u) // #nosec G107 -- a test server's address
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestMetricsApartFromTheSite: /metrics is not on the public listener; the
// Prometheus handler answers on a listener of its own.
func TestMetricsApartFromTheSite(t *testing.T) {
	site, a := serveApp(t, store.SQLite, app.Config{}, slog.New(slog.DiscardHandler))
	if res, _ := get(t, site+"/metrics"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics answered %d, want 404", res.StatusCode)
	}
	get(t, site+"/healthz")
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.ServeMetrics(ctx, mln); close(done) }()
	defer func() { cancel(); <-done }()
	res, body := get(t, "http://"+mln.Addr().String()+"/metrics")
	if res.StatusCode != 200 || !strings.Contains(body, `nrm_http_requests_total{method="GET",route="GET /healthz",status="200"}`) {
		t.Fatalf("metrics listener: %d\n%s", res.StatusCode, body)
	}
}

// TestHTTPSFollowsOrigin: an https origin alone makes the session cookie
// __Host- and Secure and adds HSTS — no other flag; plain HTTP on an address
// that is not loopback does not start without --insecure-http, and with it
// the start is logged.
func TestHTTPSFollowsOrigin(t *testing.T) {
	site, _ := serveApp(t, store.SQLite, app.Config{Addr: "0.0.0.0:8443", Origin: "https://nrm.example.al"}, slog.New(slog.DiscardHandler))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(site+"/login", url.Values{"username": {"nobody.here"}, "password": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("no HSTS with an https origin: %q", hsts)
	}
	// A failed sign-in sets no cookie; the cookie's name shows on sign-out.
	res, err = client.PostForm(site+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var host *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "__Host-nrm" {
			host = c
		}
	}
	if host == nil || !host.Secure || host.Path != "/" || host.Domain != "" {
		t.Errorf("session cookie with an https origin: %+v", res.Cookies())
	}

	ctx := context.Background()
	sc := testenv.Config(t, store.SQLite)
	if _, err := app.Open(ctx, app.Config{DataDir: sc.DataDir, Migrate: true, Addr: "0.0.0.0:8080"}, slog.New(slog.DiscardHandler)); err == nil ||
		!strings.Contains(err.Error(), "--insecure-http") {
		t.Fatalf("plain HTTP on 0.0.0.0 must not start silently: %v", err)
	}
	var logs bytes.Buffer
	a, err := app.Open(ctx, app.Config{DataDir: sc.DataDir, Migrate: true, Addr: "0.0.0.0:8080", InsecureHTTP: true}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "--insecure-http") {
		t.Errorf("the opt-in is not logged:\n%s", logs.String())
	}
}

// TestDemoEveryRoleHasSecondFactor: the demo enrols a second factor for
// every login it prints, the administrator and the monitor included, and
// the printed secret signs them in.
func TestDemoEveryRoleHasSecondFactor(t *testing.T) {
	e := testenv.Door(t, store.SQLite)
	logins, err := app.Seed(context.Background(), e.Door, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logins {
		if l.TOTPSecret == "" && !l.Passkey {
			t.Errorf("%s (%s): no second factor printed", l.Username, l.Role)
		}
	}
	for _, user := range []string{"administratori", "monitoruesi"} {
		secret := secretOf(t, logins, user)
		tok, sess, err := e.Door.Login(context.Background(), user, app.DemoPassword, "127.0.0.1")
		if err != nil || sess.Stage != door.StagePassword {
			t.Fatalf("%s: %v %+v", user, err, sess)
		}
		code, err := totp.GenerateCode(secret, e.Door.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Door.VerifySecondFactor(context.Background(), tok, code, "127.0.0.1"); err != nil {
			t.Errorf("%s: the printed secret does not sign in: %v", user, err)
		}
	}
}
