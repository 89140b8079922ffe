package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

type personsPage struct {
	Page
	List     []personRow
	Next     string
	Refer    bool
	Export   string // the export link with the list's filters
	Reassign bool   // the reader may move records between workers
	Statuses []Option
	Regions  []Option
}

type personPage struct {
	Page
	P          personView
	CanEdit    bool
	BreakGlass *breakGlassForm
	Case       *caseView // the case file, when it could be read
}

type personView struct {
	ID, Code, Status, AgeGroup, Sex, Nationality, Region, Created, Updated string
	Version                                                                int64
	PresumedChild                                                          bool
	Identity                                                               *identityView
	Narrative                                                              string
	HasNarrative                                                           bool
}

type identityView struct {
	GivenName, FamilyName, Aliases, BirthDate, DocNumber, Phone, Address string
}

// breakGlassForm is the form that opens a record in an emergency. Code
// shows the field for a TOTP code; Passkey the button that steps up with a
// passkey instead.
type breakGlassForm struct {
	Action        string
	Code, Passkey bool
}

// breakGlassFor builds the break-glass form for the signed-in user, with
// the step-up means they have.
func (s *Server) breakGlassFor(r *http.Request, st *reqState, action string) *breakGlassForm {
	f := &breakGlassForm{Action: action, Code: true}
	if fs, err := s.door.Factors(r.Context(), st.token); err == nil {
		f.Code, f.Passkey = !fs.PasskeyOnly && fs.TOTP, fs.Passkeys > 0
	}
	return f
}

type personFormPage struct {
	Page
	Edit      bool
	Action    string
	ID, Code  string
	Version   int64
	Identity  bool // the identity fields are part of the form
	Narrative bool // the narrative is part of the form
	Conflict  bool
	Changed   bool // the record changed since the reader opened it
	Regions   []Option
	AgeGroups []Option
	Sexes     []Option
}

type breakGlassPage struct {
	Page
	ID   string
	Form *breakGlassForm
}

func (s *Server) options(lang, prefix string, values []string, none bool) []Option {
	var out []Option
	if none {
		out = append(out, Option{Value: "", Label: s.cat.T(lang, "common.not_recorded")})
	}
	for _, v := range values {
		out = append(out, Option{Value: v, Label: s.label(lang, prefix, v)})
	}
	return out
}

func statusValues() []string {
	out := make([]string, len(nrm.Statuses))
	for i, st := range nrm.Statuses {
		out[i] = string(st)
	}
	return out
}

var ageGroups = []string{string(nrm.AgeAdult), string(nrm.AgeChild), string(nrm.AgeUnknown)}

// statusRegionOf reads the status and region filters of a list, ignoring
// values that are not ours.
func statusRegionOf(q url.Values) (status nrm.Status, region string) {
	if v := nrm.Status(q.Get("status")); v.Valid() {
		status = v
	}
	if v := q.Get("region"); nrm.ValidRegion(v) {
		region = v
	}
	return status, region
}

