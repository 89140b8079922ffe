package door

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Bulk work — exporting or reassigning many records at once — has no cap.
// It runs in chunks: each chunk is one transaction that reads or writes its
// records and appends one audit entry per record, so a long job neither
// holds the writer for its whole length nor keeps more than a chunk in
// memory, and nothing leaves the door before the audit entries that
// record it have committed.

// bulkChunk is how many records one transaction of a bulk job handles.
const bulkChunk = 500

// keyset is the position of a chunked walk over persons in (created_at,
// id) order.
type keyset struct {
	at int64
	id string
}

// after narrows q (which selects p.created_at, p.id FROM persons p WHERE …)
// to the records after k, in order, one chunk. The row-value comparison
// lets both engines seek in persons_created, so a page costs the same at
// the millionth record as at the first (an OR of the two columns made every
// page scan and sort the register: quadratic over an export).
func (k keyset) after(q string, args []any, limit int) (string, []any) {
	q += ` AND (p.created_at, p.id) > (?, ?) ORDER BY p.created_at, p.id LIMIT ?`
	return q, append(args, k.at, k.id, limit)
}

// page reads one chunk's positions.
func page(ctx context.Context, tx *store.Tx, q string, args []any) ([]keyset, error) {
	return collect(ctx, tx, func(rows *sql.Rows) (keyset, error) {
		var k keyset
		return k, rows.Scan(&k.at, &k.id)
	}, q, args...)
}

// ExportPersons streams the records an organisation may take away (its
// own, those assigned, those disclosed to it), each with exactly the parts
// the actor may read at this moment — the same decision as a page or an
// API read, so a consent's scope, withdrawal or expiry shows here too. A
// child's identity and account never leave in an export, whatever the
// reader's rights. Each exported record gets its own audit entry, committed
// before emit sees the record. There is no cap: f.Limit, when set, is the
// caller's own. It returns how many records were emitted.
func (s *Service) ExportPersons(ctx context.Context, a *nrm.Actor, f PersonFilter, emit func(nrm.Person) error) (int, error) {
	return walkExport(ctx, s, a, f, nil, func(tx *store.Tx, id string) (nrm.Person, bool, error) {
		p, parts, err := s.load(ctx, tx, a, id, nrm.Read)
		if _, ok := err.(*denied); ok {
			return nrm.Person{}, false, nil // selected, but the policy gives this role nothing of it
		} else if err != nil {
			return nrm.Person{}, false, err
		}
		if p.IsChild() {
			parts = []nrm.Part{nrm.PartSummary}
		}
		if err := s.reveal(ctx, tx, p, parts); err != nil {
			return nrm.Person{}, false, err
		}
		err = s.appendAudit(ctx, tx, a, event{action: ActExport, subject: p.ID, fields: partNames(parts), breakGlass: p.glass})
		return p.Person, err == nil, err
	}, emit)
}

// walkExport pages through the records an organisation may take away (its
// own, those assigned, those disclosed to it), narrowed by f and by cond
// (an extra SQL condition on p with its arguments, from the chunk's clock),
// in transactions of bulkChunk records. visit reads one record inside the
// chunk's transaction and appends its audit entry, or leaves it out; the
// chunk commits — audit included — before emit sees any of it. There is no
// cap: f.Limit, when set, is the caller's own.
func walkExport[T any](ctx context.Context, s *Service, a *nrm.Actor, f PersonFilter, cond func(now time.Time) (string, []any),
	visit func(tx *store.Tx, id string) (T, bool, error), emit func(T) error) (int, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return 0, err
	}
	if !readsRecords(a) {
		return 0, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var pos keyset
	n := 0
	for {
		size := bulkChunk
		if f.Limit > 0 {
			size = min(size, f.Limit-n)
		}
		var chunk []T
		var last []keyset
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			chunk = chunk[:0]
			q := `SELECT p.created_at, p.id FROM persons p WHERE (p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?) OR ` + disclosedTo + `)`
			args := append([]any{a.OrgID, a.UserID}, disclosedArgs(a, tx.Now)...)
			if cond != nil {
				c, ca := cond(tx.Now)
				q, args = q+" AND "+c, append(args, ca...)
			}
			q, args = statusRegion(q, args, f.Status, f.Region)
			q, args = pos.after(q, args, size)
			var err error
			if last, err = page(ctx, tx, q, args); err != nil {
				return err
			}
			for _, k := range last {
				v, ok, err := visit(tx, k.id)
				if err != nil {
					return err
				}
				if ok {
					chunk = append(chunk, v)
				}
			}
			return nil
		})
		if err != nil {
			return n, fail(err)
		}
		for _, v := range chunk {
			if err := emit(v); err != nil {
				return n, err
			}
			n++
		}
		if len(last) < size || f.Limit > 0 && n >= f.Limit {
			return n, nil
		}
		pos = last[len(last)-1]
	}
}

// ReassignInput moves records from one worker to another of the same
// organisation: every record of the organisation assigned to From, or only
// the records named in IDs.
type ReassignInput struct {
	From, To string
	IDs      []string
}

