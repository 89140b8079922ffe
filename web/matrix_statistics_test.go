package web

import "github.com/nrm-org/nrm"

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
	rows["GET /api/v1/statistics"] = mk("GET", "/api/v1/statistics?period=2026", "", true, byRole(forbidden, set(expect{200, []string{`"kpis"`}, nil}, readers...)))
	rows["GET /api/v1/statistics/datasets"] = mk("GET", "/api/v1/statistics/datasets", "", true, byRole(forbidden, set(expect{200, []string{`"nrm"`}, nil}, readers...)))
}
