package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
)

// The professionals' questionnaire as pages (issue #6 point 6): the current
// version, editing it section by section, campaigns, answering one section
// per page with a check-your-answers page, and the results. Thin handlers:
// every read and write is a door method, which applies the same rules as
// the JSON API (web/voice.go).

func init() {
	pageTypes["questionnaire"] = func() any { return &questionnairePage{} }
	pageTypes["questionnaireedit"] = func() any { return &qEditPage{} }
	pageTypes["questionnairecampaign"] = func() any { return &qCampaignPage{} }
	pageTypes["questionnaireanswer"] = func() any { return &qAnswerPage{} }
	pageTypes["questionnaireresults"] = func() any { return &qResultsPage{} }
}

var errForbidden = nrm.Errorf(nrm.EForbidden, "error.forbidden")

// qText is a question's text in lang, in Albanian when it has none.
func qText(q nrm.Question, lang string) string {
	if t := q.Text[lang]; t != "" {
		return t
	}
	return q.Text["sq"]
}

// latestQuestionnaire is the current version, nil when none was ever saved.
func (s *Server) latestQuestionnaire(r *http.Request, st *reqState) (*nrm.Questionnaire, error) {
	q, err := s.door.Questionnaire(r.Context(), st.actor, 0)
	if errors.Is(err, nrm.ErrNotFound) {
		return nil, nil
	}
	return q, err
}

func (s *Server) today() string {
	return s.door.Now().In(s.door.Profile().Location()).Format(time.DateOnly)
}

// --- GET /questionnaire ---------------------------------------------------------

type qSectionView struct {
	Key, Title string
	Questions  []string
}

type qCampaignRow struct {
	Title, OpensOn, ClosesOn string
	Version                  int
	Open                     bool
	AnswerHref, ResultsHref  string
}

type questionnairePage struct {
	Page
	Version   int
	Sections  []qSectionView
	CanKeep   bool
	Campaigns []qCampaignRow
	Notice    string // the catalogue key of what was just done
}

