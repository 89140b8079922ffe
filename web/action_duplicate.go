package web

import (
	"net/http"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// duplicateStates are the Responsible Authority's answers on a possible duplicate.
var duplicateStates = []string{"linked", "merged", "distinct"}

// duplicateAction decides a possible duplicate: the same person (linked,
// or merged into this record) or different people (door.ResolveDuplicate).
var duplicateAction = &personAction{
	name: "duplicate", title: "action.duplicate", fields: []string{"other", "state"},
	may: registers,
	relevant: func(cf *door.CaseFile) bool {
		return slices.ContainsFunc(cf.Duplicates, func(d door.DuplicateView) bool { return d.State == "possible" })
	},
	prepare: func(s *Server, _ *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["state"] = s.options(pg.Lang, "dupstate", duplicateStates, false)
		pg.Dups = cf.Duplicates
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		other := text(r, "other")
		if other == "" {
			return nrm.FieldError("other", "error.required")
		}
		return s.door.ResolveDuplicate(r.Context(), st.actor, id, other, text(r, "state"))
	},
}
