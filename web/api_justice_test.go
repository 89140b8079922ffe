package web

import (
	"context"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
)

// Return work, linked persons and the justice track through the JSON API,
// on both engines, every answer checked against the OpenAPI document.
func TestAPIReturnAndJustice(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { apiReturnAndJustice(t, engine) })
	}
}

func apiReturnAndJustice(t *testing.T, engine string) {
	w := newIDWorld(t, engine)
	var ref referralJSON
	body := `{"met_on":"2026-11-20","met_region":"tirane","met_how":"border_check","identity":{"given_name":"Amir","family_name":"Haddad"},
		"sex":"male","nationalities":["SYR"],"age_basis":"declared","age_years":32,"indicators":` + jsonList(pick(t, rules.FormLabour, "A", "B", "C")) +
		`,"account":"Worked on a farm for no pay.","consent":"given"}`
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", body, &ref), 201)
	id := ref.Person.ID
	base := "/persons/" + id

	// A return without a risk assessment is refused, with a translated field error.
	want(t, w.call(t, "border", "POST", base+"/return-steps", "/persons/{id}/return-steps",
		`{"kind":"voluntary_return","own_request":true,"note":"Asked to go home."}`, nil), 400, "kind")
	want(t, w.call(t, "border", "POST", base+"/return-risk-assessments", "/persons/{id}/return-risk-assessments",
		`{"on":"2026-11-22","outcome":"severe"}`, nil), 400, "outcome")
	want(t, w.call(t, "border", "POST", base+"/return-risk-assessments", "/persons/{id}/return-risk-assessments",
		`{"on":"2026-11-22","outcome":"low","note":"No link to the recruiter at home."}`, nil), 201)
	want(t, w.call(t, "border", "POST", base+"/return-steps", "/persons/{id}/return-steps",
		`{"kind":"voluntary_return","own_request":true,"note":"Asked to go home."}`, nil), 201)
	want(t, w.call(t, "border", "POST", base+"/receiving-contacts", "/persons/{id}/receiving-contacts",
		`{"organisation":"IOM Damascus","country":"SYR","contact":"Rana"}`, nil), 201)

	// A linked child at risk, referred as their own record; the link shows on both.
	var link idJSON
	want(t, w.call(t, "border", "POST", base+"/links", "/persons/{id}/links", `{"relationship":"child","at_risk":true,"name":"Lina"}`, &link), 201)
	var child referralJSON
	want(t, w.call(t, "border", "POST", base+"/links/"+link.ID+"/referral", "/persons/{id}/links/{link}/referral",
		`{"met_region":"tirane","met_how":"border_check","identity":{"given_name":"Lina"},"sex":"female","nationalities":["SYR"],
		"age_basis":"declared","age_years":12,"indicators":`+jsonList(pick(t, rules.FormLabour, "A", "C"))+`,"consent":"child"}`, &child), 201)
	var rA, rB reintegrationJSON
	want(t, w.call(t, "border", "GET", base+"/reintegration", "/persons/{id}/reintegration", "", &rA), 200)
	want(t, w.call(t, "border", "GET", "/persons/"+child.Person.ID+"/reintegration", "/persons/{id}/reintegration", "", &rB), 200)
	if len(rA.Links) != 1 || rA.Links[0].OtherCode == nil || *rA.Links[0].OtherCode != child.Person.Code || rA.Links[0].Name != "Lina" {
		t.Fatalf("link on the first record: %+v", rA.Links)
	}
	if len(rB.Links) != 1 || !rB.Links[0].Reverse || rB.Links[0].OtherCode == nil || *rB.Links[0].OtherCode != ref.Person.Code {
		t.Fatalf("link on the linked record: %+v", rB.Links)
	}
	if len(rA.Risks) != 1 || len(rA.Contacts) != 1 || rA.Contacts[0].Contact != "Rana" {
		t.Fatalf("return work: %+v", rA)
	}

	// The justice track.
	var proc idJSON
	want(t, w.call(t, "border", "POST", base+"/justice/reports", "/persons/{id}/justice/reports",
		`{"reported_on":"2026-11-21","own_choice":true,"police_ref":"TR-2026-0042","witness":true,"lawyer_org":"Legal Clinic","free_legal_aid":true}`, &proc), 201)
	want(t, w.call(t, "border", "POST", base+"/justice/stages", "/persons/{id}/justice/stages",
		`{"proceeding_id":"`+proc.ID+`","stage":"trial","on":"2026-11-23","reference":"COURT-9"}`, nil), 201)
	want(t, w.call(t, "border", "POST", base+"/justice/protective-measures", "/persons/{id}/justice/protective-measures",
		`{"proceeding_id":"`+proc.ID+`","measure":"closed_hearing","state":"granted","on":"2026-11-23"}`, nil), 200)
	want(t, w.call(t, "border", "POST", base+"/justice/compensation-claims", "/persons/{id}/justice/compensation-claims",
		`{"route":"state_fund","amount_asked":"12.5x","currency":"EUR","outcome":"pending","filed_on":"2026-11-23"}`, nil), 400, "amount_asked")
	want(t, w.call(t, "border", "POST", base+"/justice/compensation-claims", "/persons/{id}/justice/compensation-claims",
		`{"route":"state_fund","amount_asked":"5000.50","currency":"EUR","outcome":"pending","filed_on":"2026-11-23"}`, nil), 200)
	want(t, w.call(t, "border", "POST", base+"/justice/residence-permits", "/persons/{id}/justice/residence-permits",
		`{"kind":"personal_situation","status":"granted","from":"2026-12-01","to":"2027-11-30"}`, nil), 200)
	var jf justiceJSON
	want(t, w.call(t, "border", "GET", base+"/justice", "/persons/{id}/justice", "", &jf), 200)
	if len(jf.Proceedings) != 1 || jf.Proceedings[0].PoliceRef == nil || *jf.Proceedings[0].PoliceRef != "TR-2026-0042" ||
		len(jf.Proceedings[0].Stages) != 2 || len(jf.Proceedings[0].Protective) != 1 {
		t.Fatalf("justice: %+v", jf)
	}
	if len(jf.Claims) != 1 || jf.Claims[0].AmountAsked != "5000.50" || len(jf.Permits) != 1 || jf.Permits[0].To != "2027-11-30" {
		t.Fatalf("claims and permits: %+v %+v", jf.Claims, jf.Permits)
	}

	// A reader allowed the narrative but not the identity part sees no references.
	owner := &nrm.Actor{UserID: "api-justice-test", OrgID: "org-bp", OrgType: nrm.OrgBorderPolice, Roles: []nrm.Role{nrm.RoleFirstResponder}}
	if _, err := w.srv.door.Grant(context.Background(), owner, id, door.GrantInput{OrgID: "org-ngo", Parts: []nrm.Part{nrm.PartSummary, nrm.PartNarrative},
		Basis: door.BasisLegal, Reason: "Shelter support"}); err != nil {
		t.Fatal(err)
	}
	var jn justiceJSON
	want(t, w.call(t, "ngo", "GET", base+"/justice", "/persons/{id}/justice", "", &jn), 200)
	if len(jn.Proceedings) != 1 || jn.Proceedings[0].PoliceRef != nil || jn.Proceedings[0].Stages[1].Reference != nil {
		t.Fatalf("references shown without the identity part: %+v", jn.Proceedings)
	}
	// The register's coded summary shows nothing of the track (the
	// coordinator reads only that; the Responsible Authority reads the
	// account the person agreed to be referred with), and the Responsible
	// Authority may not record on it.
	var jr justiceJSON
	want(t, w.call(t, "coord", "GET", base+"/justice", "/persons/{id}/justice", "", &jr), 200)
	if len(jr.Proceedings)+len(jr.Claims)+len(jr.Permits) != 0 {
		t.Fatalf("the register sees the justice track: %+v", jr)
	}
	want(t, w.call(t, "ra", "POST", base+"/justice/reports", "/persons/{id}/justice/reports", `{"reported_on":"2026-11-21"}`, nil), 403)
}
