package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/nrm-org/nrm/store"
)

// personTables are the tables whose rows belong to one person (id and
// person_id): an audit entry about such a row names the person's record
// code, not the row's id. The justice track's tables are left out: no code
// outside it names them (TestNoGateOnJusticeData); its entries name the
// person.
var personTables = []string{
	"grants", "breakglass", "referrals", "status_changes", "tasks", "deadlines", "notifications", "guardians",
	"identification_requests", "decisions", "return_steps", "timeline", "consents", "measures", "interviews",
	"service_referrals", "service_referral_steps", "advocates", "needs_assessments", "support_plans", "plan_goals",
	"safety_plans", "closures", "follow_ups", "return_risk_assessments", "child_return_assessments",
	"receiving_contacts", "person_links",
}

// subjectCodeQuery finds the record code of a subject that is a person or
// a row of one person (one argument per branch, all the subject).
var subjectCodeQuery = func() string {
	var b strings.Builder
	b.WriteString(`SELECT code FROM persons WHERE id = ? OR id IN (`)
	for i, t := range personTables {
		if i > 0 {
			b.WriteString(` UNION ALL `)
		}
		b.WriteString(`SELECT person_id FROM ` + t + ` WHERE id = ?`)
	}
	b.WriteString(`)`)
	return b.String()
}()

// nameAudit gives the DPO's audit entries their words: who acted (the
// user's name and organisation) and which record (its code) or user the
// entry is about, so the view never shows a bare id.
func (s *Service) nameAudit(ctx context.Context, tx *store.Tx, es []AuditEntry) error {
	users, orgs, subjects := map[string]string{}, map[string]string{}, map[string][2]string{}
	one := func(q, id string, cache map[string]string) (string, error) {
		if v, ok := cache[id]; ok || id == "" {
			return v, nil
		}
		var v string
		err := tx.QueryRow(ctx, q, id).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		cache[id] = v
		return v, nil
	}
	for i := range es {
		e := &es[i]
		var err error
		if e.ActorName, err = one(`SELECT display_name FROM users WHERE id = ?`, e.ActorUser, users); err != nil {
			return err
		}
		if e.OrgName, err = one(`SELECT name FROM orgs WHERE id = ?`, e.ActorOrg, orgs); err != nil {
			return err
		}
		if e.Subject == "" {
			continue
		}
		sub, ok := subjects[e.Subject]
		if !ok {
			args := make([]any, len(personTables)+1)
			for j := range args {
				args[j] = e.Subject
			}
			err := tx.QueryRow(ctx, subjectCodeQuery, args...).Scan(&sub[0])
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if sub[0] == "" {
				if sub[1], err = one(`SELECT display_name FROM users WHERE id = ?`, e.Subject, users); err != nil {
					return err
				}
			}
			subjects[e.Subject] = sub
		}
		e.SubjectCode, e.SubjectUser = sub[0], sub[1]
	}
	return nil
}