func (s *Server) personsList(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.PersonFilter{Limit: 50, Before: q.Get("before")}
	f.Status, f.Region = statusRegionOf(q)
	ps, err := s.door.ListPersons(r.Context(), st.actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &personsPage{Page: s.base(r), List: s.personRows(st.lang, ps), Refer: nrm.CanCreatePerson(st.actor),
		Export: "/persons/export.csv?" + r.URL.Query().Encode(), Reassign: nrm.WorksCases(st.actor)}
	pg.Values["status"], pg.Values["region"] = string(f.Status), f.Region
	pg.Statuses = append([]Option{{Value: "", Label: s.cat.T(st.lang, "persons.any_status")}}, s.options(st.lang, "status", statusValues(), false)...)
	pg.Regions = append([]Option{{Value: "", Label: s.cat.T(st.lang, "persons.any_region")}}, s.options(st.lang, "region", nrm.Regions, false)...)
	if len(ps) == f.Limit {
		next := url.Values{}
		if f.Status != "" {
			next.Set("status", string(f.Status))
		}
		if f.Region != "" {
			next.Set("region", f.Region)
		}
		next.Set("before", ps[len(ps)-1].ID)
		pg.Next = "/persons?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, "persons", pg)
}

// mayWrite reports whether any of the actor's roles writes some record;
// the door decides for each one.
func mayWrite(a *nrm.Actor) bool {
	for _, r := range a.Roles {
		for _, sc := range []nrm.Scope{nrm.ScopeOwn, nrm.ScopeGranted, nrm.ScopeRegister} {
			if nrm.Allows(r, sc, nrm.PartSummary, nrm.Write) {
				return true
			}
		}
	}
	return false
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	p, err := s.door.GetPerson(r.Context(), st.actor, id)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	lang := st.lang
	pg := &personPage{Page: s.base(r), CanEdit: mayWrite(st.actor)}
	pg.P = personView{
		ID: p.ID, Code: p.Code, Status: s.label(lang, "status", string(p.Status)), AgeGroup: s.label(lang, "agegroup", string(p.AgeGroup)),
		Sex: s.label(lang, "sex", p.Sex), Nationality: p.Nationality, Region: s.label(lang, "region", p.Region),
		Created: s.when(p.CreatedAt), Updated: s.when(p.UpdatedAt), Version: p.Version, PresumedChild: p.PresumedChild,
	}
	if p.Narrative != nil {
		pg.P.Narrative, pg.P.HasNarrative = *p.Narrative, true
	}
	if pg.P.Nationality == "" {
		pg.P.Nationality = s.cat.T(lang, "common.not_recorded")
	}
	if id := p.Identity; id != nil {
		or := func(v string) string {
			if v == "" {
				return s.cat.T(lang, "common.not_recorded")
			}
			return v
		}
		pg.P.Identity = &identityView{
			GivenName: or(id.GivenName), FamilyName: or(id.FamilyName), Aliases: or(strings.Join(id.Aliases, ", ")), BirthDate: or(id.BirthDate),
			DocNumber: or(id.DocNumber), Phone: or(id.Phone), Address: or(id.Address),
		}
	}
	pg.Case = s.caseView(r, st, p.ID)
	// The door says where an emergency opening makes sense (door.Case).
	if pg.Case != nil && pg.Case.GlassOffer {
		pg.BreakGlass = s.breakGlassFor(r, st, "/persons/"+p.ID+"/breakglass")
		pg.PasskeyJS = pg.BreakGlass.Passkey
	}
	s.render(w, r, http.StatusOK, "person", pg)
}

// personFail answers an error about one record. Not found (missing or not
// the actor's to see: the door answers both the same) offers break-glass
// to those who may use it, so the two cases still look the same.
func (s *Server) personFail(w http.ResponseWriter, r *http.Request, st *reqState, id string, err error) {
	if nrm.ErrorCode(err) != nrm.ENotFound {
		s.fail(w, r, err)
		return
	}
	p := s.problemOf(r, err, st.lang)
	pg := &errorPage{Page: s.base(r), Status: p.Status, Message: p.Message, Heading: s.cat.T(st.lang, "errpage.not_found")}
	offer, end, oerr := s.door.BreakGlassOffer(r.Context(), st.actor, id)
	switch {
	case oerr != nil:
		s.fail(w, r, oerr)
		return
	case end != nil:
		// The organisation was told its work here ended: say so again,
		// with no invitation to break the glass (access_end.go).
		pg.Heading, pg.Message = s.cat.T(st.lang, "evidence.access_ended_title"), s.endedSentence(st.lang, end.Why, s.day(end.At))
	case offer:
		pg.BreakGlass = s.breakGlassFor(r, st, "/persons/"+url.PathEscape(id)+"/breakglass")
		pg.PasskeyJS = pg.BreakGlass.Passkey
	}
	s.render(w, r, http.StatusNotFound, "error", pg)
}

func (s *Server) newFormPage(r *http.Request, lang string) *personFormPage {
	return &personFormPage{
		Page:      s.base(r),
		Regions:   s.options(lang, "region", nrm.Regions, true),
		AgeGroups: s.options(lang, "agegroup", ageGroups, false),
		Sexes:     s.options(lang, "sex", nrm.Sexes, true),
	}
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !nrm.CanCreatePerson(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	pg := s.newFormPage(r, st.lang)
	pg.Action, pg.Identity, pg.Narrative = "/persons", true, true
	pg.Values["age_group"] = string(nrm.AgeUnknown)
	s.render(w, r, http.StatusOK, "personform", pg)
}

// formValues keeps what was typed, for a form shown again.
func formValues(r *http.Request, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = r.PostFormValue(n)
	}
	return m
}

var personFields = []string{"region", "age_group", "sex", "nationality", "given_name", "family_name", "aliases",
	"birth_date", "doc_number", "phone", "address", "narrative"}

func ptr[T any](v T) *T { return &v }

// text is a form value with surrounding space removed and line ends unified.
func text(r *http.Request, name string) string {
	return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n"))
}

// createInput reads the referral form: what is left empty is not recorded.
func createInput(r *http.Request) nrm.PersonInput {
	var in nrm.PersonInput
	if v := text(r, "region"); v != "" {
		in.Region = ptr(v)
	}
	if v := text(r, "age_group"); v != "" {
		in.AgeGroup = ptr(nrm.AgeGroup(v))
	}
	if v := text(r, "sex"); v != "" {
		in.Sex = ptr(v)
	}
	if v := strings.ToUpper(text(r, "nationality")); v != "" {
		in.Nationality = ptr(v)
	}
	id := identityInput(r)
	if id.GivenName != "" || id.FamilyName != "" || id.BirthDate != "" || id.DocNumber != "" || id.Phone != "" || id.Address != "" || len(id.Aliases) > 0 {
		in.Identity = id
	}
	if v := text(r, "narrative"); v != "" {
		in.Narrative = ptr(v)
	}
	return in
}

func identityInput(r *http.Request) *nrm.Identity {
	id := &nrm.Identity{
		GivenName: text(r, "given_name"), FamilyName: text(r, "family_name"), BirthDate: text(r, "birth_date"),
		DocNumber: text(r, "doc_number"), Phone: text(r, "phone"), Address: text(r, "address"),
	}
	for a := range strings.SplitSeq(text(r, "aliases"), "\n") {
		if a = strings.TrimSpace(a); a != "" {
			id.Aliases = append(id.Aliases, a)
		}
	}
	return id
}

// editInput reads the edit form: the summary fields are always set (empty
// clears), identity and narrative only when the form carried them (the
// reader could see them).
func editInput(r *http.Request) nrm.PersonInput {
	in := nrm.PersonInput{
		Region: ptr(text(r, "region")), Sex: ptr(text(r, "sex")), Nationality: ptr(strings.ToUpper(text(r, "nationality"))),
	}
	if v := text(r, "age_group"); v != "" {
		in.AgeGroup = ptr(nrm.AgeGroup(v))
	}
	if r.PostFormValue("with_identity") == "1" {
		in.Identity = identityInput(r)
	}
	if r.PostFormValue("with_narrative") == "1" {
		in.Narrative = ptr(text(r, "narrative"))
	}
	return in
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.door.CreatePerson(r.Context(), st.actor, createInput(r))
	if err != nil {
		summary, byField, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg := s.newFormPage(r, st.lang)
		pg.Action, pg.Identity, pg.Narrative = "/persons", true, true
		pg.Values, pg.Summary, pg.Errs = formValues(r, personFields...), inFormOrder(summary, personFields), byField
		s.render(w, r, http.StatusUnprocessableEntity, "personform", pg)
		return
	}
	redirectDone(w, r, "/persons/"+p.ID, "created")
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	p, err := s.door.GetPerson(r.Context(), st.actor, id)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	pg := s.newFormPage(r, st.lang)
	pg.Edit, pg.Action, pg.ID, pg.Code, pg.Version = true, "/persons/"+p.ID+"/edit", p.ID, p.Code, p.Version
	if v := r.URL.Query().Get("version"); v != "" && v != strconv.FormatInt(p.Version, 10) {
		pg.Changed = true
	}
	pg.Values = map[string]string{"region": p.Region, "age_group": string(p.AgeGroup), "sex": p.Sex, "nationality": p.Nationality}
	if slices.Contains(p.Parts, nrm.PartIdentity) && p.Identity != nil {
		pg.Identity = true
		id := p.Identity
		pg.Values["given_name"], pg.Values["family_name"], pg.Values["birth_date"] = id.GivenName, id.FamilyName, id.BirthDate
		pg.Values["doc_number"], pg.Values["phone"], pg.Values["address"] = id.DocNumber, id.Phone, id.Address
		pg.Values["aliases"] = strings.Join(id.Aliases, "\n")
	}
	if slices.Contains(p.Parts, nrm.PartNarrative) && p.Narrative != nil {
		pg.Narrative = true
		pg.Values["narrative"] = *p.Narrative
	}
	s.render(w, r, http.StatusOK, "personform", pg)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		s.fail(w, r, nrm.FieldError("version", "error.required"))
		return
	}
	_, err = s.door.UpdatePerson(r.Context(), st.actor, id, version, editInput(r))
	if err == nil {
		redirectDone(w, r, "/persons/"+url.PathEscape(id), "saved")
		return
	}
	code := nrm.ErrorCode(err)
	if code == nrm.ENotFound {
		s.personFail(w, r, st, id, err)
		return
	}
	// Show the form again with what was typed: on a conflict nothing was
	// saved, and the reader is told to look at the latest version.
	pg := s.newFormPage(r, st.lang)
	pg.Edit, pg.Action, pg.ID, pg.Version = true, "/persons/"+url.PathEscape(id)+"/edit", id, version
	pg.Code = r.PostFormValue("code")
	pg.Identity, pg.Narrative = r.PostFormValue("with_identity") == "1", r.PostFormValue("with_narrative") == "1"
	pg.Values = formValues(r, personFields...)
	status := http.StatusUnprocessableEntity
	switch code {
	case nrm.EConflict:
		pg.Conflict, status = true, http.StatusConflict
		pg.Summary = []errItem{{Text: s.cat.T(st.lang, "error.conflict")}}
	default:
		summary, byField, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg.Summary, pg.Errs = inFormOrder(summary, personFields), byField
	}
	s.render(w, r, status, "personform", pg)
}

// personBreakGlass opens a record in an emergency: a stated reason and a
// fresh code from the authenticator app (door.StepUp), then door.BreakGlass.
// Within the step-up window the code may be left empty, so a reason that
// was too short can be corrected without waiting for a new code.
func (s *Server) personBreakGlass(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	again := func(err error) {
		pg := &breakGlassPage{Page: s.base(r), ID: id, Form: s.breakGlassFor(r, st, "/persons/"+url.PathEscape(id)+"/breakglass")}
		pg.PasskeyJS = pg.Form.Passkey
		pg.Values["reason"] = reason
		summary, byField, ok := s.formErrors(r, stepUpField(err), st.lang)
		if !ok {
			s.personFail(w, r, st, id, err) // not found, forbidden, signed out…
			return
		}
		pg.Summary, pg.Errs = summary, byField
		s.render(w, r, http.StatusUnprocessableEntity, "breakglass", pg)
	}
	if !nrm.CanBreakGlass(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	if err := s.stepUp(r, st); err != nil {
		again(err)
		return
	}
	if err := s.door.BreakGlass(r.Context(), st.actor, id, reason); err != nil {
		again(err)
		return
	}
	redirectDone(w, r, "/persons/"+url.PathEscape(id), "breakglass")
}
