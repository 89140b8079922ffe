package web

import (
	"net/http"
	"strconv"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// ageAction records an age assessment (door.AssessAge).
var ageAction = &personAction{
	name: "age", title: "action.age", fields: []string{"on", "method", "years"},
	may: writes,
	prepare: func(s *Server, _ *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["method"] = s.options(pg.Lang, "agemethod", nrm.AgeMethods, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		v := text(r, "years")
		if v == "" {
			return nrm.FieldError("years", "error.required")
		}
		years, err := strconv.Atoi(v)
		if err != nil {
			return nrm.FieldError("years", "error.out_of_range", 0, 120)
		}
		_, err = s.door.AssessAge(r.Context(), st.actor, id, nrm.AgeAssessment{On: text(r, "on"), Method: text(r, "method"), Years: years})
		return err
	},
}
