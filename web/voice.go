package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Voices (issue #6 points 5–7): the staff side of the anonymous feedback
// links, their results, the Advisory Board register, and the JSON API of
// those and of the professionals' questionnaire.
func (s *Server) voiceRoutes() {
	// Public, no sign-in, no cookie (feedback.go).
	s.handle("GET /f/{code}", s.feedbackForm)
	s.handle("POST /f/{code}", s.feedbackSubmit)
	s.handle("GET /f/{code}/thanks", s.feedbackThanks)

	s.handle("GET /feedback", s.page(s.feedbackLinks))
	s.handle("POST /feedback", s.page(s.feedbackCreate))
	s.handle("GET /feedback/{code}/qr.svg", s.page(s.feedbackQR))
	s.handle("GET /feedback/results", s.page(s.feedbackResultsPage))
	s.handle("GET /advisory", s.page(s.advisoryPage))
	s.handle("POST /advisory", s.page(s.advisoryAdd))
	s.handle("POST /advisory/{id}", s.page(s.advisoryUpdate))

	s.handle("GET /api/v1/feedback/campaigns", s.api(s.apiFeedbackCampaigns))
	s.handle("POST /api/v1/feedback/campaigns", s.api(s.apiFeedbackCreate))
	s.handle("GET /api/v1/feedback/results", s.api(s.apiFeedbackResults))
	s.handle("GET /api/v1/advisory", s.api(s.apiAdvisory))
	s.handle("POST /api/v1/advisory", s.api(s.apiAdvisoryAdd))
	s.handle("POST /api/v1/advisory/{id}/status", s.api(s.apiAdvisoryUpdate))
	s.handle("GET /api/v1/questionnaire", s.api(s.apiQuestionnaire))
	s.handle("POST /api/v1/questionnaire", s.api(s.apiQuestionnaireSave))
	s.handle("GET /api/v1/questionnaire/campaigns", s.api(s.apiQuestionnaireCampaigns))
	s.handle("POST /api/v1/questionnaire/campaigns", s.api(s.apiQuestionnaireCampaignCreate))
	s.handle("POST /api/v1/questionnaire/campaigns/{id}/answers", s.api(s.apiQuestionnaireAnswer))
	s.handle("GET /api/v1/questionnaire/campaigns/{id}/results", s.api(s.apiQuestionnaireResults))
	// The questionnaire's pages (questionnaire_pages.go).
	s.handle("GET /questionnaire", s.page(s.qPage))
	s.handle("GET /questionnaire/edit", s.page(s.qEditPage))
	s.handle("POST /questionnaire/edit", s.page(s.qEditSave))
	s.handle("GET /questionnaire/campaigns/new", s.page(s.qCampaignNew))
	s.handle("POST /questionnaire/campaigns/new", s.page(s.qCampaignCreate))
	s.handle("GET /questionnaire/campaigns/{id}/answer", s.page(s.qAnswerPage))
	s.handle("POST /questionnaire/campaigns/{id}/answer", s.page(s.qAnswerPost))
	s.handle("GET /questionnaire/campaigns/{id}/results", s.page(s.qResultsPage))
}

// --- feedback links (staff) ----------------------------------------------

type feedbackLinkRow struct {
	Title, Code, URL, Org, Created string
	Answers                        int
	ResultsHref                    string
}

type feedbackLinksPage struct {
	Page
	Links   []feedbackLinkRow
	CanMake bool
	Created string // the code just made
}

func (s *Server) feedbackLinksData(r *http.Request, st *reqState) (*feedbackLinksPage, error) {
	cs, err := s.door.FeedbackCampaigns(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	pg := &feedbackLinksPage{Page: s.base(r), CanMake: nrm.CanRunFeedback(st.actor)}
	read := nrm.CanReadVoices(st.actor)
	for _, c := range cs {
		row := feedbackLinkRow{Title: c.Title, Code: c.Code, URL: s.feedbackURL(r, c.Code), Org: s.orgName(r, c.OrgID), Created: s.when(c.CreatedAt), Answers: c.Answers}
		if read {
			row.ResultsHref = "/feedback/results?campaign=" + url.QueryEscape(c.ID)
		}
		pg.Links = append(pg.Links, row)
	}
	return pg, nil
}

// feedbackLinks is GET /feedback.
func (s *Server) feedbackLinks(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.feedbackLinksData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c := r.URL.Query().Get("made"); nrm.ValidFeedbackCode(c) {
		pg.Created = c
	}
	s.render(w, r, http.StatusOK, "feedbacklinks", pg)
}

// feedbackCreate is POST /feedback.
func (s *Server) feedbackCreate(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.door.CreateFeedbackCampaign(r.Context(), st.actor, text(r, "title"))
	if err == nil {
		http.Redirect(w, r, "/feedback?made="+c.Code, http.StatusSeeOther)
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, ferr := s.feedbackLinksData(r, st)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	pg.Values = formValues(r, "title")
	pg.Summary, pg.Errs = summary, byField
	s.render(w, r, http.StatusUnprocessableEntity, "feedbacklinks", pg)
}

// feedbackQR is GET /feedback/{code}/qr.svg: the link as a QR code to print.
func (s *Server) feedbackQR(w http.ResponseWriter, r *http.Request, st *reqState) {
	code := r.PathValue("code")
	if !nrm.CanRunFeedback(st.actor) && !nrm.CanReadVoices(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	if !nrm.ValidFeedbackCode(code) {
		s.fail(w, r, nrm.ErrNotFound)
		return
	}
	svg, err := qrSVG(s.feedbackURL(r, code))
	if err != nil {
		s.fail(w, r, nrm.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", `inline; filename="feedback-`+code+`.svg"`)
	_, _ = w.Write(svg)
}

// --- feedback results -----------------------------------------------------

type distRow struct {
	Label      string
	Counts     [5]int
	N          int
	Mean       string
	Suppressed bool
}

type feedbackResultsPage struct {
	Page
	Total     int
	K         int
	Rows      []distRow
	FormLangs []string
	Comments  []string
}

func (s *Server) feedbackResults(r *http.Request, st *reqState) (*door.FeedbackResult, error) {
	q := r.URL.Query()
	return s.door.FeedbackResults(r.Context(), st.actor, door.FeedbackScope{CampaignID: q.Get("campaign"), OrgID: q.Get("org")})
}

// feedbackResultsPage is GET /feedback/results?campaign= or ?org=.
func (s *Server) feedbackResultsPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	res, err := s.feedbackResults(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &feedbackResultsPage{Page: s.base(r), Total: res.Total, K: res.K, Comments: res.Comments}
	for _, d := range res.Questions {
		row := distRow{Label: s.cat.T(st.lang, "voice.q."+d.Key), Counts: d.Counts, N: d.N, Suppressed: d.Suppressed}
		if !d.Suppressed {
			row.Mean = strconv.FormatFloat(d.Mean, 'f', 1, 64)
		}
		pg.Rows = append(pg.Rows, row)
	}
	for _, l := range nrm.FeedbackLangs {
		if n := res.Langs[l]; n > 0 {
			pg.FormLangs = append(pg.FormLangs, fmt.Sprintf("%s: %d", feedbackText[l]["lang_name"], n))
		}
	}
	s.render(w, r, http.StatusOK, "feedbackresults", pg)
}

// --- Advisory Board ----------------------------------------------------------

type advisoryRow struct {
	nrm.AdvisoryRec
	StatusLabel, ThemeLabel string
	Changes                 []advisoryChangeRow
}

type advisoryChangeRow struct {
	Status, Note, At string
}

type advisoryPage struct {
	Page
	Recs     []advisoryRow
	CanKeep  bool
	Themes   []Option
	Statuses []Option
	Failed   string // the recommendation whose update came back with errors
}

func (s *Server) advisoryData(r *http.Request, st *reqState) (*advisoryPage, error) {
	recs, err := s.door.AdvisoryRecs(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	pg := &advisoryPage{Page: s.base(r), CanKeep: nrm.CanKeepVoices(st.actor)}
	for _, t := range nrm.AdvisoryThemes {
		pg.Themes = append(pg.Themes, Option{Value: t, Label: s.cat.T(st.lang, "voice.theme."+t)})
	}
	for _, t := range nrm.AdvisoryStatuses {
		pg.Statuses = append(pg.Statuses, Option{Value: t, Label: s.cat.T(st.lang, "voice.status."+t)})
	}
	for _, rec := range recs {
		row := advisoryRow{AdvisoryRec: rec, StatusLabel: s.cat.T(st.lang, "voice.status."+rec.Status), ThemeLabel: s.cat.T(st.lang, "voice.theme."+rec.Theme)}
		for _, h := range rec.History {
			row.Changes = append(row.Changes, advisoryChangeRow{Status: s.cat.T(st.lang, "voice.status."+h.Status), Note: h.Note, At: s.when(h.At)})
		}
		pg.Recs = append(pg.Recs, row)
	}
	return pg, nil
}

// advisoryPage is GET /advisory.
func (s *Server) advisoryPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.advisoryData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "advisory", pg)
}

// advisoryAdd is POST /advisory.
func (s *Server) advisoryAdd(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.door.AddAdvisory(r.Context(), st.actor, nrm.AdvisoryInput{MeetingOn: text(r, "meeting_on"), Theme: text(r, "theme"), Body: text(r, "body")})
	s.advisoryAfter(w, r, st, err, "", "meeting_on", "theme", "body")
}

// advisoryUpdate is POST /advisory/{id}.
func (s *Server) advisoryUpdate(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.door.UpdateAdvisory(r.Context(), st.actor, r.PathValue("id"), nrm.AdvisoryUpdate{Status: text(r, "status"),
		PresentedBy: text(r, "presented_by"), PresentedOn: text(r, "presented_on"), Response: text(r, "response"), Note: text(r, "note")})
	s.advisoryAfter(w, r, st, err, r.PathValue("id"), "status", "presented_by", "presented_on", "response", "note")
}

func (s *Server) advisoryAfter(w http.ResponseWriter, r *http.Request, st *reqState, err error, failed string, fields ...string) {
	if err == nil {
		redirectDone(w, r, "/advisory", "advisory")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, ferr := s.advisoryData(r, st)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	pg.Values = formValues(r, fields...)
	pg.Summary, pg.Errs, pg.Failed = inFormOrder(summary, fields), byField, failed
	s.render(w, r, http.StatusUnprocessableEntity, "advisory", pg)
}

// --- JSON API -----------------------------------------------------------------

type feedbackCampaignJSON struct {
	ID        string     `json:"id"`
	Code      string     `json:"code"`
	URL       string     `json:"url"`
	OrgID     string     `json:"org_id"`
	Title     string     `json:"title"`
	CreatedAt *time.Time `json:"created_at"`
	Closed    bool       `json:"closed"`
	Answers   int        `json:"answers"`
}

func (s *Server) toFeedbackCampaignJSON(r *http.Request, c nrm.FeedbackCampaign) feedbackCampaignJSON {
	return feedbackCampaignJSON{ID: c.ID, Code: c.Code, URL: s.feedbackURL(r, c.Code), OrgID: c.OrgID, Title: c.Title, CreatedAt: tjson(c.CreatedAt), Closed: c.Closed, Answers: c.Answers}
}

func (s *Server) apiFeedbackCampaigns(w http.ResponseWriter, r *http.Request, st *reqState) {
	cs, err := s.door.FeedbackCampaigns(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]feedbackCampaignJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, s.toFeedbackCampaignJSON(r, c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

func (s *Server) apiFeedbackCreate(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v feedbackCampaignInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		c, err := s.door.CreateFeedbackCampaign(r.Context(), st.actor, v.Title)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, s.toFeedbackCampaignJSON(r, *c), nil
	})(w, r, st)
}

type distJSON struct {
	Question   string   `json:"question"`
	Suppressed bool     `json:"suppressed"`
	N          *int     `json:"n"`
	Counts     []int    `json:"counts"`
	Mean       *float64 `json:"mean"`
}

func (s *Server) apiFeedbackResults(w http.ResponseWriter, r *http.Request, st *reqState) {
	res, err := s.feedbackResults(r, st)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	qs := make([]distJSON, 0, len(res.Questions))
	for _, d := range res.Questions {
		j := distJSON{Question: d.Key, Suppressed: d.Suppressed, Counts: []int{}}
		if !d.Suppressed {
			n, m := d.N, d.Mean
			j.N, j.Mean, j.Counts = &n, &m, d.Counts[:]
		}
		qs = append(qs, j)
	}
	comments := res.Comments
	if comments == nil {
		comments = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": res.Total, "k": res.K, "questions": qs, "languages": res.Langs, "comments": comments})
}

type advisoryChangeJSON struct {
	Status string     `json:"status"`
	Note   string     `json:"note"`
	By     string     `json:"by"`
	At     *time.Time `json:"at"`
}

type advisoryJSON struct {
	ID          string               `json:"id"`
	MeetingOn   string               `json:"meeting_on"`
	Theme       string               `json:"theme"`
	Body        string               `json:"body"`
	PresentedBy string               `json:"presented_by"`
	PresentedOn string               `json:"presented_on"`
	Response    string               `json:"response"`
	Status      string               `json:"status"`
	UpdatedAt   *time.Time           `json:"updated_at"`
	History     []advisoryChangeJSON `json:"history"`
}

func toAdvisoryJSON(a nrm.AdvisoryRec) advisoryJSON {
	out := advisoryJSON{ID: a.ID, MeetingOn: a.MeetingOn, Theme: a.Theme, Body: a.Body, PresentedBy: a.PresentedBy, PresentedOn: a.PresentedOn,
		Response: a.Response, Status: a.Status, UpdatedAt: tjson(a.UpdatedAt), History: []advisoryChangeJSON{}}
	for _, h := range a.History {
		out.History = append(out.History, advisoryChangeJSON{Status: h.Status, Note: h.Note, By: h.By, At: tjson(h.At)})
	}
	return out
}

func (s *Server) apiAdvisory(w http.ResponseWriter, r *http.Request, st *reqState) {
	recs, err := s.door.AdvisoryRecs(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]advisoryJSON, 0, len(recs))
	for _, a := range recs {
		out = append(out, toAdvisoryJSON(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"recommendations": out})
}

func (s *Server) apiAdvisoryAdd(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v advisoryInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		rec, err := s.door.AddAdvisory(r.Context(), st.actor, nrm.AdvisoryInput{MeetingOn: v.MeetingOn, Theme: v.Theme, Body: v.Body})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, toAdvisoryJSON(*rec), nil
	})(w, r, st)
}

func (s *Server) apiAdvisoryUpdate(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v advisoryUpdateJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		rec, err := s.door.UpdateAdvisory(r.Context(), st.actor, r.PathValue("id"), nrm.AdvisoryUpdate{Status: v.Status,
			PresentedBy: v.PresentedBy, PresentedOn: v.PresentedOn, Response: v.Response, Note: v.Note})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toAdvisoryJSON(*rec), nil
	})(w, r, st)
}

type questionnaireJSON struct {
	ID       string                     `json:"id"`
	Version  int                        `json:"version"`
	Sections []questionnaireSectionJSON `json:"sections"`
}

type questionnaireSectionJSON struct {
	Key       string         `json:"key"`
	Title     string         `json:"title"`
	Source    string         `json:"source"`
	Questions []nrm.Question `json:"questions"`
}

// toQuestionnaireJSON lists all 14 sections in the guide's order, titled in
// the reader's language and marked as taken from the guide.
func (s *Server) toQuestionnaireJSON(lang string, q *nrm.Questionnaire) questionnaireJSON {
	out := questionnaireJSON{ID: q.ID, Version: q.Version, Sections: []questionnaireSectionJSON{}}
	for _, sec := range nrm.QuestionnaireSections {
		qs := q.Sections[sec]
		if qs == nil {
			qs = []nrm.Question{}
		}
		out.Sections = append(out.Sections, questionnaireSectionJSON{Key: sec, Title: s.cat.T(lang, "voice.section."+sec), Source: s.cat.T(lang, "voice.section_source"), Questions: qs})
	}
	return out
}

func (s *Server) apiQuestionnaire(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, _ := strconv.Atoi(r.URL.Query().Get("version"))
	q, err := s.door.Questionnaire(r.Context(), st.actor, v)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toQuestionnaireJSON(st.lang, q))
}

func (s *Server) apiQuestionnaireSave(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v questionnaireInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		q, err := s.door.SaveQuestionnaire(r.Context(), st.actor, nrm.Questionnaire{Sections: v.Sections}, v.Note)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, s.toQuestionnaireJSON(st.lang, q), nil
	})(w, r, st)
}

