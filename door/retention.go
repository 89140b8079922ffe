package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// Retention (issue #4, point 5). A record past the period its kind is kept
// for (the jurisdiction profile's "retention"), counted from its last
// activity, and not on legal hold, is crypto-shredded: its data key and
// every ciphertext, blind index and free-text cell tied to the person are
// deleted or overwritten, while the pseudonymous code and the summary stay
// for statistics. Expired drafts are deleted. The job runs as the system
// and audits each record it erases (never what it erased).

// erasable lists, per table, the cells that hold something about a person:
// ciphertext under the person's data key or free text. The persons row is
// handled on its own (blind indexes, erased_at).
var erasable = []struct {
	table string
	cols  []string
}{
	{"referrals", []string{"referrer_outside", "met_place", "safety_note", "judged_reason", "account"}},
	{"status_changes", []string{"reason"}},
	{"tasks", []string{"note"}},
	{"guardians", []string{"name", "contact"}},
	{"identification_requests", []string{"explanation"}},
	{"decisions", []string{"reasons", "gender_reason", "child_views", "handover"}},
	{"return_steps", []string{"note"}},
	{"interviews", []string{"gender_reason", "statement"}},
	{"service_referrals", []string{"note"}},
	{"service_referral_steps", []string{"reason"}},
	{"advocates", []string{"name", "contact"}},
	{"needs", []string{"note"}},
	{"plan_goals", []string{"text", "action"}},
	{"safety_plans", []string{"measures"}},
	{"closures", []string{"note", "reopen_note"}},
	{"follow_ups", []string{"note"}},
	{"return_risk_assessments", []string{"note"}},
	{"child_return_assessments", []string{"child_views", "note"}},
	{"receiving_contacts", []string{"organisation", "contact"}},
	{"person_links", []string{"name", "note"}},
	{"justice_proceedings", []string{"police_ref", "witness_note"}},
	{"justice_stages", []string{"reference"}},
}

// erasedPersonCols are the persons columns set to NULL.
var erasedPersonCols = append(append([]string{}, identityCols...), "narrative", "justice_note", "legal_hold_reason")

// RetentionReport says what a retention run did.
type RetentionReport struct {
	Configured bool           // the profile sets retention periods; false: nothing was erased
	Erased     map[string]int // records erased, by retention kind (rules.RetentionKinds)
	Codes      []string       // the pseudonymous codes of the erased records
	Held       int            // records past their period but kept by a legal hold
}

// retentionBatch bounds how many records one transaction erases.
const retentionBatch = 100

