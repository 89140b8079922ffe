package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
)

// retentionRoutes registers the API of retention and of "tell it once"
// (kept apart from routes() so the two can grow independently).
func (s *Server) retentionRoutes() {
	s.handle("POST /api/v1/persons/{id}/interviews", s.api(s.apiInterview))
	s.handle("GET /api/v1/persons/{id}/interviews/plan", s.api(s.apiInterviewPlan))
	s.handle("POST /api/v1/persons/{id}/legal-hold", s.api(s.apiLegalHold))
}

type legalHoldJSON struct {
	On     *bool  `json:"on"`
	Reason string `json:"reason"`
}

// apiLegalHold puts a record on legal hold or lifts it (the Responsible
// Authority or the DPO). The answer carries the record's id only.
func (s *Server) apiLegalHold(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v legalHoldJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		if v.On == nil {
			return 0, nil, nrm.FieldError("on", "error.required")
		}
		id := r.PathValue("id")
		return http.StatusOK, idJSON{id}, s.door.SetLegalHold(r.Context(), st.actor, id, *v.On, v.Reason)
	})(w, r, st)
}
