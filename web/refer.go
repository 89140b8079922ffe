package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
)

// The referral form is a guided form with one topic per step. Every step's
// POST saves the whole form as a server-side draft (door.SaveDraft) and
// moves on, so a closed tab or a dropped connection loses at most the step
// on screen. The last step shows every answer with a link back to change it;
// sending calls door.Refer and deletes the draft.

// referStep is one page of the referral form and the fields it owns.
type referStep struct {
	Name   string
	Fields []string
}

var referSteps = []referStep{
	{"meeting", []string{"met_region", "met_place", "met_on", "met_how", "referrer_type", "referrer_outside"}},
	{"consent", []string{"consent"}},
	{"person", []string{"aliases", "given_name", "family_name", "birth_date", "sex", "gender", "nationalities", "languages", "interpreter", "preferred_gender"}},
	{"age", []string{"age_basis", "age_years", "child_signs"}},
	{"safety", []string{"safety", "safety_note", "needs", "need_org_shelter", "need_org_medical", "need_org_interpreter", "need_org_safety"}},
	{"indicators", []string{"indicators", "judged", "judged_reason"}},
	{"account", []string{"account"}},
	{"check", nil},
}

// stepOf names the step that owns a field, for errors from door.Refer.
func stepOf(field string) string {
	switch field {
	case "identity", "doc_number", "phone", "address":
		return "person"
	case "region":
		return "meeting"
	}
	for _, st := range referSteps {
		if slices.Contains(st.Fields, field) {
			return st.Name
		}
	}
	return "check"
}

func stepIndex(name string) int {
	return slices.IndexFunc(referSteps, func(s referStep) bool { return s.Name == name })
}

// referral form field values (from the stored draft).
type referValues url.Values

func (v referValues) get(k string) string { return url.Values(v).Get(k) }

func (v referValues) list(k string) []string { return url.Values(v)[k] }

func (v referValues) on(k string) bool { return v.get(k) == "1" }

// splitList reads a comma or space separated list.
func splitList(s string, upper bool) []string {
	var out []string
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if upper {
			f = strings.ToUpper(f)
		} else {
			f = strings.ToLower(f)
		}
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// refused reports whether an adult refused consent: no identity is kept.
func (v referValues) refused() bool { return v.get("consent") == nrm.ConsentRefused }

// input turns the stored answers into the door's referral input.
func (v referValues) input() nrm.ReferralInput {
	in := nrm.ReferralInput{
		MetRegion: v.get("met_region"), MetPlace: v.get("met_place"), MetOn: v.get("met_on"), MetHow: v.get("met_how"),
		Sex: v.get("sex"), Gender: v.get("gender"), Nationalities: splitList(v.get("nationalities"), true),
		Languages: splitList(v.get("languages"), false), Interpreter: v.on("interpreter"), PreferredGender: v.get("preferred_gender"),
		AgeBasis: v.get("age_basis"), ChildSigns: v.on("child_signs"), Safety: v.list("safety"), SafetyNote: v.get("safety_note"),
		Indicators: v.list("indicators"), Judged: v.on("judged"), JudgedReason: v.get("judged_reason"), Account: v.get("account"),
		Consent: v.get("consent"),
	}
	switch t := v.get("referrer_type"); t {
	case nrm.ReferrerMIU:
		in.ReferrerType = t
	case nrm.ReferrerOutside:
		in.ReferrerType, in.ReferrerOutside = t, v.get("referrer_outside")
	}
	if y := v.get("age_years"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			n = -1 // out of range: the door names the field
		}
		in.AgeYears = &n
	}
	for _, n := range v.list("needs") {
		in.Needs = append(in.Needs, nrm.NeedRequest{Need: nrm.Need(n), OrgID: v.get("need_org_" + n)})
	}
	if !v.refused() {
		id := &nrm.Identity{GivenName: v.get("given_name"), FamilyName: v.get("family_name"), BirthDate: v.get("birth_date")}
		for a := range strings.SplitSeq(v.get("aliases"), ",") {
			if a = strings.TrimSpace(a); a != "" {
				id.Aliases = append(id.Aliases, a)
			}
		}
		if !id.Empty() {
			in.Identity = id
		}
	}
	return in
}

