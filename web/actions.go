package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The action pages of a record: one thing per page. GET shows the form,
// POST does it through the door and goes back to the record (303), or shows
// the form again (422) with the error summary and what was entered. The
// door decides; a page only hides the links its reader could not follow.

// actionRoutes registers the action pages of a record and the panel's.
func (s *Server) actionRoutes() {
	s.handle("GET /persons/{id}/actions/{action}", s.page(s.actionShow))
	s.handle("POST /persons/{id}/actions/{action}", s.page(s.actionDo))
	s.handle("GET /identification/{request}/decide", s.page(s.decideShow))
	s.handle("POST /identification/{request}/decide", s.page(s.decideDo))
	s.handle("GET /decisions/{id}/sign", s.page(s.signShow))
	s.handle("POST /decisions/{id}/sign", s.page(s.signDo))
	s.evidenceRoutes()
}

// personAction is one action on a record. Its file (action_<name>.go)
// builds its form and calls the door.
type personAction struct {
	name     string
	title    string                                     // catalogue key of the page heading and the link
	fields   []string                                   // the form's fields, in order (the error summary follows it)
	may      func(cf *door.CaseFile, a *nrm.Actor) bool // the reader's role may take it on this record
	relevant func(cf *door.CaseFile) bool               // worth offering now (nil: always)
	prepare  func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile)
	do       func(s *Server, r *http.Request, st *reqState, id string) error
}

// personActions lists the actions in the order the record page offers them.
var personActions = []*personAction{guardianAction, ageAction, statusAction, identificationAction, returnAction,
	nonPunishmentAction, registerAction, duplicateAction, consentAction, withdrawConsentAction, measureAction,
	courtRulingAction, interviewAction, serviceReferAction, advocateAction, needsAction, planAction, safetyAction, closeAction,
	reopenAction, followUpAction, returnRiskAction, linkAction, justiceAction, protectiveAction}

func actionNamed(name string) *personAction {
	i := slices.IndexFunc(personActions, func(a *personAction) bool { return a.name == name })
	if i < 0 {
		return nil
	}
	return personActions[i]
}

// writes: the action changes the record's summary, so the reader needs to
// write it; the door answers for each one.
func writes(cf *door.CaseFile, _ *nrm.Actor) bool { return cf.CanWrite }

// registers: only the Responsible Authority takes the action.
func registers(_ *door.CaseFile, a *nrm.Actor) bool { return a.Has(nrm.RoleRAOfficer) }

// actionPage is the page of every action form.
type actionPage struct {
	Page
	Action  string // the action's name ("decide" for the panel's decision)
	Title   string // catalogue key
	Post    string // where the form goes
	ID      string // the person
	Code    string
	Version int64
	Child   bool
	Options map[string][]Option
	Checks  []checkOption // panel organisations
	Dups    []door.DuplicateView
	Multi   url.Values         // the values of checkbox groups, as entered
	Consent *consentView       // the consent a new version replaces, or the one to withdraw
	Plan    *interviewPlanView // before an interview: what was told already
	Support *door.SupportView  // the current plan, for the plan's page
	// The panel's decision page (action_decide.go): the evidence beside the
	// form, and the second factor the signature needs.
	Evidence *evidenceView
	StepUp   *breakGlassForm
	Compare  []compareLink // the duplicate page: the comparisons to open (action_duplicate.go)

	actor *nrm.Actor // the reader, for prepare's own questions to the door
}

// Radios is a group of radios with the action's options for the field.
func (p *actionPage) Radios(name, legend, hint string) Choice {
	return p.choice("radio", name, legend, hint, func(v string) bool { return p.Values[name] == v })
}

// Boxes is a group of checkboxes with the action's options for the field;
// the ones entered stay ticked.
func (p *actionPage) Boxes(name, legend, hint string) Choice {
	return p.choice("checkbox", name, legend, hint, func(v string) bool { return slices.Contains(p.Multi[name], v) })
}

func (p *actionPage) choice(kind, name, legend, hint string, on func(string) bool) Choice {
	c := Choice{Kind: kind, Name: name, Legend: legend, Hint: hint, Error: p.Errs[name]}
	for _, o := range p.Options[name] {
		c.Items = append(c.Items, checkOption{ID: name + "-" + o.Value, Value: o.Value, Label: o.Label, Checked: on(o.Value)})
	}
	return c
}