// qPage is GET /questionnaire.
func (s *Server) qPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx := r.Context()
	q, err := s.latestQuestionnaire(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &questionnairePage{Page: s.base(r), CanKeep: nrm.CanKeepVoices(st.actor)}
	if q != nil {
		pg.Version = q.Version
		for _, sec := range nrm.QuestionnaireSections {
			v := qSectionView{Key: sec, Title: s.cat.T(st.lang, "voice.section."+sec)}
			for _, x := range q.Sections[sec] {
				v.Questions = append(v.Questions, qText(x, st.lang))
			}
			pg.Sections = append(pg.Sections, v)
		}
	}
	cs, err := s.door.QuestionnaireCampaigns(ctx, st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today, read := s.today(), nrm.CanReadVoices(st.actor)
	for _, c := range cs {
		row := qCampaignRow{Title: c.Title, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn, Version: c.Version, Open: today >= c.OpensOn && today <= c.ClosesOn}
		if row.Open {
			// Offered only where the door would take the answers.
			if _, _, _, err := s.door.QuestionnaireToAnswer(ctx, st.actor, c.ID); err == nil {
				row.AnswerHref = "/questionnaire/campaigns/" + c.ID + "/answer"
			}
		}
		if read {
			row.ResultsHref = "/questionnaire/campaigns/" + c.ID + "/results"
		}
		pg.Campaigns = append(pg.Campaigns, row)
	}
	switch {
	case r.URL.Query().Has("saved"):
		pg.Notice = "qpages.saved"
	case r.URL.Query().Has("made"):
		pg.Notice = "qpages.made"
	case r.URL.Query().Has("answered"):
		pg.Notice = "qpages.answered"
	}
	s.render(w, r, http.StatusOK, "questionnaire", pg)
}

// --- GET/POST /questionnaire/edit ---------------------------------------------------

type qEditRow struct {
	N            int // 1-based, as the page numbers the questions
	Key, SQ, EN  string
	New, Remove  bool
	ErrSQ, ErrEN string
}

type qEditPage struct {
	Page
	Section, SectionTitle string
	Sections              []Option // the section chooser, when none is chosen
	Rows                  []qEditRow
}

func (s *Server) qEditRows(q *nrm.Questionnaire, sec string) []qEditRow {
	var rows []qEditRow
	if q != nil {
		for i, x := range q.Sections[sec] {
			rows = append(rows, qEditRow{N: i + 1, Key: x.Key, SQ: x.Text["sq"], EN: x.Text["en"]})
		}
	}
	return append(rows, qEditRow{N: len(rows) + 1, New: true})
}

// qEditPage is GET /questionnaire/edit[?section=]: the chooser, or one
// section's questions with a blank row for a new one.
func (s *Server) qEditPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !nrm.CanKeepVoices(st.actor) {
		s.fail(w, r, errForbidden)
		return
	}
	q, err := s.latestQuestionnaire(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &qEditPage{Page: s.base(r)}
	sec := r.URL.Query().Get("section")
	if !slices.Contains(nrm.QuestionnaireSections, sec) {
		for _, x := range nrm.QuestionnaireSections {
			pg.Sections = append(pg.Sections, Option{Value: x, Label: s.cat.T(st.lang, "voice.section."+x)})
		}
		s.render(w, r, http.StatusOK, "questionnaireedit", pg)
		return
	}
	pg.Section, pg.SectionTitle, pg.Rows = sec, s.cat.T(st.lang, "voice.section."+sec), s.qEditRows(q, sec)
	s.render(w, r, http.StatusOK, "questionnaireedit", pg)
}

// qEditSave is POST /questionnaire/edit: the section's questions replace
// those of the current version, saved as a new version (the door keeps the
// earlier ones for the campaigns that sent them). New questions get keys
// q1, q2… unused in the section; a question with one language missing is
// sent back with the field named.
func (s *Server) qEditSave(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if !nrm.CanKeepVoices(st.actor) {
		s.fail(w, r, errForbidden)
		return
	}
	sec := r.PostFormValue("section")
	if !slices.Contains(nrm.QuestionnaireSections, sec) {
		s.fail(w, r, nrm.ErrNotFound)
		return
	}
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), 200)
	pg := &qEditPage{Page: s.base(r), Section: sec, SectionTitle: s.cat.T(st.lang, "voice.section."+sec)}
	used := map[string]bool{}
	for i := range n {
		used[text(r, fmt.Sprintf("key-%d", i))] = true
	}
	var qs []nrm.Question
	for i := range n {
		row := qEditRow{N: i + 1, Key: text(r, fmt.Sprintf("key-%d", i)), SQ: text(r, fmt.Sprintf("sq-%d", i)), EN: text(r, fmt.Sprintf("en-%d", i)),
			Remove: r.PostFormValue(fmt.Sprintf("remove-%d", i)) == "1"}
		row.New = row.Key == ""
		if row.New && row.SQ == "" && row.EN == "" || row.Remove {
			if !row.New {
				pg.Rows = append(pg.Rows, row)
			}
			continue
		}
		for _, l := range [][3]string{{"sq", row.SQ, "qpages.lang_sq"}, {"en", row.EN, "qpages.lang_en"}} {
			lang, v := l[0], l[1]
			if v != "" {
				continue
			}
			id := fmt.Sprintf("%s-%d", lang, i)
			msg := s.cat.T(st.lang, "qpages.edit.err_text", row.N, s.cat.T(st.lang, l[2]))
			pg.Errs[id] = msg
			pg.Summary = append(pg.Summary, errItem{Field: id, Text: msg})
			if lang == "sq" {
				row.ErrSQ = msg
			} else {
				row.ErrEN = msg
			}
		}
		if row.New {
			for k := 1; ; k++ {
				if key := "q" + strconv.Itoa(k); !used[key] {
					row.Key, used[key] = key, true
					break
				}
			}
		}
		qs = append(qs, nrm.Question{Key: row.Key, Text: map[string]string{"sq": row.SQ, "en": row.EN}})
		pg.Rows = append(pg.Rows, row)
	}
	if len(pg.Summary) == 0 {
		latest, err := s.latestQuestionnaire(r, st)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next := nrm.Questionnaire{Sections: map[string][]nrm.Question{}}
		if latest != nil {
			maps.Copy(next.Sections, latest.Sections)
		}
		delete(next.Sections, sec)
		if len(qs) > 0 {
			next.Sections[sec] = qs
		}
		_, err = s.door.SaveQuestionnaire(r.Context(), st.actor, next, text(r, "note"))
		if err == nil {
			http.Redirect(w, r, "/questionnaire?saved=1#section-"+sec, http.StatusSeeOther)
			return
		}
		summary, _, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg.Summary = summary
	}
	pg.Rows = append(pg.Rows, qEditRow{N: len(pg.Rows) + 1, New: true})
	pg.Values = formValues(r, "note")
	s.render(w, r, http.StatusUnprocessableEntity, "questionnaireedit", pg)
}

// --- GET/POST /questionnaire/campaigns/new -------------------------------------

type qCheck struct {
	ID, Value, Label string
	Checked          bool
}

type qCampaignPage struct {
	Page
	Version int // the version the campaign will send; 0: there is none yet
	Orgs    []qCheck
}

