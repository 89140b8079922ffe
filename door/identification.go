package door

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// RecordGuardian records the guardian or child-protection worker who stands
// with a child. Until one is recorded, a child's record cannot progress to
// formal identification.
func (s *Service) RecordGuardian(ctx context.Context, a *nrm.Actor, personID string, g nrm.GuardianInput) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return s.access(ctx, a, ActGuardian, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		orgName := ""
		if g.OrgID != "" {
			dir, err := s.orgDir(ctx, tx)
			if err != nil {
				return err
			}
			o, ok := dir.byID[g.OrgID]
			if !ok {
				return nrm.FieldError("org_id", "error.unknown_org")
			}
			orgName = o.Name
		}
		id := newID()
		name, err := s.sealFor(ctx, tx, p, "guardians", "name", id, g.Name)
		if err != nil {
			return err
		}
		contact, err := s.sealFor(ctx, tx, p, "guardians", "contact", id, g.Contact)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO guardians (id, person_id, kind, org_id, name, contact, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, g.Kind, g.OrgID, name, contact, store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		if err := s.bump(ctx, tx, p, `guardian_at = ?`, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, p.ID, "guardian_appointment", ""); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLGuardian, nrm.PartSummary, map[string]string{"kind": g.Kind, "org": orgName}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActGuardian, subject: p.ID, fields: []string{"guardian", "identity"}, breakGlass: p.glass})
	})
}

// AssessAge records an age assessment; it decides whether the person is a
// child, ending the presumption either way.
func (s *Service) AssessAge(ctx context.Context, a *nrm.Actor, personID string, as nrm.AgeAssessment) (*nrm.Person, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if err := as.Validate(s.Now()); err != nil {
		return nil, err
	}
	var out *nrm.Person
	err := s.access(ctx, a, ActAgeAssess, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		group := nrm.AgeAdult
		if as.Years < s.profile.ChildAge {
			group = nrm.AgeChild
		}
		if err := s.bump(ctx, tx, p, `age_basis = ?, age_years = ?, age_assessed_at = ?, age_method = ?, age_group = ?, presumed_child = 0`,
			nrm.AgeAssessed, as.Years, store.Micros(tx.Now), as.Method, group); err != nil {
			return err
		}
		p.AgeBasis, p.AgeYears, p.AgeAssessedAt, p.AgeMethod, p.AgeGroup, p.PresumedChild = nrm.AgeAssessed, as.Years, tx.Now, as.Method, group, false
		if err := s.tl(ctx, tx, a, p.ID, TLAgeAssessed, nrm.PartSummary, map[string]string{"method": as.Method, "group": string(group)}); err != nil {
			return err
		}
		p.Parts = []nrm.Part{nrm.PartSummary}
		out = &p.Person
		return s.appendAudit(ctx, tx, a, event{action: ActAgeAssess, subject: p.ID, fields: []string{"age"}, breakGlass: p.glass})
	})
	return out, err
}

// ChangeStatus moves a record between the screening statuses (referred, at
// risk, potential victim) with a reason. The formal statuses are reached
// only through the panel's signed decision.
func (s *Service) ChangeStatus(ctx context.Context, a *nrm.Actor, personID string, version int64, to nrm.Status, reason string) (*nrm.Person, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	switch to {
	case nrm.StatusReferred, nrm.StatusAtRisk, nrm.StatusPotentialVictim:
	default:
		return nil, nrm.FieldError("status", "error.status_by_panel")
	}
	if strings.TrimSpace(reason) == "" {
		return nil, nrm.FieldError("reason", "error.required")
	}
	var out *nrm.Person
	err := s.access(ctx, a, ActStatus, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p.Version != version {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		if p.Status == nrm.StatusIdentified || p.Status == nrm.StatusNotIdentified {
			return nrm.FieldError("status", "error.status_by_panel")
		}
		set, args := `status = ?`, []any{to}
		if to == nrm.StatusPotentialVictim && p.PotentialAt.IsZero() {
			p.PotentialAt = tx.Now
			set += `, potential_at = ?`
			args = append(args, store.Micros(tx.Now))
			if p.Foreign && p.ReflectionStart.IsZero() {
				if end, _, ok := s.profile.Due("reflection_period", tx.Now); ok {
					p.ReflectionStart, p.ReflectionEnd = tx.Now, end
					set += `, reflection_start = ?, reflection_end = ?`
					args = append(args, store.Micros(tx.Now), store.Micros(end))
				}
			}
		}
		if err := s.bump(ctx, tx, p, set, args...); err != nil {
			return err
		}
		started := p.ReflectionStart.Equal(tx.Now)
		if err := s.changeStatus(ctx, tx, a, p, to, reason, ""); err != nil {
			return err
		}
		if started {
			if err := s.tl(ctx, tx, a, p.ID, TLReflection, nrm.PartSummary, map[string]string{"until": p.ReflectionEnd.Format("2006-01-02")}); err != nil {
				return err
			}
		}
		p.Parts = []nrm.Part{nrm.PartSummary}
		out = &p.Person
		return s.appendAudit(ctx, tx, a, event{action: ActStatus, subject: p.ID, fields: []string{"status:" + string(to)}, breakGlass: p.glass})
	})
	return out, err
}

