package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// returnRiskAction records a risk assessment before a return
// (door.RecordReturnRisk): no return is organised without one.
var returnRiskAction = &personAction{
	name: "return-risk", title: "justice.action.return_risk", fields: []string{"on", "outcome", "note"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return cf.Person.Foreign || cf.Person.IsChild() },
	prepare: func(s *Server, _ *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["outcome"] = s.options(pg.Lang, "returnrisk", nrm.ReturnRiskOutcomes, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RecordReturnRisk(r.Context(), st.actor, id, nrm.ReturnRiskAssessment{On: text(r, "on"), Outcome: text(r, "outcome"), Note: text(r, "note")})
		return err
	},
}
