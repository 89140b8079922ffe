package door

import (
	"context"
	"database/sql"
	"errors"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/store"
)

// statisticsConsent is the condition, on persons p, that an active consent covers
// statistics (argument: now). The jurisdiction profile has no legal basis for statistics
// without consent yet: when it gets one, it is one more OR here.
const statisticsConsent = `EXISTS (SELECT 1 FROM consents c WHERE c.person_id = p.id AND c.purpose = 'statistics'
	AND c.withdrawn_at = 0 AND c.superseded_at = 0 AND (c.expires_at = 0 OR c.expires_at > ?))`

// ExportHTCDS streams, as records of IOM's Human Trafficking Case Data Standard v2.0
// (htcds.Record: identity stripped, a child's no more precise than the year), the records
// an organisation may take away — the same selection and policy as ExportPersons — whose
// person has an active consent to statistics. Only the summary part is read: identity and
// account are never decrypted. Records visible only through break-glass are left out.
// Each exported record gets its own audit entry (ActHTCDSExport), committed before emit
// sees it. f.Limit, when set, caps the count. It returns how many records were emitted.
func (s *Service) ExportHTCDS(ctx context.Context, a *nrm.Actor, f PersonFilter, emit func(map[string]string) error) (int, error) {
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
		var chunk []map[string]string
		var last []keyset
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			chunk = chunk[:0]
			q := `SELECT p.created_at, p.id FROM persons p WHERE (p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?) OR ` + disclosedTo + `)
			AND ` + statisticsConsent
			args := append([]any{a.OrgID, a.UserID}, disclosedArgs(a, tx.Now)...)
			args = append(args, store.Micros(tx.Now))
			q, args = statusRegion(q, args, f.Status, f.Region)
			q, args = pos.after(q, args, size)
			var err error
			if last, err = page(ctx, tx, q, args); err != nil {
				return err
			}
			for _, k := range last {
				p, _, err := s.load(ctx, tx, a, k.id, nrm.Read)
				if _, ok := err.(*denied); ok || err == nil && p.glass {
					continue // selected, but the policy gives this role nothing of it (or only in an emergency)
				} else if err != nil {
					return err
				}
				var by string
				err = tx.QueryRow(ctx, `SELECT referrer_type FROM referrals WHERE person_id = ? ORDER BY created_at, id LIMIT 1`, p.ID).Scan(&by)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				chunk = append(chunk, htcds.Record(p.Person, htcds.Extra{By: by}))
				if err := s.appendAudit(ctx, tx, a, event{action: ActHTCDSExport, subject: p.ID, fields: []string{string(nrm.PartSummary)}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fail(err)
		}
		for _, rec := range chunk {
			if err := emit(rec); err != nil {
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
