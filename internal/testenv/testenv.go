// Package testenv gives tests real databases: a fresh SQLite file per test,
// and, when NRM_TEST_PG_URL names a PostgreSQL server, a fresh schema on it
// per test. With NRM_REQUIRE_PG=1 (as in CI) a missing server fails the
// test instead of skipping it, and NRM_REQUIRE_BROWSER=1 does the same for
// Chromium. A skip is recorded with skipnote, so a package using these
// calls skipnote.Main from its TestMain and its reasons are printed once.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// Engines lists the engines to run a storage test on: SQLite always,
// PostgreSQL when available (required in CI).
func Engines(t testing.TB) []string {
	es := []string{store.SQLite}
	if os.Getenv("NRM_TEST_PG_URL") != "" {
		es = append(es, store.Postgres)
	} else if os.Getenv("NRM_REQUIRE_PG") == "1" {
		t.Fatal("NRM_REQUIRE_PG=1 but NRM_TEST_PG_URL is not set: PostgreSQL tests cannot run")
	} else {
		skipnote.Partial(t, "PostgreSQL not configured: ran on SQLite only; set NRM_TEST_PG_URL (see .ci/pg-setup.sh)")
	}
	return es
}

// PGURL makes a fresh schema on the test server and returns a URL whose
// search_path points at it; the schema is dropped when the test ends.
func PGURL(t testing.TB) string {
	base := os.Getenv("NRM_TEST_PG_URL")
	if base == "" {
		t.Fatal("no NRM_TEST_PG_URL")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Config returns a store config for a fresh database of the engine.
func Config(t testing.TB, engine string) store.Config {
	cfg := store.Config{DataDir: t.TempDir()}
	if engine == store.Postgres {
		cfg.URL = PGURL(t)
	}
	return cfg
}

// DB opens and migrates a fresh database of the engine.
func DB(t testing.TB, engine string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, Config(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Env is a door over a fresh database with its key directory.
type Env struct {
	DB     *store.DB
	Door   *door.Service
	Vault  *vault.Vault
	KeyDir string

	totp map[string]string // username → TOTP secret enrolled by SignIn
}

// Door opens a door over a fresh database of the engine.
func Door(t testing.TB, engine string) *Env {
	t.Helper()
	return DoorWith(t, engine, door.Settings{})
}

// DoorWith opens a door with settings over a fresh database of the engine.
func DoorWith(t testing.TB, engine string, set door.Settings) *Env {
	t.Helper()
	db := DB(t, engine)
	keys := filepath.Join(t.TempDir(), "keys")
	v, err := vault.Open(vault.Config{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.LoadOrCreateSigner(filepath.Join(keys, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(context.Background(), db, v, signer, set, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &Env{DB: db, Door: d, Vault: v, KeyDir: keys}
}

// Reopen opens a second door over the environment's database and keys, as
// a restart or a second instance would.
func Reopen(t testing.TB, e *Env) *door.Service {
	t.Helper()
	signer, err := audit.LoadOrCreateSigner(filepath.Join(e.KeyDir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(context.Background(), e.DB, e.Vault, signer, e.Door.Settings(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Clock is a clock for the store's Now hook that moves only when told.
type Clock struct{ ns atomic.Int64 }

// UseClock makes the environment's database (and so the door) read the
// time from a new Clock, starting now.
func (e *Env) UseClock() *Clock {
	c := &Clock{}
	c.ns.Store(time.Now().UnixNano())
	e.DB.Now = c.Now
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time { return time.Unix(0, c.ns.Add(int64(d))).UTC() }

// Org creates an organisation.
func (e *Env) Org(t testing.TB, id string, typ nrm.OrgType) {
	t.Helper()
	o := &nrm.Org{ID: id, Name: "Org " + id, Type: typ, Regions: []string{"tirane"}}
	if err := e.Door.CreateOrg(context.Background(), nrm.SystemActor("test"), o); err != nil {
		t.Fatal(err)
	}
}

// TestPassword satisfies the password policy.
const TestPassword = "Test-Fjalëkalim-Gjatë-2026" // #nosec G101 -- a test password, printed in no deployment

// User creates a user and returns an actor for it (as a verified session would).
func (e *Env) User(t testing.TB, username, org string, orgType nrm.OrgType, roles ...nrm.Role) *nrm.Actor {
	t.Helper()
	u, err := e.Door.CreateUser(context.Background(), nrm.SystemActor("test"), door.UserInput{
		OrgID: org, Username: username, DisplayName: username, Roles: roles, Password: TestPassword})
	if err != nil {
		t.Fatal(err)
	}
	return &nrm.Actor{UserID: u.ID, OrgID: org, OrgType: orgType, Roles: roles, Remote: "127.0.0.1", MFAAt: e.Door.Now()}
}

// SignIn signs a user (with TestPassword) in through the door as the pages
// do, second factor included: at the first sign-in it enrols TOTP and keeps
// the secret, later it answers with the code of the clock's current step.
// It returns the full session's token.
func (e *Env) SignIn(t testing.TB, username, remote string) string {
	t.Helper()
	ctx := context.Background()
	tok, sess, err := e.Door.Login(ctx, username, TestPassword, remote)
	if err != nil {
		t.Fatalf("sign-in %s: %v", username, err)
	}
	switch sess.Stage {
	case door.StageEnrol:
		secret, _, err := e.Door.BeginTOTPEnrolment(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if tok, _, err = e.Door.ConfirmTOTPEnrolment(ctx, tok, code(t, secret, e.Door.Now()), remote); err != nil {
			t.Fatalf("enrol %s: %v", username, err)
		}
		if e.totp == nil {
			e.totp = map[string]string{}
		}
		e.totp[username] = secret
	case door.StagePassword:
		secret, ok := e.totp[username]
		if !ok {
			t.Fatalf("sign-in %s: a second factor was enrolled elsewhere", username)
		}
		if tok, err = e.Door.VerifySecondFactor(ctx, tok, code(t, secret, e.Door.Now()), remote); err != nil {
			t.Fatalf("second factor %s: %v", username, err)
		}
	default:
		t.Fatalf("sign-in %s: stage %q", username, sess.Stage)
	}
	return tok
}

// code is the TOTP code of secret at now.
func code(t testing.TB, secret string, now time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Chromium returns the path of a headless-capable Chromium, or skips (fails
// with NRM_REQUIRE_BROWSER=1).
func Chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("NRM_REQUIRE_BROWSER") == "1" {
		t.Fatal("NRM_REQUIRE_BROWSER=1 but no Chromium is installed")
	}
	skipnote.Skip(t, "Chromium not installed: browser test skipped; apt-get install chromium")
	return ""
}