func (s *Server) qCampaignData(r *http.Request, st *reqState, chosen []string) (*qCampaignPage, error) {
	q, err := s.latestQuestionnaire(r, st)
	if err != nil {
		return nil, err
	}
	orgs, err := s.door.Orgs(r.Context())
	if err != nil {
		return nil, err
	}
	pg := &qCampaignPage{Page: s.base(r)}
	if q != nil {
		pg.Version = q.Version
	}
	for i, o := range orgs {
		id := "orgs"
		if i > 0 {
			id = fmt.Sprintf("orgs-%d", i)
		}
		pg.Orgs = append(pg.Orgs, qCheck{ID: id, Value: o.ID, Label: o.Name + " (" + s.label(st.lang, "orgtype", string(o.Type)) + ")", Checked: slices.Contains(chosen, o.ID)})
	}
	return pg, nil
}

// qCampaignNew is GET /questionnaire/campaigns/new.
func (s *Server) qCampaignNew(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !nrm.CanKeepVoices(st.actor) {
		s.fail(w, r, errForbidden)
		return
	}
	pg, err := s.qCampaignData(r, st, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "questionnairecampaign", pg)
}

var qCampaignFields = []string{"title", "opens_on", "closes_on", "orgs", "version"}

// qCampaignCreate is POST /questionnaire/campaigns/new: the current version
// goes to the organisations ticked.
func (s *Server) qCampaignCreate(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	orgs := r.PostForm["orgs"]
	_, err := s.door.CreateQuestionnaireCampaign(r.Context(), st.actor, nrm.QuestionnaireCampaign{
		Title: text(r, "title"), OpensOn: text(r, "opens_on"), ClosesOn: text(r, "closes_on"), Orgs: orgs})
	if err == nil {
		http.Redirect(w, r, "/questionnaire?made=1", http.StatusSeeOther)
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, ferr := s.qCampaignData(r, st, orgs)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	pg.Values = formValues(r, "title", "opens_on", "closes_on")
	pg.Summary, pg.Errs = inFormOrder(summary, qCampaignFields), byField
	s.render(w, r, http.StatusUnprocessableEntity, "questionnairecampaign", pg)
}

// --- GET/POST /questionnaire/campaigns/{id}/answer ---------------------------------

// The answer pages carry the answers given so far in the form itself
// (hidden fields named a.<section>.<question>): nothing is stored until the
// check-your-answers page is submitted.

type qRadio struct {
	ID, Value, Label string
	Checked          bool
}

type qAnswerQ struct {
	Name, ID, Text string
	Radios         []qRadio
}

type qHidden struct{ Name, Value string }

type qCheckRow struct {
	Step  int
	Title string
	Items []qCheckItem
}

type qCheckItem struct{ Text, Answer string }

type qAnswerPage struct {
	Page
	Action, Title, ClosesOn string
	Open                    bool
	Step, Steps             int // 0-based step; Step == Steps is the check page
	StepN                   int // 1-based, as shown
	SectionTitle            string
	Questions               []qAnswerQ
	Hidden                  []qHidden
	Check                   []qCheckRow
}

// qRatingKeys label the ratings 1–5 (index 0: no answer).
var qRatingKeys = []string{"qpages.answer.none", "qpages.answer.r1", "qpages.answer.r2", "qpages.answer.r3", "qpages.answer.r4", "qpages.answer.r5"}

func qName(sec, key string) string { return "a." + sec + "." + key }

// qAnswersOf reads the answers carried by the form, for the questions of q.
func qAnswersOf(r *http.Request, q *nrm.Questionnaire) map[string]map[string]int {
	out := map[string]map[string]int{}
	for sec, qs := range q.Sections {
		for _, x := range qs {
			v := r.PostFormValue(qName(sec, x.Key))
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				n = 0 // refused by the door as an unknown value
			}
			if out[sec] == nil {
				out[sec] = map[string]int{}
			}
			out[sec][x.Key] = n
		}
	}
	return out
}

