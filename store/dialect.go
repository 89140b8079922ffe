package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file is the one place where SQLite and PostgreSQL differ. All other
// SQL in the project is written once, with ? placeholders, in the subset the
// two engines share: INTEGER/BIGINT for times (Unix microseconds) and
// booleans (0/1), TEXT, bytes, INSERT … ON CONFLICT, RETURNING.

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

type dialect struct {
	engine string
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Query text never
// contains a literal question mark, so a plain scan is enough.
func (d dialect) rebind(q string) string {
	if d.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// forUpdate is the row-lock suffix: PostgreSQL locks the row; SQLite's
// single writer connection with BEGIN IMMEDIATE already serialises writers.
func (d dialect) forUpdate() string {
	if d.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked is the suffix of a locking subquery that passes over rows
// another transaction holds: PostgreSQL locks what it takes and skips the
// rest; SQLite's single writer has nothing to skip.
func (d dialect) skipLocked() string {
	if d.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// snapshot is how a reader asks for one consistent view over several
// queries. PostgreSQL's default, READ COMMITTED, takes a new snapshot per
// statement, so a read-only REPEATABLE READ transaction is asked for (it
// never fails on serialisation, having nothing to write). SQLite in WAL
// mode gives a reader transaction the snapshot of its first read until it
// ends; its driver accepts no isolation level, so the default is kept.
func (d dialect) snapshot() *sql.TxOptions {
	if d.engine == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{}
}

// scrub is the statement that gets erased bytes out of the files after a
// committed erasure. SQLite (with secure_delete on every connection, so
// freed cells and pages are zeroed) checkpoints the write-ahead log into the
// main file and truncates the log, whose older frames still hold the pages
// as they were; it answers one row (busy, log, checkpointed), so check is
// set. PostgreSQL vacuums the tables, pruning the dead row versions; with
// full it rewrites them into new files (VACUUM FULL), because pruning
// leaves the bytes of the dead versions in the pages' free space.
func (d dialect) scrub(tables []string, full bool) (q string, check bool) {
	if d.engine == Postgres {
		q = "VACUUM"
		if full {
			q = "VACUUM FULL"
		}
		if len(tables) == 0 {
			return q, false
		}
		return q + " " + strings.Join(tables, ", "), false
	}
	return "PRAGMA wal_checkpoint(TRUNCATE)", true
}

// IsUniqueViolation reports whether err is a unique-constraint failure,
// judged by the driver's error code, never by message text.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsStorageFull reports whether err says the storage has no room left:
// SQLite's SQLITE_FULL (a full disk, or the database at max_page_count),
// PostgreSQL's disk_full (SQLSTATE 53100), or ENOSPC from a file write.
// Judged by codes, never by message text.
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_FULL
	}
	return errors.Is(err, syscall.ENOSPC)
}
