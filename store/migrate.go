package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's numbered migrations in order. File names
// are NNNN_name.sql; a gap or duplicate number is a build error caught by
// the tests.
func migrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	ents, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: bad migration name %q", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, name, string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations must be numbered 1..n without gaps; found %q at position %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion returns the applied and the latest known schema versions.
func (db *DB) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := migrations(db.Engine)
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	exists, err := db.tableExists(ctx, "schema_migrations")
	if err != nil || !exists {
		return 0, latest, err
	}
	err = db.W.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	return applied, latest, err
}

// ErrStaleSchema is returned by CheckSchema when migrations are pending.
type ErrStaleSchema struct{ Applied, Latest int }

func (e *ErrStaleSchema) Error() string {
	return fmt.Sprintf("database schema is at version %d but this nrm needs %d: run `nrm migrate` (or serve with --migrate)", e.Applied, e.Latest)
}

// CheckSchema fails when the schema is older or newer than this binary's.
func (db *DB) CheckSchema(ctx context.Context) error {
	applied, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied != latest {
		return &ErrStaleSchema{applied, latest}
	}
	return nil
}

// Migrate applies pending migrations, each in its own transaction.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	return db.MigrateTo(ctx, -1)
}

// MigrateTo applies the pending migrations up to version (all when
// negative), each in its own transaction. Tests use it to build a database
// as an older nrm left it.
func (db *DB) MigrateTo(ctx context.Context, version int) (int, error) {
	ms, err := migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if version >= 0 && version < len(ms) {
		ms = ms[:version]
	}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, err
	}
	applied, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if applied > len(ms) {
		return 0, fmt.Errorf("store: database schema version %d is newer than this nrm (%d)", applied, len(ms))
	}
	n := 0
	for _, m := range ms[applied:] {
		err := db.Update(ctx, func(tx *Tx) error {
			for _, stmt := range splitSQL(m.sql) {
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", m.name, err)
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, Micros(tx.Now))
			return err
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// splitSQL splits a migration on semicolons at line ends. Migrations contain
// no procedural code, so this is enough for both engines.
func splitSQL(s string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}
