package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Backup writes a consistent online copy of the database to path. SQLite
// uses VACUUM INTO (a transactionally consistent snapshot while the server
// keeps running and writing); PostgreSQL runs pg_dump in its custom format (only the
// schema the URL's search_path names, when it names one). Key material is
// never in the database, so a backup alone decrypts nothing: back up the
// key directory separately, to a different place.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if db.Engine == SQLite {
		// A connection of its own: VACUUM INTO only reads the database, so
		// in WAL mode the server's writer carries on during a long backup.
		c, err := sql.Open("sqlite", db.dsn)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return os.Chmod(path, 0o600)
	}
	conn, schema, err := libpqURL(db.url)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-owner", "--file=" + path, "--dbname=" + conn}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, "pg_dump", args...) // #nosec G204 -- fixed program, URL from config
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("backup: pg_dump: %w: %s", err, out)
	}
	return os.Chmod(path, 0o600)
}

// Restore brings a backup back, refusing while the application uses the
// database: for SQLite it holds the data directory's lock exclusively
// (serve and every other command hold it shared), for PostgreSQL it finds
// no other session of the application (application_name "nrm …") on the
// database. check vets the backup's contents before anything live is
// touched (the keys it was written under). SQLite: the backup must pass
// its integrity check, then replaces the database file; the directory is
// made if it does not exist. PostgreSQL: pg_restore --clean replaces the
// schema objects in one transaction.
func Restore(ctx context.Context, cfg Config, path string, check func(context.Context, TableReader) error) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if cfg.URL != "" {
		return restorePostgres(ctx, cfg, path, check)
	}
	if cfg.DataDir == "" {
		return errors.New("restore: no data directory")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	lock, err := lockDir(cfg.DataDir, true)
	if err != nil {
		return err
	}
	defer lock.release()
	// Check the backup opens, is intact and has the keys before touching the live file.
	tmp, err := os.MkdirTemp(cfg.DataDir, ".restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := copyFile(path, filepath.Join(tmp, "nrm.db")); err != nil {
		return err
	}
	if err := vetSQLite(ctx, tmp, check); err != nil {
		return err
	}
	live := filepath.Join(cfg.DataDir, "nrm.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(live + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(filepath.Join(tmp, "nrm.db"), live); err != nil {
		return err
	}
	return syncDir(cfg.DataDir)
}

// vetSQLite opens the copy of a backup in dir: integrity check, then check.
func vetSQLite(ctx context.Context, dir string, check func(context.Context, TableReader) error) error {
	chk, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		return err
	}
	defer chk.Close()
	var res string
	if err := chk.W.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New("restore: the backup fails its integrity check")
	}
	if check != nil {
		return check(ctx, chk)
	}
	return nil
}

func restorePostgres(ctx context.Context, cfg Config, path string, check func(context.Context, TableReader) error) error {
	cfg.AppName = "nrm restore"
	db, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	err = db.refuseIfInUse(ctx, withAppName(cfg.URL, cfg.AppName))
	db.Close()
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(ctx, pgDump(path)); err != nil {
			return err
		}
	}
	conn, _, err := libpqURL(cfg.URL)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname="+conn, path) // #nosec G204 -- fixed program
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("restore: pg_restore: %w: %s", err, out)
	}
	return nil
}

