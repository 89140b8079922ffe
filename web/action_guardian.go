package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// guardianAction records the guardian or child protection worker who
// stands with a child (door.RecordGuardian).
var guardianAction = &personAction{
	name: "guardian", title: "action.guardian", fields: []string{"kind", "name", "contact", "org_id"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return cf.Person.IsChild() },
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["kind"] = s.options(pg.Lang, "guardiankind", nrm.GuardianKinds, false)
		pg.Options["org_id"] = s.orgOptions(r, pg.Lang, true)
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		return s.door.RecordGuardian(r.Context(), st.actor, id, nrm.GuardianInput{Kind: text(r, "kind"), Name: text(r, "name"),
			Contact: text(r, "contact"), OrgID: text(r, "org_id")})
	},
}
