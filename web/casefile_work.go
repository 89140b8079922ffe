package web

import (
	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Work that ended (issue 14 §4, door/access_end.go) reads as a plain
// statement — "access ended on …; nothing more is needed from you" — on
// the worklist, on the record's tasks and in place of a record that is no
// longer the organisation's to see: no link to "not found", no invitation
// to break the glass.

// endedSentences are the statements, by why the work ended.
var endedSentences = map[string]string{
	door.EndAccess: "evidence.ended.access_ended", door.EndClosed: "evidence.ended.record_closed",
	door.EndCancelled: "evidence.ended.service_referral_cancelled", door.EndFulfilled: "evidence.ended.task_fulfilled",
}

// workEndReasons name why a task ended, on the record (and in the
// timeline, whose "why" argument takes the prefix "workend").
var workEndReasons = map[string]string{
	door.EndAccess: "workend.access_ended", door.EndClosed: "workend.record_closed",
	door.EndCancelled: "workend.service_referral_cancelled", door.EndFulfilled: "workend.task_fulfilled",
}

// endedSentence is the statement for work that ended on a day.
func (s *Server) endedSentence(lang, why, day string) string {
	k, ok := endedSentences[why]
	if !ok {
		k = endedSentences[door.EndAccess]
	}
	return s.cat.T(lang, k, day)
}

// taskEnd says, for a task on the record, how it ended: without being done
// (and why), or done through a service referral; "" for the others.
func (s *Server) taskEnd(lang string, t nrm.Task, cf *door.CaseFile) string {
	switch {
	case t.State == "ended":
		why, ok := workEndReasons[t.EndedWhy]
		if !ok {
			why = workEndReasons[door.EndAccess]
		}
		return s.cat.T(lang, "evidence.task_ended", s.day(t.EndedAt), s.cat.T(lang, why))
	case t.FulfilledBy != "":
		for _, r := range cf.ServiceReferrals {
			if r.ID == t.FulfilledBy {
				return s.cat.T(lang, "evidence.task_fulfilled", orDash(r.ServiceName), s.label(lang, "srstate", r.State))
			}
		}
		return s.cat.T(lang, "evidence.task_fulfilled", "—", "—")
	}
	return ""
}