// RunRetention is the retention job. It runs as the system.
func (s *Service) RunRetention(ctx context.Context) (RetentionReport, error) {
	rep := RetentionReport{Erased: map[string]int{}}
	person, ok1 := s.profile.Retention(rules.RetainPerson)
	anon, ok2 := s.profile.Retention(rules.RetainAnonymous)
	draft, ok3 := s.profile.Retention(rules.RetainDraft)
	if !ok1 || !ok2 || !ok3 {
		return rep, nil
	}
	rep.Configured = true
	a := nrm.SystemActor("retention")
	now := s.Now()
	cutP, cutA := store.Micros(person.Before(now)), store.Micros(anon.Before(now))
	// Past its period: the record and every timeline entry of it are older
	// than its kind's cutoff.
	past := `p.erased_at = 0 AND p.updated_at < CASE WHEN p.anonymous = 1 THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END
		AND NOT EXISTS (SELECT 1 FROM timeline t WHERE t.person_id = p.id AND t.at >= CASE WHEN p.anonymous = 1 THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)`
	for {
		n := 0
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			type victim struct {
				id, code string
				anon     int64
			}
			vs, err := collect(ctx, tx, func(rows *sql.Rows) (victim, error) {
				var v victim
				return v, rows.Scan(&v.id, &v.code, &v.anon)
			}, `SELECT p.id, p.code, p.anonymous FROM persons p WHERE p.legal_hold = 0 AND `+past+` ORDER BY p.id LIMIT ?`+tx.ForUpdate(),
				cutA, cutP, cutA, cutP, retentionBatch)
			if err != nil {
				return err
			}
			for _, v := range vs {
				kind := rules.RetainPerson
				if v.anon == 1 {
					kind = rules.RetainAnonymous
				}
				if err := s.erase(ctx, tx, a, v.id, kind); err != nil {
					return err
				}
				rep.Erased[kind]++
				rep.Codes = append(rep.Codes, v.code)
			}
			n = len(vs)
			return nil
		})
		if err != nil {
			return rep, fail(err)
		}
		if n < retentionBatch {
			break
		}
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE p.legal_hold = 1 AND `+past, cutA, cutP, cutA, cutP).Scan(&rep.Held); err != nil {
			return err
		}
		n, err := s.deleteDrafts(ctx, tx, a, draft.Before(now))
		rep.Erased[rules.RetainDraft] = n
		return err
	})
	if err != nil {
		return rep, fail(err)
	}
	if len(rep.Codes) > 0 || rep.Erased[rules.RetainDraft] > 0 {
		tables := []string{"persons", "subject_keys", "drafts", "breakglass"}
		for _, e := range erasable {
			tables = append(tables, e.table)
		}
		if err := s.db.Scrub(ctx, tables...); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// erase crypto-shreds one record inside tx.
func (s *Service) erase(ctx context.Context, tx *store.Tx, a *nrm.Actor, id, kind string) error {
	set := make([]string, 0, len(erasedPersonCols)+4)
	for _, c := range erasedPersonCols {
		set = append(set, c+" = NULL")
	}
	set = append(set, "name_bidx = ''", "dup_bidx = ''", "erased_at = ?", "version = version + 1")
	if _, err := tx.Exec(ctx, `UPDATE persons SET `+strings.Join(set, ", ")+` WHERE id = ?`, store.Micros(tx.Now), id); err != nil {
		return err
	}
	for _, e := range erasable {
		cs := make([]string, len(e.cols))
		for i, c := range e.cols {
			cs[i] = c + " = NULL"
		}
		if _, err := tx.Exec(ctx, `UPDATE `+e.table+` SET `+strings.Join(cs, ", ")+` WHERE person_id = ?`, id); err != nil {
			return err
		}
	}
	// Break-glass reasons are kept encrypted under a system key; the
	// opening itself (who, when) stays for the DPO.
	if _, err := tx.Exec(ctx, `UPDATE breakglass SET reason = ? WHERE person_id = ?`, []byte{}, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM subject_keys WHERE subject_id = ?`, id); err != nil {
		return err
	}
	s.vault.Forget(id)
	tx.AfterCommit(func() { s.vault.Forget(id) })
	if err := s.tl(ctx, tx, a, id, TLErased, nrm.PartSummary, map[string]string{"kind": kind}); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, a, event{action: ActErase, subject: id, fields: []string{"kind:" + kind}})
}

// deleteDrafts deletes the drafts last saved before cutoff, one audit entry each.
func (s *Service) deleteDrafts(ctx context.Context, tx *store.Tx, a *nrm.Actor, cutoff time.Time) (int, error) {
	ids, err := collect(ctx, tx, func(rows *sql.Rows) (string, error) {
		var id string
		return id, rows.Scan(&id)
	}, `SELECT id FROM drafts WHERE updated_at < ? ORDER BY id`, store.Micros(cutoff))
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `DELETE FROM drafts WHERE id = ?`, id); err != nil {
			return 0, err
		}
		if err := s.appendAudit(ctx, tx, a, event{action: ActErase, subject: "draft:" + id, fields: []string{"kind:" + rules.RetainDraft}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// SetLegalHold puts a record on legal hold (on) or lifts the hold. While
// held, retention never erases it. The reason is required to put a hold
// and is kept encrypted with the person's key. Who may: nrm.CanSetLegalHold.
// The hold needs no sight of the record and discloses nothing of it.
func (s *Service) SetLegalHold(ctx context.Context, a *nrm.Actor, personID string, on bool, reason string) error {
	if !nrm.CanSetLegalHold(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if on && reason == "" {
		return nrm.FieldError("reason", "error.required")
	}
	if utf8.RuneCountInString(reason) > nrm.MaxShortText*5 {
		return nrm.FieldError("reason", "error.too_long", nrm.MaxShortText*5)
	}
	return s.access(ctx, a, ActLegalHold, func(tx *store.Tx) error {
		p, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM persons WHERE id = ?`+tx.ForUpdate(), personID), false)
		if errors.Is(err, sql.ErrNoRows) {
			return &denied{subject: personID}
		} else if err != nil {
			return err
		}
		if !p.ErasedAt.IsZero() {
			return nrm.Errorf(nrm.EConflict, "error.erased")
		}
		var ct []byte
		if on {
			if ct, err = s.sealFor(ctx, tx, p, "persons", "legal_hold_reason", p.ID, reason); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE persons SET legal_hold = ?, legal_hold_reason = ? WHERE id = ?`, store.Int(on), ct, p.ID); err != nil {
			return err
		}
		state := map[bool]string{true: "on", false: "off"}[on]
		if err := s.tl(ctx, tx, a, p.ID, TLLegalHold, nrm.PartSummary, map[string]string{"hold": state}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActLegalHold, subject: p.ID, fields: []string{"hold:" + state}})
	})
}
