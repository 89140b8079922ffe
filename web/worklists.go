package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The worklists (issue 14, part 2): the home page shows each queue of the
// reader's roles with its count and first lines; /work/{queue} pages
// through one of them, with every queue's count beside it. Each line says
// what is due, on which record (by its code), by when, and links to the
// action. What is in a queue is the door's (door/worklists.go).

// homeLines is how many lines of each queue the home page shows.
const homeLines = 5

// queueView is one queue as the "worklist" partial draws it.
type queueView struct {
	Queue, Title, Count string
	Empty               bool
	Level               int    // 1: the page's main list (h2), else a section of the home page (h3)
	CSRF                string // for marking a notice read
	Lines               []queueLine
	All                 string // the queue's own page, when there is more than the home shows
}

// queueLine is one line of a queue.
type queueLine struct {
	Href, Action, Code, Other, What, Org, Due string
	Late, Escalated                           bool
	Notice                                    string // a notification to mark read
	Statement                                 string // work that ended: said, with no link
}

// The catalogue keys of the queues' words, literal so that the catalogue's
// test sees every one of them.
var (
	queueTitles = map[nrm.Queue]string{
		nrm.QueueRegistration: "queue.registration.title", nrm.QueueDuplicates: "queue.duplicates.title",
		nrm.QueueIdentification: "queue.identification.title", nrm.QueueEscalations: "queue.escalations.title",
		nrm.QueueDue: "queue.due.title", nrm.QueueTasks: "queue.tasks.title", nrm.QueueNew: "queue.new.title",
		nrm.QueueDecide: "queue.decide.title", nrm.QueueSign: "queue.sign.title", nrm.QueueServices: "queue.services.title",
		nrm.QueueBreakGlass: "queue.breakglass.title", nrm.QueueNotices: "queue.notices.title",
	}
	serviceMoves = map[string]string{nrm.SRSent: "line.services.sent", nrm.SRReceived: "line.services.received",
		nrm.SRAccepted: "line.services.accepted", nrm.SRInProgress: "line.services.in_progress"}
	requestStates = map[string]string{"open": "what.identification.open", "signing": "what.identification.signing"}
	noticeKinds   = map[string]string{"decision": "notification.decision", "service_referral_step": "notification.service_referral_step",
		"interim_decision": "notification.interim_decision", "task": "notification.task", "child_referred": "notification.child_referred",
		door.NoteBreakGlass: "notification.breakglass_opened"}
)

// queueTitle is the catalogue key of a queue's heading.
func queueTitle(q nrm.Queue) string { return queueTitles[q] }

// countText shows a queue's count, "more than …" beyond the cap.
func (s *Server) countText(lang string, c nrm.QueueCount) string {
	if c.More {
		return s.cat.T(lang, "queue.count_more", c.N)
	}
	return strconv.Itoa(c.N)
}

// queueView turns the door's queue into lines in the reader's language.
func (s *Server) queueView(lang string, v door.QueueView, now time.Time) *queueView {
	qv := &queueView{Queue: string(v.Queue), Title: s.cat.T(lang, queueTitle(v.Queue)), Count: s.countText(lang, v.Count), Empty: v.Count.N == 0}
	for _, it := range v.Items {
		qv.Lines = append(qv.Lines, s.queueLine(lang, it, now))
	}
	return qv
}

// queueLine says what is due and links to the action.
func (s *Server) queueLine(lang string, it nrm.QueueItem, now time.Time) queueLine {
	T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
	person := "/persons/" + it.PersonID
	l := queueLine{Href: person, Code: it.Code, Late: it.Late, Escalated: it.Escalated, Due: s.dueText(lang, it, now)}
	switch it.Queue {
	case nrm.QueueRegistration:
		l.Href, l.Action, l.What = person+"/actions/register", T("line.registration"), T("what.referred", s.day(it.Since))
	case nrm.QueueDuplicates:
		l.Href, l.Action, l.Other, l.What = person+"/actions/duplicate", T("line.duplicates"), it.OtherCode, T("what.duplicate", s.day(it.Since))
	case nrm.QueueIdentification:
		l.Action, l.What = T("line.identification"), T(requestStates[it.What], s.day(it.Since))
	case nrm.QueueEscalations:
		l.Action, l.What, l.Org = T("line.open"), s.deadlineLabel(lang, it.What), it.OrgName
	case nrm.QueueDue:
		l.Href, l.Action, l.What = dueAction(person, it.What), T("line.open"), s.deadlineLabel(lang, it.What)
	case nrm.QueueTasks:
		l.Href, l.Action, l.What = person+"#tasks", T("line.tasks"), s.label(lang, "need", it.What)
	case nrm.QueueNew:
		l.Action, l.What = T("line.open"), T("what.new", T(noticeKinds[it.What]), s.day(it.Since))
	case nrm.QueueDecide:
		l.Href, l.Action, l.What = "/identification/"+it.Ref+"/decide", T("line.decide"), T("what.identification.open", s.day(it.Since))
	case nrm.QueueSign:
		l.Action, l.What = T("line.sign"), T("what.sign", s.label(lang, "outcome", it.What), s.day(it.Since))
	case nrm.QueueServices:
		l.Href, l.Action = serviceAction(it.ID, it.What), T(serviceMoves[it.What])
		l.What = T("what.service", s.label(lang, "srstate", it.What), it.OrgName, s.day(it.Since))
	case nrm.QueueBreakGlass:
		l.Href = "/?" + url.Values{"breakglass": {"1"}, "subject": {it.PersonID}}.Encode() + "#audit-title"
		l.Action, l.What = T("line.breakglass"), T("what.breakglass", it.OrgName, s.when(it.Since))
	case nrm.QueueNotices:
		l.Notice = it.ID
		if _, ended := endedSentences[it.What]; ended {
			// Work that ended: said, with no link (casefile_work.go).
			l.Href, l.Statement = "", s.endedSentence(lang, it.What, s.day(it.Since))
			if it.Detail != "" {
				l.What = s.label(lang, "need", it.Detail)
			}
			return l
		}
		l.Action, l.What = T("line.open"), T("what.new", T(noticeKinds[it.What]), s.day(it.Since))
	}
	return l
}

