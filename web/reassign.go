package web

import (
	"net/http"
	"strconv"

	"github.com/nrm-org/nrm/door"
)

// Reassigning in bulk: a case worker leaves or a team shares out its load.
// The page moves every record of the organisation from one worker to
// another; the API can also name the records. door.Reassign does it, with
// no cap, one audit entry per record.

type reassignPage struct {
	Page
	Workers []Option
	Moved   string // after a move: how many records moved
}

func (s *Server) reassignForm(r *http.Request, st *reqState) (*reassignPage, error) {
	cs, err := s.door.Colleagues(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	pg := &reassignPage{Page: s.base(r), Workers: []Option{{Value: "", Label: s.cat.T(st.lang, "bulk.choose")}}}
	for _, c := range cs {
		pg.Workers = append(pg.Workers, Option{Value: c.ID, Label: s.cat.T(st.lang, "bulk.worker", c.Name, c.Assigned)})
	}
	return pg, nil
}

// reassignShow is GET /persons/reassign.
func (s *Server) reassignShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.reassignForm(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m := r.URL.Query().Get("moved"); m != "" {
		if n, err := strconv.Atoi(m); err == nil {
			pg.Moved = s.cat.T(st.lang, "bulk.moved", n)
		}
	}
	s.render(w, r, http.StatusOK, "reassign", pg)
}

// reassignDo is POST /persons/reassign.
func (s *Server) reassignDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.door.Reassign(r.Context(), st.actor, door.ReassignInput{From: text(r, "from_user"), To: text(r, "to_user")})
	if err == nil {
		http.Redirect(w, r, "/persons/reassign?moved="+strconv.Itoa(n), http.StatusSeeOther)
		return
	}
	fields := []string{"from_user", "to_user"}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, ferr := s.reassignForm(r, st)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	pg.Values = formValues(r, fields...)
	pg.Summary, pg.Errs = inFormOrder(summary, fields), byField
	s.render(w, r, http.StatusUnprocessableEntity, "reassign", pg)
}

type movedJSON struct {
	Moved int `json:"moved"`
}

// apiReassign is POST /api/v1/assignments/reassign.
func (s *Server) apiReassign(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v reassignJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		n, err := s.door.Reassign(r.Context(), st.actor, door.ReassignInput{From: v.From, To: v.To, IDs: v.IDs})
		return http.StatusOK, movedJSON{n}, err
	})(w, r, st)
}

// bulkRoutes registers the bulk pages and API.
func (s *Server) bulkRoutes() {
	s.handle("GET /persons/reassign", s.page(s.reassignShow))
	s.handle("POST /persons/reassign", s.page(s.reassignDo))
	s.handle("POST /api/v1/assignments/reassign", s.api(s.apiReassign))
}
