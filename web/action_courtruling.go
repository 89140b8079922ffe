package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// courtRulingAction records the court's ruling on a child's interim
// protection measure (door.RecordCourtRuling), which meets the deadline to
// seek it. Offered while an interim measure waits for its ruling.
var courtRulingAction = &personAction{
	name: "court-ruling", title: "action.court_ruling", fields: []string{"measure", "court_outcome"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return len(awaitingRuling(cf)) > 0 },
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		for _, m := range awaitingRuling(cf) {
			pg.Options["measure"] = append(pg.Options["measure"], Option{Value: m.ID,
				Label: s.label(pg.Lang, "measure", m.Kind) + " · " + s.day(m.DecidedAt) + " · " + s.cat.T(pg.Lang, "consentweb.court_due", s.day(m.CourtDue))})
		}
		pg.Options["court_outcome"] = s.options(pg.Lang, "ruling", nrm.CourtOutcomes, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.RecordCourtRuling(r.Context(), st.actor, id, text(r, "measure"), text(r, "court_outcome"))
	},
}

// awaitingRuling lists the record's interim measures without a ruling yet.
func awaitingRuling(cf *door.CaseFile) []nrm.Measure {
	var out []nrm.Measure
	for _, m := range cf.Measures {
		if m.Interim && m.CourtRuledAt.IsZero() {
			out = append(out, m)
		}
	}
	return out
}