type qCampaignJSON struct {
	ID       string   `json:"id"`
	Version  int      `json:"version"`
	Title    string   `json:"title"`
	OpensOn  string   `json:"opens_on"`
	ClosesOn string   `json:"closes_on"`
	Orgs     []string `json:"orgs,omitempty"`
}

func (s *Server) apiQuestionnaireCampaigns(w http.ResponseWriter, r *http.Request, st *reqState) {
	cs, err := s.door.QuestionnaireCampaigns(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]qCampaignJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, qCampaignJSON{ID: c.ID, Version: c.Version, Title: c.Title, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn})
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

func (s *Server) apiQuestionnaireCampaignCreate(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v qCampaignInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		c, err := s.door.CreateQuestionnaireCampaign(r.Context(), st.actor, nrm.QuestionnaireCampaign{Version: v.Version, Title: v.Title, OpensOn: v.OpensOn, ClosesOn: v.ClosesOn, Orgs: v.Orgs})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, qCampaignJSON{ID: c.ID, Version: c.Version, Title: c.Title, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn, Orgs: c.Orgs}, nil
	})(w, r, st)
}

func (s *Server) apiQuestionnaireAnswer(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v qAnswersJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		err := s.door.AnswerQuestionnaire(r.Context(), st.actor, r.PathValue("id"), v.Answers)
		return http.StatusOK, idJSON{r.PathValue("id")}, err
	})(w, r, st)
}

type sectionResultJSON struct {
	Section    string   `json:"section"`
	OrgType    string   `json:"org_type"`
	Suppressed bool     `json:"suppressed"`
	N          *int     `json:"n"`
	Mean       *float64 `json:"mean"`
}

func (s *Server) apiQuestionnaireResults(w http.ResponseWriter, r *http.Request, st *reqState) {
	res, err := s.door.QuestionnaireResults(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]sectionResultJSON, 0, len(res))
	for _, x := range res {
		j := sectionResultJSON{Section: x.Section, OrgType: x.OrgType, Suppressed: x.Suppressed}
		if !x.Suppressed {
			n, m := x.N, x.Mean
			j.N, j.Mean = &n, &m
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"k": nrm.MinGroup, "results": out})
}
