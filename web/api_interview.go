package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Tell it once: record an interview, and before the next one ask what was
// said already. A statement is in the answer only where the door offered it.

type interviewInputJSON struct {
	On                string   `json:"on"`
	Purpose           string   `json:"purpose"`
	InterviewerGender string   `json:"interviewer_gender"`
	GenderReason      string   `json:"gender_reason"`
	InterpreterLang   string   `json:"interpreter_lang"`
	Statement         string   `json:"statement"`
	ShareableWith     []string `json:"shareable_with"`
}

func (s *Server) apiInterview(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v interviewInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordInterview(r.Context(), st.actor, r.PathValue("id"), nrm.InterviewInput{On: v.On, Purpose: v.Purpose,
			InterviewerGender: v.InterviewerGender, GenderReason: v.GenderReason, InterpreterLang: v.InterpreterLang, Statement: v.Statement,
			ShareableWith: v.ShareableWith})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

type offeredStatementJSON struct {
	ID                string     `json:"id"`
	On                string     `json:"on"`
	Purpose           string     `json:"purpose"`
	OrgName           string     `json:"org_name"`
	InterviewerGender string     `json:"interviewer_gender"`
	InterpreterLang   string     `json:"interpreter_lang"`
	Statement         string     `json:"statement"`
	RecordedAt        *time.Time `json:"recorded_at"`
}

type interviewPlanJSON struct {
	PersonCode string                 `json:"person_code"`
	Purpose    string                 `json:"purpose"`
	Earlier    int                    `json:"earlier"`
	Offered    []offeredStatementJSON `json:"offered"`
}

func toInterviewPlanJSON(p *door.InterviewPlan) interviewPlanJSON {
	out := interviewPlanJSON{PersonCode: p.PersonCode, Purpose: p.Purpose, Earlier: p.Earlier, Offered: []offeredStatementJSON{}}
	for _, o := range p.Offered {
		out.Offered = append(out.Offered, offeredStatementJSON{ID: o.ID, On: o.On, Purpose: o.Purpose, OrgName: o.OrgName,
			InterviewerGender: o.InterviewerGender, InterpreterLang: o.InterpreterLang, Statement: o.Statement, RecordedAt: tjson(o.CreatedAt)})
	}
	return out
}

func (s *Server) apiInterviewPlan(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.action(nil, false, func(r *http.Request, st *reqState) (int, any, error) {
		plan, err := s.door.PlanInterview(r.Context(), st.actor, r.PathValue("id"), r.URL.Query().Get("purpose"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toInterviewPlanJSON(plan), nil
	})(w, r, st)
}

type interviewJSON struct {
	ID                string     `json:"id"`
	On                string     `json:"on"`
	Purpose           string     `json:"purpose"`
	OrgName           string     `json:"org_name"`
	InterviewerGender string     `json:"interviewer_gender"`
	PreferredGender   string     `json:"preferred_gender"`
	GenderMatched     bool       `json:"gender_matched"`
	InterpreterLang   string     `json:"interpreter_lang"`
	Statement         *string    `json:"statement"`
	RecordedAt        *time.Time `json:"recorded_at"`
}

func toInterviewsJSON(ivs []door.InterviewView) []interviewJSON {
	out := []interviewJSON{}
	for _, iv := range ivs {
		out = append(out, interviewJSON{ID: iv.ID, On: iv.On, Purpose: iv.Purpose, OrgName: iv.OrgName, InterviewerGender: iv.InterviewerGender,
			PreferredGender: iv.PreferredGender, GenderMatched: iv.GenderMatched, InterpreterLang: iv.InterpreterLang,
			Statement: opt(iv.StatementShown, iv.Statement), RecordedAt: tjson(iv.CreatedAt)})
	}
	return out
}
