package web

import (
	"strings"

	"github.com/nrm-org/nrm"
)

// evidenceRows adds the authorization matrix rows of issue 14's pages: the
// signing page (panel members; a decision that does not exist is a 404),
// the side-by-side comparison of duplicates (the Responsible Authority
// only; a record that is not a duplicate of this one is a 404), and the
// DPO's review of break-glass openings (the DPO only).
func evidenceRows[R any](w *matrixWorld, rows map[string]R, mk func(method, path, body string, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing expect) {
	id := w.person.ID
	none := strings.Repeat("0", 32)
	rows["GET /decisions/{id}/sign"] = mk("GET", "/decisions/"+none+"/sign?person="+id, "", byRole(forbidden, map[nrm.Role]expect{nrm.RolePanelMember: missing}))
	ra := byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: missing})
	rows["GET /persons/{id}/duplicates/{other}"] = mk("GET", "/persons/"+id+"/duplicates/"+none, "", ra)
	rows["POST /persons/{id}/duplicates/{other}"] = mk("POST", "/persons/"+id+"/duplicates/"+none, "state=distinct", ra)
	rows["GET /breakglass"] = mk("GET", "/breakglass", "", byRole(forbidden, map[nrm.Role]expect{nrm.RoleDPO: {200, []string{`data-testid="glass-heading"`}, nil}}))
	dpo := byRole(forbidden, map[nrm.Role]expect{nrm.RoleDPO: missing})
	rows["GET /breakglass/{id}"] = mk("GET", "/breakglass/"+none, "", dpo)
	rows["POST /breakglass/{id}"] = mk("POST", "/breakglass/"+none, "outcome=justified", dpo)
}
