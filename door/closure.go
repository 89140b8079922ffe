package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Closure and reopening (issue #5 §4). A closure period is a row; reopening
// stamps it, so a record closed and reopened shows both, and a later
// closure is a new row beside the earlier ones: the record stays the same
// person record with its whole history.
//
// What closure means for access: a closed record stays readable by whoever
// could read it. While it is closed, the support writes (advocate, needs,
// plan, safety plan) and a second closure are refused (conflict,
// "error.record_closed"); follow-up contacts and reopening are what remain.
// Those who work the record and the Responsible Authority may close and
// reopen (nrm.CanCloseRecord); follow-up is for those who work it.

// ClosureView is one closure period.
type ClosureView struct {
	ID, Reason, ClosedOn, Note, OrgName string
	FollowUpOn                          []string
	ClosedAt                            time.Time
	// Set once reopened:
	ReopenedAt                   time.Time
	ReopenReason, ReopenNote     string
	ReopenedOrg, HTCDSCaseStatus string
}

// FollowUpView is one follow-up contact after closure.
type FollowUpView struct {
	ClosureID, On, How, Note, OrgName string
	CreatedAt                         time.Time
}

// openClosure returns the id of the record's open closure period, or "".
func (s *Service) openClosure(ctx context.Context, tx *store.Tx, personID string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM closures WHERE person_id = ? AND reopened_at = 0`, personID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// closer loads a record for closing or reopening.
func (s *Service) closer(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) (*personRow, error) {
	p, err := s.mustWrite(ctx, tx, a, personID)
	if err != nil {
		return nil, err
	}
	if !nrm.CanCloseRecord(a, p.rel) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return p, nil
}

// CloseRecord closes a record with a reason, a date, a note and planned
// follow-up dates. Open safety-review clocks stop: no review runs on a
// closed record.
func (s *Service) CloseRecord(ctx context.Context, a *nrm.Actor, personID string, in nrm.CloseInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActClose, func(tx *store.Tx) error {
		p, err := s.closer(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		open, err := s.openClosure(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if open != "" {
			return nrm.Errorf(nrm.EConflict, "error.record_closed")
		}
		note, err := s.sealFor(ctx, tx, p, "closures", "note", id, strings.TrimSpace(in.Note))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO closures (id, person_id, reason, closed_on, note, follow_up_on, closed_by, closed_org, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, in.Reason, in.On, note, strings.Join(in.FollowUpOn, ","), a.UserID, a.OrgID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, p.ID, RuleSafetyReview, ""); err != nil {
			return err
		}
		// Nothing more is needed from those who had tasks (access_end.go).
		if err := s.endTasksOnClosure(ctx, tx, a, p.ID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLClosed, nrm.PartSummary, map[string]string{"closure_reason": in.Reason}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActClose, subject: p.ID, fields: []string{"closure", "reason:" + in.Reason}})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// ReopenRecord reopens a closed record (for example on re-trafficking). The
// closure period keeps its reason and note and gains the reopening's.
func (s *Service) ReopenRecord(ctx context.Context, a *nrm.Actor, personID string, in nrm.ReopenInput) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActReopen, func(tx *store.Tx) error {
		p, err := s.closer(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		open, err := s.openClosure(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if open == "" {
			return nrm.Errorf(nrm.EConflict, "error.record_not_closed")
		}
		note, err := s.sealFor(ctx, tx, p, "closures", "reopen_note", open, strings.TrimSpace(in.Note))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE closures SET reopened_at = ?, reopen_reason = ?, reopen_note = ?, reopened_by = ?, reopened_org = ? WHERE id = ? AND reopened_at = 0`,
			store.Micros(tx.Now), in.Reason, note, a.UserID, a.OrgID, open); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLReopened, nrm.PartSummary, map[string]string{"reopen_reason": in.Reason}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActReopen, subject: p.ID, fields: []string{"closure:" + open, "reason:" + in.Reason}})
	})
}

// RecordFollowUp records a follow-up contact with the person after closure.
func (s *Service) RecordFollowUp(ctx context.Context, a *nrm.Actor, personID string, in nrm.FollowUpInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActFollowUp, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		open, err := s.openClosure(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if open == "" {
			return nrm.Errorf(nrm.EConflict, "error.record_not_closed")
		}
		note, err := s.sealFor(ctx, tx, p, "follow_ups", "note", id, strings.TrimSpace(in.Note))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO follow_ups (id, person_id, closure_id, held_on, how, note, org_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, open, in.On, in.How, note, a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLFollowUp, nrm.PartSummary, map[string]string{"follow_up_how": in.How}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActFollowUp, subject: p.ID, fields: []string{"follow_up", "how:" + in.How}})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// closureHistory reads the closure periods and follow-ups into v.
func (s *Service) closureHistory(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool, v *SupportView) error {
	var cells []sealed
	cs, err := collect(ctx, tx, func(rows *sql.Rows) (*ClosureView, error) {
		x := &ClosureView{}
		var fu, org, rorg string
		var note, rnote []byte
		var ca, ra int64
		err := rows.Scan(&x.ID, &x.Reason, &x.ClosedOn, &note, &fu, &org, &ca, &ra, &x.ReopenReason, &rnote, &rorg)
		x.FollowUpOn, x.OrgName, x.ReopenedOrg, x.ClosedAt, x.ReopenedAt = splitList(fu), dir.byID[org].Name, dir.byID[rorg].Name, store.Time(ca), store.Time(ra)
		if narr {
			cells = append(cells, sealed{"closures", "note", x.ID, note, &x.Note}, sealed{"closures", "reopen_note", x.ID, rnote, &x.ReopenNote})
		}
		return x, err
	}, `SELECT id, reason, closed_on, note, follow_up_on, closed_org, closed_at, reopened_at, reopen_reason, reopen_note, reopened_org
		FROM closures WHERE person_id = ? ORDER BY closed_at, id`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	cells = nil
	fus, err := collect(ctx, tx, func(rows *sql.Rows) (*FollowUpView, error) {
		x := &FollowUpView{}
		var id, org string
		var note []byte
		var at int64
		err := rows.Scan(&id, &x.ClosureID, &x.On, &x.How, &note, &org, &at)
		x.OrgName, x.CreatedAt = dir.byID[org].Name, store.Time(at)
		if narr {
			cells = append(cells, sealed{"follow_ups", "note", id, note, &x.Note})
		}
		return x, err
	}, `SELECT id, closure_id, held_on, how, note, org_id, created_at FROM follow_ups WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, x := range fus {
		v.FollowUps = append(v.FollowUps, *x)
	}
	today := tx.Now.In(s.profile.Location()).Format(time.DateOnly)
	v.HTCDSStatus = nrm.HTCDSCaseStatus(false, "", false)
	for _, x := range cs {
		open := x.ReopenedAt.IsZero()
		pending := false
		for _, d := range x.FollowUpOn {
			pending = pending || d >= today
		}
		x.HTCDSCaseStatus = nrm.HTCDSCaseStatus(true, x.Reason, open && pending)
		if open {
			v.Closed, v.HTCDSStatus = true, x.HTCDSCaseStatus
		}
		v.Closures = append(v.Closures, *x)
	}
	return nil
}
