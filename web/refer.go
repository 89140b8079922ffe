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
	"github.com/nrm-org/nrm/i18n"
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
	{"meeting", []string{"met_region", "met_place", "met_on-day", "met_on-month", "met_on-year", "met_how", "channel", "referrer_type", "referrer_outside"}},
	{"consent", []string{"consent"}},
	{"person", []string{"aliases", "given_name", "family_name", "birth_date-day", "birth_date-month", "birth_date-year", "sex", "gender", "nationalities", "nationalities_2", "languages", "languages_2", "interpreter", "preferred_gender"}},
	{"age", []string{"age_basis", "age_years", "child_signs"}},
	{"place", []string{"trafficking_scope", "online_platform", "recruit_country", "recruit_region", "exploit_country", "exploit_region"}},
	{"safety", []string{"safety", "safety_note", "needs", "need_org_shelter", "need_org_medical", "need_org_interpreter", "need_org_safety"}},
	{"forms", []string{"suspected_forms"}},
	{"indicators", []string{"indicators", "judged", "judged_reason"}},
	{"account", []string{"account"}},
	{"check", nil},
}

// stepOf names the step that owns a field, for errors from door.Refer.
func stepOf(field string) string {
	switch field {
	case "identity", "doc_number", "phone", "address", "birth_date":
		return "person"
	case "region", "met_on":
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

// refused reports whether an adult refused consent: no identity is kept.
func (v referValues) refused() bool { return v.get("consent") == nrm.ConsentRefused }

// input turns the stored answers into the door's referral input.
func (v referValues) input() nrm.ReferralInput {
	in := nrm.ReferralInput{
		MetRegion: v.get("met_region"), MetPlace: v.get("met_place"), MetOn: v.date("met_on"), MetHow: v.get("met_how"),
		Sex: v.get("sex"), Gender: v.get("gender"), Nationalities: v.codes("nationalities"),
		Languages: v.codes("languages"), Interpreter: v.on("interpreter"), PreferredGender: v.get("preferred_gender"),
		AgeBasis: v.get("age_basis"), ChildSigns: v.on("child_signs"), Safety: v.list("safety"), SafetyNote: v.get("safety_note"),
		Indicators: v.list("indicators"), Judged: v.on("judged"), JudgedReason: v.get("judged_reason"), Account: v.get("account"),
		Consent: v.get("consent"), Channel: v.get("channel"), Scope: v.list("trafficking_scope"), OnlinePlatform: v.get("online_platform"),
		RecruitCountry: v.get("recruit_country"), RecruitRegion: v.get("recruit_region"),
		ExploitCountry: v.get("exploit_country"), ExploitRegion: v.get("exploit_region"), SuspectedForms: v.list("suspected_forms"),
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
		id := &nrm.Identity{GivenName: v.get("given_name"), FamilyName: v.get("family_name"), BirthDate: v.date("birth_date")}
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
	Channels, Platforms, Countries, Languages            []Option
	Scopes, Forms                                        []checkOption
	DateBad                                              map[string][]string // date parts to mark
	Child                                                bool                // the indicator step shows the child indicators
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

type answerRow struct {
	Label, Value string
	At           string // the field its Change link goes to ("": no link)
}

// referStartPage lists the user's drafts and starts a new referral.
type referStartPage struct {
	Page
	Drafts []draftRow
	Expire string // when unfinished referrals are deleted
}

type draftRow struct{ ID, Step, StepLabel, Updated, Age string }

// referDonePage says what the referral set in motion.
type referDonePage struct {
	Page
	ID, Code, Status string
	ReferralID       string // its receipt
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
	pg := &referStartPage{Page: s.base(r), Drafts: s.draftRows(st.lang, ds), Expire: s.draftExpiry(st.lang)}
	s.render(w, r, http.StatusOK, "referstart", pg)
}

// draftRows lists unfinished referrals with their age, newest first.
func (s *Server) draftRows(lang string, ds []door.Draft) []draftRow {
	var out []draftRow
	now := s.door.Now()
	for _, d := range ds {
		if d.Kind != "referral" || stepIndex(d.Step) < 0 {
			continue
		}
		out = append(out, draftRow{ID: d.ID, Step: d.Step, StepLabel: s.cat.T(lang, "refer.step."+d.Step), Updated: s.when(d.UpdatedAt),
			Age: s.ago(lang, now.Sub(d.UpdatedAt))})
	}
	return out
}

// ago says how long ago, in minutes, hours or days.
func (s *Server) ago(lang string, d time.Duration) string {
	switch {
	case d < time.Hour:
		return s.cat.T(lang, "refer.age_minutes", max(1, int(d/time.Minute)))
	case d < 48*time.Hour:
		return s.cat.T(lang, "refer.age_hours", int(d/time.Hour))
	}
	return s.cat.T(lang, "refer.age_days", int(d/(24*time.Hour)))
}

// draftExpiry says when unfinished referrals are deleted.
func (s *Server) draftExpiry(lang string) string {
	ttl := s.door.DraftTTL()
	if ttl >= 48*time.Hour {
		return s.cat.T(lang, "refer.drafts_expire_days", int(ttl/(24*time.Hour)))
	}
	return s.cat.T(lang, "refer.drafts_expire_hours", max(1, int(ttl/time.Hour)))
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
	pg := s.stepPage(r, st, d, v, step)
	if r.URL.Query().Get("check") == "1" && step != "check" {
		// Sent from the check page's error summary: the step shows its errors.
		chk, err := s.checkStep(r, st.lang, step, v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pg.Summary, pg.Errs, pg.DateBad = chk.summary, chk.byField, chk.dateParts
	}
	s.render(w, r, http.StatusOK, "refer", pg)
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
		for _, f := range []string{"aliases", "given_name", "family_name", "birth_date", "birth_date-day", "birth_date-month", "birth_date-year"} {
			delete(v, f)
		}
	}
	if step == "forms" || step == "age" {
		s.keepShownIndicators(v)
	}
	chk, err := s.checkStep(r, st.lang, step, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := referSteps[i+1].Name
	if r.PostFormValue("to") == "check" {
		next = "check"
	}
	if !chk.ok() {
		next = step // the answers are kept in the draft; the step is asked again
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
	if !chk.ok() {
		pg := s.stepPage(r, st, nd, v, step)
		pg.Change = r.PostFormValue("to") == "check"
		pg.Summary, pg.Errs, pg.DateBad = chk.summary, chk.byField, chk.dateParts
		s.render(w, r, http.StatusUnprocessableEntity, "refer", pg)
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
	// The check page re-checks every step (the dates with the form's own
	// messages), then the door checks again as it writes.
	chk, err := s.checkStep(r, st.lang, "check", v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var res *door.ReferralResult
	if chk.ok() {
		res, err = s.door.Refer(ctx, st.actor, v.input())
		if err != nil {
			summary, byField, ok := s.formErrors(r, err, st.lang)
			if !ok {
				s.fail(w, r, err)
				return
			}
			chk.summary, chk.byField = summary, byField
		}
	}
	if !chk.ok() {
		// Each error links to its step, which shows it at the field.
		for i := range chk.summary {
			if f := chk.summary[i].Field; f != "" {
				base, _, _ := strings.Cut(f, "-")
				chk.summary[i].Link = "/refer/" + d.ID + "/" + stepOf(base) + "?change=1&check=1#" + f
			}
		}
		pg := s.stepPage(r, st, d, v, "check")
		pg.Summary = chk.summary
		s.render(w, r, http.StatusUnprocessableEntity, "refer", pg)
		return
	}
	_ = s.door.DeleteDraft(ctx, st.actor, d.ID) // sent: the draft has done its work
	p := res.Person
	pg := &referDonePage{Page: s.base(r), ID: p.ID, Code: p.Code, ReferralID: res.ReferralID, Status: s.label(st.lang, "status", string(p.Status)),
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
		pg.Channels = s.options(lang, "channel", nrm.ReferralChannels, true)
	case "consent":
		pg.Consents = s.options(lang, "consent", []string{nrm.ConsentGiven, nrm.ConsentRefused, nrm.ConsentChild}, false)
	case "person":
		pg.Sexes = s.options(lang, "sex", nrm.Sexes, true)
		pg.Genders = s.options(lang, "gender", nrm.Genders, true)
		pg.Countries, pg.Languages = s.countryOptions(lang), s.languageOptions(lang)
	case "place":
		for _, sc := range nrm.Scopes {
			pg.Scopes = append(pg.Scopes, checkOption{Value: sc, Label: s.label(lang, "scope", sc), ID: "trafficking_scope-" + sc, Checked: pg.Checked["trafficking_scope:"+sc]})
		}
		pg.Platforms = s.options(lang, "platform", nrm.OnlinePlatforms, true)
		pg.Regions = s.options(lang, "region", nrm.Regions, true)
		pg.Countries = s.countryOptions(lang)
	case "forms":
		for _, f := range rules.Forms() {
			if f.Exploitation() {
				pg.Forms = append(pg.Forms, checkOption{Value: string(f), Label: rules.FormLabel(f, lang), ID: "suspected_forms-" + string(f), Checked: pg.Checked["suspected_forms:"+string(f)]})
			}
		}
		pg.Forms = append(pg.Forms, checkOption{Value: nrm.FormsUnsure, Label: s.cat.T(lang, "refer.forms_unsure"), ID: "suspected_forms-" + nrm.FormsUnsure,
			Checked: pg.Checked["suspected_forms:"+nrm.FormsUnsure]})
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
		pg.Groups = s.indicatorGroups(lang, pg.Checked, s.shownForms(v))
	case "check":
		pg.Answers = s.answers(lang, r, v)
	}
	return pg
}

// indicatorGroups lists the indicators the step asks (shownForms), each
// under its main form, or the first of its forms that is asked.
func (s *Server) indicatorGroups(lang string, checked map[string]bool, shown map[rules.Form]bool) []indicatorGroup {
	cat := s.door.Catalogue()
	var out []indicatorGroup
	for _, f := range rules.Forms() {
		g := indicatorGroup{Form: string(f), Label: rules.FormLabel(f, lang)}
		for _, ind := range cat.Indicators {
			if shownIn(ind, shown) != f {
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
	row := func(field, value string) answerRow {
		return answerRow{Label: s.fieldLabel(lang, field), Value: value, At: field}
	}
	names := func(xs []string, name func(string, string) string) string {
		var out []string
		for _, x := range xs {
			out = append(out, name(lang, x))
		}
		return val(strings.Join(out, ", "))
	}
	country := func(c string) string {
		if c == "" {
			return none
		}
		return i18n.CountryName(lang, c)
	}
	var forms []string
	for _, f := range v.list("suspected_forms") {
		if f == nrm.FormsUnsure {
			forms = append(forms, s.cat.T(lang, "refer.forms_unsure"))
		} else {
			forms = append(forms, rules.FormLabel(rules.Form(f), lang))
		}
	}
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
			row("met_on", val(v.date("met_on"))), row("met_how", lab("methow", v.get("met_how"))), row("channel", lab("channel", v.get("channel"))),
			row("referrer_type", who)}},
		{Step: "consent", Rows: []answerRow{row("consent", lab("consent", v.get("consent")))}},
		{Step: "person", Rows: []answerRow{row("sex", lab("sex", v.get("sex"))), row("gender", lab("gender", v.get("gender"))),
			row("nationalities", names(v.codes("nationalities"), i18n.CountryName)),
			row("languages", names(v.codes("languages"), func(l, c string) string { return i18n.Capital(i18n.LanguageName(l, c)) })),
			{Label: s.cat.T(lang, "refer.interpreter"), Value: yes(v.on("interpreter")), At: "interpreter"}, row("preferred_gender", lab("gender", v.get("preferred_gender")))}},
		{Step: "age", Rows: []answerRow{row("age_basis", lab("agebasis", v.get("age_basis"))), row("age_years", val(v.get("age_years"))),
			{Label: s.cat.T(lang, "refer.child_signs"), Value: yes(v.on("child_signs")), At: "child_signs"}}},
		{Step: "place", Rows: []answerRow{row("trafficking_scope", labs("scope", v.list("trafficking_scope"))), row("online_platform", lab("platform", v.get("online_platform"))),
			row("recruit_country", country(v.get("recruit_country"))), row("recruit_region", lab("region", v.get("recruit_region"))),
			row("exploit_country", country(v.get("exploit_country"))), row("exploit_region", lab("region", v.get("exploit_region")))}},
		{Step: "safety", Rows: []answerRow{row("safety", labs("safety", v.list("safety"))), row("safety_note", val(v.get("safety_note"))), row("needs", needText)}},
		{Step: "forms", Rows: []answerRow{row("suspected_forms", val(strings.Join(forms, ", ")))}},
		{Step: "indicators", Rows: []answerRow{row("indicators", indText), {Label: s.cat.T(lang, "refer.judged"), Value: yes(v.on("judged")), At: "judged"}, row("judged_reason", val(v.get("judged_reason")))}},
		{Step: "account", Rows: []answerRow{row("account", val(v.get("account")))}},
	}
	if !v.refused() {
		p := &gs[2]
		p.Rows = append([]answerRow{row("given_name", val(v.get("given_name"))), row("family_name", val(v.get("family_name"))),
			row("aliases", val(v.get("aliases"))), row("birth_date", val(v.date("birth_date")))}, p.Rows...)
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
