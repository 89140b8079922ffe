package door

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// What happens to a worker's tasks when access ends (issue 14 §4). When an
// organisation loses access to a record — the consent it saw it under is
// withdrawn or expires, a legal grant is revoked — its open tasks end, its
// clocks stop (neither met nor missed), its unread notifications about the
// record are put away, and one plain statement takes their place: "access
// ended on …; nothing more is needed from you". A closed record ends every
// open task the same way, and a cancelled service referral ends the
// receiver's work on it. No link then leads to "not found" and an
// invitation to break the glass.

// Why work ended: the kind of the statement left in its place, and the
// task's ended_why.
const (
	EndAccess       = "access_ended"               // the organisation lost access to the record
	EndClosed       = "record_closed"              // the record was closed
	EndCancelled    = "service_referral_cancelled" // the referring organisation cancelled a service referral
	EndFulfilled    = "task_fulfilled"             // a service referral sent by another organisation met the need
	NoteBreakGlass  = "breakglass_opened"          // the record was opened in an emergency (breakglass_review.go)
	TLWorkEnded     = "work_ended"
	expiryLookBack  = 48 * time.Hour // how far back the job looks for consents that expired
	sweepCandidates = 500            // records looked at per sweep
)

// EndingKinds are the notifications that state that work ended; they carry
// no link to the record.
var EndingKinds = []string{EndAccess, EndClosed, EndCancelled, EndFulfilled}

// serviceLoop are the notifications and clocks of the service-referral
// loop: they follow the service referral's own steps, not access to the
// record (the receiver works from its inbox).
var (
	serviceLoopKinds = []string{"service_referral", "service_referral_step"}
	serviceLoopRules = []string{ruleAck, ruleAckEmergency}
)

func inList(col string, xs []string) string {
	return col + ` IN ('` + strings.Join(xs, `', '`) + `')`
}

