// Package store opens the database (embedded SQLite by default, PostgreSQL
// when given a postgres:// URL), runs the embedded numbered migrations, and
// gives transactions that carry a fixed "now". It knows nothing of persons:
// the SQL for case data lives in door/, the one door, so that nothing else
// can reach it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite", pure Go
)

// Config says where the data lives.
type Config struct {
	// URL is a postgres:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds nrm.db for SQLite (and the key directory, kept by vault).
	DataDir string
	// Synchronous is SQLite's synchronous pragma: NORMAL (default, survives a
	// process crash in WAL mode) or FULL (also survives power loss).
	Synchronous string
	// AppName names the process to PostgreSQL (application_name, with
	// the process id added), e.g. "nrm serve": a restore finds the
	// application's other sessions by it. Default "nrm".
	AppName string
}

// DB is an open database: one writer pool and one reader pool.
type DB struct {
	Engine string
	W      *sql.DB // writes; for SQLite a single connection
	R      *sql.DB // reads
	d      dialect
	Now    func() time.Time
	path   string      // SQLite file path
	dsn    string      // SQLite: the writer's data source name
	url    string      // PostgreSQL URL
	lock   *dirLock    // SQLite: the data directory's shared lock
	full   atomic.Bool // a write failed because the storage is full (see full.go)
}

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }}
	if strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://") {
		db.Engine, db.url = Postgres, cfg.URL
		w, err := sql.Open("pgx", withAppName(cfg.URL, cfg.AppName))
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
		w.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
		w.SetConnMaxIdleTime(5 * time.Minute)
		db.W, db.R = w, w
	} else if cfg.URL != "" {
		return nil, fmt.Errorf("store: unsupported database URL scheme (want postgres://)")
	} else {
		if cfg.DataDir == "" {
			return nil, errors.New("store: no data directory")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		lock, err := lockDir(cfg.DataDir, false)
		if err != nil {
			return nil, err
		}
		db.Engine, db.path, db.lock = SQLite, filepath.Join(cfg.DataDir, "nrm.db"), lock
		sync := strings.ToUpper(cfg.Synchronous)
		if sync == "" {
			sync = "NORMAL"
		}
		if sync != "NORMAL" && sync != "FULL" {
			lock.release()
			return nil, fmt.Errorf("store: synchronous must be NORMAL or FULL")
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous("+sync+")")
		q.Add("_pragma", "temp_store(MEMORY)")
		// Deleted and overwritten content is zeroed in the file, so bytes the
		// retention job erases do not linger in free pages or cells.
		q.Add("_pragma", "secure_delete(ON)")
		rdsn := "file:" + db.path + "?" + q.Encode() + "&_pragma=query_only(1)"
		q.Set("_txlock", "immediate") // writers take the lock at BEGIN: no upgrade deadlocks
		dsn := "file:" + db.path + "?" + q.Encode()
		db.dsn = dsn
		w, err := sql.Open("sqlite", dsn)
		if err != nil {
			lock.release()
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", rdsn)
		if err != nil {
			w.Close()
			lock.release()
			return nil, err
		}
		r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
		r.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
		db.W, db.R = w, r
	}
	db.d = dialect{db.Engine}
	if err := db.W.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the database: %w", err)
	}
	if db.Engine == SQLite {
		// Make sure the file is private before anything is written to it.
		_ = os.Chmod(db.path, 0o600)
	}
	return db, nil
}

// Close closes both pools, then lets the data directory's lock go.
func (db *DB) Close() error {
	err := db.W.Close()
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	db.lock.release()
	db.lock = nil
	return err
}

// withAppName sets application_name on a PostgreSQL URL to name, with the
// process id, so that pg_stat_activity tells nrm's sessions apart.
func withAppName(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // sql.Open reports it
	}
	if name == "" {
		name = "nrm"
	}
	q := u.Query()
	q.Set("application_name", fmt.Sprintf("%s pid %d", name, os.Getpid()))
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // pgx reads + literally
	return u.String()
}

// Scrub makes erased bytes leave the database's files once a job that
// erased them has committed (see dialect.scrub): SQLite folds the
// write-ahead log into the main file and truncates it; PostgreSQL vacuums
// the named tables so the dead row versions are pruned.
func (db *DB) Scrub(ctx context.Context, tables ...string) error {
	return db.scrub(ctx, false, tables)
}

// Rewrite is Scrub for tables whose every row was just rewritten (a
// migration that sealed a column in place): PostgreSQL's VACUUM prunes the
// dead row versions but leaves their bytes in the pages' free space, so
// these tables are rewritten into new files instead (VACUUM FULL, which
// locks each table while it runs: small tables, once). SQLite zeroes freed
// space already (secure_delete) and only checkpoints.
func (db *DB) Rewrite(ctx context.Context, tables ...string) error {
	return db.scrub(ctx, true, tables)
}

func (db *DB) scrub(ctx context.Context, full bool, tables []string) error {
	for _, t := range tables {
		if !tableName.MatchString(t) {
			return fmt.Errorf("store: bad table name %q", t)
		}
	}
	q, check := db.d.scrub(tables, full)
	if !check {
		_, err := db.W.ExecContext(ctx, q)
		return err
	}
	var busy, logFrames, done int
	if err := db.W.QueryRowContext(ctx, q).Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("store: checkpoint blocked by a reader; the log is folded in on the next run")
	}
	return nil
}

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Path is the SQLite file ("" for PostgreSQL).
func (db *DB) Path() string { return db.path }

// Tx is a transaction with a fixed clock reading.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	Now time.Time
	// after runs once the transaction has committed.
	after []func()
}

// Update runs fn in a write transaction, committing if fn returns nil and
// rolling back on error or panic.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.W, false, fn)
}

// View runs fn in a read-only transaction on the reader pool.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.R, true, fn)
}

// Snapshot runs fn in a read-only transaction on the reader pool in which
// every query sees the same committed state, however many writes commit
// meanwhile (see dialect.snapshot). Writers are not held up by it.
func (db *DB) Snapshot(ctx context.Context, fn func(*Tx) error) error {
	return db.runOpts(ctx, db.R, db.d.snapshot(), fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, ro bool, fn func(*Tx) error) (err error) {
	if !ro {
		defer func() { db.noteFull(err) }()
	}
	return db.runOpts(ctx, pool, &sql.TxOptions{ReadOnly: ro && db.Engine == Postgres}, fn)
}

func (db *DB) runOpts(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, db: db, Now: db.Now().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err = fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err = stx.Commit(); err != nil {
		return err
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// AfterCommit queues f to run once the transaction has committed.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Engine is the engine name.
func (tx *Tx) Engine() string { return tx.db.Engine }

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.d.rebind(q), args...)
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.d.rebind(q), args...)
}

// QueryRow runs a one-row query written with ? placeholders.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.d.rebind(q), args...)
}

// ForUpdate is the engine's row-lock suffix for a SELECT.
func (tx *Tx) ForUpdate() string { return tx.db.d.forUpdate() }

// SkipLocked is the engine's suffix for a locking subquery that skips rows
// other transactions hold (for sweeps that must never wait).
func (tx *Tx) SkipLocked() string { return tx.db.d.skipLocked() }

// Micros turns a time into the stored form.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// Time turns the stored form back into a UTC time.
func Time(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// Bool turns a stored 0/1 into a bool.
func Bool(i int64) bool { return i != 0 }

// Int turns a bool into the stored 0/1.
func Int(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
