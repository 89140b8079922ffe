package web

import (
	"slices"
	"testing"

	"github.com/nrm-org/nrm/store"
)

// The API takes where and how it happened as codes and gives them back in
// the case file, both checked against the OpenAPI document.
func TestAPIReferralWhereAndHow(t *testing.T) {
	w := newIDWorld(t, store.SQLite)
	body := `{"consent":"given","met_region":"tirane","referrer_type":"port_authority","channel":"online_report",
		"trafficking_scope":["domestic","online"],"online_platform":"online_ad","recruit_region":"tirane","exploit_country":"DEU",
		"suspected_forms":["sexual"],"nationalities":["XKX"],"languages":["rom"]}`
	var ref referralJSON
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", body, &ref), 201)
	var cf struct {
		Referrals []caseReferralJSON `json:"referrals"`
	}
	want(t, w.call(t, "border", "GET", "/persons/"+ref.Person.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	r := cf.Referrals[0]
	if r.Channel != "online_report" || !slices.Equal(r.Scope, []string{"domestic", "online"}) || r.OnlinePlatform != "online_ad" ||
		r.RecruitCountry != "ALB" || r.RecruitRegion != "tirane" || r.ExploitCountry != "DEU" || !slices.Equal(r.SuspectedForms, []string{"sexual"}) ||
		r.ReferrerType != "port_authority" {
		t.Fatalf("case referral: %+v", r)
	}
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"consent":"given","online_platform":"gaming","exploit_country":"Germany"}`, nil),
		400, "online_platform", "exploit_country")
}
