package web

import (
	"context"
	"testing"

	"github.com/nrm-org/nrm"
)

// serviceRows adds the authorization matrix rows of the service directory,
// service referrals and the emergency protocol. Organisation B (panel,
// service provider, justice) gives a shelter; a record of organisation A
// is referred to it, with no consent: the service provider sees the
// referral under the code and never the name.
func serviceRows[R any](t *testing.T, w *matrixWorld, rows map[string]R,
	mk func(method, path, body string, json bool, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing expect) {
	t.Helper()
	ctx := context.Background()
	sp := &nrm.Actor{UserID: "matrix-sp", OrgID: "org-b", OrgType: nrm.OrgNGOShelter, Roles: []nrm.Role{nrm.RoleServiceProvider}}
	cm := &nrm.Actor{UserID: "matrix-cm", OrgID: "org-a", OrgType: nrm.OrgSocialService, Roles: []nrm.Role{nrm.RoleCaseManager}}
	sv, err := w.door.SaveService(ctx, sp, "", nrm.ServiceInput{Kind: "shelter", Name: "Matrix shelter", Regions: []string{"tirane"}, ForWhom: []string{"women"}, Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	// A record of its own, so that organisation B's worklist (which now
	// names the referral's code) leaves the other rows' record alone.
	name, acc := "Matrixservicename", "Matrixservice-account"
	p, err := w.door.CreatePerson(ctx, cm, nrm.PersonInput{Identity: &nrm.Identity{GivenName: name}, Narrative: &acc})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := w.door.ReferService(ctx, cm, p.ID, nrm.ServiceReferralInput{ServiceID: sv, Note: "Matrixnote"})
	if err != nil {
		t.Fatal(err)
	}
	id, code := p.ID, p.Code
	hidden := []string{name, acc, w.name, w.acc}
	all := byRole(expect{200, nil, hidden}, nil)
	keepers := func(status int) map[nrm.Role]expect {
		return byRole(forbidden, map[nrm.Role]expect{nrm.RoleFirstResponder: {status, nil, hidden}, nrm.RoleCaseManager: {status, nil, hidden},
			nrm.RoleServiceProvider: {status, nil, hidden}, nrm.RoleRAOfficer: {status, nil, hidden}, nrm.RoleSysAdmin: {status, nil, hidden}})
	}
	// Organisation B's entry: its service provider, the RA and administrators.
	entryKeepers := func(status int) map[nrm.Role]expect {
		return byRole(forbidden, map[nrm.Role]expect{nrm.RoleServiceProvider: {status, nil, hidden}, nrm.RoleRAOfficer: {status, nil, hidden}, nrm.RoleSysAdmin: {status, nil, hidden}})
	}
	receivers := func(sp, own expect) map[nrm.Role]expect {
		return byRole(forbidden, map[nrm.Role]expect{nrm.RoleServiceProvider: sp, nrm.RoleFirstResponder: own, nrm.RoleCaseManager: own})
	}
	coordinator := func(status int) map[nrm.Role]expect {
		return byRole(forbidden, map[nrm.Role]expect{nrm.RoleCoordinator: {status, nil, hidden}})
	}
	spSees := expect{200, []string{code, "Matrixnote"}, hidden}
	rows["GET /services"] = mk("GET", "/services", "", false, byRole(expect{200, []string{"Matrix shelter"}, hidden}, nil))
	rows["GET /services/new"] = mk("GET", "/services/new", "", false, keepers(200))
	rows["POST /services"] = mk("POST", "/services", "kind=&name=", false, keepers(422))
	rows["GET /services/{id}/edit"] = mk("GET", "/services/"+sv+"/edit", "", false, entryKeepers(200))
	rows["POST /services/{id}/edit"] = mk("POST", "/services/"+sv+"/edit", "kind=&name=", false, entryKeepers(422))
	rows["GET /service-referrals"] = mk("GET", "/service-referrals", "", false, receivers(spSees, expect{200, nil, []string{code, name, acc}}))
	rows["GET /service-referrals/{id}/step"] = mk("GET", "/service-referrals/"+ref+"/step?state=declined", "", false, receivers(spSees, missing))
	rows["POST /service-referrals/{id}/step"] = mk("POST", "/service-referrals/"+ref+"/step", "state=declined", false,
		receivers(expect{422, []string{`href="#reason"`}, hidden}, missing))
	rows["GET /emergency"] = mk("GET", "/emergency", "", false, coordinator(200))
	rows["POST /emergency"] = mk("POST", "/emergency", "on=1&reason=", false, coordinator(422))
	rows["GET /api/v1/services"] = mk("GET", "/api/v1/services", "", true, all)
	rows["POST /api/v1/services"] = mk("POST", "/api/v1/services", `{}`, true, keepers(400))
	rows["PUT /api/v1/services/{id}"] = mk("PUT", "/api/v1/services/"+sv, `{}`, true, entryKeepers(400))
	// The record's loop: who works it sees the name; the register and the
	// receiving service provider see the code only; the rest find nothing.
	rows["GET /api/v1/persons/{id}/service-referrals"] = mk("GET", "/api/v1/persons/"+id+"/service-referrals", "", true, byRole(missing, map[nrm.Role]expect{
		nrm.RoleFirstResponder: {200, []string{code, name}, []string{acc}}, nrm.RoleCaseManager: {200, []string{code, name}, []string{acc}},
		nrm.RoleRAOfficer: {200, []string{code}, hidden}, nrm.RoleCoordinator: {200, []string{code}, hidden}, nrm.RoleServiceProvider: {200, []string{code, "Matrixnote"}, hidden}}))
	rows["POST /api/v1/persons/{id}/service-referrals"] = mk("POST", "/api/v1/persons/"+id+"/service-referrals", `{}`, true, byRole(missing, map[nrm.Role]expect{
		nrm.RoleFirstResponder: {400, nil, hidden}, nrm.RoleCaseManager: {400, nil, hidden}, nrm.RoleRAOfficer: forbidden, nrm.RoleCoordinator: forbidden}))
	rows["GET /api/v1/service-referrals"] = mk("GET", "/api/v1/service-referrals", "", true, receivers(expect{200, []string{code}, hidden}, expect{200, nil, []string{code, name, acc}}))
	// A step without a state: the receiver gets the field error; the
	// sender's organisation and the others find nothing, and roles of the
	// receiving organisation that never act are refused.
	rows["POST /api/v1/service-referrals/{id}/steps"] = mk("POST", "/api/v1/service-referrals/"+ref+"/steps", `{}`, true, byRole(missing, map[nrm.Role]expect{
		nrm.RoleServiceProvider: {400, nil, hidden}, nrm.RolePanelMember: forbidden, nrm.RoleJusticeOfficer: forbidden}))
	rows["GET /api/v1/emergency"] = mk("GET", "/api/v1/emergency", "", true, all)
	rows["POST /api/v1/emergency"] = mk("POST", "/api/v1/emergency", `{"on":true,"reason":""}`, true, coordinator(400))
}
