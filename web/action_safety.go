package web

import (
	"net/http"
	"strconv"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// safetyAction records a new version of the risk assessment and safety
// plan (door.RecordSafetyPlan); the form starts from the current one, and
// its review date starts the review clock.
var safetyAction = &personAction{
	name: "safety", title: "action.safety", fields: []string{"risk_level", "risks", "measures", "review_on", "revises"},
	may:      works,
	relevant: supportOpen,
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["risk_level"] = s.options(pg.Lang, "risklevel", nrm.RiskLevels, false)
		pg.Options["risks"] = s.options(pg.Lang, "risk", nrm.RiskFactors, false)
		if pg.Values == nil {
			pg.Values = map[string]string{"revises": "0"}
			if sv := cf.Support; sv != nil && len(sv.Safety) > 0 {
				cur := sv.Safety[0]
				pg.Values["revises"], pg.Values["risk_level"], pg.Values["measures"] = strconv.Itoa(cur.Version), cur.RiskLevel, cur.Measures
				pg.Multi["risks"] = cur.Risks
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		revises, _ := strconv.Atoi(text(r, "revises"))
		_, err := s.door.RecordSafetyPlan(r.Context(), st.actor, id, nrm.SafetyInput{Revises: revises, RiskLevel: text(r, "risk_level"),
			Risks: r.PostForm["risks"], Measures: text(r, "measures"), ReviewOn: text(r, "review_on")})
		return err
	},
}
