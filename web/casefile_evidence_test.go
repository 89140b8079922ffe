package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// TestRecordShowsTheReferralByRole renders the record page (issue 14 §1)
// for three readers of one referral: the Responsible Authority reads the
// indicators by form, the screening result, the safety flags, where and how
// the person was met, who referred, and the account, and is told in words
// that the identity is withheld by the consent's scope; an organisation
// holding a summary-only consent is told that the identity and the account
// are withheld and why, and the page carries nothing of either; the case
// JSON carries the same evidence and the same "withheld".
func TestRecordShowsTheReferralByRole(t *testing.T) {
	iw := newIDWorld(t, store.SQLite)
	d := iw.srv.door
	ctx := context.Background()
	iw.env.User(t, "u.health", "org-health", nrm.OrgHealth, nrm.RoleServiceProvider)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	sq := func(k string, args ...any) string { return cat.T("sq", k, args...) }
	cookies := map[string]*http.Cookie{}
	actors := map[string]*nrm.Actor{}
	for _, seat := range []string{"border", "ra", "health"} {
		cookies[seat], _ = signInSeat(t, d, "u."+seat, testenv.TestPassword)
		if actors[seat], _, err = d.Authenticate(ctx, cookies[seat].Value, "192.0.2.80", "test"); err != nil {
			t.Fatal(err)
		}
	}
	get := func(seat, path string) string {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "192.0.2.81:1"
		r.AddCookie(cookies[seat])
		rec := httptest.NewRecorder()
		iw.srv.ServeHTTP(rec, r)
		wantStatus(t, rec, 200)
		return rec.Body.String()
	}

	const account, place = "Punonte në serra pa pagë; pronari i mbante pasaportën.", "Pika kufitare e Kakavijës"
	years := 32
	res, err := d.Refer(ctx, actors["border"], nrm.ReferralInput{MetOn: d.Now().Format("2006-01-02"), MetRegion: "vlore", MetHow: "border_check",
		MetPlace: place, Region: "vlore", Identity: &nrm.Identity{GivenName: "Yusuf", FamilyName: "Khalil", BirthDate: "1994"}, Sex: "male",
		Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentGiven, Safety: []string{"threatened"},
		Indicators: pick(t, rules.FormLabour, "A", "B", "C"), Account: account})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Person
	if _, err := d.RecordConsent(ctx, actors["border"], p.ID, nrm.ConsentInput{Purpose: nrm.PurposeShare, Scope: nrm.ConsentSummary,
		RecipientOrgs: []string{"org-health"}, GivenBy: nrm.GivenByPerson, How: "written", Language: "sq", TextVersion: "2026.1",
		Explained: nrm.ExplainedPoints}); err != nil {
		t.Fatal(err)
	}

	ra := get("ra", "/persons/"+p.ID)
	for _, want := range []string{`data-testid="evidence-referral"`, rules.FormLabel(rules.FormLabour, "sq"),
		sq("evidence.screening_met", sq("evidence.rule_adult")), sq("safety.threatened"), place, account, sq("region.vlore"),
		sq("evidence.withheld_consent", sq("evidence.part.identity"), sq("evidence.scope.account"))} {
		if !strings.Contains(ra, want) {
			t.Errorf("the RA's record lacks %q", want)
		}
	}
	for _, leak := range []string{"Yusuf", "Khalil"} {
		if strings.Contains(ra, leak) {
			t.Errorf("the RA's record shows the identity (%s)", leak)
		}
	}

	hv := get("health", "/persons/"+p.ID)
	parts := sq("evidence.part.identity") + sq("evidence.and") + sq("evidence.part.narrative")
	if want := sq("evidence.withheld_consent", parts, sq("evidence.scope.summary")); !strings.Contains(hv, want) {
		t.Errorf("the summary reader is told what is withheld and why (%q):\n%s", want, hv)
	}
	for _, leak := range []string{"Yusuf", "Khalil", account, place, `data-testid="evidence-account"`, `data-testid="evidence-no-account"`} {
		if strings.Contains(hv, leak) {
			t.Errorf("the summary reader's page carries %q", leak)
		}
	}
	if !strings.Contains(hv, rules.FormLabel(rules.FormLabour, "sq")) {
		t.Error("the indicators are part of the coded summary")
	}

	var cj caseJSON
	r := httptest.NewRequest("GET", "/api/v1/persons/"+p.ID+"/case", nil)
	r.RemoteAddr = "192.0.2.81:1"
	r.AddCookie(cookies["health"])
	rec := httptest.NewRecorder()
	iw.srv.ServeHTTP(rec, r)
	wantStatus(t, rec, 200)
	if err := json.Unmarshal(rec.Body.Bytes(), &cj); err != nil {
		t.Fatal(err)
	}
	if cj.Withheld == nil || cj.Withheld.Scope != nrm.ConsentSummary || len(cj.Withheld.Parts) != 2 || len(cj.Referrals) != 1 ||
		cj.Referrals[0].Account != nil || len(cj.Referrals[0].IndicatorGroups) == 0 || !cj.Referrals[0].Screening.Meets {
		t.Errorf("the summary reader's case JSON: withheld=%+v referral=%+v", cj.Withheld, cj.Referrals)
	}
	if strings.Contains(rec.Body.String(), account) || strings.Contains(rec.Body.String(), "Yusuf") {
		t.Error("the summary reader's case JSON carries withheld content")
	}
}
