package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// linkAction records a family member or dependant of the person
// (door.LinkPerson); the API refers them as a record of their own.
var linkAction = &personAction{
	name: "link", title: "justice.action.link", fields: []string{"relationship", "at_risk", "name", "note"},
	may: writes,
	prepare: func(s *Server, _ *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["relationship"] = s.options(pg.Lang, "relationship", nrm.LinkRelationships, false)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.LinkPerson(r.Context(), st.actor, id, nrm.LinkInput{Relationship: text(r, "relationship"),
			AtRisk: r.PostFormValue("at_risk") == "1", Name: text(r, "name"), Note: text(r, "note")})
		return err
	},
}
