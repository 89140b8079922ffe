package web

import (
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/testenv"
)

// The service loop through the JSON API, on both engines, each answer
// checked against the OpenAPI document: a shelter with one place, a
// referral the shelter receives without identity (and with it once a
// consent names the shelter), an invalid step refused with a translated
// field error, capacity taken, and the coordinator's emergency switch.
func TestAPIServiceReferrals(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { apiServiceReferrals(t, engine) })
	}
}

func apiServiceReferrals(t *testing.T, engine string) {
	w := newIDWorld(t, engine)
	var sv idJSON
	want(t, w.call(t, "ngo", "POST", "/services", "/services", `{"kind":"shelter","name":"Shtëpia Jonë","regions":["tirane"],"languages":["sq","en"],
		"for_whom":["women","children"],"capacity":1,"accreditation":"Licence 7/2025","accredited_until":"2030-01-01"}`, &sv), 201)
	want(t, w.call(t, "ngo", "POST", "/services", "/services", `{"kind":"spa","name":"","regions":[],"for_whom":[],"capacity":-1}`, nil), 400, "kind", "name", "regions", "for_whom", "capacity")
	want(t, w.call(t, "border", "PUT", "/services/"+sv.ID, "/services/{id}", `{"kind":"shelter","name":"Taken over","regions":["tirane"],"for_whom":["women"]}`, nil), 403)

	var p personJSON
	want(t, w.call(t, "border", "POST", "/persons", "/persons", `{"region":"tirane","sex":"female","age_group":"adult","identity":{"given_name":"Hanaqendra","family_name":"Lika"}}`, &p), 201)
	var ref idJSON
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/service-referrals", "/persons/{id}/service-referrals", `{"service":"`+sv.ID+`","note":"needs a bed tonight"}`, &ref), 201)

	// The shelter sees the referral under the code, with no name.
	var inbox struct {
		Referrals []serviceReferralJSON `json:"service_referrals"`
	}
	rec := w.call(t, "ngo", "GET", "/service-referrals", "/service-referrals", "", &inbox)
	want(t, rec, 200)
	if len(inbox.Referrals) != 1 || inbox.Referrals[0].PersonCode != p.Code || inbox.Referrals[0].PersonName != nil || strings.Contains(rec.Body.String(), "Hanaqendra") {
		t.Fatalf("inbox without consent: %s", rec.Body.String())
	}
	rec = w.call(t, "ngo", "GET", "/persons/"+p.ID+"/service-referrals", "/persons/{id}/service-referrals", "", nil)
	want(t, rec, 200)
	if strings.Contains(rec.Body.String(), "Hanaqendra") || !strings.Contains(rec.Body.String(), "needs a bed tonight") {
		t.Fatalf("loop without consent: %s", rec.Body.String())
	}
	want(t, w.call(t, "ngo", "GET", "/persons/"+p.ID, "/persons/{id}", "", nil), 404)

	// Steps: an invalid one is refused with a translated field error.
	want(t, w.call(t, "ngo", "POST", "/service-referrals/"+ref.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"delivered"}`, nil), 400, "state")
	want(t, w.call(t, "border", "POST", "/service-referrals/"+ref.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"accepted"}`, nil), 404)
	want(t, w.call(t, "ngo", "POST", "/service-referrals/"+ref.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"accepted"}`, nil), 200)
	var dirList struct {
		Services []serviceJSON `json:"services"`
	}
	want(t, w.call(t, "border", "GET", "/services?kind=shelter", "/services", "", &dirList), 200)
	if len(dirList.Services) != 1 || dirList.Services[0].Taken != 1 || dirList.Services[0].Free == nil || *dirList.Services[0].Free != 0 {
		t.Fatalf("the place is taken: %+v", dirList.Services)
	}
	want(t, w.call(t, "border", "GET", "/services?free=1", "/services", "", &dirList), 200)
	if len(dirList.Services) != 0 {
		t.Fatalf("no free place: %+v", dirList.Services)
	}

	// A consent naming the shelter discloses the name.
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/consents", "/persons/{id}/consents", `{"purpose":"services","data_scope":"identity","recipient_orgs":["org-ngo"],
		"given_by":"person","how":"written","language":"sq","text_version":"2026.1","explained":["why","storage","own_file","recipients","how_shared","what_shared"]}`, nil), 201)
	rec = w.call(t, "ngo", "GET", "/service-referrals", "/service-referrals", "", &inbox)
	if len(inbox.Referrals) != 1 || inbox.Referrals[0].PersonName == nil || *inbox.Referrals[0].PersonName != "Hanaqendra Lika" {
		t.Fatalf("inbox with consent: %s", rec.Body.String())
	}

	// Delivered by phone: the place is free again, the case file shows the loop.
	want(t, w.call(t, "ngo", "POST", "/service-referrals/"+ref.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"delivered","mode":"phone"}`, nil), 200)
	var cf caseJSON
	want(t, w.call(t, "border", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	if len(cf.ServiceReferrals) != 1 || cf.ServiceReferrals[0].State != "delivered" || cf.ServiceReferrals[0].DeliveryMode != "phone" || len(cf.ServiceReferrals[0].Steps) != 3 {
		t.Fatalf("case file: %+v", cf.ServiceReferrals)
	}

	// The emergency protocol: the coordinator's switch.
	want(t, w.call(t, "ra", "POST", "/emergency", "/emergency", `{"on":true,"reason":"floods"}`, nil), 403)
	want(t, w.call(t, "coord", "POST", "/emergency", "/emergency", `{"on":true,"reason":""}`, nil), 400, "reason")
	want(t, w.call(t, "coord", "POST", "/emergency", "/emergency", `{"on":true,"reason":"floods"}`, nil), 200)
	var em struct {
		On bool `json:"on"`
	}
	want(t, w.call(t, "border", "GET", "/emergency", "/emergency", "", &em), 200)
	if !em.On {
		t.Fatal("the emergency protocol is on")
	}
	var emRef idJSON
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/service-referrals", "/persons/{id}/service-referrals", `{"service":"`+sv.ID+`","emergency":true}`, &emRef), 201)

	// A decline needs its reason, and asks for a new referral, linked to it.
	want(t, w.call(t, "ngo", "POST", "/service-referrals/"+emRef.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"declined"}`, nil), 400, "reason")
	want(t, w.call(t, "ngo", "POST", "/service-referrals/"+emRef.ID+"/steps", "/service-referrals/{id}/steps", `{"state":"declined","reason":"no female staff tonight"}`, nil), 200)
	var again idJSON
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/service-referrals", "/persons/{id}/service-referrals", `{"service":"`+sv.ID+`","replaces":"`+emRef.ID+`"}`, &again), 201)
	want(t, w.call(t, "border", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	linked := false
	for _, r := range cf.ServiceReferrals {
		if r.ID == emRef.ID && r.State == "declined" && r.ReplacedBy == again.ID {
			linked = true
		}
	}
	if !linked {
		t.Fatalf("the declined referral must name the one that replaces it: %+v", cf.ServiceReferrals)
	}
}