// referPage is one step of the referral form.
type referPage struct {
	Page
	Draft    string
	Version  int64
	Step     string
	StepNo   int
	Steps    int
	Back     string
	Refused  bool
	Conflict bool
	Change   bool // came from the check page: go back there

	Regions, MetHows, Consents, Sexes, Genders, AgeBases []Option
	Safety                                               []checkOption
	Needs                                                []needOption
	Groups                                               []indicatorGroup
	Answers                                              []answerGroup
	Checked                                              map[string]bool
}

type checkOption struct {
	Value, Label, ID string
	Checked          bool
}

type needOption struct {
	checkOption
	Orgs []Option
	Name string // the select's name
}

type indicatorGroup struct {
	Form, Label string
	Open        bool // some indicator of the group is answered
	Items       []checkOption
}

// answerGroup is one step's answers on the check page.
type answerGroup struct {
	Step, Title string
	Rows        []answerRow
}

type answerRow struct{ Label, Value string }

// referStartPage lists the user's drafts and starts a new referral.
type referStartPage struct {
	Page
	Drafts []draftRow
}

type draftRow struct{ ID, Step, StepLabel, Updated string }

// referDonePage says what the referral set in motion.
type referDonePage struct {
	Page
	ID, Code, Status string
	Potential        bool
	Reflection       string
	Child            bool
	Duplicate        bool
	Tasks            []answerRow // need, organisation
	Deadlines        []answerRow // label, due
}

func (s *Server) mayRefer(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	if !nrm.CanCreatePerson(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return false
	}
	return true
}

