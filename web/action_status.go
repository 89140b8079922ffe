package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// screening are the statuses a case worker sets; the formal ones come only
// from the panel's signed decision (the door refuses them here).
var screening = []string{string(nrm.StatusReferred), string(nrm.StatusAtRisk), string(nrm.StatusPotentialVictim)}

// statusAction changes the screening status with a reason (door.ChangeStatus).
// The version the reader saw goes with it: a record changed meanwhile is
// shown again rather than overwritten.
var statusAction = &personAction{
	name: "status", title: "action.status", fields: []string{"status", "reason"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return slices.Contains(screening, string(cf.Person.Status)) },
	prepare: func(s *Server, _ *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["status"] = s.options(pg.Lang, "status", screening, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if err != nil || version < 1 {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		to := nrm.Status(text(r, "status"))
		if !to.Valid() {
			return nrm.FieldError("status", "error.unknown_value")
		}
		_, err = s.door.ChangeStatus(r.Context(), st.actor, id, version, to, text(r, "reason"))
		return err
	},
}
