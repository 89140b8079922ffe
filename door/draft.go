package door

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Drafts keep a half-filled form on the server, saved at every step, so a
// closed tab or a dropped connection loses nothing. A draft belongs to the
// user who started it; its content may already identify a person, so it is
// encrypted (system key "drafts", bound to the draft and its owner) and every
// read and write is audited.

// MaxDraft bounds a draft's size.
const MaxDraft = 256 << 10

// DefaultDraftTTL is how long an unfinished form is kept after its last save
// unless configured (Settings.DraftTTL, nrm serve --draft-ttl): a draft may
// identify a person, and one left for a month is not coming back. An expired
// draft is neither listed nor opened, and is deleted when any draft is
// started.
const DefaultDraftTTL = 30 * 24 * time.Hour

// DraftTTL is the configured lifetime of a draft.
func (s *Service) DraftTTL() time.Duration { return s.set.DraftTTL }

// draftCutoff is the oldest last save a live draft may have.
func (s *Service) draftCutoff(now time.Time) int64 { return store.Micros(now.Add(-s.set.DraftTTL)) }

// ActDraftExpire records the deletion of expired drafts.
const ActDraftExpire = "draft.expire"

// Draft is a saved form.
type Draft struct {
	ID        string
	Kind      string // "referral"
	Step      string
	Data      []byte // the form's fields as JSON
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// DraftKinds lists the forms that keep drafts.
var DraftKinds = []string{"referral"}

// SaveDraft creates (id "") or updates a draft. version must match the stored
// one: two tabs editing one draft get a conflict, never a silent overwrite.
func (s *Service) SaveDraft(ctx context.Context, a *nrm.Actor, d Draft) (*Draft, error) {
	if a.UserID == "" || a.System {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if !containsStr(DraftKinds, d.Kind) {
		return nil, nrm.FieldError("kind", "error.unknown_value")
	}
	if len(d.Data) > MaxDraft {
		return nil, nrm.Errorf(nrm.ETooLarge, "error.too_large")
	}
	if len(d.Step) > 40 {
		return nil, nrm.FieldError("step", "error.unknown_value")
	}
	out := d
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if d.ID == "" {
			if err := s.expireDrafts(ctx, tx, a); err != nil {
				return err
			}
			out.ID, out.Version, out.CreatedAt, out.UpdatedAt = newID(), 1, tx.Now, tx.Now
			ct, err := s.sealSystem(ctx, tx, "drafts", "data", out.ID+"|"+a.UserID, d.Data)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO drafts (id, user_id, kind, step, data, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
				out.ID, a.UserID, d.Kind, d.Step, ct, store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
				return err
			}
		} else {
			if !validID(d.ID) {
				return nrm.ErrNotFound
			}
			ct, err := s.sealSystem(ctx, tx, "drafts", "data", d.ID+"|"+a.UserID, d.Data)
			if err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE drafts SET step = ?, data = ?, updated_at = ?, version = version + 1 WHERE id = ? AND user_id = ? AND version = ? AND updated_at >= ?`,
				d.Step, ct, store.Micros(tx.Now), d.ID, a.UserID, d.Version, s.draftCutoff(tx.Now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				var v int64
				err := tx.QueryRow(ctx, `SELECT version FROM drafts WHERE id = ? AND user_id = ? AND updated_at >= ?`, d.ID, a.UserID, s.draftCutoff(tx.Now)).Scan(&v)
				if errors.Is(err, sql.ErrNoRows) {
					return nrm.ErrNotFound
				} else if err != nil {
					return err
				}
				return nrm.Errorf(nrm.EConflict, "error.conflict")
			}
			out.Version, out.UpdatedAt = d.Version+1, tx.Now
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDraftSave, subject: "draft:" + out.ID, fields: []string{d.Kind, "step:" + d.Step}})
	})
	if err != nil {
		return nil, fail(err)
	}
	return &out, nil
}

// GetDraft reads one of the actor's drafts. Someone else's draft answers as missing.
func (s *Service) GetDraft(ctx context.Context, a *nrm.Actor, id string) (*Draft, error) {
	if a.UserID == "" || !validID(id) {
		return nil, nrm.ErrNotFound
	}
	var d Draft
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var ct []byte
		var ca, ua int64
		err := tx.QueryRow(ctx, `SELECT id, kind, step, data, created_at, updated_at, version FROM drafts WHERE id = ? AND user_id = ? AND updated_at >= ?`, id, a.UserID, s.draftCutoff(tx.Now)).
			Scan(&d.ID, &d.Kind, &d.Step, &ct, &ca, &ua, &d.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.ErrNotFound
		} else if err != nil {
			return err
		}
		d.CreatedAt, d.UpdatedAt = store.Time(ca), store.Time(ua)
		if d.Data, err = s.openSystem(ctx, tx, "drafts", "data", d.ID+"|"+a.UserID, ct); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDraftRead, subject: "draft:" + d.ID, fields: []string{d.Kind}})
	})
	if err != nil {
		return nil, fail(err)
	}
	return &d, nil
}

// Drafts lists the actor's drafts, newest first, without their content.
func (s *Service) Drafts(ctx context.Context, a *nrm.Actor) ([]Draft, error) {
	if a.UserID == "" {
		return nil, nil
	}
	var out []Draft
	err := s.db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, kind, step, created_at, updated_at, version FROM drafts WHERE user_id = ? AND updated_at >= ?
			ORDER BY updated_at DESC LIMIT 50`, a.UserID, s.draftCutoff(tx.Now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Draft
			var ca, ua int64
			if err := rows.Scan(&d.ID, &d.Kind, &d.Step, &ca, &ua, &d.Version); err != nil {
				return err
			}
			d.CreatedAt, d.UpdatedAt = store.Time(ca), store.Time(ua)
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, fail(err)
}

// DeleteDraft removes one of the actor's drafts (after it was sent, or when
// the user discards it).
func (s *Service) DeleteDraft(ctx context.Context, a *nrm.Actor, id string) error {
	if a.UserID == "" || !validID(id) {
		return nrm.ErrNotFound
	}
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM drafts WHERE id = ? AND user_id = ?`, id, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nrm.ErrNotFound
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDraftDelete, subject: "draft:" + id})
	}))
}

// expireDrafts deletes every user's drafts past their lifetime, with one
// audit entry saying how many.
func (s *Service) expireDrafts(ctx context.Context, tx *store.Tx, a *nrm.Actor) error {
	res, err := tx.Exec(ctx, `DELETE FROM drafts WHERE updated_at < ?`, s.draftCutoff(tx.Now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return s.appendAudit(ctx, tx, a, event{action: ActDraftExpire, subject: "drafts", fields: []string{fmt.Sprintf("count:%d", n)}})
	}
	return nil
}