func (s *Server) referStart(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !s.mayRefer(w, r, st) {
		return
	}
	ds, err := s.door.Drafts(r.Context(), st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &referStartPage{Page: s.base(r)}
	for _, d := range ds {
		if d.Kind != "referral" || stepIndex(d.Step) < 0 {
			continue
		}
		pg.Drafts = append(pg.Drafts, draftRow{ID: d.ID, Step: d.Step, StepLabel: s.cat.T(st.lang, "refer.step."+d.Step), Updated: s.when(d.UpdatedAt)})
	}
	s.render(w, r, http.StatusOK, "referstart", pg)
}

// referNew starts a draft and goes to the first step.
func (s *Server) referNew(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.mayRefer(w, r, st) {
		return
	}
	d, err := s.door.SaveDraft(r.Context(), st.actor, door.Draft{Kind: "referral", Step: referSteps[0].Name, Data: []byte("{}")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/refer/"+d.ID+"/"+referSteps[0].Name, http.StatusSeeOther)
}

// loadDraft reads a referral draft and its answers.
func (s *Server) loadDraft(w http.ResponseWriter, r *http.Request, st *reqState) (*door.Draft, referValues, bool) {
	if !s.mayRefer(w, r, st) {
		return nil, nil, false
	}
	d, err := s.door.GetDraft(r.Context(), st.actor, r.PathValue("draft"))
	if err == nil && d.Kind != "referral" {
		err = nrm.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	v := referValues{}
	if err := json.Unmarshal(d.Data, &v); err != nil {
		v = referValues{}
	}
	return d, v, true
}

func (s *Server) referStepShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	step := r.PathValue("step")
	if stepIndex(step) < 0 {
		s.notFound(w, r)
		return
	}
	d, v, ok := s.loadDraft(w, r, st)
	if !ok {
		return
	}
	s.renderStep(w, r, st, http.StatusOK, d, v, step)
}

// referStepSave stores the step's answers in the draft and goes on.
func (s *Server) referStepSave(w http.ResponseWriter, r *http.Request, st *reqState) {
	step := r.PathValue("step")
	i := stepIndex(step)
	if i < 0 || step == "check" {
		s.notFound(w, r)
		return
	}
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	d, v, ok := s.loadDraft(w, r, st)
	if !ok {
		return
	}
	for _, f := range referSteps[i].Fields {
		vals := r.PostForm[f]
		var keep []string
		for _, x := range vals {
			if x = strings.TrimSpace(strings.ReplaceAll(x, "\r\n", "\n")); x != "" {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			delete(v, f)
		} else {
			v[f] = keep
		}
	}
	if v.refused() { // no identity without consent
		for _, f := range []string{"aliases", "given_name", "family_name", "birth_date"} {
			delete(v, f)
		}
	}
	next := referSteps[i+1].Name
	if r.PostFormValue("to") == "check" {
		next = "check"
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	data, _ := json.Marshal(v)
	nd, err := s.door.SaveDraft(r.Context(), st.actor, door.Draft{ID: d.ID, Kind: "referral", Step: next, Data: data, Version: version})
	if err != nil {
		if nrm.ErrorCode(err) == nrm.EConflict {
			// Another tab saved first: show the stored answers, say so.
			_, stored, ok := s.loadDraft(w, r, st)
			if !ok {
				return
			}
			d.Version++
			pg := s.stepPage(r, st, d, stored, step)
			fresh, err := s.door.GetDraft(r.Context(), st.actor, d.ID)
			if err == nil {
				pg.Version = fresh.Version
			}
			pg.Conflict = true
			pg.Summary = []errItem{{Text: s.cat.T(st.lang, "error.conflict")}}
			s.render(w, r, http.StatusConflict, "refer", pg)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/refer/"+nd.ID+"/"+next, http.StatusSeeOther)
}

// referSubmit sends the referral.
func (s *Server) referSubmit(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	d, v, ok := s.loadDraft(w, r, st)
	if !ok {
		return
	}
	ctx := r.Context()
	res, err := s.door.Refer(ctx, st.actor, v.input())
	if err != nil {
		summary, byField, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		// Each error links to the step and field where it belongs.
		for i := range summary {
			if f := summary[i].Field; f != "" {
				summary[i].Link = "/refer/" + d.ID + "/" + stepOf(f) + "#" + f
			}
		}
		pg := s.stepPage(r, st, d, v, "check")
		pg.Summary, pg.Errs = summary, byField
		s.render(w, r, http.StatusUnprocessableEntity, "refer", pg)
		return
	}
	_ = s.door.DeleteDraft(ctx, st.actor, d.ID) // sent: the draft has done its work
	p := res.Person
	pg := &referDonePage{Page: s.base(r), ID: p.ID, Code: p.Code, Status: s.label(st.lang, "status", string(p.Status)),
		Potential: p.Status == nrm.StatusPotentialVictim, Child: p.IsChild(), Duplicate: res.Duplicate}
	if !p.ReflectionEnd.IsZero() {
		pg.Reflection = s.day(p.ReflectionEnd)
	}
	for _, t := range res.Tasks {
		pg.Tasks = append(pg.Tasks, answerRow{Label: s.label(st.lang, "need", t.Kind), Value: t.OrgName})
	}
	for _, dl := range res.Deadlines {
		pg.Deadlines = append(pg.Deadlines, answerRow{Label: s.deadlineLabel(st.lang, dl.Rule), Value: s.day(dl.DueAt) + " · " + dl.OrgName})
	}
	s.render(w, r, http.StatusOK, "referdone", pg)
}

// referDiscard deletes a draft.
func (s *Server) referDiscard(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.mayRefer(w, r, st) {
		return
	}
	if err := s.door.DeleteDraft(r.Context(), st.actor, r.PathValue("draft")); err != nil {
		s.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/refer", "draft-deleted")
}

func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, st *reqState, status int, d *door.Draft, v referValues, step string) {
	s.render(w, r, status, "refer", s.stepPage(r, st, d, v, step))
}

// stepPage builds one step with its choices and the stored answers.
func (s *Server) stepPage(r *http.Request, st *reqState, d *door.Draft, v referValues, step string) *referPage {
	lang := st.lang
	i := stepIndex(step)
	pg := &referPage{Page: s.base(r), Draft: d.ID, Version: d.Version, Step: step, StepNo: i + 1, Steps: len(referSteps), Refused: v.refused(),
		Checked: map[string]bool{}}
	pg.Change = r.URL.Query().Get("change") == "1"
	if i > 0 {
		pg.Back = "/refer/" + d.ID + "/" + referSteps[i-1].Name
	} else {
		pg.Back = "/refer"
	}
	for k, xs := range v {
		if len(xs) > 0 {
			pg.Values[k] = xs[0]
		}
		for _, x := range xs {
			pg.Checked[k+":"+x] = true
		}
	}
	switch step {
	case "meeting":
		pg.Regions = s.options(lang, "region", nrm.Regions, true)
		pg.MetHows = s.options(lang, "methow", nrm.MetHow, true)
	case "consent":
		pg.Consents = s.options(lang, "consent", []string{nrm.ConsentGiven, nrm.ConsentRefused, nrm.ConsentChild}, false)
	case "person":
		pg.Sexes = s.options(lang, "sex", nrm.Sexes, true)
		pg.Genders = s.options(lang, "gender", nrm.Genders, true)
	case "age":
		pg.AgeBases = s.options(lang, "agebasis", []string{nrm.AgeDeclared, nrm.AgeAssessed, nrm.AgeUncertain}, true)
	case "safety":
		for _, f := range nrm.SafetyFlags {
			pg.Safety = append(pg.Safety, checkOption{Value: f, Label: s.label(lang, "safety", f), ID: "safety-" + f, Checked: pg.Checked["safety:"+f]})
		}
		orgs, _ := s.door.Orgs(r.Context())
		for _, n := range nrm.Needs {
			no := needOption{checkOption: checkOption{Value: string(n), Label: s.label(lang, "need", string(n)), ID: "needs-" + string(n), Checked: pg.Checked["needs:"+string(n)]},
				Name: "need_org_" + string(n)}
			no.Orgs = []Option{{Value: "", Label: s.cat.T(lang, "refer.org_any")}}
			for _, o := range orgs {
				if slices.Contains(nrm.NeedOrgTypes[n], o.Type) {
					no.Orgs = append(no.Orgs, Option{Value: o.ID, Label: o.Name, Selected: v.get(no.Name) == o.ID})
				}
			}
			pg.Needs = append(pg.Needs, no)
		}
	case "indicators":
		pg.Groups = s.indicatorGroups(lang, pg.Checked)
	case "check":
		pg.Answers = s.answers(lang, r, v)
	}
	return pg
}

// indicatorGroups lists the catalogue's indicators by their main form.
func (s *Server) indicatorGroups(lang string, checked map[string]bool) []indicatorGroup {
	cat := s.door.Catalogue()
	var out []indicatorGroup
	for _, f := range rules.Forms() {
		g := indicatorGroup{Form: string(f), Label: rules.FormLabel(f, lang)}
		for _, ind := range cat.Indicators {
			if len(ind.Forms) == 0 || ind.Forms[0] != f {
				continue
			}
			c := checkOption{Value: ind.Code, Label: indicatorLabel(ind, lang), ID: "ind-" + strings.ReplaceAll(ind.Code, ".", "-"), Checked: checked["indicators:"+ind.Code]}
			g.Open = g.Open || c.Checked
			g.Items = append(g.Items, c)
		}
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func indicatorLabel(ind rules.Indicator, lang string) string {
	if l := ind.Label[lang]; l != "" {
		return l
	}
	if l := ind.Label["en"]; l != "" {
		return l
	}
	return ind.Code
}

// answers is every answer, grouped by step, for the check page.
func (s *Server) answers(lang string, r *http.Request, v referValues) []answerGroup {
	none := s.cat.T(lang, "common.not_recorded")
	val := func(x string) string {
		if x == "" {
			return none
		}
		return x
	}
	lab := func(prefix, x string) string { return s.label(lang, prefix, x) }
	labs := func(prefix string, xs []string) string {
		if len(xs) == 0 {
			return none
		}
		var out []string
		for _, x := range xs {
			out = append(out, s.label(lang, prefix, x))
		}
		return strings.Join(out, ", ")
	}
	yes := func(b bool) string { return s.yesNo(lang, b) }
	row := func(field, value string) answerRow { return answerRow{Label: s.fieldLabel(lang, field), Value: value} }
	who := lab("referrer", v.get("referrer_type"))
	if v.get("referrer_type") == "" {
		who = s.cat.T(lang, "referrer.own")
	}
	if v.get("referrer_type") == nrm.ReferrerOutside {
		who += ": " + val(v.get("referrer_outside"))
	}
	var inds []string
	cat := s.door.Catalogue()
	for _, c := range v.list("indicators") {
		label := c
		for _, ind := range cat.Indicators {
			if ind.Code == c {
				label = indicatorLabel(ind, lang)
			}
		}
		inds = append(inds, label)
	}
	indText := none
	if len(inds) > 0 {
		indText = strings.Join(inds, "; ")
	}
	var needs []string
	for _, n := range v.list("needs") {
		needs = append(needs, lab("need", n))
	}
	needText := none
	if len(needs) > 0 {
		needText = strings.Join(needs, ", ")
	}
	gs := []answerGroup{
		{Step: "meeting", Rows: []answerRow{row("met_region", lab("region", v.get("met_region"))), row("met_place", val(v.get("met_place"))),
			row("met_on", val(v.get("met_on"))), row("met_how", lab("methow", v.get("met_how"))), row("referrer_type", who)}},
		{Step: "consent", Rows: []answerRow{row("consent", lab("consent", v.get("consent")))}},
		{Step: "person", Rows: []answerRow{row("sex", lab("sex", v.get("sex"))), row("gender", lab("gender", v.get("gender"))),
			row("nationalities", val(strings.Join(splitList(v.get("nationalities"), true), ", "))), row("languages", val(strings.Join(splitList(v.get("languages"), false), ", "))),
			answerRow{Label: s.cat.T(lang, "refer.interpreter"), Value: yes(v.on("interpreter"))}, row("preferred_gender", lab("gender", v.get("preferred_gender")))}},
		{Step: "age", Rows: []answerRow{row("age_basis", lab("agebasis", v.get("age_basis"))), row("age_years", val(v.get("age_years"))), answerRow{Label: s.cat.T(lang, "refer.child_signs"), Value: yes(v.on("child_signs"))}}},
		{Step: "safety", Rows: []answerRow{row("safety", labs("safety", v.list("safety"))), row("safety_note", val(v.get("safety_note"))), row("needs", needText)}},
		{Step: "indicators", Rows: []answerRow{row("indicators", indText), answerRow{Label: s.cat.T(lang, "refer.judged"), Value: yes(v.on("judged"))}, row("judged_reason", val(v.get("judged_reason")))}},
		{Step: "account", Rows: []answerRow{row("account", val(v.get("account")))}},
	}
	if !v.refused() {
		p := &gs[2]
		p.Rows = append([]answerRow{row("given_name", val(v.get("given_name"))), row("family_name", val(v.get("family_name"))),
			row("aliases", val(v.get("aliases"))), row("birth_date", val(v.get("birth_date")))}, p.Rows...)
	}
	for i := range gs {
		gs[i].Title = s.cat.T(lang, "refer.step."+gs[i].Step)
	}
	return gs
}

// deadlineLabel names a deadline in the reader's language, from the profile.
func (s *Server) deadlineLabel(lang, rule string) string {
	if p := s.door.Profile(); p != nil {
		if m := p.DeadlineLabels[rule]; m != nil {
			if l := m[lang]; l != "" {
				return l
			}
			if l := m["en"]; l != "" {
				return l
			}
		}
	}
	return rule
}

// day formats a date for a page, in the service's time zone.
func (s *Server) day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format("2006-01-02")
}
