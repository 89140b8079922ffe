package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Individual support and closure through the API. Every answer carries only
// what door.Support disclosed: free text is null where the reader may not
// see the narrative part (or, for an advocate's name, the identity part).

type supportJSON struct {
	Child         bool           `json:"child"`
	Closed        bool           `json:"closed"`
	HTCDSStatus   string         `json:"htcds_case_status"`
	ReviewOverdue bool           `json:"safety_review_overdue"`
	Advocates     []advocateJSON `json:"advocates"`
	Needs         []needsJSON    `json:"needs_assessments"`
	Plans         []planJSON     `json:"plans"`
	Safety        []safetyJSON   `json:"safety_plans"`
	Closures      []closureJSON  `json:"closures"`
	FollowUps     []followUpJSON `json:"follow_ups"`
}

type advocateJSON struct {
	OrgID      string     `json:"org_id"`
	OrgName    string     `json:"org_name"`
	UserID     string     `json:"user_id"`
	Role       string     `json:"role"`
	Name       *string    `json:"name"`
	Contact    *string    `json:"contact"`
	RecordedAt *time.Time `json:"recorded_at"`
}

type needOutJSON struct {
	Area  string  `json:"area"`
	Level string  `json:"level"`
	Note  *string `json:"note"`
}

type needsJSON struct {
	ID        string        `json:"id"`
	Version   int           `json:"version"`
	On        string        `json:"on"`
	OrgName   string        `json:"org_name"`
	Needs     []needOutJSON `json:"needs"`
	CreatedAt *time.Time    `json:"created_at"`
}

type goalJSON struct {
	Area            string  `json:"area"`
	Text            *string `json:"text"`
	Action          *string `json:"action"`
	ResponsibleOrg  string  `json:"responsible_org"`
	ResponsibleName string  `json:"responsible_name"`
	DueOn           string  `json:"due_on"`
}

type planJSON struct {
	ID           string     `json:"id"`
	Version      int        `json:"version"`
	SupportLevel string     `json:"support_level"`
	Agreed       bool       `json:"agreed"`
	AgreedOn     string     `json:"agreed_on"`
	AgreedHow    string     `json:"agreed_how"`
	AgreedLang   string     `json:"agreed_lang"`
	ReviewOn     string     `json:"review_on"`
	OrgName      string     `json:"org_name"`
	Goals        []goalJSON `json:"goals"`
	CreatedAt    *time.Time `json:"created_at"`
}

type safetyJSON struct {
	ID        string     `json:"id"`
	Version   int        `json:"version"`
	RiskLevel string     `json:"risk_level"`
	Risks     []string   `json:"risks"`
	Measures  *string    `json:"measures"`
	ReviewOn  string     `json:"review_on"`
	OrgName   string     `json:"org_name"`
	CreatedAt *time.Time `json:"created_at"`
}

type closureJSON struct {
	ID           string     `json:"id"`
	Reason       string     `json:"reason"`
	HTCDSStatus  string     `json:"htcds_case_status"`
	ClosedOn     string     `json:"closed_on"`
	Note         *string    `json:"note"`
	FollowUpOn   []string   `json:"follow_up_on"`
	OrgName      string     `json:"org_name"`
	ClosedAt     *time.Time `json:"closed_at"`
	ReopenedAt   *time.Time `json:"reopened_at"`
	ReopenReason string     `json:"reopen_reason"`
	ReopenNote   *string    `json:"reopen_note"`
	ReopenedOrg  string     `json:"reopened_org"`
}

type followUpJSON struct {
	ClosureID string     `json:"closure_id"`
	On        string     `json:"on"`
	How       string     `json:"how"`
	Note      *string    `json:"note"`
	OrgName   string     `json:"org_name"`
	CreatedAt *time.Time `json:"created_at"`
}

