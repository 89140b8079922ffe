package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Break-glass openings get a review (issue 14 §3): the data protection
// officer reads each opening — who opened which record code, when, for how
// long and why — and records whether it was justified, with a note. The
// organisation that holds the record is told at once that it was opened
// (BreakGlass calls tellHolder). The review never shows the record itself.

// Review outcomes.
const (
	GlassJustified    = "justified"
	GlassNotJustified = "not_justified"
)

// GlassOutcomes lists the outcomes of a review.
var GlassOutcomes = []string{GlassJustified, GlassNotJustified}

// BreakGlassOpening is one emergency opening as the DPO reviews it.
type BreakGlassOpening struct {
	ID, PersonID, PersonCode string
	UserName, OrgName        string
	Roles                    []nrm.Role
	HolderOrg                string // the organisation that holds the record, told of the opening
	Reason                   string
	OpenedAt, ExpiresAt      time.Time
	// Set once reviewed:
	ReviewedAt        time.Time
	ReviewerName      string
	Outcome, Note     string
	ReadsAfterOpening int // the record reads made under this opening (audited with the break-glass flag)
}

// Expired reports whether the opening no longer gives access at now.
func (o *BreakGlassOpening) Expired(now time.Time) bool { return !now.Before(o.ExpiresAt) }

// BreakGlassFilter selects openings: PendingOnly leaves out the reviewed.
type BreakGlassFilter struct {
	PendingOnly bool
	Limit       int
}

const glassCols = `b.id, b.person_id, p.code, b.user_id, COALESCE(u.display_name, ''), COALESCE(u.roles, ''), COALESCE(o.name, ''), COALESCE(h.name, ''),
	b.reason, b.opened_at, b.expires_at, b.reviewed_at, COALESCE(r.display_name, ''), b.review_outcome, b.review_note,
	(SELECT COUNT(*) FROM audit_log l WHERE l.subject = b.person_id AND l.actor_user = b.user_id AND l.break_glass = 1 AND l.action <> '` + ActBreakGlass + `' AND l.at >= b.opened_at AND l.at <= b.expires_at)`

const glassFrom = ` FROM breakglass b JOIN persons p ON p.id = b.person_id LEFT JOIN users u ON u.id = b.user_id LEFT JOIN orgs o ON o.id = u.org_id
	LEFT JOIN orgs h ON h.id = p.owner_org LEFT JOIN users r ON r.id = b.reviewed_by`

// openings reads openings and decrypts their reason and note.
func (s *Service) openings(ctx context.Context, tx *store.Tx, where string, args ...any) ([]BreakGlassOpening, error) {
	type row struct {
		o          BreakGlassOpening
		user       string
		reason     []byte
		note       []byte
		roles      string
		op, ex, rv int64
	}
	rows, err := collect(ctx, tx, func(r *sql.Rows) (row, error) {
		var x row
		err := r.Scan(&x.o.ID, &x.o.PersonID, &x.o.PersonCode, &x.user, &x.o.UserName, &x.roles, &x.o.OrgName, &x.o.HolderOrg,
			&x.reason, &x.op, &x.ex, &x.rv, &x.o.ReviewerName, &x.o.Outcome, &x.note, &x.o.ReadsAfterOpening)
		return x, err
	}, `SELECT `+glassCols+glassFrom+where, args...)
	if err != nil {
		return nil, err
	}
	out := make([]BreakGlassOpening, 0, len(rows))
	for _, x := range rows {
		o := x.o
		o.Roles, o.OpenedAt, o.ExpiresAt, o.ReviewedAt = nrm.ParseRoles(x.roles), store.Time(x.op), store.Time(x.ex), store.Time(x.rv)
		if len(x.reason) > 0 { // erased with the record: nothing left to read
			pt, err := s.openSystem(ctx, tx, "breakglass", "reason", o.PersonID+"|"+x.user, x.reason)
			if err != nil {
				return nil, err
			}
			o.Reason = string(pt)
		}
		if len(x.note) > 0 {
			pt, err := s.openSystem(ctx, tx, "breakglass", "review_note", o.ID, x.note)
			if err != nil {
				return nil, err
			}
			o.Note = string(pt)
		}
		out = append(out, o)
	}
	return out, nil
}

