package web

import (
	"net/http"
	"net/url"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// registerPage is the Responsible Authority's register: pseudonymous codes
// only, with filters and a keyset "next page" link.
type registerPage struct {
	Page
	Rows     []registerRow
	Next     string
	Statuses []Option
	Regions  []Option
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
	rows, err := s.door.Register(r.Context(), st.actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := st.lang
	pg := &registerPage{Page: s.base(r), Children: f.Children, Missed: f.Missed}
	pg.Values["status"], pg.Values["region"] = string(f.Status), f.Region
	pg.Statuses = append([]Option{{Value: "", Label: s.cat.T(lang, "persons.any_status")}}, s.options(lang, "status", statusValues(), false)...)
	pg.Regions = append([]Option{{Value: "", Label: s.cat.T(lang, "persons.any_region")}}, s.options(lang, "region", nrm.Regions, false)...)
	for _, x := range rows {
		pg.Rows = append(pg.Rows, registerRow{
			ID: x.PersonID, Code: x.Code, Status: s.label(lang, "status", string(x.Status)), AgeGroup: s.label(lang, "agegroup", string(x.AgeGroup)),
			Region: s.label(lang, "region", x.Region), Nationality: x.Nationality, Org: x.OwnerOrg, Referred: s.day(x.ReferredAt),
			Potential: s.day(x.PotentialAt), Reflection: s.day(x.ReflectionEnd), Child: x.AgeGroup == nrm.AgeChild || x.PresumedChild,
			Duplicate: x.Duplicate, Missed: x.OpenDeadlineMissed,
		})
	}
	if len(rows) == f.Limit {
		next := url.Values{}
		if f.Status != "" {
			next.Set("status", string(f.Status))
		}
		if f.Region != "" {
			next.Set("region", f.Region)
		}
		if f.Children {
			next.Set("children", "1")
		}
		if f.Missed {
			next.Set("missed", "1")
		}
		next.Set("before", rows[len(rows)-1].PersonID)
		pg.Next = "/register?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, "register", pg)
}