func toSupportJSON(v *door.SupportView) *supportJSON {
	if v == nil {
		return nil
	}
	narr := v.TextShown
	out := &supportJSON{Child: v.Child, Closed: v.Closed, HTCDSStatus: v.HTCDSStatus, ReviewOverdue: v.ReviewOverdue, Advocates: []advocateJSON{},
		Needs: []needsJSON{}, Plans: []planJSON{}, Safety: []safetyJSON{}, Closures: []closureJSON{}, FollowUps: []followUpJSON{}}
	for _, a := range v.Advocates {
		shown := a.Name != "" || a.Contact != ""
		out.Advocates = append(out.Advocates, advocateJSON{OrgID: a.OrgID, OrgName: a.OrgName, UserID: a.UserID, Role: a.Role,
			Name: opt(shown, a.Name), Contact: opt(shown, a.Contact), RecordedAt: tjson(a.RecordedAt)})
	}
	for _, n := range v.Needs {
		nj := needsJSON{ID: n.ID, Version: n.Version, On: n.On, OrgName: n.OrgName, Needs: []needOutJSON{}, CreatedAt: tjson(n.CreatedAt)}
		for _, x := range n.Needs {
			nj.Needs = append(nj.Needs, needOutJSON{Area: x.Area, Level: x.Level, Note: opt(narr, x.Note)})
		}
		out.Needs = append(out.Needs, nj)
	}
	for _, p := range v.Plans {
		pj := planJSON{ID: p.ID, Version: p.Version, SupportLevel: p.SupportLevel, Agreed: p.Agreed, AgreedOn: p.AgreedOn, AgreedHow: p.AgreedHow,
			AgreedLang: p.AgreedLang, ReviewOn: p.Review, OrgName: p.OrgName, Goals: []goalJSON{}, CreatedAt: tjson(p.CreatedAt)}
		for _, g := range p.Goals {
			pj.Goals = append(pj.Goals, goalJSON{Area: g.Area, Text: opt(narr, g.Text), Action: opt(narr, g.Action), ResponsibleOrg: g.ResponsibleOrg,
				ResponsibleName: g.ResponsibleName, DueOn: g.DueOn})
		}
		out.Plans = append(out.Plans, pj)
	}
	for _, x := range v.Safety {
		out.Safety = append(out.Safety, safetyJSON{ID: x.ID, Version: x.Version, RiskLevel: x.RiskLevel, Risks: orEmpty(x.Risks),
			Measures: opt(narr, x.Measures), ReviewOn: x.ReviewOn, OrgName: x.OrgName, CreatedAt: tjson(x.CreatedAt)})
	}
	for _, c := range v.Closures {
		out.Closures = append(out.Closures, closureJSON{ID: c.ID, Reason: c.Reason, HTCDSStatus: c.HTCDSCaseStatus, ClosedOn: c.ClosedOn,
			Note: opt(narr, c.Note), FollowUpOn: orEmpty(c.FollowUpOn), OrgName: c.OrgName, ClosedAt: tjson(c.ClosedAt), ReopenedAt: tjson(c.ReopenedAt),
			ReopenReason: c.ReopenReason, ReopenNote: opt(narr && !c.ReopenedAt.IsZero(), c.ReopenNote), ReopenedOrg: c.ReopenedOrg})
	}
	for _, f := range v.FollowUps {
		out.FollowUps = append(out.FollowUps, followUpJSON{ClosureID: f.ClosureID, On: f.On, How: f.How, Note: opt(narr, f.Note),
			OrgName: f.OrgName, CreatedAt: tjson(f.CreatedAt)})
	}
	return out
}

func (s *Server) apiSupport(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.action(nil, false, func(r *http.Request, st *reqState) (int, any, error) {
		v, err := s.door.Support(r.Context(), st.actor, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toSupportJSON(v), nil
	})(w, r, st)
}

func (s *Server) apiAdvocate(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v advocateInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordAdvocate(r.Context(), st.actor, r.PathValue("id"), nrm.AdvocateInput{OrgID: v.OrgID, UserID: v.UserID, Role: v.Role,
			Name: v.Name, Contact: v.Contact})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v needsInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordNeeds(r.Context(), st.actor, r.PathValue("id"), v.input())
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v planInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordPlan(r.Context(), st.actor, r.PathValue("id"), v.input())
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiSafetyPlan(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v safetyInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordSafetyPlan(r.Context(), st.actor, r.PathValue("id"), nrm.SafetyInput{Revises: v.Revises, RiskLevel: v.RiskLevel,
			Risks: v.Risks, Measures: v.Measures, ReviewOn: v.ReviewOn})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiClose(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v closeInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.CloseRecord(r.Context(), st.actor, r.PathValue("id"), nrm.CloseInput{Reason: v.Reason, On: v.On, Note: v.Note, FollowUpOn: v.FollowUpOn})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiReopen(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v reopenInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		err := s.door.ReopenRecord(r.Context(), st.actor, id, nrm.ReopenInput{Reason: v.Reason, Note: v.Note})
		return http.StatusOK, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiFollowUp(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v followUpInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordFollowUp(r.Context(), st.actor, r.PathValue("id"), nrm.FollowUpInput{On: v.On, How: v.How, Note: v.Note})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}
