package web

import (
	"strings"

	"github.com/nrm-org/nrm/door"
)

// auditRow is one entry of the DPO's audit view, as a sentence: who did
// what to which record, and when; never a raw action code or an id.
type auditRow struct {
	Seq              int64
	When, Sentence   string
	Reason, Outcome  string
	BreakGlass, Fail bool
}

// auditSentence puts an audit entry into words in lang.
func (s *Server) auditSentence(lang string, e door.AuditEntry) auditRow {
	T := s.translator(lang)
	who := e.ActorName
	switch {
	case who != "":
	case e.ActorUser == "" && strings.HasPrefix(e.Action, "login."):
		who = T("words.audit.someone")
	default:
		who = T("words.audit.system")
	}
	what := T("words.audit.act.other")
	if _, ok := s.cat.Lookup(lang, "words.audit.act."+e.Action); ok {
		what = T("words.audit.act." + e.Action)
	}
	var sentence string
	switch {
	case e.ActorRole == "" && e.OrgName == "":
		sentence = T("words.audit.line_plain", who, what)
	default:
		role, org := s.label(lang, "role", e.ActorRole), e.OrgName
		if org == "" {
			org = T("words.audit.no_org")
		}
		sentence = T("words.audit.line", who, role, org, what)
	}
	switch {
	case e.SubjectCode != "":
		sentence += " " + T("words.audit.record", e.SubjectCode)
	case e.SubjectUser != "":
		sentence += " " + T("words.audit.user", e.SubjectUser)
	}
	row := auditRow{Seq: e.Seq, When: s.when(e.At), Sentence: sentence, BreakGlass: e.BreakGlass}
	switch e.Outcome {
	case "denied":
		row.Outcome, row.Fail = T("words.audit.denied"), true
	case "error":
		row.Outcome, row.Fail = T("words.audit.error"), true
	}
	if e.ReasonText != "" {
		row.Reason = T("words.audit.reason", e.ReasonText)
	}
	return row
}
