package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/nrm-org/nrm/door"
)

// caseView is what the record page shows from door.Case beyond the person's
// own fields: where they stand, what runs and what happened.
type caseView struct {
	FirstContact, Potential, Decided, AgeBasis, Reflection string
	ReflectionRunning, Child, NonPunishment                bool
	Guardians                                              []answerRow
	Tasks                                                  []caseTask
	Deadlines                                              []deadlineRow
	History                                                []historyRow
	Timeline                                               []answerRow // when, what
	Returns                                                []answerRow
	Duplicates                                             []door.DuplicateView
	Actions                                                []actionLink
	Requests                                               []requestRow
	Consents                                               []*consentView // the ledger, newest first
	Measures                                               []measureView
	Works                                                  bool // the reader works the record: the person's own view, consent links
	OwnLangs                                               []LangOption
	InterviewCount                                         int
	Interviews                                             []interviewRow
	ServiceReferrals                                       []serviceReferralRow // referrals to services (services.go)
	Support                                                *supportSection      // individual support and closure (casefile_support.go)
	// Return work, linked persons and the justice track (casefile_justice.go).
	ReturnWork, Justice []answerRow
	Links               []linkRow
	// What the referral said, and what is withheld (casefile_evidence.go);
	// whether an emergency opening is offered here.
	Evidence   *evidenceView
	GlassOffer bool
}

type caseTask struct {
	ID, Kind, Org, State, Opened string
	Done, Mine                   bool
	Ended                        string // why and when the task ended, in words (casefile_work.go)
}

type historyRow struct{ When, From, To, Org, Reason string }

// caseView reads the case file; nil when it cannot be read (the page then
// shows the person's own fields only).
func (s *Server) caseView(r *http.Request, st *reqState, id string) *caseView {
	cf, err := s.door.Case(r.Context(), st.actor, id)
	if err != nil || cf.Person == nil {
		return nil
	}
	lang, p, now := st.lang, cf.Person, s.door.Now()
	v := &caseView{FirstContact: s.when(p.FirstContactAt), Potential: s.when(p.PotentialAt), Decided: s.when(p.DecidedAt),
		AgeBasis: s.label(lang, "agebasis", p.AgeBasis), ReflectionRunning: p.ReflectionRunning(now), Child: p.IsChild(),
		NonPunishment: p.NonPunishment}
	for _, d := range cf.Duplicates {
		d.State = s.label(lang, "dupstate", d.State)
		v.Duplicates = append(v.Duplicates, d)
	}
	if !p.ReflectionEnd.IsZero() {
		v.Reflection = s.day(p.ReflectionEnd)
	}
	for _, g := range cf.Guardians {
		name := g.Name
		if name == "" {
			name = s.cat.T(lang, "common.not_recorded")
		}
		v.Guardians = append(v.Guardians, answerRow{Label: name, Value: s.when(g.RecordedAt)})
	}
	for _, t := range cf.Tasks {
		v.Tasks = append(v.Tasks, caseTask{ID: t.ID, Kind: s.label(lang, "need", t.Kind), Org: t.OrgName, State: t.State, Opened: s.when(t.CreatedAt),
			Done: t.State == "done", Mine: t.OrgID == st.actor.OrgID, Ended: s.taskEnd(lang, t, cf)})
	}
	v.Evidence, v.GlassOffer = s.evidenceOf(lang, cf), cf.GlassOffer
	for _, d := range cf.Deadlines {
		v.Deadlines = append(v.Deadlines, s.deadlineRow(lang, d, now))
	}
	for _, h := range cf.History {
		v.History = append(v.History, historyRow{When: s.when(h.At), From: s.label(lang, "status", string(h.From)), To: s.label(lang, "status", string(h.To)), Org: h.OrgName, Reason: h.Reason})
	}
	for _, e := range cf.Timeline {
		v.Timeline = append(v.Timeline, answerRow{Label: s.when(e.At), Value: s.story(lang, e)})
	}
	for _, rt := range cf.Returns {
		v.Returns = append(v.Returns, answerRow{Label: s.when(rt.At), Value: s.label(lang, "returnkind", rt.Kind) + " · " + s.yesNo(lang, rt.OwnRequest) + " · " + rt.Note})
	}
	v.Actions = actionLinks(cf, st.actor)
	s.caseConsents(v, lang, cf, st.actor, now)
	s.caseInterviews(v, lang, cf)
	for _, l := range s.cat.Langs() {
		v.OwnLangs = append(v.OwnLangs, LangOption{Code: l, Name: s.cat.T(l, "lang.name"), Current: l == lang})
	}
	v.Requests = s.requestRows(r, lang, cf)
	for _, ref := range cf.ServiceReferrals {
		v.ServiceReferrals = append(v.ServiceReferrals, s.serviceReferralRowOf(lang, ref, false))
	}
	v.Support = s.caseSupport(lang, cf)
	s.caseJustice(v, lang, cf)
	return v
}

// taskDone marks one of the organisation's tasks done (door.CompleteTask).
func (s *Server) taskDone(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.door.CompleteTask(r.Context(), st.actor, r.PathValue("id"), text(r, "note")); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/"
	if p := r.PostFormValue("person"); p != "" && !strings.ContainsAny(p, "/?#") {
		back = "/persons/" + url.PathEscape(p)
	}
	redirectDone(w, r, back, "task")
}