// dueAction is where a clock is met: the action that stops it, else the record.
func dueAction(person, rule string) string {
	switch rule {
	case "guardian_appointment":
		return person + "/actions/guardian"
	case "safety_plan_review":
		return person + "/actions/safety"
	case "court_ruling_request":
		return person + "/actions/courtruling"
	}
	return person
}

// serviceAction is the step a service referral waits for: acknowledge,
// accept or decline (both on the inbox), record delivery.
func serviceAction(id, state string) string {
	switch state {
	case nrm.SRSent:
		return "/service-referrals/" + id + "/step?state=" + nrm.SRReceived
	case nrm.SRAccepted, nrm.SRInProgress:
		return "/service-referrals/" + id + "/step?state=" + nrm.SRDelivered
	}
	return "/service-referrals"
}

// dueText says by when, or how late in the jurisdiction's working days.
func (s *Server) dueText(lang string, it nrm.QueueItem, now time.Time) string {
	switch {
	case it.Due.IsZero():
		return ""
	case it.Late && it.LateDays == 0:
		return s.cat.T(lang, "due.late_today")
	case it.Late && it.LateDays == 1:
		return s.cat.T(lang, "due.late_one")
	case it.Late:
		return s.cat.T(lang, "due.late_days", it.LateDays)
	case s.day(it.Due) == s.day(now):
		return s.cat.T(lang, "due.today", it.Due.In(s.loc).Format("15:04"))
	}
	return s.cat.T(lang, "due.by", s.when(it.Due))
}

// homeQueues reads the reader's queues for the home page: every count, and
// the first lines of each.
func (s *Server) homeQueues(r *http.Request, st *reqState, csrf string) ([]*queueView, error) {
	vs, err := s.door.Worklists(r.Context(), st.actor, door.WorklistsRequest{Lines: homeLines})
	if err != nil {
		return nil, err
	}
	now := s.door.Now()
	out := make([]*queueView, 0, len(vs))
	for _, v := range vs {
		qv := s.queueView(st.lang, v, now)
		qv.CSRF = csrf
		if v.Next != "" {
			qv.All = "/work/" + string(v.Queue)
		}
		out = append(out, qv)
	}
	return out, nil
}

// workPage is one queue, paged, with the reader's other queues and their
// counts as the ways to filter.
type workPage struct {
	Page
	Tabs        []*queueView
	Queue       *queueView
	Current     string
	Next, First string // the next page; the first, when this is not it
}

// work is GET /work/{queue}: one queue page after the cursor.
func (s *Server) work(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := nrm.Queue(r.PathValue("queue"))
	if !q.Valid() || !q.Works(st.actor) {
		s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
		return
	}
	after := r.URL.Query().Get("after")
	vs, err := s.door.Worklists(r.Context(), st.actor, door.WorklistsRequest{Focus: q, After: after, Limit: 50})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &workPage{Page: s.base(r), Current: string(q)}
	now := s.door.Now()
	for _, v := range vs {
		qv := s.queueView(st.lang, v, now)
		qv.All, qv.CSRF = "/work/"+string(v.Queue), pg.CSRF
		if v.Queue == q {
			qv.Level, qv.All, pg.Queue = 1, "", qv
			if v.Next != "" {
				pg.Next = "/work/" + string(q) + "?" + url.Values{"after": {v.Next}}.Encode()
			}
		}
		pg.Tabs = append(pg.Tabs, qv)
	}
	if after != "" {
		pg.First = "/work/" + string(q)
	}
	s.render(w, r, http.StatusOK, "work", pg)
}