// RequestIdentification asks for formal identification: an adult asks for it
// voluntarily (with the explanation they were given); for a child the child
// protection system starts it, and only once a guardian or child-protection
// worker is recorded. The panel's organisations must cover the composition
// the jurisdiction requires; each receives the record under that legal basis.
func (s *Service) RequestIdentification(ctx context.Context, a *nrm.Actor, personID string, r nrm.IdentificationRequest) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	if err := r.Validate(); err != nil {
		return "", err
	}
	var id string
	err := s.access(ctx, a, ActIDRequest, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		var es nrm.Errors
		child := p.IsChild()
		if child && r.RequestedBy != nrm.RequestedByChildProtection {
			es = append(es, nrm.FieldError("requested_by", "error.child_request"))
		}
		if !child && r.RequestedBy != nrm.RequestedByPerson {
			es = append(es, nrm.FieldError("requested_by", "error.adult_request"))
		}
		if child && p.GuardianAt.IsZero() {
			es = append(es, nrm.FieldError("guardian", "error.guardian_required"))
		}
		if r.ReconsiderationOf != "" {
			var outcome, state string
			err := tx.QueryRow(ctx, `SELECT outcome, state FROM decisions WHERE id = ? AND person_id = ?`, r.ReconsiderationOf, p.ID).Scan(&outcome, &state)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && state != "effective") {
				es = append(es, nrm.FieldError("reconsideration_of", "error.unknown_value"))
			} else if err != nil {
				return err
			}
		} else if p.Status != nrm.StatusPotentialVictim {
			es = append(es, nrm.FieldError("status", "error.not_potential"))
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identification_requests WHERE person_id = ? AND state = 'open'`, p.ID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			es = append(es, nrm.FieldError("requested_by", "error.request_open"))
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		var types []string
		for _, oid := range r.PanelOrgs {
			o, ok := dir.byID[oid]
			if !ok {
				es = append(es, nrm.FieldError("panel_orgs", "error.unknown_org"))
				break
			}
			types = append(types, string(o.Type))
		}
		if len(es) == 0 && !s.panelCovers(types, child) {
			es = append(es, nrm.FieldError("panel_orgs", "error.panel_composition"))
		}
		if err := es.Err(); err != nil {
			return err
		}
		id = newID()
		expl, err := s.sealFor(ctx, tx, p, "identification_requests", "explanation", id, r.Explanation)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO identification_requests (id, person_id, requested_by, explanation, language, panel_orgs, reconsideration_of, state, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`, id, p.ID, r.RequestedBy, expl, r.Language, strings.Join(dedupe(r.PanelOrgs), ","), r.ReconsiderationOf,
			store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		rule := "identification_decision"
		if r.ReconsiderationOf != "" {
			rule = "reconsideration_decision"
		}
		for i, oid := range dedupe(r.PanelOrgs) {
			if oid != p.OwnerOrgID {
				if err := s.grantTo(ctx, tx, a, p.ID, oid, nrm.Parts, "legal", "formal identification"); err != nil {
					return err
				}
			}
			if err := s.notify(ctx, tx, oid, p.ID, "identification_requested", id); err != nil {
				return err
			}
			if i == 0 {
				if _, err := s.startDeadline(ctx, tx, p.ID, rule, oid, id, tx.Now); err != nil {
					return err
				}
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, TLIDRequested, nrm.PartSummary, map[string]string{"by": r.RequestedBy, "reconsideration": boolStr(r.ReconsiderationOf != "")}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActIDRequest, subject: p.ID, fields: []string{"identification_request"}, breakGlass: p.glass})
	})
	return id, err
}

func boolStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// panelCovers reports whether organisation types cover every required group.
func (s *Service) panelCovers(types []string, child bool) bool {
	groups := slices.Clone(s.profile.Panel.Required)
	if child {
		groups = append(groups, s.profile.Panel.ChildRequired...)
	}
	for _, g := range groups {
		ok := false
		for _, t := range types {
			ok = ok || slices.Contains(g, t)
		}
		if !ok {
			return false
		}
	}
	return true
}

// panelRequest is an open identification request and the record it concerns.
type panelRequest struct {
	id, personID, state string
	orgs                []string
	reconsideration     string
}

func (s *Service) panelRequest(ctx context.Context, tx *store.Tx, id string) (*panelRequest, error) {
	var r panelRequest
	var orgs string
	err := tx.QueryRow(ctx, `SELECT id, person_id, state, panel_orgs, reconsideration_of FROM identification_requests WHERE id = ?`, id).
		Scan(&r.id, &r.personID, &r.state, &orgs, &r.reconsideration)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &denied{subject: id}
	}
	r.orgs = splitList(orgs)
	return &r, err
}

// Decide records the panel's decision after the joint interview and signs it
// as its first member, with the second factor fresh as for every signature. It takes effect when members from every required side
// have signed (SignDecision).
func (s *Service) Decide(ctx context.Context, a *nrm.Actor, requestID string, d nrm.DecisionInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	if !a.Has(nrm.RolePanelMember) {
		return "", nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := s.freshSignature(a); err != nil {
		return "", err
	}
	var id string
	err := s.access(ctx, a, ActDecide, func(tx *store.Tx) error {
		r, err := s.panelRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		if !slices.Contains(r.orgs, a.OrgID) {
			return &denied{subject: requestID}
		}
		p, _, err := s.load(ctx, tx, a, r.personID, nrm.Read)
		if err != nil {
			return err
		}
		if r.state != "open" {
			return nrm.Errorf(nrm.EConflict, "error.request_decided")
		}
		running, err := s.servicesRunning(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if err := d.Validate(tx.Now, p.IsChild(), p.PreferredGender, running); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM decisions WHERE request_id = ? AND state = 'signing'`, r.id).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return nrm.Errorf(nrm.EConflict, "error.decision_pending")
		}
		id = newID()
		var cts [4][]byte
		for i, f := range []struct{ col, v string }{{"reasons", d.Reasons}, {"gender_reason", d.GenderReason}, {"child_views", d.ChildViews}, {"handover", d.Handover}} {
			if cts[i], err = s.sealFor(ctx, tx, p, "decisions", f.col, id, f.v); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO decisions (id, request_id, person_id, outcome, reasons, interview_on, interviewer_gender, gender_reason, interpreter_lang,
			child_views, handover, told_on, told_how, told_lang, state, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'signing', ?, ?)`,
			id, r.id, p.ID, d.Outcome, cts[0], d.InterviewOn, d.InterviewerGender, cts[1], d.InterpreterLang, cts[2], cts[3], d.ToldOn, d.ToldHow, d.ToldLang,
			store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLDecisionDrafted, nrm.PartSummary, map[string]string{"outcome": d.Outcome}); err != nil {
			return err
		}
		if err := s.sign(ctx, tx, a, p, r, id, d.Outcome); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDecide, subject: p.ID, fields: []string{"decision:" + d.Outcome}})
	})
	return id, err
}

