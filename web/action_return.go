package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// returnAction records a removal or return step for a foreign national
// (door.RecordReturnStep). While the reflection period runs the door
// refuses one without the person's own request.
var returnAction = &personAction{
	name: "return", title: "action.return", fields: []string{"kind", "own_request", "note"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return cf.Person.Foreign },
	prepare: func(s *Server, _ *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["kind"] = s.options(pg.Lang, "returnkind", nrm.ReturnKinds, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.RecordReturnStep(r.Context(), st.actor, id, nrm.ReturnStep{Kind: text(r, "kind"),
			OwnRequest: r.PostFormValue("own_request") == "1", Note: text(r, "note")})
	},
}
