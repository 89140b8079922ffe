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

// Support services (issue #5, sections 1, 2 and 7). The directory is not
// personal data: anyone signed in reads it, the giving organisation keeps
// its own entries. A service referral closes the loop: the receiving
// organisation acknowledges, accepts or declines, and records delivery;
// every step is timestamped. The receiving organisation sees the referral
// (the person's pseudonymous code and summary: region, age group, sex) and
// never more of the record than relation() allows: identity only under an
// active consent or legal basis, as at every other access.

// Deadline rules of a service referral's acknowledgement.
const (
	ruleAck          = "referral_acknowledgement"
	ruleAckEmergency = "referral_acknowledgement_emergency"
)

const serviceCols = `s.id, s.org_id, o.name, s.kind, s.name, s.regions, s.languages, s.for_whom, s.capacity, s.accreditation, s.accredited_until, s.updated_at,
	(SELECT COUNT(*) FROM service_referrals r WHERE r.service_id = s.id AND r.state IN ('accepted', 'in_progress'))`

func scanService(r *sql.Rows) (nrm.Service, error) {
	var sv nrm.Service
	var regions, langs, groups string
	var ua int64
	err := r.Scan(&sv.ID, &sv.OrgID, &sv.OrgName, &sv.Kind, &sv.Name, &regions, &langs, &groups, &sv.Capacity, &sv.Accreditation, &sv.AccreditedUntil, &ua, &sv.Taken)
	sv.Regions, sv.Languages, sv.ForWhom, sv.UpdatedAt = splitList(regions), splitList(langs), splitList(groups), store.Time(ua)
	return sv, err
}

// ServiceFilter selects directory entries. Empty fields select all.
type ServiceFilter struct {
	Kind, Region, Language, ForWhom, OrgID string
	FreeOnly                               bool // only services with a free place (or places not counted)
}

// Services lists the directory, filtered, with places taken and free.
func (s *Service) Services(ctx context.Context, a *nrm.Actor, f ServiceFilter) ([]nrm.Service, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if a.UserID == "" {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []nrm.Service
	err := s.db.View(ctx, func(tx *store.Tx) error {
		q := `SELECT ` + serviceCols + ` FROM services s JOIN orgs o ON o.id = s.org_id WHERE 1 = 1`
		var args []any
		if f.Kind != "" {
			q += ` AND s.kind = ?`
			args = append(args, f.Kind)
		}
		if f.OrgID != "" {
			q += ` AND s.org_id = ?`
			args = append(args, f.OrgID)
		}
		all, err := collect(ctx, tx, scanService, q+` ORDER BY s.kind, s.name`, args...)
		if err != nil {
			return err
		}
		for _, sv := range all {
			if (f.Region != "" && !slices.Contains(sv.Regions, f.Region)) || (f.Language != "" && !slices.Contains(sv.Languages, f.Language)) ||
				(f.ForWhom != "" && !slices.Contains(sv.ForWhom, f.ForWhom)) || (f.FreeOnly && sv.Free() == 0) {
				continue
			}
			out = append(out, sv)
		}
		return nil
	})
	return out, fail(err)
}

// GetService reads one directory entry.
func (s *Service) GetService(ctx context.Context, a *nrm.Actor, id string) (*nrm.Service, error) {
	if a.UserID == "" {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out *nrm.Service
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = serviceByID(ctx, tx, id)
		return err
	})
	return out, fail(err)
}

