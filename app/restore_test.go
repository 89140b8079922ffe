package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/apiload"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// served is a system started through app.Open and Serve on a free port.
type served struct {
	a      *app.App
	client *apiload.Client
	stop   func()
}

// serve starts the system on cfg and serves it; token may be empty (then
// a case manager with a token is provisioned).
func serve(t *testing.T, cfg app.Config, token string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if token == "" {
		if token, err = apiload.Provision(ctx, a.Door); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, ln); close(done) }()
	s := &served{a: a, client: apiload.NewClient("http://"+ln.Addr().String(), token)}
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			a.Close()
		}
	}
	t.Cleanup(s.stop)
	return s
}

// cli runs an nrm subcommand against cfg's database and keys.
func cli(cfg app.Config, args ...string) (code int, stdout, stderr string) {
	args = append(args, "--data", cfg.DataDir)
	if cfg.KeyDir != "" {
		args = append(args, "--key-dir", cfg.KeyDir)
	}
	if cfg.DatabaseURL != "" {
		args = append(args, "--database-url", cfg.DatabaseURL)
	}
	var out, errb bytes.Buffer
	code = app.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// source is a fresh database of the engine to serve from.
func source(t *testing.T, engine string) app.Config {
	sc := testenv.Config(t, engine)
	return app.Config{DataDir: sc.DataDir, DatabaseURL: sc.URL, Migrate: true, SQLiteSync: "NORMAL"}
}

// create makes n records through the API and fails the test unless each is acknowledged.
func create(t *testing.T, s *served, l *apiload.Ledger, n int) {
	t.Helper()
	for range n {
		if _, err := s.client.Create(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
}

// reread checks every acknowledged record in l through s's API.
func reread(t *testing.T, s *served, want []apiload.Record, l *apiload.Ledger) {
	t.Helper()
	lost, err := s.client.Check(context.Background(), want, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost, e.g. %s", len(lost), len(want), lost[0])
	}
}

// backedUp serves a fresh database of the engine, writes three records
// through the API and backs the database up with `nrm backup`.
func backedUp(t *testing.T, engine string) (cfg app.Config, s *served, l *apiload.Ledger, backup string) {
	t.Helper()
	cfg = source(t, engine)
	s = serve(t, cfg, "")
	l = &apiload.Ledger{}
	create(t, s, l, 3)
	backup = filepath.Join(t.TempDir(), "nrm.backup")
	if code, _, errb := cli(cfg, "backup", "--out", backup); code != 0 {
		t.Fatalf("backup: %s", errb)
	}
	return cfg, s, l, backup
}

// TestRestoreRefusedWhileServing: issue #13 found `nrm restore` renaming the
// SQLite file under a running server, whose acknowledged writes then went
// to the replaced file and vanished at the next restart. Restore now
// refuses while the database is in use, naming the process; every write
// acknowledged before and after the refused restore survives a restart.
func TestRestoreRefusedWhileServing(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			cfg, s, l, backup := backedUp(t, engine)
			create(t, s, l, 3)
			code, _, errb := cli(cfg, "restore", "--in", backup)
			if code == 0 {
				t.Fatal("restore must refuse while a server uses the database")
			}
			if !strings.Contains(errb, "in use by") || !strings.Contains(errb, "pid "+strconv.Itoa(os.Getpid())) {
				t.Fatalf("the refusal must name the running process (pid %d): %s", os.Getpid(), errb)
			}
			create(t, s, l, 3)
			token := s.client.Token
			s.stop()
			s = serve(t, cfg, token)
			reread(t, s, l.Snapshot(), l)
			if n := len(l.Snapshot()); n != 9 {
				t.Fatalf("9 records acknowledged, ledger has %d", n)
			}
		})
	}
}

