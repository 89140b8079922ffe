package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Backup writes a consistent online copy of the database to path. SQLite
// uses VACUUM INTO (a transactionally consistent snapshot while the server
// keeps running); PostgreSQL runs pg_dump in its custom format. Key material
// is never in the database, so a backup alone decrypts nothing: back up the
// key directory separately, to a different place.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if db.Engine == SQLite {
		if _, err := db.W.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return os.Chmod(path, 0o600)
	}
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--file="+path, "--dbname="+db.url) // #nosec G204 -- fixed program, URL from config
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("backup: pg_dump: %w: %s", err, out)
	}
	return os.Chmod(path, 0o600)
}

// Restore brings a backup back. For SQLite the server must be stopped: the
// database file is replaced (after an integrity check of the backup). For
// PostgreSQL pg_restore --clean replaces the schema objects.
func Restore(ctx context.Context, cfg Config, path string) error {
	if cfg.URL != "" {
		cmd := exec.CommandContext(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname="+cfg.URL, path) // #nosec G204 -- fixed program
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("restore: pg_restore: %w: %s", err, out)
		}
		return nil
	}
	// Check the backup opens and is intact before touching the live file.
	tmp, err := os.MkdirTemp(cfg.DataDir, ".restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := copyFile(path, filepath.Join(tmp, "nrm.db")); err != nil {
		return err
	}
	chk, err := Open(ctx, Config{DataDir: tmp})
	if err != nil {
		return err
	}
	var res string
	err = chk.W.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res)
	chk.Close()
	if err != nil {
		return err
	}
	if res != "ok" {
		return errors.New("restore: the backup fails its integrity check")
	}
	live := filepath.Join(cfg.DataDir, "nrm.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(live + suffix)
	}
	return os.Rename(filepath.Join(tmp, "nrm.db"), live)
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
	return out.Close()
}