func serviceByID(ctx context.Context, tx *store.Tx, id string) (*nrm.Service, error) {
	l, err := collect(ctx, tx, scanService, `SELECT `+serviceCols+` FROM services s JOIN orgs o ON o.id = s.org_id WHERE s.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nrm.ErrNotFound
	}
	return &l[0], nil
}

// SaveService creates (id "") or changes a directory entry. The giving
// organisation keeps its own entries; the Responsible Authority and
// administrators may keep any. Changes are audited.
func (s *Service) SaveService(ctx context.Context, a *nrm.Actor, id string, in nrm.ServiceInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	err := s.access(ctx, a, ActServiceSave, func(tx *store.Tx) error {
		org := in.OrgID
		if org == "" {
			org = a.OrgID
		}
		if id != "" {
			if err := tx.QueryRow(ctx, `SELECT org_id FROM services WHERE id = ?`, id).Scan(&org); errors.Is(err, sql.ErrNoRows) {
				return nrm.ErrNotFound
			} else if err != nil {
				return err
			}
		}
		if !nrm.CanKeepServices(a, org) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if _, ok := dir.byID[org]; !ok {
			return nrm.FieldError("org", "error.unknown_org")
		}
		now := store.Micros(tx.Now)
		vals := []any{in.Kind, strings.TrimSpace(in.Name), strings.Join(in.Regions, ","), strings.Join(in.Languages, ","), strings.Join(in.ForWhom, ","),
			in.Capacity, strings.TrimSpace(in.Accreditation), in.AccreditedUntil, now}
		if id == "" {
			id = newID()
			_, err = tx.Exec(ctx, `INSERT INTO services (kind, name, regions, languages, for_whom, capacity, accreditation, accredited_until, updated_at, id, org_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(vals, id, org, now)...)
		} else {
			_, err = tx.Exec(ctx, `UPDATE services SET kind = ?, name = ?, regions = ?, languages = ?, for_whom = ?, capacity = ?, accreditation = ?, accredited_until = ?, updated_at = ?
				WHERE id = ?`, append(vals, id)...)
		}
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActServiceSave, subject: id, fields: []string{"org:" + org, "kind:" + in.Kind}})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// activeEmergency returns the emergency period in force, if any.
func activeEmergency(ctx context.Context, tx *store.Tx) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM emergencies WHERE ended_at = 0 ORDER BY started_at DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// SetEmergency switches the emergency protocol on (with a reason) or off.
// Only the NRM coordinator may; each switch is audited and the periods are
// kept for the monitoring work.
func (s *Service) SetEmergency(ctx context.Context, a *nrm.Actor, on bool, reason string) error {
	if !nrm.CanSwitchEmergency(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	return s.access(ctx, a, ActEmergency, func(tx *store.Tx) error {
		cur, err := activeEmergency(ctx, tx)
		if err != nil {
			return err
		}
		if len([]rune(reason)) > 1000 {
			return nrm.FieldError("reason", "error.too_long")
		}
		if on {
			if cur != "" {
				return nrm.FieldError("emergency", "error.emergency_on")
			}
			if reason == "" {
				return nrm.FieldError("reason", "error.required")
			}
			cur = newID()
			if _, err := tx.Exec(ctx, `INSERT INTO emergencies (id, started_at, started_by, started_org, reason) VALUES (?, ?, ?, ?, ?)`,
				cur, store.Micros(tx.Now), a.UserID, a.OrgID, reason); err != nil {
				return err
			}
		} else {
			if cur == "" {
				return nrm.FieldError("emergency", "error.emergency_off")
			}
			if _, err := tx.Exec(ctx, `UPDATE emergencies SET ended_at = ?, ended_by = ?, end_note = ? WHERE id = ?`, store.Micros(tx.Now), a.UserID, reason, cur); err != nil {
				return err
			}
		}
		state := "off"
		if on {
			state = "on"
		}
		return s.appendAudit(ctx, tx, a, event{action: ActEmergency, subject: cur, fields: []string{"emergency:" + state}})
	})
}

// Emergencies lists the periods of the emergency protocol, newest first;
// one with no end is in force. Any signed-in user may read them.
func (s *Service) Emergencies(ctx context.Context, a *nrm.Actor) ([]nrm.Emergency, error) {
	if a.UserID == "" {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []nrm.Emergency
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = collect(ctx, tx, func(r *sql.Rows) (nrm.Emergency, error) {
			var e nrm.Emergency
			var st, en int64
			err := r.Scan(&e.ID, &st, &e.StartedBy, &e.StartedByOrgName, &e.Reason, &en, &e.EndedBy, &e.EndNote)
			e.StartedAt, e.EndedAt = store.Time(st), store.Time(en)
			return e, err
		}, `SELECT e.id, e.started_at, e.started_by, COALESCE(o.name, ''), e.reason, e.ended_at, e.ended_by, e.end_note
			FROM emergencies e LEFT JOIN orgs o ON o.id = e.started_org ORDER BY e.started_at DESC LIMIT 100`)
		return err
	})
	return out, fail(err)
}

