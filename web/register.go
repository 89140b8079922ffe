package web

import (
	"net/http"
	"net/url"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// registerPage is the Responsible Authority's register: pseudonymous codes
// only, with filters and a keyset "next page" link. The state filter lists
// the records of one of the register's queues (door.RegisterStates), in
// that queue's order, and shows how many each holds.
type registerPage struct {
	Page
	Rows     []registerRow
	Next     string
	Statuses []Option
	Regions  []Option
	States   []Option
	Children bool
	Missed   bool
}

type registerRow struct {
	ID, Code, Status, AgeGroup, Region, Nationality, Org, Referred, Potential, Reflection string
	Child, Duplicate, Missed                                                              bool
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.RegisterFilter{Limit: 50, Before: q.Get("before"), Children: q.Get("children") == "1", Missed: q.Get("missed") == "1"}
	f.Status, f.Region = statusRegionOf(q)
	state := nrm.Queue(q.Get("state"))
	counts, err := s.door.RegisterCounts(r.Context(), st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []nrm.RegisterRow
	next := ""
	if state != "" {
		rows, next, err = s.door.RegisterState(r.Context(), st.actor, state, f, q.Get("after"))
	} else if rows, err = s.door.Register(r.Context(), st.actor, f); err == nil && len(rows) == f.Limit {
		next = rows[len(rows)-1].PersonID
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := st.lang
	pg := &registerPage{Page: s.base(r), Children: f.Children, Missed: f.Missed}
	pg.Values["status"], pg.Values["region"], pg.Values["state"] = string(f.Status), f.Region, string(state)
	pg.Statuses = append([]Option{{Value: "", Label: s.cat.T(lang, "persons.any_status")}}, s.options(lang, "status", statusValues(), false)...)
	pg.Regions = append([]Option{{Value: "", Label: s.cat.T(lang, "persons.any_region")}}, s.options(lang, "region", nrm.Regions, false)...)
	pg.States = []Option{{Value: "", Label: s.cat.T(lang, "register.any_state")}}
	for _, sq := range door.RegisterStates {
		pg.States = append(pg.States, Option{Value: string(sq), Label: s.cat.T(lang, "register.state_count", s.cat.T(lang, queueTitle(sq)), s.countText(lang, counts[sq]))})
	}
	for _, x := range rows {
		pg.Rows = append(pg.Rows, registerRow{
			ID: x.PersonID, Code: x.Code, Status: s.label(lang, "status", string(x.Status)), AgeGroup: s.label(lang, "agegroup", string(x.AgeGroup)),
			Region: s.label(lang, "region", x.Region), Nationality: x.Nationality, Org: x.OwnerOrg, Referred: s.day(x.ReferredAt),
			Potential: s.day(x.PotentialAt), Reflection: s.day(x.ReflectionEnd), Child: x.AgeGroup == nrm.AgeChild || x.PresumedChild,
			Duplicate: x.Duplicate, Missed: x.OpenDeadlineMissed,
		})
	}
	if next != "" {
		v := url.Values{}
		for k, on := range map[string]bool{"status": f.Status != "", "region": f.Region != "", "state": state != ""} {
			if on {
				v.Set(k, pg.Values[k])
			}
		}
		if f.Children {
			v.Set("children", "1")
		}
		if f.Missed {
			v.Set("missed", "1")
		}
		if state != "" {
			v.Set("after", next)
		} else {
			v.Set("before", next)
		}
		pg.Next = "/register?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, "register", pg)
}
