package web

import (
	"github.com/nrm-org/nrm"
)

// supportRows adds the authorization matrix rows of individual support and
// closure (issue #5 §3–4). Those who work the record (its organisation)
// read and write; the register reads the codes and may close and reopen,
// never write a plan; everyone else gets the same 404 as for a missing
// record. Each write's body is empty, so who may act reaches the door's
// field checks (400) and nothing changes.
func supportRows[R any](w *matrixWorld, rows map[string]R, mk func(method, path, body string, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, missing expect) {
	id := w.person.ID
	hidden := []string{w.name, w.acc}
	who := func(worker, ra, coord int) map[nrm.Role]expect {
		return byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {worker, nil, nil}, nrm.RoleCaseManager: {worker, nil, nil},
			nrm.RoleRAOfficer: {ra, nil, hidden}, nrm.RoleCoordinator: {coord, nil, hidden}})
	}
	base := "/api/v1/persons/" + id
	rows["GET /api/v1/persons/{id}/support"] = mk("GET", base+"/support", "", who(200, 200, 200))
	for _, p := range []string{"advocate", "needs", "plan", "safety-plan", "follow-ups"} {
		rows["POST /api/v1/persons/{id}/"+p] = mk("POST", base+"/"+p, `{}`, who(400, 403, 403))
	}
	for _, p := range []string{"closure", "reopening"} {
		rows["POST /api/v1/persons/{id}/"+p] = mk("POST", base+"/"+p, `{}`, who(400, 400, 403))
	}
}
