package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/nrm-org/nrm"
)

// The panel's decision after the joint interview (door.Decide), which the
// deciding member signs first. The page asks for the outcome — nothing is
// chosen for the member — shows the evidence beside the form, and asks for
// the second factor as every signature does (action_sign.go). The door has
// no look-up of a request by its id, so the decision page names the record
// it belongs to (?person=, a hidden field when posted) and finds the request
// in that record's case file.

var decideFields = []string{"outcome", "reasons", "interview_on", "interviewer_gender", "gender_reason", "interpreter_lang",
	"child_views", "handover", "told_on", "told_how", "told_lang", "code"}

// decidePage builds the decision form for a request the reader's
// organisation may decide on; false when the request is not (or no longer)
// theirs to decide.
func (s *Server) decidePage(r *http.Request, st *reqState, personID, requestID string, values map[string]string) (*actionPage, bool, error) {
	cf, err := s.door.Case(r.Context(), st.actor, personID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(cf.CanDecide, requestID) {
		return nil, false, nil
	}
	p, lang := cf.Person, st.lang
	pg := &actionPage{Page: s.base(r), Action: "decide", Title: "action.decide", Post: "/identification/" + url.PathEscape(requestID) + "/decide",
		ID: p.ID, Code: p.Code, Version: p.Version, Child: p.IsChild(), Options: map[string][]Option{
			"outcome":            s.options(lang, "outcome", []string{nrm.OutcomeIdentified, nrm.OutcomeNotIdentified}, false),
			"interviewer_gender": s.options(lang, "gender", nrm.Genders, true),
			"told_how":           s.options(lang, "toldhow", nrm.ToldHow, true),
		}, Evidence: s.evidenceOf(lang, cf), StepUp: s.breakGlassFor(r, st, "")}
	pg.PasskeyJS = pg.StepUp.Passkey
	if values != nil {
		pg.Values = values
	}
	return pg, true, nil
}

// decideShow is GET /identification/{request}/decide?person=.
func (s *Server) decideShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !st.actor.Has(nrm.RolePanelMember) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	person := r.URL.Query().Get("person")
	pg, ok, err := s.decidePage(r, st, person, r.PathValue("request"), nil)
	s.renderFound(w, r, "action", pg, ok, err)
}

// decideDo is POST /identification/{request}/decide.
func (s *Server) decideDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	req := r.PathValue("request")
	v := formValues(r, decideFields...)
	err := s.stepUp(r, st)
	if err == nil {
		_, err = s.door.Decide(r.Context(), st.actor, req, nrm.DecisionInput{Outcome: v["outcome"], Reasons: text(r, "reasons"),
			InterviewOn: v["interview_on"], InterviewerGender: v["interviewer_gender"], GenderReason: text(r, "gender_reason"),
			InterpreterLang: v["interpreter_lang"], ChildViews: text(r, "child_views"), Handover: text(r, "handover"),
			ToldOn: v["told_on"], ToldHow: v["told_how"], ToldLang: v["told_lang"]})
	}
	person, known := personBack(r)
	if err == nil {
		s.backToRecord(w, r, person, known, "decided")
		return
	}
	v["code"] = "" // a code is used once
	s.actionAgain(w, r, st, stepUpField(err), decideFields, func(map[string]string) (*actionPage, bool) {
		if !known {
			return nil, false
		}
		pg, ok, perr := s.decidePage(r, st, person, req, v)
		return pg, ok && perr == nil
	})
}

// backToRecord sends the reader to the record, or home when it is not
// known, with the success banner's code.
func (s *Server) backToRecord(w http.ResponseWriter, r *http.Request, person string, known bool, done string) {
	back := "/"
	if known {
		back = "/persons/" + url.PathEscape(person)
	}
	redirectDone(w, r, back, done)
}

// decideLink is where a panel member decides on a request of a record.
func decideLink(personID, requestID string) string {
	return "/identification/" + url.PathEscape(requestID) + "/decide?" + url.Values{"person": {personID}}.Encode()
}
