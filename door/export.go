package door

import (
	"context"
	"database/sql"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// MaxExport bounds one export.
const MaxExport = 10000

// ExportPersons returns the records an organisation may take away (its
// own, those assigned, those disclosed to it), each with exactly the parts
// the actor may read at this moment — the same decision as a page or an
// API read, so a consent's scope, withdrawal or expiry shows here too. A
// child's identity and account never leave in an export, whatever the
// reader's rights. Each exported record gets its own audit entry.
func (s *Service) ExportPersons(ctx context.Context, a *nrm.Actor, f PersonFilter) ([]nrm.Person, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !readsRecords(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > MaxExport {
		f.Limit = MaxExport
	}
	var out []nrm.Person
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		q := `SELECT id FROM persons p WHERE (p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?) OR ` + disclosedTo + `)`
		args := append([]any{a.OrgID, a.UserID}, disclosedArgs(a, tx.Now)...)
		q, args = statusRegion(q, args, f.Status, f.Region)
		q += ` ORDER BY p.created_at, p.id LIMIT ?`
		args = append(args, f.Limit)
		ids, err := collect(ctx, tx, scanString, q, args...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, parts, err := s.load(ctx, tx, a, id, nrm.Read)
			if _, ok := err.(*denied); ok {
				continue // selected, but the policy gives this role nothing of it
			} else if err != nil {
				return err
			}
			if p.IsChild() {
				parts = []nrm.Part{nrm.PartSummary}
			}
			if err := s.reveal(ctx, tx, p, parts); err != nil {
				return err
			}
			out = append(out, p.Person)
			if err := s.appendAudit(ctx, tx, a, event{action: ActExport, subject: p.ID, fields: partNames(parts), breakGlass: p.glass}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, fail(err)
}

func scanString(rows *sql.Rows) (string, error) {
	var v string
	return v, rows.Scan(&v)
}
