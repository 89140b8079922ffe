package web

import (
	"strings"

	"github.com/nrm-org/nrm"
)

// statisticsRows are the authorization matrix rows of the monitoring
// (issue #6 points 1–4): the Responsible Authority, the coordinator and the
// monitor read aggregates; nobody else reads any; only the first two import.
func statisticsRows[R any](rows map[string]R, mk func(method, path, body string, json bool, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden expect) {
	set := func(e expect, roles ...nrm.Role) map[nrm.Role]expect {
		m := map[nrm.Role]expect{}
		for _, r := range roles {
			m[r] = e
		}
		return m
	}
	readers := []nrm.Role{nrm.RoleRAOfficer, nrm.RoleCoordinator, nrm.RoleMonitor}
	keepers := []nrm.Role{nrm.RoleRAOfficer, nrm.RoleCoordinator}
	missing := expect{404, nil, nil}
	page := expect{200, []string{`data-testid="report-figures"`}, nil}
	rows["GET /statistics"] = mk("GET", "/statistics?period=2026", "", false, byRole(forbidden, set(page, readers...)))
	rows["GET /statistics/report.csv"] = mk("GET", "/statistics/report.csv?period=2026-Q1", "", false, byRole(forbidden, set(expect{200, []string{"kpi"}, nil}, readers...)))
	rows["GET /statistics/report.xlsx"] = mk("GET", "/statistics/report.xlsx?region=berat", "", false, byRole(forbidden, set(expect{200, nil, nil}, readers...)))
	rows["GET /statistics/report.pdf"] = mk("GET", "/statistics/report.pdf?from=2026-01&to=2026-06", "", false, byRole(forbidden, set(expect{200, []string{"%PDF"}, nil}, readers...)))
	rows["GET /statistics/ctdc.csv"] = mk("GET", "/statistics/ctdc.csv", "", false, byRole(forbidden, set(expect{200, []string{"yearRegister"}, nil}, readers...)))
	rows["GET /statistics/datasets"] = mk("GET", "/statistics/datasets", "", false, byRole(forbidden, set(expect{200, []string{`data-testid="datasets"`}, nil}, readers...)))
	// The import form's CSRF token is in its URL, checked before the body is read.
	rows["POST /statistics/datasets"] = mk("POST", "/statistics/datasets?csrf={csrf}", "name=x&source=ctdc", false, byRole(forbidden, set(expect{422, []string{"error-summary", `href="#file"`}, nil}, keepers...)))
	rows["POST /statistics/datasets/{id}/delete"] = mk("POST", "/statistics/datasets/"+strings.Repeat("0", 32)+"/delete", "", false, byRole(forbidden, set(missing, keepers...)))
	rows["POST /api/v1/statistics/datasets"] = mk("POST", "/api/v1/statistics/datasets?source=htcds&name=x", "", true, byRole(forbidden, set(expect{400, nil, nil}, keepers...)))
	// Records as HTCDS: what the organisation may take away (as /persons/export.csv), only
	// with consent to statistics and never the identity.
	workbook := expect{200, nil, nil}
	rows["GET /statistics/htcds.xlsx"] = mk("GET", "/statistics/htcds.xlsx", "", false, byRole(forbidden, set(workbook,
		nrm.RoleFirstResponder, nrm.RoleCaseManager, nrm.RoleRAOfficer, nrm.RolePanelMember, nrm.RoleServiceProvider, nrm.RoleJusticeOfficer)))
	rows["GET /api/v1/statistics"] = mk("GET", "/api/v1/statistics?period=2026", "", true, byRole(forbidden, set(expect{200, []string{`"kpis"`}, nil}, readers...)))
	rows["GET /api/v1/statistics/datasets"] = mk("GET", "/api/v1/statistics/datasets", "", true, byRole(forbidden, set(expect{200, []string{`"nrm"`}, nil}, readers...)))
}
