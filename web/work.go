package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// workView is the worklist on the home page: open tasks, deadlines near or
// missed, unread notifications. Codes only.
type workView struct {
	Tasks         []taskRow
	Deadlines     []deadlineRow
	Notifications []noteRow
}

type taskRow struct{ ID, PersonID, Code, Kind, Org, Opened string }

type deadlineRow struct {
	PersonID, Code, Label, Due, Org, LegalRef string
	Missed, Near                              bool
}

type noteRow struct{ ID, PersonID, Code, Kind, When string }

// worksCases reports whether the actor's roles have a worklist.
func worksCases(a *nrm.Actor) bool {
	return a.HasAny(nrm.RoleFirstResponder, nrm.RoleCaseManager, nrm.RoleRAOfficer, nrm.RolePanelMember, nrm.RoleServiceProvider, nrm.RoleJusticeOfficer)
}

func (s *Server) workView(lang string, wl *door.Worklist, now time.Time) *workView {
	v := &workView{}
	for _, t := range wl.Tasks {
		v.Tasks = append(v.Tasks, taskRow{ID: t.ID, PersonID: t.PersonID, Code: t.PersonCode, Kind: s.label(lang, "need", t.Kind), Org: t.OrgName, Opened: s.when(t.CreatedAt)})
	}
	for _, d := range wl.Deadlines {
		v.Deadlines = append(v.Deadlines, s.deadlineRow(lang, d, now))
	}
	for _, n := range wl.Notifications {
		v.Notifications = append(v.Notifications, noteRow{ID: n.ID, PersonID: n.PersonID, Code: n.PersonCode, Kind: s.label(lang, "notification", n.Kind), When: s.when(n.CreatedAt)})
	}
	return v
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
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
