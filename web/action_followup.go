package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// followUpAction records a follow-up contact after closure (door.RecordFollowUp).
var followUpAction = &personAction{
	name: "follow-up", title: "action.follow_up", fields: []string{"on", "how", "note"},
	may:      works,
	relevant: supportClosed,
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["how"] = s.options(pg.Lang, "followuphow", nrm.FollowUpHow, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RecordFollowUp(r.Context(), st.actor, id, nrm.FollowUpInput{On: text(r, "on"), How: text(r, "how"), Note: text(r, "note")})
		return err
	},
}
