package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// reopenAction reopens a closed record (door.ReopenRecord): the closure
// period and everything before it stay.
var reopenAction = &personAction{
	name: "reopen", title: "action.reopen", fields: []string{"reopen_reason", "note"},
	may:      closes,
	relevant: supportClosed,
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["reopen_reason"] = s.options(pg.Lang, "reopenreason", nrm.ReopenReasons, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.ReopenRecord(r.Context(), st.actor, id, nrm.ReopenInput{Reason: text(r, "reopen_reason"), Note: text(r, "note")})
	},
}
