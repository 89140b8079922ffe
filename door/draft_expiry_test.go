package door_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// An unfinished referral expires after the configured time (default 30
// days) from its last save: it is no longer listed or opened, and starting
// any new draft deletes it, with an audit entry.
func TestDraftsExpire(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		ttl := w.Door.DraftTTL()
		if ttl != door.DefaultDraftTTL {
			t.Fatalf("default lifetime %v, want %v", ttl, door.DefaultDraftTTL)
		}
		old, err := w.Door.SaveDraft(ctx, w.ngo, door.Draft{Kind: "referral", Step: "person", Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		real := w.DB.Now
		defer func() { w.DB.Now = real }()
		w.DB.Now = func() time.Time { return real().Add(ttl - time.Hour) }
		if ds, err := w.Door.Drafts(ctx, w.ngo); err != nil || len(ds) != 1 {
			t.Fatalf("a draft within its lifetime is listed: %d %v", len(ds), err)
		}
		w.DB.Now = func() time.Time { return real().Add(ttl + time.Hour) }
		if ds, err := w.Door.Drafts(ctx, w.ngo); err != nil || len(ds) != 0 {
			t.Fatalf("an expired draft is not listed: %d %v", len(ds), err)
		}
		if _, err := w.Door.GetDraft(ctx, w.ngo, old.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("an expired draft does not open: %v", err)
		}
		if _, err := w.Door.SaveDraft(ctx, w.ngo, door.Draft{ID: old.ID, Version: old.Version, Kind: "referral", Data: []byte(`{}`)}); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("an expired draft cannot be saved again: %v", err)
		}
		if _, err := w.Door.SaveDraft(ctx, w.police, door.Draft{Kind: "referral", Step: "meeting", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		var left, audited int
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM drafts WHERE id = ?`, old.ID).Scan(&left); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, door.ActDraftExpire).Scan(&audited)
		}); err != nil {
			t.Fatal(err)
		}
		if left != 0 || audited != 1 {
			t.Fatalf("starting a draft deletes the expired ones with one audit entry: left %d, audited %d", left, audited)
		}
	})
}
