package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// advocateAction records an adult's independent advocate
// (door.RecordAdvocate); for a child the guardian stands there instead.
var advocateAction = &personAction{
	name: "advocate", title: "action.advocate", fields: []string{"name", "role", "contact", "org_id"},
	may:      works,
	relevant: func(cf *door.CaseFile) bool { return !cf.Person.IsChild() && supportOpen(cf) },
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["org_id"] = s.orgOptions(r, pg.Lang, true)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RecordAdvocate(r.Context(), st.actor, id, nrm.AdvocateInput{Name: text(r, "name"), Role: text(r, "role"),
			Contact: text(r, "contact"), OrgID: text(r, "org_id")})
		return err
	},
}