// orgSees reports whether an organisation still has access to a record:
// it owns it, a user of it is assigned, it keeps the register, or a legal
// grant or an active consent discloses the record to it (disclosedParts,
// the query relation() reads).
func orgSees(ctx context.Context, tx *store.Tx, personID, ownerOrg, orgID string, orgType nrm.OrgType) (bool, error) {
	if orgID == ownerOrg || orgType == nrm.OrgResponsibleAuthority {
		return true, nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assignments x JOIN users u ON u.id = x.user_id WHERE x.person_id = ? AND u.org_id = ?`,
		personID, orgID).Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	now := store.Micros(tx.Now)
	rows, err := tx.Query(ctx, disclosedParts, personID, orgID, now, personID, orgID, string(orgType), now)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}

// workPair is an organisation with open work on a record.
type workPair struct {
	person, owner, org string
	orgType            nrm.OrgType
}

// openWork selects the organisations with open work on records: open
// tasks, running clocks and unread notifications that lead to the record.
const openWork = `SELECT DISTINCT x.person_id, p.owner_org, x.org_id, o.type FROM (
	SELECT person_id, org_id FROM tasks WHERE state = 'open'
	UNION SELECT person_id, org_id FROM deadlines WHERE met_at = 0 AND NOT ` + "%RULES%" + `
	UNION SELECT person_id, org_id FROM notifications WHERE read_at = 0 AND NOT ` + "%KINDS%" + `
) x JOIN persons p ON p.id = x.person_id JOIN orgs o ON o.id = x.org_id WHERE 1 = 1`

func openWorkQuery() string {
	q := strings.Replace(openWork, "%RULES%", inList("rule", serviceLoopRules), 1)
	return strings.Replace(q, "%KINDS%", inList("kind", append(slices.Clone(serviceLoopKinds), EndingKinds...)), 1)
}

// sweepLostAccess ends the work of every organisation that lost access to
// a record, for one record (personID), for one organisation's records
// where a consent to it ended (orgID), or for the records whose consents
// expired lately (both empty: the job).
func (s *Service) sweepLostAccess(ctx context.Context, tx *store.Tx, personID, orgID string) error {
	q, args := openWorkQuery(), []any{}
	switch {
	case personID != "":
		q += ` AND x.person_id = ?`
		args = append(args, personID)
	case orgID != "":
		// Only records on which a consent naming the organisation (or its
		// type) has ended: the others cannot have lost it a consent.
		q += ` AND x.org_id = ? AND EXISTS (SELECT 1 FROM ` + consentJoin + ` WHERE r.person_id = x.person_id
			AND (r.org_id = x.org_id OR r.org_type = o.type) AND (c.withdrawn_at > 0 OR (c.expires_at > 0 AND c.expires_at <= ?)))`
		args = append(args, orgID, store.Micros(tx.Now))
	default:
		q += ` AND x.person_id IN (SELECT c.person_id FROM consents c WHERE c.expires_at > ? AND c.expires_at <= ?)`
		args = append(args, store.Micros(tx.Now.Add(-expiryLookBack)), store.Micros(tx.Now))
	}
	q += ` ORDER BY x.person_id, x.org_id LIMIT ?`
	args = append(args, sweepCandidates)
	pairs, err := collect(ctx, tx, func(r *sql.Rows) (workPair, error) {
		var w workPair
		return w, r.Scan(&w.person, &w.owner, &w.org, &w.orgType)
	}, q, args...)
	if err != nil {
		return err
	}
	sys := nrm.SystemActor("access")
	for _, w := range pairs {
		ok, err := orgSees(ctx, tx, w.person, w.owner, w.org, w.orgType)
		if err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		ended, err := s.endOrgWork(ctx, tx, sys, w.person, w.org, EndAccess, "")
		if err != nil {
			return err
		}
		if ended {
			if err := s.appendAudit(ctx, tx, sys, event{action: ActWorkEnded, subject: w.person, fields: []string{"org:" + w.org, "why:" + EndAccess}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// EndExpiredAccess is the background job that ends the work of the
// organisations whose consent to a record expired (withdrawal, revocation
// and closure end it at once, in their own transaction).
func (s *Service) EndExpiredAccess(ctx context.Context) error {
	return fail(s.db.Update(ctx, func(tx *store.Tx) error { return s.sweepLostAccess(ctx, tx, "", "") }))
}

// endOrgWork ends an organisation's open work on a record: its open tasks
// (or only the one named by taskID), their clocks (every clock of the
// organisation's when the whole access ended) and its unread notifications
// that lead to the record; then leaves one statement of why. It reports
// whether anything was ended.
func (s *Service) endOrgWork(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID, orgID, why, taskID string) (bool, error) {
	now := store.Micros(tx.Now)
	tq, targs := `SELECT id FROM tasks WHERE person_id = ? AND org_id = ? AND state = 'open'`, []any{personID, orgID}
	if taskID != "" {
		tq += ` AND id = ?`
		targs = append(targs, taskID)
	}
	tasks, err := collect(ctx, tx, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, tq+` ORDER BY created_at`, targs...)
	if err != nil {
		return false, err
	}
	n := int64(0)
	count := func(res sql.Result, err error) error {
		if err == nil {
			k, _ := res.RowsAffected()
			n += k
		}
		return err
	}
	for _, id := range tasks {
		if err := count(tx.Exec(ctx, `UPDATE tasks SET state = 'ended', ended_at = ?, ended_why = ?, version = version + 1 WHERE id = ? AND state = 'open'`,
			now, why, id)); err != nil {
			return false, err
		}
		if err := count(tx.Exec(ctx, `UPDATE deadlines SET met_at = ?, ended_at = ? WHERE person_id = ? AND ref = ? AND met_at = 0`, now, now, personID, id)); err != nil {
			return false, err
		}
		if err := count(tx.Exec(ctx, `UPDATE notifications SET read_at = ?, read_by = 'system' WHERE person_id = ? AND org_id = ? AND ref = ? AND read_at = 0`,
			now, personID, orgID, id)); err != nil {
			return false, err
		}
	}
	if why == EndAccess {
		if err := count(tx.Exec(ctx, `UPDATE deadlines SET met_at = ?, ended_at = ? WHERE person_id = ? AND org_id = ? AND met_at = 0 AND NOT `+
			inList("rule", serviceLoopRules), now, now, personID, orgID)); err != nil {
			return false, err
		}
		if err := count(tx.Exec(ctx, `UPDATE notifications SET read_at = ?, read_by = 'system' WHERE person_id = ? AND org_id = ? AND read_at = 0 AND NOT `+
			inList("kind", append(slices.Clone(serviceLoopKinds), EndingKinds...)), now, personID, orgID)); err != nil {
			return false, err
		}
	}
	if n == 0 {
		return false, nil
	}
	ref := ""
	if len(tasks) > 0 {
		ref = tasks[0]
	}
	if err := s.notify(ctx, tx, orgID, personID, why, ref); err != nil {
		return false, err
	}
	dir, err := s.orgDir(ctx, tx)
	if err != nil {
		return false, err
	}
	return true, s.tl(ctx, tx, a, personID, TLWorkEnded, nrm.PartSummary, map[string]string{"org": dir.byID[orgID].Name, "why": why})
}

// endTasksOnClosure ends every open task on a closed record. The other
// organisations are told that nothing more is needed from them.
func (s *Service) endTasksOnClosure(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) error {
	orgs, err := collect(ctx, tx, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT DISTINCT org_id FROM tasks WHERE person_id = ? AND state = 'open' ORDER BY org_id`, personID)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if _, err := s.endOrgWork(ctx, tx, a, personID, o, EndClosed, ""); err != nil {
			return err
		}
	}
	return nil
}

