package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
)

// When the storage is full every write fails. The store remembers that a
// write failed for that reason (any write transaction, on either engine),
// so readiness can say "not ready" while it lasts; WritesFailing reports
// it and ProbeWrite, which readiness calls while it is set, clears it once
// a write goes through again. Nothing but a successful probe clears it: a
// write transaction that happened to write nothing (a job with no work)
// commits even on a full disk and proves nothing.

// probeBytes is the size of the probe's row: several pages, so that it
// needs room the database does not have when it is full. Random, so that
// PostgreSQL cannot compress it into a page it already has.
const probeBytes = 48 << 10

func (db *DB) noteFull(err error) {
	if IsStorageFull(err) {
		db.full.Store(true)
	}
}

// WritesFailing reports whether a write failed because the storage was
// full and no probe has succeeded since.
func (db *DB) WritesFailing() bool { return db.full.Load() }

// ProbeWrite writes a row of probeBytes into settings and deletes it in
// the same transaction, which commits: it needs the room a real write
// needs and leaves nothing behind. On success the storage-full flag is
// cleared.
func (db *DB) ProbeWrite(ctx context.Context) error {
	b := make([]byte, probeBytes)
	_, _ = rand.Read(b)
	pad := base64.StdEncoding.EncodeToString(b)
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('write_probe', ?)`, pad); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM settings WHERE key = 'write_probe'`)
		return err
	})
	if err == nil {
		db.full.Store(false)
	}
	return err
}
