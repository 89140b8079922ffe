package door

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// The pieces every case action shares: the timeline, clocks, notifications,
// disclosure grants and the directory of organisations. Each is written in
// the caller's transaction, so an action and its traces land together or
// not at all.

// orgDir is the directory of organisations, read once per transaction that
// needs it (a few dozen rows).
type orgDir struct {
	byID map[string]nrm.Org
	list []nrm.Org
}

func (s *Service) orgDir(ctx context.Context, tx *store.Tx) (*orgDir, error) {
	list, err := orgList(ctx, tx)
	if err != nil {
		return nil, err
	}
	d := &orgDir{byID: make(map[string]nrm.Org, len(list)), list: list}
	for _, o := range list {
		d.byID[o.ID] = o
	}
	return d, nil
}

// pick returns the first organisation of the preferred types that serves the
// region, else the first of those types anywhere.
func (d *orgDir) pick(region string, types ...nrm.OrgType) (nrm.Org, bool) {
	for _, t := range types {
		for _, o := range d.list {
			if o.Type == t && (region == "" || slices.Contains(o.Regions, region)) {
				return o, true
			}
		}
	}
	for _, t := range types {
		for _, o := range d.list {
			if o.Type == t {
				return o, true
			}
		}
	}
	return nrm.Org{}, false
}

// ofType lists organisations of a type.
func (d *orgDir) ofType(t nrm.OrgType) []nrm.Org {
	var out []nrm.Org
	for _, o := range d.list {
		if o.Type == t {
			out = append(out, o)
		}
	}
	return out
}

// Timeline entry kinds (labels "timeline.<kind>" in the catalogue).
const (
	TLReferred          = "referred"
	TLStatus            = "status"
	TLTaskOpened        = "task_opened"
	TLTaskDone          = "task_done"
	TLChild             = "child_presumed"
	TLCPUNotified       = "cpu_notified"
	TLGuardian          = "guardian_recorded"
	TLAgeAssessed       = "age_assessed"
	TLReflection        = "reflection_started"
	TLIDRequested       = "identification_requested"
	TLDecisionDrafted   = "decision_drafted"
	TLDecisionSigned    = "decision_signed"
	TLDecisionEffective = "decision_effective"
	TLReturnStep        = "return_step"
	TLReturnRefused     = "return_refused"
	TLNonPunishment     = "non_punishment"
	TLDuplicate         = "duplicate_flagged"
	TLDuplicateResolved = "duplicate_resolved"
	TLRegistered        = "registered"
	TLDeadlineMissed    = "deadline_missed"
	TLReferredAgain     = "referred_again"
	TLConsent           = "consent_recorded"
	TLConsentWithdrawn  = "consent_withdrawn"
	TLMeasure           = "measure_recorded"
	TLMeasureInterim    = "measure_interim"
	TLCourtRuling       = "court_ruling"
	TLInterview         = "interview_recorded"
	TLLegalHold         = "legal_hold"
	TLErased            = "erased"
	TLServiceReferred   = "service_referred"
	TLServiceStep       = "service_step"
	TLAdvocate          = "advocate_recorded"
	TLNeeds             = "needs_assessed"
	TLPlan              = "plan_recorded"
	TLSafetyPlan        = "safety_plan_recorded"
	TLClosed            = "record_closed"
	TLReopened          = "record_reopened"
	TLFollowUp          = "follow_up_recorded"
	// Return and reintegration, linked persons, justice (issue #5 §5–6).
	TLReturnRisk       = "return_risk"
	TLChildAssessment  = "child_assessment"
	TLReceivingContact = "receiving_contact"
	TLPersonLinked     = "person_linked"
	TLLinkReferred     = "link_referred"
	TLJusticeReport    = "justice_report"
	TLJusticeStage     = "justice_stage"
	TLProtective       = "protective_measure"
	TLCompensation     = "compensation"
	TLPermit           = "residence_permit"
	// Work that ended with access (access_end.go) is TLWorkEnded.
)