// SignDecision adds a panel member's signature, with the second factor
// proven within the step-up window (a deliberate act, like break-glass; an
// API token cannot sign). When every required side has signed, the decision takes effect: the status changes, the clock stops,
// the owner and the Responsible Authority are told.
func (s *Service) SignDecision(ctx context.Context, a *nrm.Actor, decisionID string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !a.Has(nrm.RolePanelMember) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := s.freshSignature(a); err != nil {
		return err
	}
	return s.access(ctx, a, ActSign, func(tx *store.Tx) error {
		var requestID, state, outcome string
		err := tx.QueryRow(ctx, `SELECT request_id, state, outcome FROM decisions WHERE id = ?`, decisionID).Scan(&requestID, &state, &outcome)
		if errors.Is(err, sql.ErrNoRows) {
			return &denied{subject: decisionID}
		} else if err != nil {
			return err
		}
		r, err := s.panelRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		if !slices.Contains(r.orgs, a.OrgID) {
			return &denied{subject: decisionID}
		}
		p, _, err := s.load(ctx, tx, a, r.personID, nrm.Read)
		if err != nil {
			return err
		}
		if state != "signing" {
			return nrm.Errorf(nrm.EConflict, "error.decision_signed")
		}
		if err := s.sign(ctx, tx, a, p, r, decisionID, outcome); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActSign, subject: p.ID, fields: []string{"decision"}})
	})
}

func (s *Service) sign(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, r *panelRequest, decisionID, outcome string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM decision_signatures WHERE decision_id = ? AND user_id = ?`, decisionID, a.UserID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nrm.Errorf(nrm.EConflict, "error.already_signed")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO decision_signatures (decision_id, user_id, org_id, org_type, signed_at) VALUES (?, ?, ?, ?, ?)`,
		decisionID, a.UserID, a.OrgID, string(a.OrgType), store.Micros(tx.Now)); err != nil {
		return err
	}
	if err := s.tl(ctx, tx, a, p.ID, TLDecisionSigned, nrm.PartSummary, map[string]string{"org_type": string(a.OrgType)}); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT org_type FROM decision_signatures WHERE decision_id = ?`, decisionID)
	if err != nil {
		return err
	}
	var types []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		types = append(types, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(types) == 0 || !s.panelCovers(types, p.IsChild()) {
		return nil
	}
	// Complete: the decision takes effect.
	to := nrm.StatusIdentified
	if outcome == nrm.OutcomeNotIdentified {
		to = nrm.StatusNotIdentified
	}
	if _, err := tx.Exec(ctx, `UPDATE decisions SET state = 'effective', effective_at = ? WHERE id = ?`, store.Micros(tx.Now), decisionID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE identification_requests SET state = 'decided' WHERE id = ?`, r.id); err != nil {
		return err
	}
	if r.reconsideration != "" {
		if _, err := tx.Exec(ctx, `UPDATE decisions SET state = 'reconsidered' WHERE id = ?`, r.reconsideration); err != nil {
			return err
		}
	}
	if err := s.bump(ctx, tx, p, `status = ?, decided_at = ?`, to, store.Micros(tx.Now)); err != nil {
		return err
	}
	if err := s.changeStatus(ctx, tx, a, p, to, "", decisionID); err != nil {
		return err
	}
	p.DecidedAt = tx.Now
	for _, rule := range []string{"identification_decision", "reconsideration_decision"} {
		if err := s.meetDeadlines(ctx, tx, p.ID, rule, r.id); err != nil {
			return err
		}
	}
	if err := s.tl(ctx, tx, a, p.ID, TLDecisionEffective, nrm.PartSummary, map[string]string{"outcome": outcome}); err != nil {
		return err
	}
	dir, err := s.orgDir(ctx, tx)
	if err != nil {
		return err
	}
	tell := []string{p.OwnerOrgID}
	for _, ra := range dir.ofType(nrm.OrgResponsibleAuthority) {
		tell = append(tell, ra.ID)
	}
	for _, oid := range dedupe(tell) {
		if err := s.notify(ctx, tx, oid, p.ID, "decision", decisionID); err != nil {
			return err
		}
	}
	return nil
}

