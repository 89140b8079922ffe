package door

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Tell it once (issue #4, point 6): every interview of a person is recorded,
// counted and shown on the case file; before a new one, PlanInterview says
// how many there were and offers the statements the person agreed the
// actor's organisation may reuse, so it can read instead of asking again.
//
// "Agreed to share" is, until the consent ledger lands, two things at once:
// the person named the organisation when the statement was taken
// (ShareableWith), and the organisation is now allowed the narrative part
// of the record (nrm.Decide, the same path every read takes).

// InterviewView is a recorded interview as the reader may see it.
type InterviewView struct {
	ID                string
	On                string
	Purpose           string
	OrgID, OrgName    string
	InterviewerGender string
	PreferredGender   string
	GenderMatched     bool // the interviewer was of the gender the person prefers (or no preference)
	InterpreterLang   string
	ShareableWith     []string
	CreatedAt         time.Time
	// Shown only when the statement may travel to the reader (statementFor):
	GenderReason, Statement string
	StatementShown          bool
}

// InterviewPlan is what an organisation should know before interviewing.
type InterviewPlan struct {
	PersonCode string
	Purpose    string
	Earlier    int             // interviews recorded so far
	Offered    []InterviewView // earlier statements the actor's organisation may use instead of asking again, newest first
}

// RecordInterview records an interview of a person. The statement and the
// reason for a departure from the preferred interviewer gender are
// encrypted with the person's data key.
func (s *Service) RecordInterview(ctx context.Context, a *nrm.Actor, personID string, in nrm.InterviewInput) (string, error) {
	if !nrm.CanInterview(a) {
		return "", nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActInterview, func(tx *store.Tx) error {
		p, _, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		if !p.ErasedAt.IsZero() {
			return nrm.Errorf(nrm.EConflict, "error.erased")
		}
		if err := in.Validate(tx.Now, p.PreferredGender); err != nil {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		var share []string
		for _, o := range in.ShareableWith {
			if _, ok := dir.byID[o]; !ok {
				return nrm.FieldError("shareable_with", "error.unknown_value")
			}
			if !slices.Contains(share, o) {
				share = append(share, o)
			}
		}
		stmt, err := s.sealFor(ctx, tx, p, "interviews", "statement", id, in.Statement)
		if err != nil {
			return err
		}
		why, err := s.sealFor(ctx, tx, p, "interviews", "gender_reason", id, in.GenderReason)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO interviews (id, person_id, org_id, user_id, held_on, purpose, interviewer_gender, preferred_gender,
			gender_reason, interpreter_lang, statement, shareable_with, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, a.OrgID, a.UserID, in.On, in.Purpose, in.InterviewerGender, p.PreferredGender, why, in.InterpreterLang, stmt,
			strings.Join(share, ","), store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLInterview, nrm.PartSummary, map[string]string{"purpose": in.Purpose}); err != nil {
			return err
		}
		fields := []string{"purpose:" + in.Purpose, "interviewer_gender", "statement"}
		if in.GenderReason != "" {
			fields = append(fields, "gender_reason")
		}
		return s.appendAudit(ctx, tx, a, event{action: ActInterview, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// PlanInterview tells an organisation about to interview a person how many
// interviews there were, and offers the earlier statements it may use.
func (s *Service) PlanInterview(ctx context.Context, a *nrm.Actor, personID, purpose string) (*InterviewPlan, error) {
	if !nrm.CanInterview(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !slices.Contains(nrm.InterviewPurposes, purpose) {
		return nil, nrm.FieldError("purpose", "error.unknown_value")
	}
	plan := &InterviewPlan{Purpose: purpose}
	err := s.access(ctx, a, ActInterviewPlan, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		p.Parts = parts
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		ivs, err := s.interviews(ctx, tx, a, p, dir)
		if err != nil {
			return err
		}
		plan.PersonCode, plan.Earlier = p.Code, len(ivs)
		fields := []string{"interviews"}
		for i := len(ivs) - 1; i >= 0; i-- {
			if ivs[i].StatementShown {
				plan.Offered = append(plan.Offered, ivs[i])
				fields = append(fields, "statement:"+ivs[i].ID)
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActInterviewPlan, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// statementFor says whether an interview's statement may be shown to the
// reader: the reader is allowed the narrative part, and either works the
// record, took the statement, or was named by the person when it was taken.
func statementFor(a *nrm.Actor, p *personRow, orgID string, shareable []string) bool {
	if !hasPart(p.Parts, nrm.PartNarrative) || !p.ErasedAt.IsZero() {
		return false
	}
	return p.rel.OwnOrg || p.rel.Assigned || orgID == a.OrgID || slices.Contains(shareable, a.OrgID)
}

// interviews reads a record's interviews, oldest first, decrypting the
// statements the reader may see (p.Parts must be set).
func (s *Service) interviews(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, dir *orgDir) ([]InterviewView, error) {
	var cells []sealed
	ivs, err := collect(ctx, tx, func(rows *sql.Rows) (*InterviewView, error) {
		v := &InterviewView{}
		var share string
		var ca int64
		var why, stmt []byte
		if err := rows.Scan(&v.ID, &v.OrgID, &v.On, &v.Purpose, &v.InterviewerGender, &v.PreferredGender, &why, &v.InterpreterLang, &stmt, &share, &ca); err != nil {
			return nil, err
		}
		v.OrgName, v.ShareableWith, v.CreatedAt = dir.byID[v.OrgID].Name, splitList(share), store.Time(ca)
		v.GenderMatched = !nrm.GenderMismatch(v.InterviewerGender, v.PreferredGender)
		if statementFor(a, p, v.OrgID, v.ShareableWith) {
			v.StatementShown = true
			cells = append(cells, sealed{"interviews", "statement", v.ID, stmt, &v.Statement}, sealed{"interviews", "gender_reason", v.ID, why, &v.GenderReason})
		}
		return v, nil
	}, `SELECT id, org_id, held_on, purpose, interviewer_gender, preferred_gender, gender_reason, interpreter_lang, statement, shareable_with, created_at
		FROM interviews WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return nil, err
	}
	out := make([]InterviewView, len(ivs))
	for i, v := range ivs {
		out[i] = *v
	}
	return out, nil
}
