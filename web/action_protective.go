package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// protectiveAction records a protective measure for the person as witness,
// asked for, granted or refused (door.RecordProtectiveMeasure).
var protectiveAction = &personAction{
	name: "protective", title: "justice.action.protective", fields: []string{"proceeding_id", "measure", "state", "on"},
	may:      recordsJustice,
	relevant: func(cf *door.CaseFile) bool { return cf.Justice != nil && len(cf.Justice.Proceedings) > 0 },
	prepare: func(s *Server, _ *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["proceeding_id"] = nil
		if cf.Justice != nil {
			for _, p := range cf.Justice.Proceedings {
				pg.Options["proceeding_id"] = append(pg.Options["proceeding_id"], Option{Value: p.ID, Label: p.ReportedOn})
			}
		}
		pg.Options["measure"] = s.options(pg.Lang, "protective", nrm.ProtectiveMeasures, false)
		pg.Options["state"] = s.options(pg.Lang, "protectivestate", nrm.ProtectiveStates, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.RecordProtectiveMeasure(r.Context(), st.actor, id, nrm.ProtectiveInput{ProceedingID: text(r, "proceeding_id"),
			Measure: text(r, "measure"), State: text(r, "state"), On: text(r, "on")})
	},
}