// RecordReturnStep records a removal or return step for a foreign national.
// While the recovery and reflection period runs, no such step can be
// recorded unless the person's own request is recorded with it. A step that
// organises a return also needs what returnGuard asks (door/return.go).
func (s *Service) RecordReturnStep(ctx context.Context, a *nrm.Actor, personID string, rs nrm.ReturnStep) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !slices.Contains(nrm.ReturnKinds, rs.Kind) {
		return nrm.FieldError("kind", "error.unknown_value")
	}
	if len(rs.Note) > nrm.MaxNarrative {
		return nrm.FieldError("note", "error.too_long", nrm.MaxNarrative)
	}
	return s.access(ctx, a, ActReturn, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p.ReflectionRunning(tx.Now) && !rs.OwnRequest {
			return nrm.FieldError("own_request", "error.reflection_running", p.ReflectionEnd.Format("2006-01-02"))
		}
		if rs.OwnRequest && strings.TrimSpace(rs.Note) == "" {
			return nrm.FieldError("note", "error.own_request_note")
		}
		if err := s.returnGuard(ctx, tx, p, rs); err != nil {
			return err
		}
		id := newID()
		note, err := s.sealFor(ctx, tx, p, "return_steps", "note", id, rs.Note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO return_steps (id, person_id, kind, own_request, note, at, by_user) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, rs.Kind, store.Int(rs.OwnRequest), note, store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLReturnStep, nrm.PartSummary, map[string]string{"kind": rs.Kind, "own_request": boolStr(rs.OwnRequest)}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActReturn, subject: p.ID, fields: []string{"return:" + rs.Kind}, breakGlass: p.glass})
	})
}

// FlagNonPunishment flags that offences linked to the trafficking situation
// must not be punished, with a note that justice roles read.
func (s *Service) FlagNonPunishment(ctx context.Context, a *nrm.Actor, personID, note string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if strings.TrimSpace(note) == "" {
		return nrm.FieldError("note", "error.required")
	}
	if len(note) > nrm.MaxNarrative {
		return nrm.FieldError("note", "error.too_long", nrm.MaxNarrative)
	}
	return s.access(ctx, a, ActNonPunish, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		d, err := s.dataKey(ctx, tx, p, true)
		if err != nil {
			return err
		}
		ct, err := d.Seal([]byte(note), "persons", "justice_note", p.ID)
		if err != nil {
			return err
		}
		if err := s.bump(ctx, tx, p, `non_punishment = 1, justice_note = ?`, ct); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLNonPunishment, nrm.PartSummary, nil); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActNonPunish, subject: p.ID, fields: []string{"non_punishment"}, breakGlass: p.glass})
	})
}

// RegisterPerson is the Responsible Authority confirming a record in its
// register; it stops the registration clock.
func (s *Service) RegisterPerson(ctx context.Context, a *nrm.Actor, personID string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !a.Has(nrm.RoleRAOfficer) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return s.access(ctx, a, ActRegister, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if !p.RegisteredAt.IsZero() {
			return nil
		}
		if err := s.bump(ctx, tx, p, `registered_at = ?`, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, p.ID, "ra_registration", ""); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLRegistered, nrm.PartSummary, nil); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActRegister, subject: p.ID, fields: []string{"register"}})
	})
}

// ResolveDuplicate decides a possible duplicate: the two records are the
// same person (linked; or merged, the second pointing to the first), or
// different people. Only the Responsible Authority decides.
func (s *Service) ResolveDuplicate(ctx context.Context, a *nrm.Actor, keepID, otherID, state string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !a.Has(nrm.RoleRAOfficer) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	switch state {
	case "linked", "merged", "distinct":
	case "": // nothing is chosen for the Responsible Authority
		return nrm.FieldError("state", "error.required")
	default:
		return nrm.FieldError("state", "error.unknown_value")
	}
	return s.access(ctx, a, ActDuplicate, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, keepID)
		if err != nil {
			return err
		}
		q, err := s.mustWrite(ctx, tx, a, otherID)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE duplicate_links SET state = ?, decided_at = ?, decided_by = ? WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)`,
			state, store.Micros(tx.Now), a.UserID, p.ID, q.ID, q.ID, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nrm.FieldError("other", "error.not_duplicate")
		}
		for _, x := range []*personRow{p, q} {
			var open int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM duplicate_links WHERE (a = ? OR b = ?) AND state = 'possible'`, x.ID, x.ID).Scan(&open); err != nil {
				return err
			}
			set, args := `duplicate = ?`, []any{store.Int(open > 0)}
			if x == q && state == "merged" {
				set += `, merged_into = ?`
				args = append(args, p.ID)
			}
			if err := s.bump(ctx, tx, x, set, args...); err != nil {
				return err
			}
			if err := s.tl(ctx, tx, a, x.ID, TLDuplicateResolved, nrm.PartSummary, map[string]string{"state": state}); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDuplicate, subject: p.ID, fields: []string{"duplicate:" + state, "other:" + q.ID}})
	})
}
