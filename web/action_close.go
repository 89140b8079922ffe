package web

import (
	"net/http"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// closeAction closes a record with a reason, a date, a note and planned
// follow-up dates (door.CloseRecord). The record stays readable.
var closeAction = &personAction{
	name: "close", title: "action.close", fields: []string{"closure_reason", "closed_on", "note", "follow_up_on"},
	may:      closes,
	relevant: supportOpen,
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["closure_reason"] = s.options(pg.Lang, "closurereason", nrm.ClosureReasons, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		var dates []string
		for d := range strings.FieldsSeq(strings.ReplaceAll(text(r, "follow_up_on"), ",", " ")) {
			dates = append(dates, d)
		}
		_, err := s.door.CloseRecord(r.Context(), st.actor, id, nrm.CloseInput{Reason: text(r, "closure_reason"), On: text(r, "closed_on"),
			Note: text(r, "note"), FollowUpOn: dates})
		return err
	},
}