// TimelineKinds lists every kind, for the catalogue test.
var TimelineKinds = []string{TLReferred, TLStatus, TLTaskOpened, TLTaskDone, TLChild, TLCPUNotified, TLGuardian, TLAgeAssessed,
	TLReflection, TLIDRequested, TLDecisionDrafted, TLDecisionSigned, TLDecisionEffective, TLReturnStep, TLReturnRefused,
	TLNonPunishment, TLDuplicate, TLDuplicateResolved, TLRegistered, TLDeadlineMissed, TLReferredAgain,
	TLConsent, TLConsentWithdrawn, TLMeasure, TLMeasureInterim, TLCourtRuling, TLInterview, TLLegalHold, TLErased,
	TLServiceReferred, TLServiceStep, TLAdvocate, TLNeeds, TLPlan, TLSafetyPlan, TLClosed, TLReopened, TLFollowUp,
	TLReturnRisk, TLChildAssessment, TLReceivingContact, TLPersonLinked, TLLinkReferred,
	TLJusticeReport, TLJusticeStage, TLProtective, TLCompensation, TLPermit, TLWorkEnded}

// tl appends a timeline entry. Args are codes and names of organisations,
// never personal data.
func (s *Service) tl(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID, kind string, part nrm.Part, args map[string]string) error {
	var js string
	if len(args) > 0 {
		b, err := json.Marshal(args)
		if err != nil {
			return err
		}
		js = string(b)
	}
	_, err := tx.Exec(ctx, `INSERT INTO timeline (id, person_id, at, kind, part, org_id, user_id, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		orderedID(), personID, store.Micros(tx.Now), kind, string(part), a.OrgID, a.UserID, js)
	return err
}

var idSeq atomic.Uint64

// orderedID is an id that sorts in the order this process made it, so
// entries written in one transaction (same timestamp) keep their order.
func orderedID() string {
	return fmt.Sprintf("%016x%08x", time.Now().UnixNano(), uint32(idSeq.Add(1))) + newID()[:8] // #nosec G115 -- the counter only orders ids made in the same nanosecond; wrapping is harmless
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// startDeadline starts a clock from the jurisdiction profile. A profile that
// does not define the rule starts nothing.
func (s *Service) startDeadline(ctx context.Context, tx *store.Tx, personID, rule, orgID, ref string, start time.Time) (*nrm.Deadline, error) {
	due, d, ok := s.profile.Due(rule, start)
	if !ok || orgID == "" {
		return nil, nil
	}
	dl := &nrm.Deadline{ID: newID(), PersonID: personID, Rule: rule, OrgID: orgID, StartedAt: start, DueAt: due, LegalRef: d.LegalRef,
		Spec: specOf(d.Value, string(d.Unit))}
	_, err := tx.Exec(ctx, `INSERT INTO deadlines (id, person_id, rule, org_id, ref, started_at, due_at, legal_ref, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		dl.ID, personID, rule, orgID, ref, store.Micros(start), store.Micros(due), d.LegalRef, dl.Spec)
	return dl, err
}

func specOf(v int, unit string) string {
	b, _ := json.Marshal(map[string]any{"value": v, "unit": unit})
	return string(b)
}

// meetDeadlines marks the open clocks of a rule on a record as met (ref
// narrows to one task or request when given).
func (s *Service) meetDeadlines(ctx context.Context, tx *store.Tx, personID, rule, ref string) error {
	q := `UPDATE deadlines SET met_at = ? WHERE person_id = ? AND rule = ? AND met_at = 0`
	args := []any{store.Micros(tx.Now), personID, rule}
	if ref != "" {
		q += ` AND ref = ?`
		args = append(args, ref)
	}
	_, err := tx.Exec(ctx, q, args...)
	return err
}

// notify tells an organisation something about a record.
func (s *Service) notify(ctx context.Context, tx *store.Tx, orgID, personID, kind, ref string) error {
	_, err := tx.Exec(ctx, `INSERT INTO notifications (id, org_id, person_id, kind, ref, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		newID(), orgID, personID, kind, ref, store.Micros(tx.Now))
	return err
}

// grantTo discloses parts of a record to an organisation under a basis. It
// widens an existing active grant rather than stacking duplicates.
func (s *Service) grantTo(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID, orgID string, parts []nrm.Part, basis, reason string) error {
	if orgID == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO grants (id, person_id, org_id, parts, basis, reason, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), personID, orgID, strings.Join(partNames(parts), ","), basis, reason, a.UserID, store.Micros(tx.Now))
	return err
}

// changeStatus records a status change with who, when and why.
func (s *Service) changeStatus(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, to nrm.Status, reason, ref string) error {
	var ct []byte
	if reason != "" {
		d, err := s.dataKey(ctx, tx, p, true)
		if err != nil {
			return err
		}
		id := newID()
		if ct, err = d.Seal([]byte(reason), "status_changes", "reason", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO status_changes (id, person_id, from_status, to_status, at, user_id, org_id, reason, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, string(p.Status), string(to), store.Micros(tx.Now), a.UserID, a.OrgID, ct, ref); err != nil {
			return err
		}
	} else if _, err := tx.Exec(ctx, `INSERT INTO status_changes (id, person_id, from_status, to_status, at, user_id, org_id, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), p.ID, string(p.Status), string(to), store.Micros(tx.Now), a.UserID, a.OrgID, ref); err != nil {
		return err
	}
	if err := s.tl(ctx, tx, a, p.ID, TLStatus, nrm.PartSummary, map[string]string{"from": string(p.Status), "to": string(to)}); err != nil {
		return err
	}
	p.Status = to
	return nil
}

// sealFor encrypts free text about a person with their data key, bound to
// the table, column and row it is stored in. Empty text stays NULL.
func (s *Service) sealFor(ctx context.Context, tx *store.Tx, p *personRow, table, column, rowID, v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	d, err := s.dataKey(ctx, tx, p, true)
	if err != nil {
		return nil, err
	}
	return d.Seal([]byte(v), table, column, rowID)
}

// openFor decrypts what sealFor sealed.
func (s *Service) openFor(ctx context.Context, tx *store.Tx, p *personRow, table, column, rowID string, ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	d, err := s.dataKey(ctx, tx, p, false)
	if err != nil {
		return "", err
	}
	pt, err := d.Open(ct, table, column, rowID)
	return string(pt), err
}

// bump saves summary columns of a record with optimistic concurrency: the
// row must still be at the version the action read.
func (s *Service) bump(ctx context.Context, tx *store.Tx, p *personRow, set string, args ...any) error {
	args = append(args, store.Micros(tx.Now), p.ID, p.Version)
	res, err := tx.Exec(ctx, `UPDATE persons SET `+set+`, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nrm.Errorf(nrm.EConflict, "error.conflict")
	}
	p.Version++
	p.UpdatedAt = tx.Now
	return nil
}

// mustWrite loads a record for an action that changes its summary: the
// actor must be allowed to write the summary part.
func (s *Service) mustWrite(ctx context.Context, tx *store.Tx, a *nrm.Actor, id string) (*personRow, error) {
	p, _, err := s.load(ctx, tx, a, id, nrm.Read)
	if err != nil {
		return nil, err
	}
	if !hasPart(nrm.Decide(a, p.rel, nrm.Write), nrm.PartSummary) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return p, nil
}

// servicesRunning reports whether tasks or service work are open for a record.
func (s *Service) servicesRunning(ctx context.Context, tx *store.Tx, personID string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tasks WHERE person_id = ? AND state = 'open'`, personID).Scan(&n)
	return n > 0, err
}

// collect runs a query and scans every row with scan: the one loop over
// rows that the case queries share.
func collect[T any](ctx context.Context, tx *store.Tx, scan func(*sql.Rows) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