// BreakGlassOpenings lists the emergency openings for the DPO, the ones
// waiting for a review first, then the newest.
func (s *Service) BreakGlassOpenings(ctx context.Context, a *nrm.Actor, f BreakGlassFilter) ([]BreakGlassOpening, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !nrm.CanReviewBreakGlass(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 100
	}
	var out []BreakGlassOpening
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		where := ` WHERE 1 = 1`
		if f.PendingOnly {
			where = ` WHERE b.reviewed_at = 0`
		}
		var err error
		if out, err = s.openings(ctx, tx, where+` ORDER BY CASE WHEN b.reviewed_at = 0 THEN 0 ELSE 1 END, b.opened_at DESC LIMIT ?`, f.Limit); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActBreakGlassList, fields: []string{"breakglass"}})
	})
	return out, fail(err)
}

// BreakGlassOpening reads one opening for its review.
func (s *Service) BreakGlassOpening(ctx context.Context, a *nrm.Actor, id string) (*BreakGlassOpening, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !nrm.CanReviewBreakGlass(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out *BreakGlassOpening
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		os, err := s.openings(ctx, tx, ` WHERE b.id = ?`, id)
		if err != nil {
			return err
		}
		if len(os) == 0 {
			return nrm.ErrNotFound
		}
		out = &os[0]
		return s.appendAudit(ctx, tx, a, event{action: ActBreakGlassList, subject: out.PersonID, fields: []string{"breakglass:" + id}})
	})
	return out, fail(err)
}

// BreakGlassReview is the DPO's finding on one opening.
type BreakGlassReview struct {
	Outcome string // GlassJustified or GlassNotJustified
	Note    string // required when not justified
}

// ReviewBreakGlass records the DPO's finding on an opening. A finding is
// recorded once; a second review is refused.
func (s *Service) ReviewBreakGlass(ctx context.Context, a *nrm.Actor, id string, in BreakGlassReview) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !nrm.CanReviewBreakGlass(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	in.Note = strings.TrimSpace(in.Note)
	var es nrm.Errors
	switch in.Outcome {
	case GlassJustified, GlassNotJustified:
	case "":
		es = append(es, nrm.FieldError("outcome", "error.required"))
	default:
		es = append(es, nrm.FieldError("outcome", "error.unknown_value"))
	}
	if in.Outcome == GlassNotJustified && in.Note == "" {
		es = append(es, nrm.FieldError("note", "error.glass_note"))
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		es = append(es, nrm.FieldError("note", "error.too_long", 2000))
	}
	if err := es.Err(); err != nil {
		return err
	}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		var personID string
		var reviewed int64
		if err := tx.QueryRow(ctx, `SELECT person_id, reviewed_at FROM breakglass WHERE id = ?`, id).Scan(&personID, &reviewed); errors.Is(err, sql.ErrNoRows) {
			return nrm.ErrNotFound
		} else if err != nil {
			return err
		}
		if reviewed != 0 {
			return nrm.Errorf(nrm.EConflict, "error.glass_reviewed")
		}
		var note []byte
		if in.Note != "" {
			var err error
			if note, err = s.sealSystem(ctx, tx, "breakglass", "review_note", id, []byte(in.Note)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE breakglass SET reviewed_at = ?, reviewed_by = ?, review_outcome = ?, review_note = ? WHERE id = ? AND reviewed_at = 0`,
			store.Micros(tx.Now), a.UserID, in.Outcome, note, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActBreakGlassReview, subject: personID, fields: []string{"breakglass:" + id, "outcome:" + in.Outcome}})
	}))
}

// tellHolder tells the organisation that holds a record that it was opened
// in an emergency by someone outside it.
func (s *Service) tellHolder(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID, glassID string) error {
	var owner string
	if err := tx.QueryRow(ctx, `SELECT owner_org FROM persons WHERE id = ?`, personID).Scan(&owner); err != nil {
		return err
	}
	if owner == "" || owner == a.OrgID {
		return nil
	}
	return s.notify(ctx, tx, owner, personID, NoteBreakGlass, glassID)
}
