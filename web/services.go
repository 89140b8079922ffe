package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
)

// The pages of the service directory, the receiving organisation's inbox of
// service referrals (with one page per step) and the coordinator's switch
// of the emergency protocol. The door decides; a page only hides the links
// its reader could not follow.

// servicesPage is the directory, filtered.
type servicesPage struct {
	Page
	Kinds, Regions, Groups []Option
	Free                   bool
	CanAdd                 bool
	Rows                   []serviceRow
}

type serviceRow struct {
	ID, Name, Org, Kind, Regions, Groups, Languages, Places, Accreditation string
	CanEdit                                                                bool
}

// placesText says how many places are free.
func (s *Server) placesText(lang string, sv nrm.Service) string {
	if sv.Free() < 0 {
		return s.cat.T(lang, "services.places_not_counted")
	}
	return s.cat.T(lang, "services.places_free", sv.Free(), sv.Capacity)
}

func (s *Server) labels(lang, prefix string, vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = s.label(lang, prefix, v)
	}
	return strings.Join(out, ", ")
}

// servicesList is GET /services.
func (s *Server) servicesList(w http.ResponseWriter, r *http.Request, st *reqState) {
	f := serviceFilter(r)
	l, err := s.door.Services(r.Context(), st.actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := st.lang
	pg := &servicesPage{Page: s.base(r), Kinds: s.options(lang, "servicekind", nrm.ServiceKinds, true), Regions: s.options(lang, "region", nrm.Regions, true),
		Groups: s.options(lang, "forwhom", nrm.ServiceGroups, true), Free: f.FreeOnly, CanAdd: nrm.CanKeepServices(st.actor, st.actor.OrgID)}
	pg.Values = map[string]string{"kind": f.Kind, "region": f.Region, "for_whom": f.ForWhom, "language": f.Language}
	for _, sv := range l {
		pg.Rows = append(pg.Rows, serviceRow{ID: sv.ID, Name: sv.Name, Org: sv.OrgName, Kind: s.label(lang, "servicekind", sv.Kind),
			Regions: s.labels(lang, "region", sv.Regions), Groups: s.labels(lang, "forwhom", sv.ForWhom), Languages: strings.Join(sv.Languages, ", "),
			Places: s.placesText(lang, sv), Accreditation: sv.Accreditation, CanEdit: nrm.CanKeepServices(st.actor, sv.OrgID)})
	}
	s.render(w, r, http.StatusOK, "services", pg)
}

// serviceFormPage is the editor of one directory entry.
type serviceFormPage struct {
	Page
	Post    string
	Edit    bool
	Options map[string][]Option
	Multi   url.Values
}

// Boxes is a group of checkboxes; the ones entered stay ticked.
func (p *serviceFormPage) Boxes(name, legend, hint string) Choice {
	c := Choice{Kind: "checkbox", Name: name, Legend: legend, Hint: hint, Error: p.Errs[name]}
	for _, o := range p.Options[name] {
		c.Items = append(c.Items, checkOption{ID: name + "-" + o.Value, Value: o.Value, Label: o.Label, Checked: slices.Contains(p.Multi[name], o.Value)})
	}
	return c
}

var serviceFields = []string{"kind", "name", "regions", "languages", "for_whom", "capacity", "accreditation", "accredited_until"}

func (s *Server) serviceFormFor(r *http.Request, id string) *serviceFormPage {
	lang := s.langOf(r)
	pg := &serviceFormPage{Page: s.base(r), Post: "/services", Options: map[string][]Option{
		"kind": s.options(lang, "servicekind", nrm.ServiceKinds, true), "regions": s.options(lang, "region", nrm.Regions, false),
		"for_whom": s.options(lang, "forwhom", nrm.ServiceGroups, false)}, Multi: url.Values{}}
	if id != "" {
		pg.Post, pg.Edit = "/services/"+url.PathEscape(id)+"/edit", true
	}
	return pg
}

// serviceNew is GET /services/new.
func (s *Server) serviceNew(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !nrm.CanKeepServices(st.actor, st.actor.OrgID) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	s.render(w, r, http.StatusOK, "serviceform", s.serviceFormFor(r, ""))
}

// serviceEdit is GET /services/{id}/edit.
func (s *Server) serviceEdit(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	sv, err := s.door.GetService(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !nrm.CanKeepServices(st.actor, sv.OrgID) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	pg := s.serviceFormFor(r, id)
	pg.Values = map[string]string{"kind": sv.Kind, "name": sv.Name, "languages": strings.Join(sv.Languages, ", "), "capacity": strconv.Itoa(sv.Capacity),
		"accreditation": sv.Accreditation, "accredited_until": sv.AccreditedUntil}
	pg.Multi = url.Values{"regions": sv.Regions, "for_whom": sv.ForWhom}
	s.render(w, r, http.StatusOK, "serviceform", pg)
}

// serviceSave is POST /services and POST /services/{id}/edit.
func (s *Server) serviceSave(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	in := nrm.ServiceInput{Kind: text(r, "kind"), Name: text(r, "name"), Regions: r.PostForm["regions"], ForWhom: r.PostForm["for_whom"],
		Accreditation: text(r, "accreditation"), AccreditedUntil: text(r, "accredited_until")}
	for _, l := range strings.FieldsFunc(text(r, "languages"), func(c rune) bool { return c == ',' || c == ' ' }) {
		in.Languages = append(in.Languages, strings.ToLower(l))
	}
	var err error
	if c := text(r, "capacity"); c != "" {
		if in.Capacity, err = strconv.Atoi(c); err != nil {
			in.Capacity = -1
		}
	}
	if _, err = s.door.SaveService(r.Context(), st.actor, id, in); err == nil {
		redirectDone(w, r, "/services", "service-saved")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg := s.serviceFormFor(r, id)
	pg.Values, pg.Multi = formValues(r, serviceFields...), r.PostForm
	pg.Summary, pg.Errs = inFormOrder(summary, serviceFields), byField
	s.render(w, r, http.StatusUnprocessableEntity, "serviceform", pg)
}

// serviceReferralsPage is the receiving organisation's inbox.
type serviceReferralsPage struct {
	Page
	Rows []serviceReferralRow
}

type serviceReferralRow struct {
	ID, Code, Name, Service, From, State, Sent, Due, Note, Summary string
	Emergency                                                      bool
	ReReferHref                                                    string // a declined referral that needs a new one
	Steps                                                          []string
	Moves                                                          []actionLink
}

func (s *Server) serviceReferralRowOf(lang string, ref nrm.ServiceReferral, receiver bool) serviceReferralRow {
	row := serviceReferralRow{ID: ref.ID, Code: ref.PersonCode, Name: ref.PersonName, Service: ref.ServiceName + " (" + ref.ToOrgName + ")", From: ref.FromOrgName,
		State: s.label(lang, "srstate", ref.State), Sent: s.when(ref.SentAt), Due: s.when(ref.AckDue), Note: ref.Note, Emergency: ref.Emergency,
		Summary: s.label(lang, "region", ref.Region) + ", " + s.label(lang, "agegroup", ref.AgeGroup) + ", " + s.label(lang, "sex", ref.Sex)}
	for _, st := range ref.Steps {
		line := s.when(st.At) + " · " + s.label(lang, "srstate", st.State) + " · " + st.OrgName
		if st.Mode != "" {
			line += " · " + s.label(lang, "deliverymode", st.Mode)
		}
		if st.Reason != "" {
			line += " · " + st.Reason
		}
		row.Steps = append(row.Steps, line)
	}
	if ref.NeedsNew && !receiver {
		row.ReReferHref = "/persons/" + ref.PersonID + "/actions/refer-service?replaces=" + ref.ID
	}
	if receiver {
		for _, m := range nrm.ServiceMoves(ref.State, true) {
			row.Moves = append(row.Moves, actionLink{Href: "/service-referrals/" + ref.ID + "/step?state=" + m, Title: "srmove." + m, TestID: "move-" + m})
		}
	}
	return row
}

// serviceInbox is GET /service-referrals.
func (s *Server) serviceInbox(w http.ResponseWriter, r *http.Request, st *reqState) {
	rs, err := s.door.ServiceReferralInbox(r.Context(), st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &serviceReferralsPage{Page: s.base(r)}
	for _, ref := range rs {
		pg.Rows = append(pg.Rows, s.serviceReferralRowOf(st.lang, ref, true))
	}
	s.render(w, r, http.StatusOK, "servicereferrals", pg)
}

// serviceStepPage is one step of a received referral: one thing per page.
type serviceStepPage struct {
	Page
	Ref   serviceReferralRow
	State string
	Modes []Option
}

var serviceStepFields = []string{"state", "reason", "delivered_on", "mode"}

// stepFor finds a referral in the actor's inbox.
func (s *Server) stepFor(r *http.Request, st *reqState, state string) (*serviceStepPage, error) {
	if !nrm.CanActOnServiceReferrals(st.actor) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	rs, err := s.door.ServiceReferralInbox(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rs, func(x nrm.ServiceReferral) bool { return x.ID == r.PathValue("id") })
	if i < 0 {
		return nil, nrm.ErrNotFound
	}
	if !slices.Contains(nrm.ServiceMoves(rs[i].State, true), state) {
		state = ""
	}
	return &serviceStepPage{Page: s.base(r), Ref: s.serviceReferralRowOf(st.lang, rs[i], false), State: state,
		Modes: s.options(st.lang, "deliverymode", nrm.DeliveryModes, false)}, nil
}

// serviceStepShow is GET /service-referrals/{id}/step?state=.
func (s *Server) serviceStepShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.stepFor(r, st, r.URL.Query().Get("state"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Values["mode"] = "in_person"
	s.render(w, r, http.StatusOK, "servicestep", pg)
}

// serviceStepDo is POST /service-referrals/{id}/step.
func (s *Server) serviceStepDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if !nrm.CanActOnServiceReferrals(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	err := s.door.StepServiceReferral(r.Context(), st.actor, r.PathValue("id"), nrm.ServiceStepInput{State: text(r, "state"), Reason: text(r, "reason"),
		On: text(r, "delivered_on"), Mode: text(r, "mode")})
	if err == nil {
		redirectDone(w, r, "/service-referrals", "service-step")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, perr := s.stepFor(r, st, text(r, "state"))
	if perr != nil {
		s.fail(w, r, err)
		return
	}
	pg.State = text(r, "state")
	pg.Values = formValues(r, serviceStepFields...)
	pg.Summary, pg.Errs = inFormOrder(summary, serviceStepFields), byField
	s.render(w, r, http.StatusUnprocessableEntity, "servicestep", pg)
}

// emergencyPage is the coordinator's switch of the emergency protocol.
type emergencyPage struct {
	Page
	On      bool
	Periods []emergencyRow
}

type emergencyRow struct{ Started, Ended, Org, Reason string }

func (s *Server) emergencyPageFor(r *http.Request, st *reqState) (*emergencyPage, error) {
	if !nrm.CanSwitchEmergency(st.actor) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	es, err := s.door.Emergencies(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	pg := &emergencyPage{Page: s.base(r)}
	for _, e := range es {
		pg.On = pg.On || e.EndedAt.IsZero()
		pg.Periods = append(pg.Periods, emergencyRow{Started: s.when(e.StartedAt), Ended: s.when(e.EndedAt), Org: e.StartedByOrgName, Reason: e.Reason})
	}
	return pg, nil
}

// emergencyShow is GET /emergency.
func (s *Server) emergencyShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.emergencyPageFor(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "emergency", pg)
}

// emergencySwitch is POST /emergency.
func (s *Server) emergencySwitch(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.door.SetEmergency(r.Context(), st.actor, text(r, "on") == "1", text(r, "reason"))
	if err == nil {
		redirectDone(w, r, "/emergency", "emergency")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, perr := s.emergencyPageFor(r, st)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	pg.Values = formValues(r, "reason")
	pg.Summary, pg.Errs = inFormOrder(summary, []string{"emergency", "reason"}), byField
	s.render(w, r, http.StatusUnprocessableEntity, "emergency", pg)
}
