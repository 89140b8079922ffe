package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// Individual support and closure through the JSON API, on both engines: a
// plan in the person's words is agreed and revised, a safety plan revised,
// the record closed with a reason and reopened, each answer checked
// against the OpenAPI document.

func TestAPISupportScenarios(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { apiSupportScenarios(t, engine) })
	}
}

func apiSupportScenarios(t *testing.T, engine string) {
	w := newIDWorld(t, engine)
	var p personJSON
	want(t, w.call(t, "ngo", "POST", "/persons", "/persons", `{"region":"tirane","age_group":"adult"}`, &p), 201)
	base := "/persons/" + p.ID
	review := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)

	// A field at fault is named, in the reader's language.
	want(t, w.call(t, "ngo", "POST", base+"/plan", "/persons/{id}/plan", `{"support_level":"lots","goals":[{"goal_area":"housing","goal_text":""}],"review_on":"2025-06-01"}`, nil),
		400, "support_level", "goal_text")
	plan := `{"support_level":"intensive","goals":[{"goal_area":"employment","goal_text":"PLANWORDS të punoj në një furrë","goal_action":"CV and interview practice","responsible_org":"org-iom","due_on":"2025-09-01"}],` +
		`"agreed":true,"agreed_on":"2025-03-01","agreed_how":"oral","agreed_lang":"sq","review_on":"2025-06-01"}`
	want(t, w.call(t, "ngo", "POST", base+"/plan", "/persons/{id}/plan", plan, nil), 201)
	revised := strings.Replace(strings.Replace(plan, `"intensive"`, `"light"`, 1), `{"support_level"`, `{"revises":1,"support_level"`, 1)
	want(t, w.call(t, "ngo", "POST", base+"/plan", "/persons/{id}/plan", revised, nil), 201)
	want(t, w.call(t, "ngo", "POST", base+"/plan", "/persons/{id}/plan", revised, nil), 409) // revises 1, but 2 is current
	want(t, w.call(t, "ngo", "POST", base+"/needs", "/persons/{id}/needs", `{"on":"2025-01-02","needs":[{"area":"accommodation","level":"urgent","note":"no place to stay"}]}`, nil), 201)
	want(t, w.call(t, "ngo", "POST", base+"/advocate", "/persons/{id}/advocate", `{"name":"Ana Advokate","role":"independent advocate","org_id":"org-ngo"}`, nil), 201)
	want(t, w.call(t, "ngo", "POST", base+"/safety-plan", "/persons/{id}/safety-plan", `{"risk_level":"high","risks":["threats"],"measures":"new phone","review_on":"`+review+`"}`, nil), 201)
	want(t, w.call(t, "ngo", "POST", base+"/safety-plan", "/persons/{id}/safety-plan", `{"revises":1,"risk_level":"medium","measures":"keep the new phone","review_on":"`+review+`"}`, nil), 201)
	if w.count(t, "plan_goals") != 2 {
		t.Fatalf("%d goals stored", w.count(t, "plan_goals"))
	}
	var ciphertext []byte
	ctx := context.Background()
	if err := w.db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT text FROM plan_goals ORDER BY seq LIMIT 1`).Scan(&ciphertext)
	}); err != nil || strings.Contains(string(ciphertext), "PLANWORDS") {
		t.Fatalf("goal at rest: %v %q", err, ciphertext)
	}

	var sv supportJSON
	want(t, w.call(t, "ngo", "GET", base+"/support", "/persons/{id}/support", "", &sv), 200)
	if len(sv.Plans) != 2 || sv.Plans[0].SupportLevel != "light" || sv.Plans[1].SupportLevel != "intensive" || sv.Plans[0].Goals[0].Text == nil ||
		*sv.Plans[0].Goals[0].Text != "PLANWORDS të punoj në një furrë" || !sv.Plans[0].Agreed || len(sv.Safety) != 2 || len(sv.Advocates) != 1 {
		t.Fatalf("support %+v", sv)
	}
	// The register sees codes only; an unrelated organisation, nothing.
	var rv supportJSON
	want(t, w.call(t, "ra", "GET", base+"/support", "/persons/{id}/support", "", &rv), 200)
	if len(rv.Plans) != 2 || rv.Plans[0].Goals[0].Text != nil || rv.Advocates[0].Name != nil {
		t.Fatalf("register sees %+v", rv.Plans)
	}
	want(t, w.call(t, "panel.police", "GET", base+"/support", "/persons/{id}/support", "", nil), 404)
	want(t, w.call(t, "panel.police", "GET", "/persons/nothing/support", "/persons/{id}/support", "", nil), 404)

	// Close with an HTCDS reason, follow up, reopen on re-trafficking.
	want(t, w.call(t, "ngo", "POST", base+"/closure", "/persons/{id}/closure", `{"closure_reason":"happy"}`, nil), 400, "closure_reason", "closed_on")
	want(t, w.call(t, "ngo", "POST", base+"/closure", "/persons/{id}/closure", `{"closure_reason":"reintegrated","closed_on":"2025-04-01","note":"working","follow_up_on":["2099-01-01"]}`, nil), 201)
	want(t, w.call(t, "ngo", "POST", base+"/needs", "/persons/{id}/needs", `{"on":"2025-04-02","needs":[{"area":"income","level":"low"}]}`, nil), 409)
	want(t, w.call(t, "ngo", "POST", base+"/follow-ups", "/persons/{id}/follow-ups", `{"on":"2025-04-10","how":"phone","note":"fine"}`, nil), 201)
	var cs caseJSON
	want(t, w.call(t, "ngo", "GET", base+"/case", "/persons/{id}/case", "", &cs), 200)
	if cs.Support == nil || !cs.Support.Closed || cs.Support.HTCDSStatus != "FollowUp" || len(cs.Support.FollowUps) != 1 {
		t.Fatalf("closed case support %+v", cs.Support)
	}
	want(t, w.call(t, "ra", "POST", base+"/reopening", "/persons/{id}/reopening", `{"reopen_reason":"re_trafficking","note":"met again at the border"}`, nil), 200)
	want(t, w.call(t, "ngo", "POST", base+"/reopening", "/persons/{id}/reopening", `{"reopen_reason":"other"}`, nil), 409)
	want(t, w.call(t, "ngo", "GET", base+"/support", "/persons/{id}/support", "", &sv), 200)
	if sv.Closed || len(sv.Closures) != 1 || sv.Closures[0].Reason != "reintegrated" || sv.Closures[0].ReopenReason != "re_trafficking" ||
		sv.Closures[0].ReopenedAt == nil || sv.Closures[0].HTCDSStatus != "Closed" || len(sv.Plans) != 2 || len(sv.FollowUps) != 1 {
		t.Fatalf("reopened %+v", sv)
	}
}

// The record page shows the support block and offers the support actions;
// each action's form renders and a posted plan goal lands in a new version.
func TestSupportActionPages(t *testing.T) {
	w := newActWorld(t)
	adult := w.refer(t, "Nadia", 30)
	rec := "/persons/" + adult.ID
	act := func(name string) string { return rec + "/actions/" + name }
	page := w.get(t, "border", rec)
	for _, a := range []string{"advocate", "needs", "plan", "safety", "close"} {
		if !strings.Contains(page, `data-testid="action-`+a+`"`) {
			t.Errorf("the record lacks the %s action", a)
		}
		w.get(t, "border", act(a))
	}
	if strings.Contains(page, `data-testid="action-reopen"`) {
		t.Error("an open record offers reopening")
	}
	// A goal without the person's words: the form again, naming the field.
	wantForm(t, w.send(t, "border", "POST", act("plan"), url.Values{"goal_area": {"housing"}, "support_level": {"intensive"}, "review_on": {"2025-06-01"}, "revises": {"0"}}),
		422, []string{"goal_text"})
	for _, g := range []string{"PAGEGOAL një dhomë", "PAGEGOAL një punë"} {
		rv := w.send(t, "border", "POST", act("plan"), url.Values{"goal_area": {"housing"}, "goal_text": {g}, "support_level": {"regular"}, "review_on": {"2025-06-01"},
			"agreed": {"1"}, "agreed_on": {"2025-03-01"}, "agreed_how": {"oral"}, "agreed_lang": {"sq"}, "revises": {w.planVersion(t, adult.ID)}})
		wantStatus(t, rv, 303)
	}
	page = w.get(t, "border", rec)
	if !strings.Contains(page, `data-testid="support-goals"`) || strings.Count(page, "PAGEGOAL") < 2 || !strings.Contains(page, `data-testid="support-versions"`) {
		t.Fatalf("the record lacks the plan:\n%s", page)
	}
	wantStatus(t, w.send(t, "border", "POST", act("close"), url.Values{"closure_reason": {"lost_contact"}, "closed_on": {w.door.Now().Format(time.DateOnly)}}), 303)
	page = w.get(t, "border", rec)
	if !strings.Contains(page, `data-testid="support-closed"`) || !strings.Contains(page, `data-testid="action-reopen"`) || strings.Contains(page, `data-testid="action-plan"`) {
		t.Fatalf("the closed record:\n%s", page)
	}
	w.get(t, "border", act("follow-up"))
	wantStatus(t, w.send(t, "border", "POST", act("reopen"), url.Values{"reopen_reason": {"re_trafficking"}}), 303)
	if page = w.get(t, "border", rec); !strings.Contains(page, `data-testid="support-closures"`) || strings.Contains(page, `data-testid="support-closed"`) {
		t.Fatalf("the reopened record:\n%s", page)
	}
}

func (w *actWorld) planVersion(t *testing.T, id string) string {
	t.Helper()
	sv, err := w.door.Support(context.Background(), w.actor["border"], id)
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Plans) == 0 {
		return "0"
	}
	return strconv.Itoa(sv.Plans[0].Version)
}
