package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

type deadlineRow struct {
	PersonID, Code, Label, Due, Org, LegalRef string
	Missed, Near                              bool
}

func (s *Server) deadlineRow(lang string, d nrm.Deadline, now time.Time) deadlineRow {
	return deadlineRow{PersonID: d.PersonID, Code: d.PersonCode, Label: s.deadlineLabel(lang, d.Rule), Due: s.when(d.DueAt), Org: d.OrgName,
		LegalRef: s.door.Profile().LegalRefIn(d.Rule, d.LegalRef, lang), Missed: d.Missed(now), Near: d.Near(now, door.NearWindow)}
}

// notificationRead marks a notification read and goes back home.
func (s *Server) notificationRead(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.door.ReadNotification(r.Context(), st.actor, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/", "notification")
}
