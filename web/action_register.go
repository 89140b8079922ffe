package web

import (
	"net/http"

	"github.com/nrm-org/nrm/door"
)

// registerAction is the Responsible Authority confirming the record in its
// register (door.RegisterPerson): a page that asks to confirm.
var registerAction = &personAction{
	name: "register", title: "action.register",
	may:      registers,
	relevant: func(cf *door.CaseFile) bool { return cf.Person.RegisteredAt.IsZero() },
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.RegisterPerson(r.Context(), st.actor, id)
	},
}
