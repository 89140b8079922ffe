package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
)

// The consent ledger, children's protection measures and the disclosure
// log over JSON. The door decides and audits; these only translate.

type consentJSON struct {
	ID             string     `json:"id"`
	Chain          string     `json:"chain"`
	Version        int        `json:"version"`
	State          string     `json:"state"`
	Purpose        string     `json:"purpose"`
	Scope          string     `json:"data_scope"`
	RecipientOrgs  []string   `json:"recipient_orgs"`
	RecipientTypes []string   `json:"recipient_types"`
	GivenBy        string     `json:"given_by"`
	GuardianName   *string    `json:"guardian_name,omitempty"`
	ChildAssent    string     `json:"child_assent"`
	How            string     `json:"how"`
	Interpreter    bool       `json:"interpreter"`
	Language       string     `json:"language"`
	TextVersion    string     `json:"text_version"`
	Explained      []string   `json:"explained"`
	GivenAt        *time.Time `json:"given_at"`
	ExpiresAt      *time.Time `json:"expires_at"`
	RecordedBy     string     `json:"recorded_by"`
	RecordedAt     *time.Time `json:"recorded_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	SupersededAt   *time.Time `json:"superseded_at"`
	SupersededBy   string     `json:"superseded_by"`
}

func toConsentJSON(c nrm.Consent, now time.Time) consentJSON {
	out := consentJSON{ID: c.ID, Chain: c.Chain, Version: c.Version, State: c.State(now), Purpose: c.Purpose, Scope: c.Scope,
		RecipientOrgs: nonNil(c.RecipientOrgs), RecipientTypes: []string{}, GivenBy: c.GivenBy, GuardianName: c.GuardianName, ChildAssent: c.ChildAssent,
		How: c.How, Interpreter: c.Interpreter, Language: c.Language, TextVersion: c.TextVersion, Explained: nonNil(c.Explained),
		GivenAt: tjson(c.GivenAt), ExpiresAt: tjson(c.ExpiresAt), RecordedBy: c.RecordedBy, RecordedAt: tjson(c.RecordedAt),
		WithdrawnAt: tjson(c.WithdrawnAt), SupersededAt: tjson(c.SupersededAt), SupersededBy: c.SupersededBy}
	for _, t := range c.RecipientTypes {
		out.RecipientTypes = append(out.RecipientTypes, string(t))
	}
	return out
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (s *Server) apiConsents(w http.ResponseWriter, r *http.Request, st *reqState) {
	cs, err := s.door.Consents(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	now := s.door.Now()
	out := make([]consentJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toConsentJSON(c, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"consents": out})
}

func (s *Server) apiRecordConsent(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v consentInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordConsent(r.Context(), st.actor, r.PathValue("id"), v.input())
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiWithdrawConsent(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v withdrawalJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		err := s.door.WithdrawConsent(r.Context(), st.actor, r.PathValue("id"), r.PathValue("consent"), v.How)
		return http.StatusOK, idJSON{r.PathValue("consent")}, err
	})(w, r, st)
}

func (s *Server) apiRecordMeasure(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v measureInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RecordMeasure(r.Context(), st.actor, r.PathValue("id"), nrm.MeasureInput{Kind: v.Kind, Consent: v.Consent,
			ChildViews: v.ChildViews, InterimOrg: v.InterimOrg, InterimRole: v.InterimRole})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiCourtRuling(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v courtRulingJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		err := s.door.RecordCourtRuling(r.Context(), st.actor, r.PathValue("id"), r.PathValue("measure"), v.Outcome)
		return http.StatusOK, idJSON{r.PathValue("measure")}, err
	})(w, r, st)
}

type disclosureJSON struct {
	At      *time.Time `json:"at"`
	OrgID   string     `json:"org_id"`
	OrgName string     `json:"org_name"`
	OrgType string     `json:"org_type"`
	Role    string     `json:"role"`
	Action  string     `json:"action"`
	Parts   []string   `json:"parts"`
	Glass   bool       `json:"break_glass"`
}

func (s *Server) apiDisclosures(w http.ResponseWriter, r *http.Request, st *reqState) {
	log, err := s.door.DisclosureLog(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]disclosureJSON, 0, len(log))
	for _, d := range log {
		dj := disclosureJSON{At: tjson(d.At), OrgID: d.OrgID, OrgName: d.OrgName, OrgType: string(d.OrgType), Role: string(d.Role), Action: d.Action, Parts: []string{}, Glass: d.Glass}
		for _, p := range d.Parts {
			dj.Parts = append(dj.Parts, string(p))
		}
		out = append(out, dj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"disclosures": out})
}