// ReferService refers a person to a directory entry. Only those who work
// the record refer. The acknowledgement clock starts (the shorter
// emergency one for an emergency referral, which needs the protocol on);
// in.Replaces links a re-referral to the declined referral it replaces.
func (s *Service) ReferService(ctx context.Context, a *nrm.Actor, personID string, in nrm.ServiceReferralInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActServiceRefer, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if !p.ErasedAt.IsZero() {
			return nrm.Errorf(nrm.EConflict, "error.erased")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		sv, err := serviceByID(ctx, tx, in.ServiceID)
		if errors.Is(err, nrm.ErrNotFound) {
			return nrm.FieldError("service", "error.unknown_value")
		} else if err != nil {
			return err
		}
		em, err := activeEmergency(ctx, tx)
		if err != nil {
			return err
		}
		if in.Emergency && em == "" {
			return nrm.FieldError("emergency", "error.emergency_off")
		}
		if in.Replaces != "" {
			res, err := tx.Exec(ctx, `UPDATE service_referrals SET replaced_by = ? WHERE id = ? AND person_id = ? AND state = 'declined' AND replaced_by = ''`, id, in.Replaces, p.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nrm.FieldError("replaces", "error.service_replaces")
			}
		}
		note, err := s.sealFor(ctx, tx, p, "service_referrals", "note", id, strings.TrimSpace(in.Note))
		if err != nil {
			return err
		}
		now := store.Micros(tx.Now)
		if _, err := tx.Exec(ctx, `INSERT INTO service_referrals (id, person_id, service_id, from_org, to_org, state, note, emergency, during_emergency, replaces, sent_by, sent_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, sv.ID, a.OrgID, sv.OrgID, nrm.SRSent, note, store.Int(in.Emergency), store.Int(em != ""),
			in.Replaces, a.UserID, now, now); err != nil {
			return err
		}
		if err := s.serviceStep(ctx, tx, a, p, id, nrm.SRSent, "", ""); err != nil {
			return err
		}
		rule := ruleAck
		if in.Emergency {
			rule = ruleAckEmergency
		}
		if _, err := s.startDeadline(ctx, tx, p.ID, rule, sv.OrgID, id, tx.Now); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, sv.OrgID, p.ID, "service_referral", id); err != nil {
			return err
		}
		// The task opened at referral for this need is this referral now.
		if err := s.fulfilTasks(ctx, tx, a, p.ID, sv.Kind, id, sv.OrgID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLServiceReferred, nrm.PartSummary, map[string]string{"service": sv.Kind, "org": sv.OrgName}); err != nil {
			return err
		}
		fields := []string{"referral:" + id, "service:" + sv.ID, "to:" + sv.OrgID}
		if in.Emergency {
			fields = append(fields, "emergency")
		}
		if in.Replaces != "" {
			fields = append(fields, "replaces:"+in.Replaces)
		}
		return s.appendAudit(ctx, tx, a, event{action: ActServiceRefer, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// serviceStep writes one timestamped step; the reason is encrypted with
// the person's data key.
func (s *Service) serviceStep(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, referralID, state, reason, mode string) error {
	id := newID()
	ct, err := s.sealFor(ctx, tx, p, "service_referral_steps", "reason", id, strings.TrimSpace(reason))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO service_referral_steps (id, referral_id, person_id, state, at, user_id, org_id, reason, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, referralID, p.ID, state, store.Micros(tx.Now), a.UserID, a.OrgID, ct, mode)
	return err
}

// personByID reads a record's row without deciding anything: only for the
// person's data key (sealing or opening what the referral loop itself
// holds) and for relation(). It reveals nothing of the record.
func personByID(ctx context.Context, tx *store.Tx, id string) (*personRow, error) {
	row := tx.QueryRow(ctx, `SELECT `+personCols+`, given_name, family_name, aliases, birth_date, doc_number, phone, address, narrative, justice_note FROM persons WHERE id = ?`, id)
	return scanPerson(row, true)
}

// StepServiceReferral moves a service referral on. The receiving
// organisation acknowledges, accepts (a place must be free), declines with
// a reason, starts and records delivery (date, mode) or no delivery (reason);
// the referring organisation may cancel. Anyone else finds it missing.
func (s *Service) StepServiceReferral(ctx context.Context, a *nrm.Actor, referralID string, in nrm.ServiceStepInput) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActServiceStep, func(tx *store.Tx) error {
		var personID, serviceID, fromOrg, toOrg, state string
		err := tx.QueryRow(ctx, `SELECT person_id, service_id, from_org, to_org, state FROM service_referrals WHERE id = ?`, referralID).Scan(&personID, &serviceID, &fromOrg, &toOrg, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return &denied{subject: referralID}
		} else if err != nil {
			return err
		}
		var p *personRow
		receiver := in.State != nrm.SRCancelled
		if receiver {
			if a.OrgID == "" || a.OrgID != toOrg {
				return &denied{subject: personID}
			}
			if !nrm.CanActOnServiceReferrals(a) {
				return nrm.Errorf(nrm.EForbidden, "error.forbidden")
			}
			if p, err = personByID(ctx, tx, personID); err != nil {
				return err
			}
		} else if p, err = s.worker(ctx, tx, a, personID); err != nil {
			return err
		}
		if err := in.Validate(state, receiver, tx.Now); err != nil {
			return err
		}
		if in.State == nrm.SRAccepted {
			var capacity, taken int
			if err := tx.QueryRow(ctx, `SELECT capacity FROM services WHERE id = ?`+tx.ForUpdate(), serviceID).Scan(&capacity); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM service_referrals WHERE service_id = ? AND state IN ('accepted', 'in_progress')`, serviceID).Scan(&taken); err != nil {
				return err
			}
			if capacity > 0 && taken >= capacity {
				return nrm.FieldError("state", "error.service_full")
			}
		}
		mode, on := "", ""
		if in.State == nrm.SRDelivered {
			mode, on = in.Mode, in.On
			if mode == "" {
				mode = "in_person"
			}
			if on == "" {
				on = tx.Now.In(s.profile.Location()).Format(time.DateOnly)
			}
		}
		res, err := tx.Exec(ctx, `UPDATE service_referrals SET state = ?, updated_at = ?, delivered_on = ?, delivery_mode = ? WHERE id = ? AND state = ?`,
			in.State, store.Micros(tx.Now), on, mode, referralID, state)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		if err := s.serviceStep(ctx, tx, a, p, referralID, in.State, in.Reason, mode); err != nil {
			return err
		}
		switch in.State {
		case nrm.SRReceived, nrm.SRAccepted, nrm.SRDeclined:
			for _, rule := range []string{ruleAck, ruleAckEmergency} {
				if err := s.meetDeadlines(ctx, tx, p.ID, rule, referralID); err != nil {
					return err
				}
			}
		}
		if in.State == nrm.SRCancelled {
			// The receiver's clock ends unmet and its notices are put away:
			// nothing more is needed from it (access_end.go).
			if err := s.endServiceReferral(ctx, tx, p.ID, referralID, toOrg); err != nil {
				return err
			}
		} else {
			other := fromOrg
			if !receiver {
				other = toOrg
			}
			if err := s.notify(ctx, tx, other, p.ID, "service_referral_step", referralID); err != nil {
				return err
			}
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLServiceStep, nrm.PartSummary, map[string]string{"service_state": in.State, "org": dir.byID[a.OrgID].Name}); err != nil {
			return err
		}
		fields := []string{"referral:" + referralID, "state:" + in.State}
		if mode != "" {
			fields = append(fields, "mode:"+mode)
		}
		return s.appendAudit(ctx, tx, a, event{action: ActServiceStep, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
}

const serviceReferralCols = `r.id, r.person_id, p.code, p.region, p.age_group, p.sex, r.service_id, sv.name, sv.kind, r.from_org, r.to_org, r.state, r.note,
	r.emergency, r.during_emergency, r.replaces, r.replaced_by, r.delivered_on, r.delivery_mode, r.sent_at, r.updated_at,
	COALESCE((SELECT MIN(d.due_at) FROM deadlines d WHERE d.ref = r.id AND d.met_at = 0), 0)`

type srRow struct {
	r    nrm.ServiceReferral
	note []byte
}

func scanServiceReferral(rows *sql.Rows) (srRow, error) {
	var w srRow
	r := &w.r
	var em, during, sent, upd, due int64
	err := rows.Scan(&r.ID, &r.PersonID, &r.PersonCode, &r.Region, &r.AgeGroup, &r.Sex, &r.ServiceID, &r.ServiceName, &r.Kind, &r.FromOrg, &r.ToOrg, &r.State, &w.note,
		&em, &during, &r.Replaces, &r.ReplacedBy, &r.DeliveredOn, &r.DeliveryMode, &sent, &upd, &due)
	r.Emergency, r.DuringEmergency, r.SentAt, r.UpdatedAt, r.AckDue = store.Bool(em), store.Bool(during), store.Time(sent), store.Time(upd), store.Time(due)
	r.NeedsNew = r.State == nrm.SRDeclined && r.ReplacedBy == ""
	return w, err
}

// fillReferrals decrypts notes and reasons, names organisations and reads
// the steps of referrals of one person.
func (s *Service) fillReferrals(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, rows []srRow, name string) ([]nrm.ServiceReferral, error) {
	out := make([]nrm.ServiceReferral, 0, len(rows))
	for _, w := range rows {
		r := w.r
		r.FromOrgName, r.ToOrgName, r.PersonName = dir.byID[r.FromOrg].Name, dir.byID[r.ToOrg].Name, name
		note, err := s.openFor(ctx, tx, p, "service_referrals", "note", r.ID, w.note)
		if err != nil && p.ErasedAt.IsZero() {
			return nil, err
		}
		r.Note = note
		type stepCT struct {
			st nrm.ServiceStep
			id string
			ct []byte
		}
		steps, err := collect(ctx, tx, func(rs *sql.Rows) (stepCT, error) {
			var x stepCT
			var at int64
			err := rs.Scan(&x.id, &x.st.State, &at, &x.st.UserID, &x.st.OrgID, &x.ct, &x.st.Mode)
			x.st.At, x.st.OrgName = store.Time(at), dir.byID[x.st.OrgID].Name
			return x, err
		}, `SELECT id, state, at, user_id, org_id, reason, mode FROM service_referral_steps WHERE referral_id = ? ORDER BY at, id`, r.ID)
		if err != nil {
			return nil, err
		}
		for _, x := range steps {
			if len(x.ct) > 0 && p.ErasedAt.IsZero() {
				if x.st.Reason, err = s.openFor(ctx, tx, p, "service_referral_steps", "reason", x.id, x.ct); err != nil {
					return nil, err
				}
			}
			r.Steps = append(r.Steps, x.st)
		}
		out = append(out, r)
	}
	return out, nil
}

func identityName(p *personRow) string {
	if p.Identity == nil {
		return ""
	}
	return strings.TrimSpace(p.Identity.GivenName + " " + p.Identity.FamilyName)
}

// serviceReferralsOf reads a person's service referrals (all, or only
// those to one organisation) inside a transaction.
func (s *Service) serviceReferralsOf(ctx context.Context, tx *store.Tx, p *personRow, toOrg string) ([]nrm.ServiceReferral, error) {
	q := `SELECT ` + serviceReferralCols + ` FROM service_referrals r JOIN persons p ON p.id = r.person_id JOIN services sv ON sv.id = r.service_id WHERE r.person_id = ?`
	args := []any{p.ID}
	if toOrg != "" {
		q += ` AND r.to_org = ?`
		args = append(args, toOrg)
	}
	rows, err := collect(ctx, tx, scanServiceReferral, q+` ORDER BY r.sent_at DESC, r.id`, args...)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	dir, err := s.orgDir(ctx, tx)
	if err != nil {
		return nil, err
	}
	return s.fillReferrals(ctx, tx, p, dir, rows, identityName(p))
}

// ServiceReferrals returns a person's service referrals with their steps:
// the same loop for the sender, the receiver and the Responsible Authority.
// Whoever may read the record sees every referral; a receiving
// organisation without sight of the record sees the referrals it received,
// under the pseudonymous code, with no identity.
func (s *Service) ServiceReferrals(ctx context.Context, a *nrm.Actor, personID string) ([]nrm.ServiceReferral, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out []nrm.ServiceReferral
	err := s.access(ctx, a, ActServiceRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		toOrg := ""
		var d *denied
		if errors.As(err, &d) && a.OrgID != "" && nrm.CanActOnServiceReferrals(a) {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM service_referrals WHERE person_id = ? AND to_org = ?`, personID, a.OrgID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return d
			}
			if p, err = personByID(ctx, tx, personID); err != nil {
				return err
			}
			toOrg, parts = a.OrgID, nil
		} else if err != nil {
			return err
		} else if err := s.reveal(ctx, tx, p, parts); err != nil {
			return err
		}
		if out, err = s.serviceReferralsOf(ctx, tx, p, toOrg); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActServiceRead, subject: p.ID, fields: append(partNames(parts), "service_referrals"), breakGlass: p.glass})
	})
	return out, err
}

// ServiceReferralInbox lists the service referrals the actor's
// organisation received, open ones first. Identity appears only where
// relation() discloses it to the organisation (an active consent or legal
// basis); each record shown is audited.
func (s *Service) ServiceReferralInbox(ctx context.Context, a *nrm.Actor) ([]nrm.ServiceReferral, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if a.OrgID == "" || !nrm.CanActOnServiceReferrals(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []nrm.ServiceReferral
	err := s.access(ctx, a, ActServiceInbox, func(tx *store.Tx) error {
		rows, err := collect(ctx, tx, scanServiceReferral, `SELECT `+serviceReferralCols+` FROM service_referrals r JOIN persons p ON p.id = r.person_id
			JOIN services sv ON sv.id = r.service_id WHERE r.to_org = ? ORDER BY r.updated_at DESC, r.id LIMIT 500`, a.OrgID)
		if err != nil || len(rows) == 0 {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		byPerson := map[string][]srRow{}
		var order []string
		for _, w := range rows {
			if _, ok := byPerson[w.r.PersonID]; !ok {
				order = append(order, w.r.PersonID)
			}
			byPerson[w.r.PersonID] = append(byPerson[w.r.PersonID], w)
		}
		for _, pid := range order {
			p, err := personByID(ctx, tx, pid)
			if err != nil {
				return err
			}
			rel, err := s.relation(ctx, tx, a, &p.Person)
			if err != nil {
				return err
			}
			parts := nrm.Decide(a, rel, nrm.Read)
			if err := s.reveal(ctx, tx, p, parts); err != nil {
				return err
			}
			rs, err := s.fillReferrals(ctx, tx, p, dir, byPerson[pid], identityName(p))
			if err != nil {
				return err
			}
			out = append(out, rs...)
			if err := s.appendAudit(ctx, tx, a, event{action: ActServiceInbox, subject: p.ID, fields: append(partNames(parts), "service_referrals")}); err != nil {
				return err
			}
		}
		slices.SortStableFunc(out, func(x, y nrm.ServiceReferral) int {
			cx, cy := nrm.ServiceClosed(x.State), nrm.ServiceClosed(y.State)
			switch {
			case cx == cy:
				return 0
			case !cx:
				return -1
			}
			return 1
		})
		return nil
	})
	return out, err
}
