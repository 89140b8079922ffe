package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// justiceRoutes registers the API of return and reintegration, linked
// persons and the justice track (issue #5, sections 5 and 6).
func (s *Server) justiceRoutes() {
	s.handle("GET /api/v1/persons/{id}/reintegration", s.api(s.apiReintegration))
	s.handle("POST /api/v1/persons/{id}/return-risk-assessments", s.api(s.apiReturnRisk))
	s.handle("POST /api/v1/persons/{id}/child-return-assessments", s.api(s.apiChildAssessment))
	s.handle("POST /api/v1/persons/{id}/receiving-contacts", s.api(s.apiReceivingContact))
	s.handle("POST /api/v1/persons/{id}/links", s.api(s.apiLink))
	s.handle("POST /api/v1/persons/{id}/links/{link}/referral", s.api(s.apiReferLinked))
	s.handle("GET /api/v1/persons/{id}/justice", s.api(s.apiJustice))
	s.handle("POST /api/v1/persons/{id}/justice/reports", s.api(s.apiPoliceReport))
	s.handle("POST /api/v1/persons/{id}/justice/stages", s.api(s.apiJusticeStage))
	s.handle("POST /api/v1/persons/{id}/justice/protective-measures", s.api(s.apiProtective))
	s.handle("POST /api/v1/persons/{id}/justice/compensation-claims", s.api(s.apiCompensation))
	s.handle("POST /api/v1/persons/{id}/justice/residence-permits", s.api(s.apiPermit))
}