// qSteps are the sections that have questions, in the guide's order.
func qSteps(q *nrm.Questionnaire) []string {
	var out []string
	for _, sec := range nrm.QuestionnaireSections {
		if len(q.Sections[sec]) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

func (s *Server) qAnswerView(r *http.Request, st *reqState, id string, c *nrm.QuestionnaireCampaign, q *nrm.Questionnaire, open bool, step int, ans map[string]map[string]int) *qAnswerPage {
	steps := qSteps(q)
	step = min(max(step, 0), len(steps))
	pg := &qAnswerPage{Page: s.base(r), Action: "/questionnaire/campaigns/" + id + "/answer", Title: c.Title, ClosesOn: c.ClosesOn,
		Open: open, Step: step, Steps: len(steps), StepN: step + 1}
	rating := func(v int) string {
		if v < 1 || v > 5 {
			v = 0
		}
		return s.cat.T(st.lang, qRatingKeys[v])
	}
	for i, sec := range steps {
		if i == step {
			pg.SectionTitle = s.cat.T(st.lang, "voice.section."+sec)
			for j, x := range q.Sections[sec] {
				aq := qAnswerQ{Name: qName(sec, x.Key), ID: fmt.Sprintf("q-%d", j), Text: qText(x, st.lang)}
				for v := 1; v <= 5; v++ {
					aq.Radios = append(aq.Radios, qRadio{ID: fmt.Sprintf("%s-%d", aq.ID, v), Value: strconv.Itoa(v), Label: rating(v), Checked: ans[sec][x.Key] == v})
				}
				aq.Radios = append(aq.Radios, qRadio{ID: aq.ID + "-0", Value: "", Label: rating(0), Checked: ans[sec][x.Key] == 0})
				aq.Radios[0].ID = aq.ID // the first radio is what an error links to
				pg.Questions = append(pg.Questions, aq)
			}
			continue
		}
		for _, x := range q.Sections[sec] {
			if v, ok := ans[sec][x.Key]; ok {
				pg.Hidden = append(pg.Hidden, qHidden{Name: qName(sec, x.Key), Value: strconv.Itoa(v)})
			}
		}
	}
	if step == len(steps) {
		for i, sec := range steps {
			row := qCheckRow{Step: i, Title: s.cat.T(st.lang, "voice.section."+sec)}
			for _, x := range q.Sections[sec] {
				row.Items = append(row.Items, qCheckItem{Text: qText(x, st.lang), Answer: rating(ans[sec][x.Key])})
			}
			pg.Check = append(pg.Check, row)
		}
	}
	return pg
}

// qAnswerPage is GET /questionnaire/campaigns/{id}/answer: the first section.
func (s *Server) qAnswerPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	c, q, open, err := s.door.QuestionnaireToAnswer(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "questionnaireanswer", s.qAnswerView(r, st, id, c, q, open, 0, nil))
}

// qAnswerPost is POST /questionnaire/campaigns/{id}/answer: go=next, back
// or step-N moves between the sections and the check page; go=submit hands
// the answers to the door.
func (s *Server) qAnswerPost(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	c, q, open, err := s.door.QuestionnaireToAnswer(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := qAnswersOf(r, q)
	step, _ := strconv.Atoi(r.PostFormValue("step"))
	switch g := r.PostFormValue("go"); {
	case g == "submit":
		err := s.door.AnswerQuestionnaire(r.Context(), st.actor, id, ans)
		if err == nil {
			http.Redirect(w, r, "/questionnaire?answered=1", http.StatusSeeOther)
			return
		}
		summary, byField, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg := s.qAnswerView(r, st, id, c, q, open, len(qSteps(q)), ans)
		pg.Summary, pg.Errs = summary, byField
		s.render(w, r, http.StatusUnprocessableEntity, "questionnaireanswer", pg)
		return
	case g == "back":
		step--
	case strings.HasPrefix(g, "step-"):
		step, _ = strconv.Atoi(strings.TrimPrefix(g, "step-"))
	default:
		step++
	}
	s.render(w, r, http.StatusOK, "questionnaireanswer", s.qAnswerView(r, st, id, c, q, open, step, ans))
}

// --- GET /questionnaire/campaigns/{id}/results ----------------------------------

type qResCell struct {
	Shown, Withheld bool
	N               int
	Mean            string
}

type qResRow struct {
	Title string
	Cells []qResCell
}

type qResultsPage struct {
	Page
	Title string
	K     int
	Cols  []string
	Rows  []qResRow
}

// qResultsPage is GET /questionnaire/campaigns/{id}/results: per section,
// all answers and each organisation type, groups below k withheld.
func (s *Server) qResultsPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	res, err := s.door.QuestionnaireResults(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &qResultsPage{Page: s.base(r), K: nrm.MinGroup, Cols: []string{s.cat.T(st.lang, "qpages.results.all")}}
	if cs, err := s.door.QuestionnaireCampaigns(r.Context(), st.actor); err == nil {
		for _, c := range cs {
			if c.ID == id {
				pg.Title = c.Title
			}
		}
	}
	types := []string{""}
	for _, x := range res {
		if x.OrgType != "" && !slices.Contains(types, x.OrgType) {
			types = append(types, x.OrgType)
			pg.Cols = append(pg.Cols, s.label(st.lang, "orgtype", x.OrgType))
		}
	}
	for _, sec := range nrm.QuestionnaireSections {
		row := qResRow{Title: s.cat.T(st.lang, "voice.section."+sec), Cells: make([]qResCell, len(types))}
		for _, x := range res {
			if x.Section != sec {
				continue
			}
			c := &row.Cells[slices.Index(types, x.OrgType)]
			switch {
			case x.Suppressed:
				c.Withheld = true
			case x.N > 0:
				c.Shown, c.N, c.Mean = true, x.N, strconv.FormatFloat(x.Mean, 'f', 1, 64)
			}
		}
		pg.Rows = append(pg.Rows, row)
	}
	s.render(w, r, http.StatusOK, "questionnaireresults", pg)
}