// Reassign moves assignments in bulk — a case manager leaves, or a team's
// load is shared out — for records the actor's organisation owns, as
// Assign does one at a time. Each moved record gets an audit entry.
// It returns how many records moved.
func (s *Service) Reassign(ctx context.Context, a *nrm.Actor, in ReassignInput) (int, error) {
	if !nrm.WorksCases(a) {
		return 0, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return 0, err
	}
	if err := s.worksHere(ctx, a, in.To, "to_user"); err != nil {
		return 0, err
	}
	if in.From != "" {
		if err := s.worksHere(ctx, a, in.From, "from_user"); err != nil {
			return 0, err
		}
		if in.From == in.To {
			return 0, nrm.FieldError("to_user", "error.same_worker")
		}
	} else if len(in.IDs) == 0 {
		return 0, nrm.FieldError("from_user", "error.required")
	}
	if len(in.IDs) > 0 {
		in.IDs = slices.Compact(slices.Sorted(slices.Values(in.IDs)))
	}
	var pos keyset
	n := 0
	for {
		var last []keyset
		err := s.access(ctx, a, ActReassign, func(tx *store.Tx) error {
			q := `SELECT p.created_at, p.id FROM persons p WHERE p.owner_org = ?`
			args := []any{a.OrgID}
			if in.From != "" {
				q += ` AND EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?)`
				args = append(args, in.From)
			}
			var err error
			if len(in.IDs) > 0 {
				// Named records: a chunk of the list at a time, every one
				// of them the organisation's (and From's, when named).
				ids := in.IDs[n:min(n+bulkChunk, len(in.IDs))]
				q += ` AND p.id IN (?` + strings.Repeat(", ?", len(ids)-1) + `) ORDER BY p.created_at, p.id`
				for _, id := range ids {
					args = append(args, id)
				}
				if last, err = page(ctx, tx, q, args); err != nil {
					return err
				}
				if len(last) != len(ids) {
					return nrm.FieldError("ids", "error.not_yours")
				}
			} else {
				q, args = pos.after(q, args, bulkChunk)
				if last, err = page(ctx, tx, q, args); err != nil {
					return err
				}
			}
			for _, k := range last {
				if err := s.move(ctx, tx, a, k.id, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(last)
		if len(in.IDs) > 0 && n < len(in.IDs) || len(in.IDs) == 0 && len(last) == bulkChunk {
			if len(last) > 0 {
				pos = last[len(last)-1]
			}
			continue
		}
		return n, nil
	}
}

// move reassigns one record inside a bulk transaction, with its audit entry.
func (s *Service) move(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string, in ReassignInput) error {
	fields := []string{"assign:" + in.To}
	if in.From != "" {
		if _, err := tx.Exec(ctx, `DELETE FROM assignments WHERE person_id = ? AND user_id = ?`, personID, in.From); err != nil {
			return err
		}
		fields = append(fields, "unassign:"+in.From)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO assignments (person_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (person_id, user_id) DO NOTHING`,
		personID, in.To, store.Micros(tx.Now)); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, a, event{action: ActReassign, subject: personID, fields: fields})
}

// worksHere checks that a user is an active worker of the actor's
// organisation, naming the field when not.
func (s *Service) worksHere(ctx context.Context, a *nrm.Actor, userID, field string) error {
	if userID == "" {
		return nrm.FieldError(field, "error.required")
	}
	var org, roles string
	var disabled int
	err := s.db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT org_id, roles, disabled FROM users WHERE id = ?`, userID).Scan(&org, &roles, &disabled)
	})
	if err != nil || org != a.OrgID || disabled != 0 {
		return nrm.FieldError(field, "error.not_a_colleague")
	}
	u := &nrm.Actor{Roles: nrm.ParseRoles(roles)}
	if !nrm.WorksCases(u) {
		return nrm.FieldError(field, "error.not_a_colleague")
	}
	return nil
}

// Colleague is a worker of the actor's organisation, as a reassignment
// form offers them.
type Colleague struct {
	ID, Name string
	Assigned int // records assigned to them now
}

// Colleagues lists the active case workers of the actor's organisation.
func (s *Service) Colleagues(ctx context.Context, a *nrm.Actor) ([]Colleague, error) {
	if !nrm.WorksCases(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []Colleague
	err := s.db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.display_name, u.roles, (SELECT COUNT(*) FROM assignments x JOIN persons p ON p.id = x.person_id
			WHERE x.user_id = u.id AND p.owner_org = u.org_id) FROM users u WHERE u.org_id = ? AND u.disabled = 0 ORDER BY u.display_name, u.id`, a.OrgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Colleague
			var roles string
			if err := rows.Scan(&c.ID, &c.Name, &roles, &c.Assigned); err != nil {
				return err
			}
			if nrm.WorksCases(&nrm.Actor{Roles: nrm.ParseRoles(roles)}) {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, fail(err)
}