func (s *Server) apiReturnRisk(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v returnRiskJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordReturnRisk(r.Context(), st.actor, r.PathValue("id"), nrm.ReturnRiskAssessment{On: v.On, Outcome: v.Outcome, Note: v.Note})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiChildAssessment(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v childAssessmentJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordChildAssessment(r.Context(), st.actor, r.PathValue("id"), nrm.ChildReturnAssessment{Kind: v.Kind, On: v.On,
			Decision: v.Decision, ChildViews: v.ChildViews, Note: v.Note})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiReceivingContact(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v receivingContactJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.AddReceivingContact(r.Context(), st.actor, r.PathValue("id"), nrm.ReceivingContact{Organisation: v.Organisation, Country: v.Country, Contact: v.Contact})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiLink(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v linkInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.LinkPerson(r.Context(), st.actor, r.PathValue("id"), nrm.LinkInput{Relationship: v.Relationship, AtRisk: v.AtRisk, Name: v.Name, Note: v.Note})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

// apiReferLinked refers a linked person as a record of their own: the body
// is a referral, as for POST /api/v1/referrals, and so is the answer.
func (s *Server) apiReferLinked(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v referralInputJSON
	if err := decodeAction(r, &v, false); err != nil {
		s.failJSON(w, r, err)
		return
	}
	res, err := s.door.ReferLinked(r.Context(), st.actor, r.PathValue("id"), r.PathValue("link"), v.input())
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+res.Person.ID+"/case")
	writeJSON(w, http.StatusCreated, toReferralJSON(res, s.door.Now()))
}

type reintegrationJSON struct {
	Risks    []returnRiskOutJSON      `json:"risk_assessments"`
	Child    []childAssessmentOutJSON `json:"child_assessments"`
	Contacts []contactOutJSON         `json:"receiving_contacts"`
	Links    []linkOutJSON            `json:"links"`
}

type returnRiskOutJSON struct {
	ID         string     `json:"id"`
	On         string     `json:"on"`
	Outcome    string     `json:"outcome"`
	OrgName    string     `json:"org_name"`
	Note       string     `json:"note"`
	RecordedAt *time.Time `json:"recorded_at"`
}

type childAssessmentOutJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	On         string     `json:"on"`
	Decision   string     `json:"decision"`
	OrgName    string     `json:"org_name"`
	ChildViews string     `json:"child_views"`
	Note       string     `json:"note"`
	RecordedAt *time.Time `json:"recorded_at"`
}

type contactOutJSON struct {
	ID           string `json:"id"`
	Organisation string `json:"organisation"`
	Country      string `json:"country"`
	Contact      string `json:"contact"`
}

type linkOutJSON struct {
	ID           string  `json:"id"`
	Relationship string  `json:"relationship"`
	AtRisk       bool    `json:"at_risk"`
	Reverse      bool    `json:"reverse"`
	Name         string  `json:"name"`
	Note         string  `json:"note"`
	Referred     bool    `json:"referred"`
	OtherID      *string `json:"other_id"`
	OtherCode    *string `json:"other_code"`
}

func toReintegrationJSON(rf *door.ReturnFile) reintegrationJSON {
	out := reintegrationJSON{Risks: []returnRiskOutJSON{}, Child: []childAssessmentOutJSON{}, Contacts: []contactOutJSON{}, Links: []linkOutJSON{}}
	for _, v := range rf.Risks {
		out.Risks = append(out.Risks, returnRiskOutJSON{v.ID, v.On, v.Outcome, v.OrgName, v.Note, tjson(v.CreatedAt)})
	}
	for _, v := range rf.Child {
		out.Child = append(out.Child, childAssessmentOutJSON{v.ID, v.Kind, v.On, v.Decision, v.OrgName, v.ChildViews, v.Note, tjson(v.CreatedAt)})
	}
	for _, v := range rf.Contacts {
		out.Contacts = append(out.Contacts, contactOutJSON{v.ID, v.Organisation, v.Country, v.Contact})
	}
	for _, v := range rf.Links {
		out.Links = append(out.Links, linkOutJSON{ID: v.ID, Relationship: v.Relationship, AtRisk: v.AtRisk, Reverse: v.Reverse, Name: v.Name, Note: v.Note,
			Referred: v.Referred, OtherID: opt(v.OtherID != "", v.OtherID), OtherCode: opt(v.OtherCode != "", v.OtherCode)})
	}
	return out
}

func (s *Server) apiReintegration(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.action(nil, false, func(r *http.Request, st *reqState) (int, any, error) {
		rf, err := s.door.Reintegration(r.Context(), st.actor, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toReintegrationJSON(rf), nil
	})(w, r, st)
}

func (s *Server) apiPoliceReport(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v policeReportJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.ReportToPolice(r.Context(), st.actor, r.PathValue("id"), nrm.ProceedingInput{ReportedOn: v.ReportedOn, OwnChoice: v.OwnChoice,
			PoliceRef: v.PoliceRef, Witness: v.Witness, WitnessNote: v.WitnessNote, LawyerOrg: v.LawyerOrg, FreeLegalAid: v.FreeLegalAid})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiJusticeStage(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v justiceStageJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordJusticeStage(r.Context(), st.actor, r.PathValue("id"), nrm.StageInput{ProceedingID: v.ProceedingID, Stage: v.Stage, On: v.On, Reference: v.Reference})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiProtective(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v protectiveJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		err := s.door.RecordProtectiveMeasure(r.Context(), st.actor, id, nrm.ProtectiveInput{ProceedingID: v.ProceedingID, Measure: v.Measure, State: v.State, On: v.On})
		return http.StatusOK, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiCompensation(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v compensationJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		in, err := v.input()
		if err != nil {
			return 0, nil, err
		}
		id, err := s.door.RecordCompensation(r.Context(), st.actor, r.PathValue("id"), in)
		return http.StatusOK, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiPermit(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v permitJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordPermit(r.Context(), st.actor, r.PathValue("id"), nrm.PermitInput{ID: v.ID, Kind: v.Kind, From: v.From, To: v.To, Status: v.Status})
		return http.StatusOK, idJSON{id}, err
	})(w, r, st)
}

type justiceJSON struct {
	Proceedings []proceedingJSON `json:"proceedings"`
	Claims      []claimJSON      `json:"compensation_claims"`
	Permits     []permitOutJSON  `json:"residence_permits"`
}

type proceedingJSON struct {
	ID           string          `json:"id"`
	ReportedOn   string          `json:"reported_on"`
	OwnChoice    bool            `json:"own_choice"`
	Witness      bool            `json:"witness"`
	LawyerOrg    string          `json:"lawyer_org"`
	FreeLegalAid bool            `json:"free_legal_aid"`
	OrgName      string          `json:"org_name"`
	PoliceRef    *string         `json:"police_ref"` // null without the identity part
	WitnessNote  string          `json:"witness_note"`
	Stages       []stageJSON     `json:"stages"`
	Protective   []protectiveOut `json:"protective_measures"`
	RecordedAt   *time.Time      `json:"recorded_at"`
}

type stageJSON struct {
	ID        string  `json:"id"`
	Stage     string  `json:"stage"`
	On        string  `json:"on"`
	Reference *string `json:"reference"` // null without the identity part
}

type protectiveOut struct {
	Measure   string `json:"measure"`
	State     string `json:"state"`
	AskedOn   string `json:"asked_on"`
	DecidedOn string `json:"decided_on"`
}

type claimJSON struct {
	ID            string `json:"id"`
	ProceedingID  string `json:"proceeding_id"`
	Route         string `json:"route"`
	AmountAsked   string `json:"amount_asked"`
	AmountAwarded string `json:"amount_awarded"`
	Currency      string `json:"currency"`
	Outcome       string `json:"outcome"`
	FiledOn       string `json:"filed_on"`
	DecidedOn     string `json:"decided_on"`
}

type permitOutJSON struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to"`
	Status string `json:"status"`
}

func toJusticeJSON(jf *door.JusticeFile) justiceJSON {
	out := justiceJSON{Proceedings: []proceedingJSON{}, Claims: []claimJSON{}, Permits: []permitOutJSON{}}
	for _, p := range jf.Proceedings {
		pj := proceedingJSON{ID: p.ID, ReportedOn: p.ReportedOn, OwnChoice: p.OwnChoice, Witness: p.Witness, LawyerOrg: p.LawyerOrg,
			FreeLegalAid: p.FreeLegalAid, OrgName: p.OrgName, PoliceRef: opt(p.PoliceRefShown, p.PoliceRef), WitnessNote: p.WitnessNote,
			Stages: []stageJSON{}, Protective: []protectiveOut{}, RecordedAt: tjson(p.CreatedAt)}
		for _, st := range p.Stages {
			pj.Stages = append(pj.Stages, stageJSON{st.ID, st.Stage, st.On, opt(p.PoliceRefShown, st.Reference)})
		}
		for _, m := range p.Protective {
			pj.Protective = append(pj.Protective, protectiveOut{m.Measure, m.State, m.AskedOn, m.DecidedOn})
		}
		out.Proceedings = append(out.Proceedings, pj)
	}
	for _, c := range jf.Claims {
		out.Claims = append(out.Claims, claimJSON{c.ID, c.ProceedingID, c.Route, nrm.FormatAmount(c.AmountAsked), nrm.FormatAmount(c.AmountAwarded),
			c.Currency, c.Outcome, c.FiledOn, c.DecidedOn})
	}
	for _, p := range jf.Permits {
		out.Permits = append(out.Permits, permitOutJSON{p.ID, p.Kind, p.From, p.To, p.Status})
	}
	return out
}

func (s *Server) apiJustice(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.action(nil, false, func(r *http.Request, st *reqState) (int, any, error) {
		jf, err := s.door.Justice(r.Context(), st.actor, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toJusticeJSON(jf), nil
	})(w, r, st)
}
