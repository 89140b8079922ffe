package door

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/store"
)

// statisticsConsent is the condition, on persons p, that an active consent covers
// statistics (argument: now). It decides who the statistics count where the
// jurisdiction requires consent (door/monitor.go) and who an HTCDS export may carry
// (always: the records leave for another organisation).
const statisticsConsent = `EXISTS (SELECT 1 FROM consents c WHERE c.person_id = p.id AND c.purpose = 'statistics'
	AND c.withdrawn_at = 0 AND c.superseded_at = 0 AND (c.expires_at = 0 OR c.expires_at > ?))`

// ExportHTCDS streams, as records of IOM's Human Trafficking Case Data Standard v2.0
// (htcds.Record: identity stripped, a child's no more precise than the year), the records
// an organisation may take away — the same selection and policy as ExportPersons
// (walkExport) — whose person has an active consent to statistics. Only the summary part
// is read: identity and account are never decrypted. Records visible only through
// break-glass are left out. Each exported record gets its own audit entry
// (ActHTCDSExport), committed before emit sees it. It returns how many were emitted.
func (s *Service) ExportHTCDS(ctx context.Context, a *nrm.Actor, f PersonFilter, emit func(map[string]string) error) (int, error) {
	consented := func(now time.Time) (string, []any) { return statisticsConsent, []any{store.Micros(now)} }
	return walkExport(ctx, s, a, f, consented, func(tx *store.Tx, id string) (map[string]string, bool, error) {
		p, _, err := s.load(ctx, tx, a, id, nrm.Read)
		if _, ok := err.(*denied); ok || err == nil && p.glass {
			return nil, false, nil // selected, but the policy gives this role nothing of it (or only in an emergency)
		} else if err != nil {
			return nil, false, err
		}
		// Who referred first: the referrer type, or the referring organisation's type
		// (the same reading as the statistics' facts), and the kind of online platform.
		var rt, ot, platform string
		err = tx.QueryRow(ctx, `SELECT r.referrer_type, o.type, r.online_platform FROM referrals r JOIN orgs o ON o.id = r.org_id
			WHERE r.person_id = ? ORDER BY r.created_at, r.id LIMIT 1`, p.ID).Scan(&rt, &ot, &platform)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, false, err
		}
		if rt == "" {
			rt = ot
		}
		pp := p.Person // its dates are the jurisdiction's days
		pp.FirstContactAt, pp.CreatedAt = s.local(pp.FirstContactAt), s.local(pp.CreatedAt)
		rec := htcds.Record(pp, htcds.Extra{By: rt, Platform: platform})
		err = s.appendAudit(ctx, tx, a, event{action: ActHTCDSExport, subject: p.ID, fields: []string{string(nrm.PartSummary)}})
		return rec, err == nil, err
	}, emit)
}