// Choice is a group of radios or checkboxes as the "choices" partial draws
// it: a fieldset whose id is the field's name, for the error summary.
type Choice struct {
	Kind, Name, Legend, Hint, Error string
	Items                           []checkOption
}

// Opts is a select control with the action's options for the field.
func (p *actionPage) Opts(name, label, hint string) Field {
	return p.Select(name, label, hint, p.Options[name])
}

// actionLink is one action the record page offers.
type actionLink struct{ Href, Title, TestID string }

// actionLinks lists the actions the reader could take on the record now.
func actionLinks(cf *door.CaseFile, a *nrm.Actor) []actionLink {
	var out []actionLink
	for _, act := range personActions {
		if act.may(cf, a) && (act.relevant == nil || act.relevant(cf)) {
			out = append(out, actionLink{Href: "/persons/" + cf.Person.ID + "/actions/" + act.name, Title: act.title, TestID: "action-" + act.name})
		}
	}
	return out
}

// actionPageFor builds an action's page from the case file, with the
// values entered (nil for an empty form).
func (s *Server) actionPageFor(r *http.Request, st *reqState, act *personAction, cf *door.CaseFile, values map[string]string) *actionPage {
	p := cf.Person
	pg := &actionPage{Page: s.base(r), actor: st.actor, Action: act.name, Title: act.title, Post: "/persons/" + p.ID + "/actions/" + act.name,
		ID: p.ID, Code: p.Code, Version: p.Version, Child: p.IsChild(), Options: map[string][]Option{}, Multi: url.Values{}}
	if values != nil {
		pg.Values = values
		pg.Multi = r.PostForm
	}
	if act.prepare != nil {
		act.prepare(s, r, pg, cf)
	}
	return pg
}

// actionShow is GET /persons/{id}/actions/{action}.
func (s *Server) actionShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	act := actionNamed(r.PathValue("action"))
	if act == nil {
		s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
		return
	}
	id := r.PathValue("id")
	cf, err := s.door.Case(r.Context(), st.actor, id)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	if !act.may(cf, st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	s.render(w, r, http.StatusOK, "action", s.actionPageFor(r, st, act, cf, nil))
}

// actionDo is POST /persons/{id}/actions/{action}.
func (s *Server) actionDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	act := actionNamed(r.PathValue("action"))
	if act == nil {
		s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
		return
	}
	id := r.PathValue("id")
	err := act.do(s, r, st, id)
	if err == nil {
		redirectDone(w, r, "/persons/"+url.PathEscape(id), act.name)
		return
	}
	s.actionAgain(w, r, st, err, act.fields, func(values map[string]string) (*actionPage, bool) {
		cf, cerr := s.door.Case(r.Context(), st.actor, id)
		if cerr != nil {
			return nil, false
		}
		return s.actionPageFor(r, st, act, cf, values), true
	})
}

// actionAgain answers an action the door refused: the form again with the
// error summary (422), or with a fresh version when the record changed
// meanwhile (409); any other error is answered by fail.
func (s *Server) actionAgain(w http.ResponseWriter, r *http.Request, st *reqState, err error, fields []string,
	build func(values map[string]string) (*actionPage, bool)) {
	status := http.StatusUnprocessableEntity
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok && nrm.ErrorCode(err) == nrm.EConflict {
		status, ok = http.StatusConflict, true
		summary, byField = []errItem{{Text: s.problemOf(r, err, st.lang).Message}}, map[string]string{}
	}
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, found := build(formValues(r, fields...))
	if !found {
		s.fail(w, r, err)
		return
	}
	pg.Summary, pg.Errs = inFormOrder(summary, fields), byField
	s.render(w, r, status, "action", pg)
}

// personBack is the record a panel form returns to, from its hidden field.
func personBack(r *http.Request) (string, bool) {
	p := r.PostFormValue("person")
	if p == "" || strings.ContainsAny(p, "/?#\\") {
		return "", false
	}
	return p, true
}

// orgOptions lists the organisation directory as options.
func (s *Server) orgOptions(r *http.Request, lang string, none bool) []Option {
	var out []Option
	if none {
		out = append(out, Option{Value: "", Label: s.cat.T(lang, "common.not_recorded")})
	}
	orgs, err := s.door.Orgs(r.Context())
	if err != nil {
		return out
	}
	for _, o := range orgs {
		out = append(out, Option{Value: o.ID, Label: o.Name})
	}
	return out
}
