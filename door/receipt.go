package door

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// ActReceipt is the audit action of a referrer reading their receipt.
const ActReceipt = "referral.receipt"

// Receipt is what the referrer keeps of a referral they sent (issue 15,
// part 6): who sent it and when, the code the record is known by, and the
// deadlines that started with it and who is responsible for each. It never
// carries the person's identity: the code is how the referrer asks after
// the person later.
type Receipt struct {
	ReferralID string
	Code       string // the record's code
	OrgName    string // the referrer's organisation
	SentAt     time.Time
	Child      bool // the person is or may be a child (the child protection unit was notified)
	Deadlines  []nrm.Deadline
}

// Receipt reads the receipt of a referral. Only the user who sent it may
// read it (anyone else: not found); the reading is audited.
func (s *Service) Receipt(ctx context.Context, a *nrm.Actor, referralID string) (*Receipt, error) {
	if a.UserID == "" || a.System || !validID(referralID) {
		return nil, nrm.ErrNotFound
	}
	var out *Receipt
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		rc := &Receipt{ReferralID: referralID}
		var pid, ageGroup string
		var created int64
		var presumed int64
		err := tx.QueryRow(ctx, `SELECT r.person_id, p.code, o.name, r.created_at, p.age_group, p.presumed_child
			FROM referrals r JOIN persons p ON p.id = r.person_id JOIN orgs o ON o.id = r.org_id
			WHERE r.id = ? AND r.user_id = ?`, referralID, a.UserID).Scan(&pid, &rc.Code, &rc.OrgName, &created, &ageGroup, &presumed)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.ErrNotFound
		} else if err != nil {
			return err
		}
		rc.SentAt, rc.Child = store.Time(created), ageGroup == string(nrm.AgeChild) || store.Bool(presumed)
		// The deadlines started with the referral carry its very timestamp.
		rc.Deadlines, err = collect(ctx, tx, func(rows *sql.Rows) (nrm.Deadline, error) {
			var d nrm.Deadline
			var st, due int64
			err := rows.Scan(&d.Rule, &d.OrgID, &d.OrgName, &st, &due, &d.LegalRef)
			d.StartedAt, d.DueAt = store.Time(st), store.Time(due)
			return d, err
		}, `SELECT d.rule, d.org_id, o.name, d.started_at, d.due_at, d.legal_ref FROM deadlines d JOIN orgs o ON o.id = d.org_id
			WHERE d.person_id = ? AND d.started_at = ? ORDER BY d.due_at, d.rule`, pid, created)
		if err != nil {
			return err
		}
		out = rc
		return s.appendAudit(ctx, tx, a, event{action: ActReceipt, subject: pid, fields: []string{"referral:" + referralID, string(nrm.PartSummary)}})
	})
	if err != nil {
		return nil, fail(err)
	}
	return out, nil
}