// refuseIfInUse is an *InUseError naming the application's other sessions
// on this database (application_name "nrm …", see Config.AppName), if any.
func (db *DB) refuseIfInUse(ctx context.Context, own string) error {
	u, err := url.Parse(own)
	if err != nil {
		return err
	}
	rows, err := db.W.QueryContext(ctx, `SELECT application_name, COALESCE(host(client_addr), 'local')
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
		AND application_name LIKE 'nrm %' AND application_name <> $1 ORDER BY backend_start`, u.Query().Get("application_name"))
	if err != nil {
		return err
	}
	defer rows.Close()
	var holders []string
	seen := map[string]bool{}
	for rows.Next() {
		var name, from string
		if err := rows.Scan(&name, &from); err != nil {
			return err
		}
		if h := fmt.Sprintf("%s from %s", name, from); !seen[h] {
			seen[h] = true
			holders = append(holders, h)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(holders) > 0 {
		return &InUseError{Where: "PostgreSQL database " + strings.TrimPrefix(u.Path, "/"), Holders: holders, Restore: true}
	}
	return nil
}

// libpqURL turns the application's PostgreSQL URL into one pg_dump and
// pg_restore accept: libpq knows no search_path parameter, so it travels
// as options=-csearch_path=…, and the schema it names is returned.
func libpqURL(raw string) (conn, schema string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("store: database URL: %w", err)
	}
	q := u.Query()
	if schema = q.Get("search_path"); schema != "" {
		if !tableName.MatchString(schema) {
			return "", "", fmt.Errorf("store: search_path %q: one plain schema name expected", schema)
		}
		q.Del("search_path")
		q.Set("options", "-csearch_path="+schema)
	}
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// pgDump reads tables out of a pg_dump custom-format file (through
// pg_restore --data-only, which prints them as COPY text), so a restore can
// vet a backup before it replaces anything.
type pgDump string

func (p pgDump) ReadTable(ctx context.Context, table string, cols []Column, fn func(row [][]byte) error) error {
	if _, err := columnList(table, cols); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "pg_restore", "--data-only", "--table="+table, "--file=-", string(p)) // #nosec G204 -- fixed program, checked table name
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restore: pg_restore: %w", err)
	}
	err = readCopy(out, table, cols, fn)
	_, _ = io.Copy(io.Discard, out)
	if werr := cmd.Wait(); werr != nil && err == nil {
		err = fmt.Errorf("restore: pg_restore: %w: %s", werr, stderr.String())
	}
	return err
}

// readCopy reads the rows of table's COPY … FROM stdin block in a
// pg_restore script, in the order of cols.
func readCopy(r io.Reader, table string, cols []Column, fn func(row [][]byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var pos []int // for each wanted column, its place in the COPY rows
	for sc.Scan() {
		line := sc.Text()
		if pos == nil {
			head, ok := strings.CutPrefix(line, "COPY ")
			name, list, ok2 := strings.Cut(head, " (")
			if !ok || !ok2 || !strings.HasSuffix(list, ") FROM stdin;") ||
				strings.Trim(name[strings.LastIndex(name, ".")+1:], `"`) != table {
				continue
			}
			have := map[string]int{}
			for i, c := range strings.Split(strings.TrimSuffix(list, ") FROM stdin;"), ", ") {
				have[strings.Trim(c, `"`)] = i
			}
			for _, c := range cols {
				i, ok := have[c.Name]
				if !ok {
					return fmt.Errorf("restore: the backup's %s has no column %s", table, c.Name)
				}
				pos = append(pos, i)
			}
			continue
		}
		if line == `\.` {
			return nil
		}
		fields := strings.Split(line, "\t")
		row := make([][]byte, len(cols))
		for i, c := range cols {
			if pos[i] >= len(fields) {
				return fmt.Errorf("restore: a short row in the backup's %s", table)
			}
			v, err := copyValue(fields[pos[i]], c.Binary)
			if err != nil {
				return fmt.Errorf("restore: the backup's %s.%s: %w", table, c.Name, err)
			}
			row[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return sc.Err()
}

// copyEscapes are COPY's text-format escapes; any other escaped byte stands for itself.
var copyEscapes = map[byte]byte{'t': '\t', 'n': '\n', 'r': '\r', 'b': '\b', 'f': '\f', 'v': '\v'}

// copyValue decodes one field of COPY's text format (\N is NULL; a
// backslash escapes); a bytea arrives in its hex form, \x….
func copyValue(f string, binary bool) ([]byte, error) {
	if f == `\N` {
		return nil, nil
	}
	var b []byte
	for i := 0; i < len(f); i++ {
		if f[i] != '\\' || i+1 == len(f) {
			b = append(b, f[i])
			continue
		}
		i++
		if c, ok := copyEscapes[f[i]]; ok {
			b = append(b, c)
		} else {
			b = append(b, f[i])
		}
	}
	if !binary {
		return b, nil
	}
	h, ok := strings.CutPrefix(string(b), `\x`)
	if !ok {
		return nil, errors.New("bytea not in hex form")
	}
	return hex.DecodeString(h)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src) // #nosec G304 -- operator-named backup
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the data directory
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
