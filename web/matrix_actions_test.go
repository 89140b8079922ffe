package web

import (
	"strings"

	"github.com/nrm-org/nrm"
)

// actionRows adds the authorization matrix rows of the action pages of a
// record and of the panel's pages. The owning organisation and the register
// get the form (the register never sees identity or the account); the
// coordinator reads the record but may not act on it; everyone else gets
// the same 404 as for a missing record. The panel's pages are for panel
// members only, and a request or decision that does not exist (or is not
// their panel's) is a 404.
func actionRows[R any](w *matrixWorld, rows map[string]R, mk func(method, path, body string, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing expect) {
	id := w.person.ID
	hidden := []string{w.name, w.acc}
	actors := func(status int, must ...string) map[nrm.Role]expect {
		return map[nrm.Role]expect{nrm.RoleFirstResponder: {status, must, nil}, nrm.RoleCaseManager: {status, must, nil},
			nrm.RoleRAOfficer: {status, must, hidden}, nrm.RoleCoordinator: {403, nil, hidden}}
	}
	panel := byRole(forbidden, map[nrm.Role]expect{nrm.RolePanelMember: missing})
	none := strings.Repeat("0", 32)
	rows["GET /persons/{id}/actions/{action}"] = mk("GET", "/persons/"+id+"/actions/non-punishment", "",
		byRole(missing, actors(200, `data-testid="action-form"`)))
	// An own request without its note: past the door's access check to a field error.
	rows["POST /persons/{id}/actions/{action}"] = mk("POST", "/persons/"+id+"/actions/return", "kind=removal_order&own_request=1",
		byRole(missing, actors(422, `href="#note"`)))
	rows["GET /identification/{request}/decide"] = mk("GET", "/identification/"+none+"/decide?person="+id, "", panel)
	rows["POST /identification/{request}/decide"] = mk("POST", "/identification/"+none+"/decide", "person="+id, panel)
	rows["POST /decisions/{id}/sign"] = mk("POST", "/decisions/"+none+"/sign", "person="+id, panel)
}