// TestRestoreNeedsTheKeys: issue #13 found a restore without the key folder
// silently making new keys, after which every record failed to decrypt
// while new ones were accepted. Restore and serve now refuse a database
// whose keys are not there, naming the missing key, and make no keys;
// with the keys, a restore into a directory that does not exist yet works.
func TestRestoreNeedsTheKeys(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			cfg, s, l, backup := backedUp(t, engine)
			kek, _ := s.a.Vault.KeyInfo()
			token := s.client.Token
			s.stop()

			// The place to restore to: a directory that does not exist
			// yet (SQLite) or a new PostgreSQL database (the test database
			// is shared with other packages' servers, and a restore refuses
			// while they are connected), and no keys.
			target := cfg
			target.DataDir = filepath.Join(t.TempDir(), "new", "data")
			target.KeyDir = filepath.Join(t.TempDir(), "no-keys")
			if engine == store.Postgres {
				target.DatabaseURL = freshDatabase(t, cfg.DatabaseURL)
			}
			code, _, errb := cli(target, "restore", "--in", backup)
			if code == 0 || !strings.Contains(errb, fmt.Sprintf("key-encryption key %d", kek)) {
				t.Fatalf("restore without the keys must refuse, naming key-encryption key %d: %d %s", kek, code, errb)
			}
			if _, err := os.Stat(filepath.Join(target.KeyDir, "kek.keyset")); err == nil {
				t.Fatal("a refused restore made new keys")
			}
			if engine == store.SQLite {
				if _, err := os.Stat(filepath.Join(target.DataDir, "nrm.db")); err == nil {
					t.Fatal("a refused restore wrote the database")
				}
			}
			// With the keys (copied to a place of their own), it works.
			keys := filepath.Join(t.TempDir(), "keys")
			copyDir(t, filepath.Join(cfg.DataDir, "keys"), keys)
			withKeys := target
			withKeys.KeyDir = keys
			if code, out, errb := cli(withKeys, "restore", "--in", backup); code != 0 || !strings.Contains(out, "restored") {
				t.Fatalf("restore with the keys into a new directory: %d %s %s", code, out, errb)
			}
			// Serving the restored database without its keys is refused the same way, and makes no keys.
			_, err := app.Open(context.Background(), target, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("key-encryption key %d", kek)) {
				t.Fatalf("serve without the keys must refuse, naming key-encryption key %d: %v", kek, err)
			}
			if _, err := os.Stat(filepath.Join(target.KeyDir, "kek.keyset")); err == nil {
				t.Fatal("a refused serve made new keys")
			}
			// Another key directory (keys of another deployment) is refused too.
			other := source(t, store.SQLite)
			o := serve(t, other, "")
			o.stop()
			wrong := target
			wrong.KeyDir = filepath.Join(other.DataDir, "keys")
			if _, err := app.Open(context.Background(), wrong, slog.New(slog.DiscardHandler)); err == nil ||
				!strings.Contains(err.Error(), fmt.Sprintf("key-encryption key %d", kek)) {
				t.Fatalf("serve with another deployment's keys must refuse, naming key-encryption key %d: %v", kek, err)
			}
			if code, out, errb := cli(withKeys, "audit", "verify"); code != 0 || !strings.Contains(out, "audit trail intact") {
				t.Fatalf("audit of the restored database: %s %s", out, errb)
			}
			s = serve(t, withKeys, token)
			reread(t, s, l.Snapshot(), l)
		})
	}
}

// TestRestoreDrill is the backup drill of issue #13, on both engines:
// writers keep writing through the API while `nrm backup` runs; the backup
// is restored into a fresh place (a new directory; a new PostgreSQL
// database), started there, its audit trail verifies, and every record
// acknowledged before the backup began reads back.
func TestRestoreDrill(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			cfg := source(t, engine)
			s := serve(t, cfg, "")
			var l apiload.Ledger
			ctx, stopWriters := context.WithCancel(context.Background())
			wait := s.client.Writers(ctx, 4, &l)
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if creates, updates, _, _ := l.Counts(); creates >= 40 && updates >= 10 {
					break
				}
				if time.Now().After(deadline) {
					stopWriters()
					wait()
					t.Fatalf("writers too slow: %+v", l.Snapshot())
				}
			}
			before := l.Snapshot()
			backup := filepath.Join(t.TempDir(), "nrm.backup")
			code, _, errb := cli(cfg, "backup", "--out", backup)
			during := len(l.Snapshot()) - len(before)
			stopWriters()
			wait()
			if code != 0 {
				t.Fatalf("backup under load: %s", errb)
			}
			creates, updates, doubt, rejected := l.Counts()
			if rejected > 0 {
				t.Fatalf("the server refused %d writes under load", rejected)
			}

			target := cfg
			target.Migrate = false
			target.DataDir = filepath.Join(t.TempDir(), "restored")
			target.KeyDir = filepath.Join(t.TempDir(), "keys")
			copyDir(t, filepath.Join(cfg.DataDir, "keys"), target.KeyDir)
			if engine == store.Postgres {
				target.DatabaseURL = freshDatabase(t, cfg.DatabaseURL)
			}
			if code, _, errb := cli(target, "restore", "--in", backup); code != 0 {
				t.Fatalf("restore into a fresh place: %s", errb)
			}
			code, verified, errb := cli(target, "audit", "verify")
			if code != 0 || !strings.Contains(verified, "audit trail intact") {
				t.Fatalf("audit of the restored database: %s %s", verified, errb)
			}
			r := serve(t, target, s.client.Token)
			reread(t, r, before, &l)
			t.Logf("%s drill: %d records acknowledged before the backup, all read back from the restored copy; %d more during it; %d creates, %d updates acknowledged in all, %d in doubt; %s",
				engine, len(before), during, creates, updates, doubt, strings.TrimSpace(verified))
		})
	}
}

// freshDatabase makes a new PostgreSQL database on the test server and
// returns src's URL pointing at it (same schema name), dropped at the end.
func freshDatabase(t *testing.T, src string) string {
	t.Helper()
	admin, err := sql.Open("pgx", os.Getenv("NRM_TEST_PG_URL"))
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "nrm_drill_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// copyDir copies the files of a directory (the key directory) to a new one.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(filepath.Join(to, rel), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
