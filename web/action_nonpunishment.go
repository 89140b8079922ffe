package web

import (
	"net/http"

	"github.com/nrm-org/nrm/door"
)

// nonPunishmentAction flags that offences linked to the trafficking
// situation must not be punished, with a note for justice roles
// (door.FlagNonPunishment).
var nonPunishmentAction = &personAction{
	name: "non-punishment", title: "action.non_punishment", fields: []string{"note"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return !cf.Person.NonPunishment },
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.FlagNonPunishment(r.Context(), st.actor, id, text(r, "note"))
	},
}
