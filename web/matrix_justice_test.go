package web

import (
	"strings"

	"github.com/nrm-org/nrm"
)

// justiceRows adds the authorization matrix rows of return work, linked
// persons and the justice track. Reads: whoever may open the record (the
// register sees nothing of the track, but the answer is 200). Writes with
// an empty body: who may act reaches the door's field check (400); the
// register may not record justice (403); the rest find the record missing.
func justiceRows[R any](w *matrixWorld, rows map[string]R, mk func(method, path, body string, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing expect) {
	id := w.person.ID
	hidden := []string{w.name, w.acc}
	reads := byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {200, nil, nil}, nrm.RoleCaseManager: {200, nil, nil},
		nrm.RoleRAOfficer: {200, nil, hidden}, nrm.RoleCoordinator: {200, nil, hidden}})
	writes := byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {400, nil, nil}, nrm.RoleCaseManager: {400, nil, nil},
		nrm.RoleRAOfficer: {400, nil, hidden}, nrm.RoleCoordinator: {403, nil, hidden}})
	justice := byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {400, nil, nil}, nrm.RoleCaseManager: {400, nil, nil},
		nrm.RoleRAOfficer: {403, nil, hidden}, nrm.RoleCoordinator: {403, nil, hidden}})
	base := "/api/v1/persons/" + id
	rows["GET /api/v1/persons/{id}/reintegration"] = mk("GET", base+"/reintegration", "", reads)
	rows["GET /api/v1/persons/{id}/justice"] = mk("GET", base+"/justice", "", reads)
	for _, p := range []string{"return-risk-assessments", "child-return-assessments", "receiving-contacts", "links"} {
		rows["POST /api/v1/persons/{id}/"+p] = mk("POST", base+"/"+p, "{}", writes)
	}
	for _, p := range []string{"reports", "stages", "protective-measures", "compensation-claims", "residence-permits"} {
		rows["POST /api/v1/persons/{id}/justice/"+p] = mk("POST", base+"/justice/"+p, "{}", justice)
	}
	rows["POST /api/v1/persons/{id}/links/{link}/referral"] = mk("POST", base+"/links/"+strings.Repeat("0", 32)+"/referral", "{}",
		byRole(forbidden, map[nrm.Role]expect{nrm.RoleFirstResponder: missing, nrm.RoleCaseManager: missing, nrm.RoleRAOfficer: missing}))
}
