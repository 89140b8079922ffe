package door

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Justice and compensation — beside, never before (issue #5, section 6).
// The justice officer and the workers on a record keep the report to the
// police, the stages of proceedings, the person as witness with the
// protective measures asked for and granted, legal representation,
// compensation claims and residence permits. Nothing outside this file
// reads these tables: no status, referral, consent, measure, interview or
// return step waits for them (TestNothingDependsOnJustice).
//
// Police and court references are identity-level (they lead to the
// person's name in another register) and shown only to a reader with the
// identity part; the witness note is narrative. Codes and dates are shown to
// any reader with more than the register's summary.

// JusticeFile is what the reader may see of a record's justice track.
type JusticeFile struct {
	Proceedings []ProceedingView
	Claims      []ClaimView
	Permits     []PermitView
}

// ProceedingView is a report to the police and what followed it.
type ProceedingView struct {
	ID, ReportedOn     string
	OwnChoice, Witness bool
	LawyerOrg          string
	FreeLegalAid       bool
	OrgID, OrgName     string
	PoliceRef          string // identity part only
	PoliceRefShown     bool
	WitnessNote        string // narrative part only
	Stages             []StageView
	Protective         []ProtectiveView
	CreatedAt          time.Time
}

// StageView is one stage of proceedings.
type StageView struct {
	ID, Stage, On string
	Reference     string // identity part only
	CreatedAt     time.Time
}

// ProtectiveView is a protective measure for the person as witness.
type ProtectiveView struct {
	Measure, State, AskedOn, DecidedOn string
}

// ClaimView is a compensation claim.
type ClaimView struct {
	ID, ProceedingID, Route, Currency, Outcome, FiledOn, DecidedOn string
	AmountAsked, AmountAwarded                                     int64 // minor units
}

// PermitView is a residence permit.
type PermitView struct {
	ID, Kind, From, To, Status string
}

// justiceWriter loads a record for a write on the justice track.
func (s *Service) justiceWriter(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) (*personRow, error) {
	p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
	if err != nil {
		return nil, err
	}
	if !nrm.CanRecordJustice(a, p.rel) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	p.Parts = parts
	return p, nil
}

// ownProceeding checks that a proceeding belongs to the record.
func ownProceeding(ctx context.Context, tx *store.Tx, personID, id string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM justice_proceedings WHERE id = ? AND person_id = ?`, id, personID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nrm.FieldError("proceeding_id", "error.unknown_value")
	}
	return nil
}

// ReportToPolice records a report to the police — the person's choice,
// never required — opening a proceeding at its "reported" stage.
func (s *Service) ReportToPolice(ctx context.Context, a *nrm.Actor, personID string, in nrm.ProceedingInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActJusticeReport, func(tx *store.Tx) error {
		p, err := s.justiceWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		ref, err := s.sealFor(ctx, tx, p, "justice_proceedings", "police_ref", id, in.PoliceRef)
		if err != nil {
			return err
		}
		note, err := s.sealFor(ctx, tx, p, "justice_proceedings", "witness_note", id, in.WitnessNote)
		if err != nil {
			return err
		}
		now := store.Micros(tx.Now)
		if _, err := tx.Exec(ctx, `INSERT INTO justice_proceedings (id, person_id, reported_on, own_choice, police_ref, witness, witness_note,
			lawyer_org, free_legal_aid, org_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, in.ReportedOn, store.Int(in.OwnChoice), ref, store.Int(in.Witness), note, in.LawyerOrg, store.Int(in.FreeLegalAid),
			a.OrgID, a.UserID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO justice_stages (id, proceeding_id, person_id, stage, stage_on, reference, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newID(), id, p.ID, "reported", in.ReportedOn, nil, a.UserID, now); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLJusticeReport, nrm.PartSummary, map[string]string{"own_choice": boolStr(in.OwnChoice), "witness": boolStr(in.Witness)}); err != nil {
			return err
		}
		fields := []string{"reported_on", "own_choice", "witness", "lawyer_org", "free_legal_aid"}
		if in.PoliceRef != "" {
			fields = append(fields, "police_ref")
		}
		if in.WitnessNote != "" {
			fields = append(fields, "witness_note")
		}
		return s.appendAudit(ctx, tx, a, event{action: ActJusticeReport, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordJusticeStage records a stage of a proceeding, with its date and an
// optional reference (encrypted).
func (s *Service) RecordJusticeStage(ctx context.Context, a *nrm.Actor, personID string, in nrm.StageInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActJusticeStage, func(tx *store.Tx) error {
		p, err := s.justiceWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		if err := ownProceeding(ctx, tx, p.ID, in.ProceedingID); err != nil {
			return err
		}
		ref, err := s.sealFor(ctx, tx, p, "justice_stages", "reference", id, in.Reference)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO justice_stages (id, proceeding_id, person_id, stage, stage_on, reference, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, in.ProceedingID, p.ID, in.Stage, in.On, ref, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLJusticeStage, nrm.PartSummary, map[string]string{"stage": in.Stage}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActJusticeStage, subject: p.ID, fields: []string{"stage:" + in.Stage, "reference"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordProtectiveMeasure records a protective measure for the person as
// witness: asked for, then granted or refused, each with its date.
func (s *Service) RecordProtectiveMeasure(ctx context.Context, a *nrm.Actor, personID string, in nrm.ProtectiveInput) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActProtective, func(tx *store.Tx) error {
		p, err := s.justiceWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		if err := ownProceeding(ctx, tx, p.ID, in.ProceedingID); err != nil {
			return err
		}
		asked, decided := "", in.On
		if in.State == "asked" {
			asked, decided = in.On, ""
		}
		var id, was string
		err = tx.QueryRow(ctx, `SELECT id, asked_on FROM protective_measures WHERE proceeding_id = ? AND measure = ?`, in.ProceedingID, in.Measure).Scan(&id, &was)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO protective_measures (id, proceeding_id, person_id, measure, state, asked_on, decided_on, user_id, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, newID(), in.ProceedingID, p.ID, in.Measure, in.State, asked, decided, a.UserID, store.Micros(tx.Now)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if asked == "" {
				asked = was
			}
			if _, err := tx.Exec(ctx, `UPDATE protective_measures SET state = ?, asked_on = ?, decided_on = ?, user_id = ?, updated_at = ? WHERE id = ?`,
				in.State, asked, decided, a.UserID, store.Micros(tx.Now), id); err != nil {
				return err
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, TLProtective, nrm.PartSummary, map[string]string{"protective": in.Measure, "pstate": in.State}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActProtective, subject: p.ID, fields: []string{"measure:" + in.Measure, "state:" + in.State}, breakGlass: p.glass})
	})
}

// RecordCompensation records a compensation claim, or updates it when
// in.ID names one of the record's claims.
func (s *Service) RecordCompensation(ctx context.Context, a *nrm.Actor, personID string, in nrm.CompensationInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := in.ID
	err := s.access(ctx, a, ActCompensation, func(tx *store.Tx) error {
		p, err := s.justiceWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		if in.ProceedingID != "" {
			if err := ownProceeding(ctx, tx, p.ID, in.ProceedingID); err != nil {
				return err
			}
		}
		now := store.Micros(tx.Now)
		if id == "" {
			id = newID()
			if _, err := tx.Exec(ctx, `INSERT INTO compensation_claims (id, person_id, proceeding_id, route, amount_asked, amount_awarded, currency,
				outcome, filed_on, decided_on, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, p.ID, in.ProceedingID, in.Route, in.AmountAsked, in.AmountAwarded, in.Currency, in.Outcome, in.FiledOn, in.DecidedOn,
				a.UserID, now, now); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE compensation_claims SET proceeding_id = ?, route = ?, amount_asked = ?, amount_awarded = ?, currency = ?,
				outcome = ?, filed_on = ?, decided_on = ?, user_id = ?, updated_at = ? WHERE id = ? AND person_id = ?`,
				in.ProceedingID, in.Route, in.AmountAsked, in.AmountAwarded, in.Currency, in.Outcome, in.FiledOn, in.DecidedOn, a.UserID, now, id, p.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nrm.FieldError("id", "error.unknown_value")
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, TLCompensation, nrm.PartSummary, map[string]string{"route": in.Route, "claim": in.Outcome}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActCompensation, subject: p.ID, fields: []string{"claim:" + id, "route:" + in.Route, "outcome:" + in.Outcome}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordPermit records a residence permit, or updates it when in.ID names
// one of the record's permits.
func (s *Service) RecordPermit(ctx context.Context, a *nrm.Actor, personID string, in nrm.PermitInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := in.ID
	err := s.access(ctx, a, ActPermit, func(tx *store.Tx) error {
		p, err := s.justiceWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		now := store.Micros(tx.Now)
		if id == "" {
			id = newID()
			if _, err := tx.Exec(ctx, `INSERT INTO residence_permits (id, person_id, kind, valid_from, valid_to, status, user_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.Kind, in.From, in.To, in.Status, a.UserID, now, now); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE residence_permits SET kind = ?, valid_from = ?, valid_to = ?, status = ?, user_id = ?, updated_at = ?
				WHERE id = ? AND person_id = ?`, in.Kind, in.From, in.To, in.Status, a.UserID, now, id, p.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nrm.FieldError("id", "error.unknown_value")
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, TLPermit, nrm.PartSummary, map[string]string{"permit": in.Kind, "permit_status": in.Status}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActPermit, subject: p.ID, fields: []string{"permit:" + id, "kind:" + in.Kind, "status:" + in.Status}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// Justice reads a record's justice track.
func (s *Service) Justice(ctx context.Context, a *nrm.Actor, personID string) (*JusticeFile, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *JusticeFile
	err := s.access(ctx, a, ActJusticeRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		p.Parts = parts
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if out, err = s.justiceFile(ctx, tx, p, dir); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActJusticeRead, subject: p.ID, fields: append(partNames(parts), "justice"), breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// justiceFile reads the justice track of a record (p.Parts must be set).
// A reader with the register's summary only sees none of it.
func (s *Service) justiceFile(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir) (*JusticeFile, error) {
	jf := &JusticeFile{}
	kept := p.ErasedAt.IsZero()
	ident := hasPart(p.Parts, nrm.PartIdentity) && kept
	narr := hasPart(p.Parts, nrm.PartNarrative) && kept
	if !hasPart(p.Parts, nrm.PartIdentity) && !hasPart(p.Parts, nrm.PartNarrative) {
		return jf, nil
	}
	var cells []sealed
	procs, err := collect(ctx, tx, func(rows *sql.Rows) (*ProceedingView, error) {
		v := &ProceedingView{}
		var own, wit, aid, ca int64
		var ref, note []byte
		err := rows.Scan(&v.ID, &v.ReportedOn, &own, &ref, &wit, &note, &v.LawyerOrg, &aid, &v.OrgID, &ca)
		v.OwnChoice, v.Witness, v.FreeLegalAid, v.CreatedAt = store.Bool(own), store.Bool(wit), store.Bool(aid), store.Time(ca)
		v.OrgName = dir.byID[v.OrgID].Name
		if ident {
			v.PoliceRefShown = true
			cells = append(cells, sealed{"justice_proceedings", "police_ref", v.ID, ref, &v.PoliceRef})
		}
		if narr {
			cells = append(cells, sealed{"justice_proceedings", "witness_note", v.ID, note, &v.WitnessNote})
		}
		return v, err
	}, `SELECT id, reported_on, own_choice, police_ref, witness, witness_note, lawyer_org, free_legal_aid, org_id, created_at
		FROM justice_proceedings WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*ProceedingView{}
	for _, v := range procs {
		byID[v.ID] = v
	}
	type stageRow struct {
		proc string
		v    *StageView
	}
	stages, err := collect(ctx, tx, func(rows *sql.Rows) (stageRow, error) {
		r := stageRow{v: &StageView{}}
		var ref []byte
		var ca int64
		err := rows.Scan(&r.v.ID, &r.proc, &r.v.Stage, &r.v.On, &ref, &ca)
		r.v.CreatedAt = store.Time(ca)
		if ident {
			cells = append(cells, sealed{"justice_stages", "reference", r.v.ID, ref, &r.v.Reference})
		}
		return r, err
	}, `SELECT id, proceeding_id, stage, stage_on, reference, created_at FROM justice_stages WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	type protRow struct {
		proc string
		v    ProtectiveView
	}
	prots, err := collect(ctx, tx, func(rows *sql.Rows) (protRow, error) {
		var r protRow
		err := rows.Scan(&r.proc, &r.v.Measure, &r.v.State, &r.v.AskedOn, &r.v.DecidedOn)
		return r, err
	}, `SELECT proceeding_id, measure, state, asked_on, decided_on FROM protective_measures WHERE person_id = ? ORDER BY measure`, p.ID)
	if err != nil {
		return nil, err
	}
	if jf.Claims, err = collect(ctx, tx, func(rows *sql.Rows) (ClaimView, error) {
		var v ClaimView
		err := rows.Scan(&v.ID, &v.ProceedingID, &v.Route, &v.AmountAsked, &v.AmountAwarded, &v.Currency, &v.Outcome, &v.FiledOn, &v.DecidedOn)
		return v, err
	}, `SELECT id, proceeding_id, route, amount_asked, amount_awarded, currency, outcome, filed_on, decided_on
		FROM compensation_claims WHERE person_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		return nil, err
	}
	if jf.Permits, err = collect(ctx, tx, func(rows *sql.Rows) (PermitView, error) {
		var v PermitView
		err := rows.Scan(&v.ID, &v.Kind, &v.From, &v.To, &v.Status)
		return v, err
	}, `SELECT id, kind, valid_from, valid_to, status FROM residence_permits WHERE person_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		return nil, err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return nil, err
	}
	for _, r := range stages {
		if v := byID[r.proc]; v != nil {
			v.Stages = append(v.Stages, *r.v)
		}
	}
	for _, r := range prots {
		if v := byID[r.proc]; v != nil {
			v.Protective = append(v.Protective, r.v)
		}
	}
	for _, v := range procs {
		jf.Proceedings = append(jf.Proceedings, *v)
	}
	return jf, nil
}

// caseJustice adds the return work and the justice track to a case file
// (p.Parts is set by reveal).
func (s *Service) caseJustice(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, dir *orgDir, cf *CaseFile) error {
	var err error
	if cf.Reintegration, err = s.returnFile(ctx, tx, a, p, dir); err != nil {
		return err
	}
	cf.Justice, err = s.justiceFile(ctx, tx, p, dir)
	return err
}