// endServiceReferral puts away the receiver's unread notifications of a
// cancelled service referral and stops its clocks, leaving the statement.
func (s *Service) endServiceReferral(ctx context.Context, tx *store.Tx, personID, referralID, toOrg string) error {
	now := store.Micros(tx.Now)
	if _, err := tx.Exec(ctx, `UPDATE deadlines SET met_at = ?, ended_at = ? WHERE person_id = ? AND ref = ? AND met_at = 0`, now, now, personID, referralID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ?, read_by = 'system' WHERE person_id = ? AND org_id = ? AND ref = ? AND read_at = 0`,
		now, personID, toOrg, referralID); err != nil {
		return err
	}
	return s.notify(ctx, tx, toOrg, personID, EndCancelled, referralID)
}

// AccessEnd is the statement an organisation gets where its work on a
// record ended.
type AccessEnd struct {
	Why string    // EndAccess, EndClosed, EndCancelled or EndFulfilled
	At  time.Time // when
}

// BreakGlassOffer says, for a record the reader cannot see (or sees only in
// part), whether an emergency opening is offered to them, and — when their
// organisation's work on it ended — the statement to show instead. It
// answers the same for a record that does not exist as for one out of
// reach, unless the organisation was told its access ended.
func (s *Service) BreakGlassOffer(ctx context.Context, a *nrm.Actor, personID string) (bool, *AccessEnd, error) {
	if !validID(personID) || a.OrgID == "" {
		return nrm.CanBreakGlass(a), nil, nil
	}
	var end *AccessEnd
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var kind string
		var at int64
		err := tx.QueryRow(ctx, `SELECT kind, created_at FROM notifications WHERE person_id = ? AND org_id = ? AND `+inList("kind", []string{EndAccess, EndClosed})+`
			ORDER BY created_at DESC LIMIT 1`, personID, a.OrgID).Scan(&kind, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		end = &AccessEnd{Why: kind, At: store.Time(at)}
		return nil
	})
	if err != nil {
		return false, nil, fail(err)
	}
	if end != nil {
		// The organisation was told nothing more is needed from it: an
		// invitation to break the glass would say the opposite.
		return false, end, nil
	}
	return nrm.CanBreakGlass(a), nil, nil
}

// glassOffer says whether the record page offers an emergency opening. An
// emergency needs to know who the person is and how to reach them: the
// opening is offered to a role that may use it, where the identity is
// withheld from it by the disclosure (not by its own role), on a record
// that holds an identity (not an anonymous notification, not erased) and
// is not already open to the reader. The account alone is never an
// emergency.
func glassOffer(a *nrm.Actor, p *personRow, w *Withheld) bool {
	return nrm.CanBreakGlass(a) && w != nil && hasPart(w.Parts, nrm.PartIdentity) && w.Basis != BasisOwn && w.Basis != BasisRole &&
		!p.rel.Glass && !p.Anonymous && p.ErasedAt.IsZero()
}

// fulfilTasks is the immediate-needs task and the service referral being
// one thing: a service referral of a kind that meets a need
// (nrm.NeedServiceKinds) fulfils the record's open tasks for that need. The
// task is done, its clock met, and an organisation whose task it was — if
// it is not the one now referred to, which has the referral in its inbox —
// is told that nothing more is needed from it.
func (s *Service) fulfilTasks(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID, serviceKind, referralID, toOrg string) error {
	var needs []string
	for _, n := range nrm.Needs {
		if slices.Contains(nrm.NeedServiceKinds[n], serviceKind) {
			needs = append(needs, string(n))
		}
	}
	if len(needs) == 0 {
		return nil
	}
	type task struct{ id, kind, org string }
	ts, err := collect(ctx, tx, func(r *sql.Rows) (task, error) {
		var t task
		return t, r.Scan(&t.id, &t.kind, &t.org)
	}, `SELECT id, kind, org_id FROM tasks WHERE person_id = ? AND state = 'open' AND `+inList("kind", needs)+` ORDER BY created_at`, personID)
	if err != nil {
		return err
	}
	now := store.Micros(tx.Now)
	for _, t := range ts {
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'done', done_at = ?, done_by = ?, fulfilled_by = ?, version = version + 1 WHERE id = ? AND state = 'open'`,
			now, a.UserID, referralID, t.id); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, personID, "immediate_needs", t.id); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, personID, TLTaskDone, nrm.PartSummary, map[string]string{"need": t.kind}); err != nil {
			return err
		}
		if t.org == a.OrgID {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ?, read_by = 'system' WHERE person_id = ? AND org_id = ? AND ref = ? AND read_at = 0`,
			now, personID, t.org, t.id); err != nil {
			return err
		}
		if t.org != toOrg {
			if err := s.notify(ctx, tx, t.org, personID, EndFulfilled, t.id); err != nil {
				return err
			}
		}
	}
	return nil
}
