package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// The identification scenarios of the door's tests, through the JSON API,
// on both engines: each request is what a client sends, each answer is
// checked against the OpenAPI document.

type idWorld struct {
	srv  *Server
	db   *store.DB
	oa   *oaValidator
	tok  map[string]string // seat -> bearer token
	seen map[string]bool   // "METHOD /template STATUS" checked against the document
}

func newIDWorld(t *testing.T, engine string) *idWorld {
	t.Helper()
	env := testenv.Door(t, engine)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Addr: "127.0.0.1:0"}, env.Door, cat, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w := &idWorld{srv: srv, db: env.DB, oa: &oaValidator{}, tok: map[string]string{}, seen: map[string]bool{}}
	if err := json.Unmarshal(openapiJSON, &w.oa.doc); err != nil {
		t.Fatal(err)
	}
	idOrgs(t, env)
	for _, s := range idSeats {
		a := env.User(t, "u."+s.seat, s.org, s.typ, s.role)
		tok, err := env.Door.MintToken(context.Background(), nrm.SystemActor("test"), a.UserID, []string{door.ScopeRead, door.ScopeWrite}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		w.tok[s.seat] = tok
		if s.seat == "border" {
			if w.tok["border.read"], err = env.Door.MintToken(context.Background(), nrm.SystemActor("test"), a.UserID, []string{door.ScopeRead}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// idSeat is a user of the identification scenarios.
type idSeat struct {
	seat, org string
	typ       nrm.OrgType
	role      nrm.Role
}

var idSeats = []idSeat{
	{"border", "org-bp", nrm.OrgBorderPolice, nrm.RoleFirstResponder},
	{"ngo", "org-ngo", nrm.OrgNGOShelter, nrm.RoleCaseManager},
	{"cpu", "org-cpu", nrm.OrgChildProtection, nrm.RoleCaseManager},
	{"ra", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer},
	{"coord", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleCoordinator},
	{"panel.police", "org-pol", nrm.OrgPolice, nrm.RolePanelMember},
	{"panel.social", "org-soc", nrm.OrgSocialService, nrm.RolePanelMember},
}

// idOrgs creates the organisations of the identification scenarios.
func idOrgs(t *testing.T, env *testenv.Env) {
	t.Helper()
	for id, typ := range map[string]nrm.OrgType{
		"org-bp": nrm.OrgBorderPolice, "org-pol": nrm.OrgPolice, "org-soc": nrm.OrgSocialService, "org-cpu": nrm.OrgChildProtection,
		"org-ngo": nrm.OrgNGOShelter, "org-iom": nrm.OrgInternational, "org-ra": nrm.OrgResponsibleAuthority, "org-health": nrm.OrgHealth,
	} {
		env.Org(t, id, typ)
	}
}

// call sends one request as a seat, checks the answer against the document
// and decodes it into out (when not nil).
func (w *idWorld) call(t *testing.T, seat, method, path, tmpl, body string, out any) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, "/api/v1"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, "/api/v1"+path, nil)
	}
	r.Header.Set("Authorization", "Bearer "+w.tok[seat])
	r.Header.Set("Accept-Language", "en")
	r.RemoteAddr = "192.0.2.70:1"
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, r)
	w.oa.checkResponse(t, tmpl, method, rec)
	if rec.Code < 300 && body != "" {
		w.oa.checkRequest(t, tmpl, method, body)
	}
	w.seen[fmt.Sprintf("%s %s %d", method, tmpl, rec.Code)] = true
	if out != nil && rec.Code < 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return rec
}

// want fails unless the answer has the status and, for 4xx, names each field.
func want(t *testing.T, rec *httptest.ResponseRecorder, status int, fields ...string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %.600s", rec.Code, status, rec.Body.String())
	}
	if len(fields) == 0 {
		return
	}
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		found := false
		for _, m := range e.Error.Fields {
			found = found || m.Field == f && m.Text != "" && !strings.HasPrefix(m.Text, "error.")
		}
		if !found {
			t.Errorf("no translated error naming %q in %s", f, rec.Body.String())
		}
	}
}

func (w *idWorld) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := w.db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// pick chooses one indicator of the form in each section, from the
// catalogue in force.
func pick(t *testing.T, form rules.Form, sections ...string) []string {
	t.Helper()
	var out []string
	for _, sec := range sections {
		var code string
		for _, ind := range rules.Indicators().Indicators {
			if ind.Section == sec && (code == "" || slices.Contains(ind.Forms, form) && !strings.Contains(code, "|")) {
				if slices.Contains(ind.Forms, form) {
					code = ind.Code + "|"
					break
				}
				code = ind.Code
			}
		}
		if code == "" {
			t.Fatalf("no indicator in section %s", sec)
		}
		out = append(out, strings.TrimSuffix(code, "|"))
	}
	return out
}

func jsonList(xs []string) string {
	b, _ := json.Marshal(xs)
	return string(b)
}

func TestAPIIdentificationScenarios(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { apiIdentificationScenarios(t, engine) })
	}
}

func apiIdentificationScenarios(t *testing.T, engine string) {
	w := newIDWorld(t, engine)
	labour := pick(t, rules.FormLabour, "A", "B", "C")

	// The catalogue lists the codes the referral uses, with labels in the request's language.
	var cat catalogueJSON
	want(t, w.call(t, "border", "GET", "/indicators", "/indicators", "", &cat), 200)
	for _, c := range labour {
		if !slices.ContainsFunc(cat.Indicators, func(i indicatorJSON) bool { return i.Code == c && i.Label != "" }) {
			t.Fatalf("catalogue lacks %s", c)
		}
	}
	var prof profileJSON
	want(t, w.call(t, "border", "GET", "/profile", "/profile", "", &prof), 200)
	if len(prof.Deadlines) == 0 || len(prof.Threshold.Adult) == 0 || len(prof.Panel.Required) == 0 {
		t.Fatalf("profile: %+v", prof)
	}

	// (a) A border police officer refers a foreign adult with labour indicators in A, B and C.
	adult := `{"met_on":"2026-11-20","met_region":"tirane","met_how":"border_check","met_place":"Rinas crossing","region":"tirane",
		"identity":{"given_name":"Amir","family_name":"Haddad","birth_date":"1994"},"sex":"male","nationalities":["SYR"],"languages":["ar"],
		"interpreter":true,"preferred_gender":"male","age_basis":"declared","age_years":32,
		"needs":[{"need":"shelter"},{"need":"interpreter"}],"indicators":` + jsonList(labour) + `,
		"account":"Worked on a farm for no pay; passport kept by the employer.","consent":"given"}`
	var ref referralJSON
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", adult, &ref), 201)
	p := ref.Person
	if !ref.Recommendation.Meets || p.Status != "potential_victim" || p.PotentialAt == nil || !p.Foreign || p.ReflectionEnd == nil {
		t.Fatalf("want a potential victim at once with the reflection period running: %+v", ref)
	}
	if p.ReflectionEnd.Sub(*p.PotentialAt) < 30*24*time.Hour {
		t.Errorf("reflection period ends %v", p.ReflectionEnd)
	}
	kinds := map[string]string{}
	for _, tk := range ref.Tasks {
		kinds[tk.Kind] = tk.OrgID
	}
	if kinds["shelter"] != "org-ngo" || kinds["interpreter"] != "org-iom" {
		t.Fatalf("tasks: %v", kinds)
	}
	if ref.Duplicate || len(ref.Deadlines) == 0 {
		t.Fatalf("duplicate %v, deadlines %d", ref.Duplicate, len(ref.Deadlines))
	}

	// The Responsible Authority sees it in the register, under its code, and registers it.
	var reg registerJSON
	want(t, w.call(t, "ra", "GET", "/register?status=potential_victim&limit=10", "/register", "", &reg), 200)
	if len(reg.Rows) != 1 || reg.Rows[0].Code != p.Code || !reg.Rows[0].Foreign || reg.Rows[0].ReflectionEnd == nil {
		t.Fatalf("register: %+v", reg)
	}
	want(t, w.call(t, "ra", "GET", "/register?children=maybe&region=mars", "/register", "", nil), 400, "children", "region")
	want(t, w.call(t, "border", "GET", "/register", "/register", "", nil), 403)
	want(t, w.call(t, "ra", "POST", "/persons/"+p.ID+"/register", "/persons/{id}/register", "", nil), 200)

	// A return step without the person's own request is refused while the reflection period runs.
	before := w.count(t, "return_steps")
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/return-steps", "/persons/{id}/return-steps", `{"kind":"removal_order"}`, nil), 400, "own_request")
	if w.count(t, "return_steps") != before {
		t.Fatal("a refused return step was written")
	}

	// Formal identification: the panel needs police and social services.
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/identification-requests", "/persons/{id}/identification-requests",
		`{"requested_by":"person","explanation":"Told what it means, in Arabic","language":"ar","panel_orgs":["org-pol"]}`, nil), 400, "panel_orgs")
	var rq idJSON
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/identification-requests", "/persons/{id}/identification-requests",
		`{"requested_by":"person","explanation":"Told what it means, in Arabic","language":"ar","panel_orgs":["org-pol","org-soc"]}`, &rq), 201)
	dec := `{"outcome":"identified","reasons":"Consistent account; indicators in every section.","interview_on":"2026-11-25",
		"interviewer_gender":"%s","interpreter_lang":"ar","told_on":"2026-11-25","told_how":"in_person","told_lang":"ar"}`
	want(t, w.call(t, "panel.police", "POST", "/identification-requests/"+rq.ID+"/decisions", "/identification-requests/{id}/decisions",
		fmt.Sprintf(dec, "female"), nil), 400, "gender_reason")
	want(t, w.call(t, "border", "POST", "/identification-requests/"+rq.ID+"/decisions", "/identification-requests/{id}/decisions",
		fmt.Sprintf(dec, "male"), nil), 403)
	var d idJSON
	want(t, w.call(t, "panel.police", "POST", "/identification-requests/"+rq.ID+"/decisions", "/identification-requests/{id}/decisions",
		fmt.Sprintf(dec, "male"), &d), 201)
	want(t, w.call(t, "panel.police", "POST", "/decisions/"+d.ID+"/signatures", "/decisions/{id}/signatures", "", nil), 409)
	// Tell it once: the interview is counted in the case, its statement
	// shown to the organisation it was shared with and to no other.
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/interviews", "/persons/{id}/interviews",
		`{"on":"2026-11-25","purpose":"identification","interviewer_gender":"male","interpreter_lang":"ar","statement":"Told it once, in Arabic","shareable_with":["org-bp"]}`, nil), 201)
	var cf caseJSON
	want(t, w.call(t, "border", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	if cf.InterviewCount != 1 || len(cf.Interviews) != 1 || cf.Interviews[0].Statement == nil || *cf.Interviews[0].Statement != "Told it once, in Arabic" {
		t.Fatalf("interviews in the case: %d %+v", cf.InterviewCount, cf.Interviews)
	}
	var other caseJSON
	want(t, w.call(t, "ra", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", &other), 200)
	if other.InterviewCount != 1 || other.Interviews[0].Statement != nil {
		t.Fatalf("the RA counts the interview but must not read a statement not shared with it: %+v", other.Interviews)
	}
	if cf.Person.Status != "potential_victim" {
		t.Fatalf("one side's signature must not take effect: %s", cf.Person.Status)
	}
	want(t, w.call(t, "panel.social", "POST", "/decisions/"+d.ID+"/signatures", "/decisions/{id}/signatures", "{}", nil), 201)
	want(t, w.call(t, "border", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	if cf.Person.Status != "identified_victim" || cf.Person.DecidedAt == nil {
		t.Fatalf("after both sides signed: %+v", cf.Person)
	}
	if n := len(cf.History); n < 2 || cf.History[n-1].To != "identified_victim" && cf.History[0].To != "identified_victim" {
		t.Errorf("history: %+v", cf.History)
	}
	var tl []string
	for _, e := range cf.Timeline {
		tl = append(tl, e.Kind)
	}
	for _, k := range []string{door.TLReferred, door.TLReflection, door.TLIDRequested, door.TLDecisionSigned, door.TLDecisionEffective, door.TLRegistered} {
		if !slices.Contains(tl, k) {
			t.Errorf("timeline lacks %s: %v", k, tl)
		}
	}
	if cf.Person.Identity == nil || cf.Person.Identity.GivenName != "Amir" || len(cf.Referrals) != 1 || cf.Referrals[0].Account == nil {
		t.Errorf("the referrer sees identity and account: %+v", cf.Person)
	}
	if len(cf.Requests) != 1 || len(cf.Requests[0].Decisions) != 1 || len(cf.Requests[0].Decisions[0].Signatures) != 2 {
		t.Errorf("requests: %+v", cf.Requests)
	}
	// The register sees the summary only: no identity, no narrative fields at all.
	rec := w.call(t, "ra", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", nil)
	want(t, rec, 200)
	for _, leak := range []string{"Amir", "Haddad", "passport kept", "Rinas", `"account"`, `"met_place"`, `"reasons"`, `"explanation"`} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("the register's case read shows %s", leak)
		}
	}
	// Another organisation with no part in the case: the same 404 as a missing record.
	want(t, w.call(t, "cpu", "GET", "/persons/"+p.ID+"/case", "/persons/{id}/case", "", nil), 404)

	// The shelter's task, closed through the API.
	var work workJSON
	if err := json.Unmarshal(w.call(t, "ngo", "GET", "/work", "/work", "", nil).Body.Bytes(), &work); err != nil || len(work.Tasks) != 1 {
		t.Fatalf("shelter's work: %+v %v", work, err)
	}
	want(t, w.call(t, "ngo", "POST", "/tasks/"+work.Tasks[0].ID+"/done", "/tasks/{id}/done", `{"note":"Bed at the shelter"}`, nil), 200)
	want(t, w.call(t, "ngo", "POST", "/tasks/"+work.Tasks[0].ID+"/done", "/tasks/{id}/done", `{"nota":"x"}`, nil), 400, "nota")

	// Status changes that only the panel makes are refused; a stale version conflicts.
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/status", "/persons/{id}/status", `{"version":1,"status":"at_risk","reason":"x"}`, nil), 409)
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/status", "/persons/{id}/status", `{"status":"at_risk","reason":"x"}`, nil), 400, "version")
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/non-punishment", "/persons/{id}/non-punishment", `{"note":""}`, nil), 400, "note")
	want(t, w.call(t, "border", "POST", "/persons/"+p.ID+"/non-punishment", "/persons/{id}/non-punishment",
		`{"note":"Crossed the border on a forged visa arranged by the recruiter."}`, nil), 200)

	// (b) An NGO refers a person of uncertain age with signs of a child.
	child := `{"met_region":"tirane","region":"tirane","identity":{"given_name":"Dritë"},"sex":"female","nationalities":["ALB"],
		"age_basis":"uncertain","child_signs":true,"needs":[{"need":"shelter","org_id":"org-ngo"}],"consent":"child",
		"indicators":` + jsonList(pick(t, rules.FormBegging, prof.Threshold.Child...)) + `}`
	var cref referralJSON
	want(t, w.call(t, "ngo", "POST", "/referrals", "/referrals", child, &cref), 201)
	if !cref.Person.PresumedChild || cref.Person.Foreign || cref.Person.Status != "potential_victim" || !cref.Recommendation.Child {
		t.Fatalf("want a presumed child: %+v", cref.Person)
	}
	var cw workJSON
	want(t, w.call(t, "cpu", "GET", "/work", "/work", "", &cw), 200)
	var note string
	for _, n := range cw.Notifications {
		if n.Kind == "child_referred" && n.PersonID == cref.Person.ID {
			note = n.ID
		}
	}
	if note == "" {
		t.Fatalf("the CPU's work list lacks the child: %+v", cw)
	}
	want(t, w.call(t, "cpu", "POST", "/notifications/"+note+"/read", "/notifications/{id}/read", "", nil), 200)
	want(t, w.call(t, "border", "POST", "/notifications/"+note+"/read", "/notifications/{id}/read", "", nil), 404)
	// Guardian first: identification of a child without one is refused, naming guardian.
	reqs := w.count(t, "identification_requests")
	want(t, w.call(t, "ngo", "POST", "/persons/"+cref.Person.ID+"/identification-requests", "/persons/{id}/identification-requests",
		`{"requested_by":"child_protection","panel_orgs":["org-pol","org-soc","org-cpu"]}`, nil), 400, "guardian")
	if w.count(t, "identification_requests") != reqs {
		t.Fatal("a refused request was written")
	}
	want(t, w.call(t, "cpu", "POST", "/persons/"+cref.Person.ID+"/guardian", "/persons/{id}/guardian", `{"kind":"guardian"}`, nil), 400, "name")
	want(t, w.call(t, "ngo", "POST", "/persons/"+cref.Person.ID+"/guardian", "/persons/{id}/guardian",
		`{"kind":"cpu_worker","name":"Social worker on duty","org_id":"org-cpu"}`, nil), 201)
	want(t, w.call(t, "ngo", "POST", "/persons/"+cref.Person.ID+"/age-assessment", "/persons/{id}/age-assessment",
		`{"on":"2999-01-01","method":"x"}`, nil), 400, "years")
	want(t, w.call(t, "ngo", "POST", "/persons/"+cref.Person.ID+"/age-assessment", "/persons/{id}/age-assessment",
		`{"on":"2026-11-01","method":"multidisciplinary","years":15}`, nil), 200)
	want(t, w.call(t, "ngo", "POST", "/persons/"+cref.Person.ID+"/identification-requests", "/persons/{id}/identification-requests",
		`{"requested_by":"child_protection","panel_orgs":["org-pol","org-soc","org-cpu"]}`, nil), 201)

	// (c) A second referral of the same person is flagged as a possible duplicate.
	var dup referralJSON
	want(t, w.call(t, "ngo", "POST", "/referrals", "/referrals", strings.Replace(adult, `"needs":[{"need":"shelter"},{"need":"interpreter"}],`, "", 1), &dup), 201)
	if !dup.Duplicate {
		t.Fatal("a second referral of the same person is not flagged")
	}
	want(t, w.call(t, "ra", "GET", "/persons/"+dup.Person.ID+"/case", "/persons/{id}/case", "", &cf), 200)
	if len(cf.Duplicates) != 1 || cf.Duplicates[0].OtherID != p.ID {
		t.Fatalf("the RA sees the duplicate: %+v", cf.Duplicates)
	}
	want(t, w.call(t, "ngo", "POST", "/duplicates", "/duplicates", `{"keep":"`+p.ID+`","other":"`+dup.Person.ID+`","state":"merged"}`, nil), 403)
	want(t, w.call(t, "ra", "POST", "/duplicates", "/duplicates", `{"keep":"`+p.ID+`","state":"twins"}`, nil), 400, "other")
	want(t, w.call(t, "ra", "POST", "/duplicates", "/duplicates", `{"keep":"`+p.ID+`","other":"`+dup.Person.ID+`","state":"merged"}`, nil), 200)

	// (d) Impossible values: every field named, nothing written.
	persons := w.count(t, "persons")
	audit := w.count(t, "audit_log")
	bad := `{"identity":{"given_name":"X","birth_date":"2999-01-01"},"indicators":["no.such_code"],"needs":[{"need":"shelter","org_id":"org-nowhere"}],"consent":"given"}`
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", bad, nil), 400, "birth_date", "indicators")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"indicators":["no.such_code"],"consent":"given"}`, nil), 400, "indicators")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"needs":[{"need":"shelter","org_id":"org-nowhere"}],"consent":"given"}`, nil), 400, "needs")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"consent":"given","age_years":300,"met_on":"2999","sex":"x"}`, nil), 400, "age_years", "met_on", "sex")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"consent":"given","nickname":"x"}`, nil), 400, "nickname")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"consent":"given","needs":[{"need":"shelter","urgent":true}]}`, nil), 400, "urgent")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"consent":"given","age_years":"ten"}`, nil), 400, "age_years")
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `{"account":"`+strings.Repeat("a", 600<<10)+`"}`, nil), 413)
	want(t, w.call(t, "border", "POST", "/referrals", "/referrals", `[]`, nil), 400)
	if w.count(t, "persons") != persons || w.count(t, "audit_log") != audit {
		t.Fatal("a refused referral wrote something")
	}
	// A token without the write scope reads but does not refer; no token, no answer.
	want(t, w.call(t, "border.read", "GET", "/work", "/work", "", nil), 200)
	want(t, w.call(t, "border.read", "POST", "/referrals", "/referrals", `{"consent":"given"}`, nil), 403)
	want(t, w.call(t, "nobody", "POST", "/referrals", "/referrals", `{}`, nil), 401)

	// Hostile bodies on every action: a 4xx, never a 500.
	for _, path := range []string{"/referrals", "/persons/" + p.ID + "/guardian", "/persons/" + p.ID + "/age-assessment", "/persons/" + p.ID + "/status",
		"/persons/" + p.ID + "/identification-requests", "/persons/" + p.ID + "/return-steps", "/persons/" + p.ID + "/non-punishment",
		"/persons/" + p.ID + "/register", "/identification-requests/" + rq.ID + "/decisions", "/decisions/" + d.ID + "/signatures",
		"/tasks/" + work.Tasks[0].ID + "/done", "/notifications/" + note + "/read", "/duplicates"} {
		for _, body := range []string{"null", "[]", "42", `{"a":1}`, `{} {}`, `{"x":` + strings.Repeat("[", 20000) + `}`, "{\"note\":\"\x00\"}",
			`{"version":1e999}`, `{"needs":"x"}`, `{"panel_orgs":[1]}`, `{"years":-1e300}`, `{`} {
			r := httptest.NewRequest("POST", "/api/v1"+path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+w.tok["ra"])
			rec := httptest.NewRecorder()
			w.srv.ServeHTTP(rec, r)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("POST %s %.40q: status %d", path, body, rec.Code)
			}
		}
	}

	// Every operation of the document was checked with a success and an error.
	for _, s := range []string{
		"POST /referrals 201", "POST /referrals 400", "POST /referrals 413", "POST /referrals 401", "POST /referrals 403", "GET /persons/{id}/case 200", "GET /persons/{id}/case 404",
		"POST /persons/{id}/guardian 201", "POST /persons/{id}/guardian 400", "POST /persons/{id}/age-assessment 200", "POST /persons/{id}/age-assessment 400",
		"POST /persons/{id}/status 409", "POST /persons/{id}/status 400", "POST /persons/{id}/identification-requests 201", "POST /persons/{id}/identification-requests 400",
		"POST /persons/{id}/return-steps 400", "POST /persons/{id}/non-punishment 200", "POST /persons/{id}/non-punishment 400", "POST /persons/{id}/register 200",
		"POST /identification-requests/{id}/decisions 201", "POST /identification-requests/{id}/decisions 400", "POST /identification-requests/{id}/decisions 403",
		"POST /decisions/{id}/signatures 201", "POST /decisions/{id}/signatures 409", "POST /tasks/{id}/done 200", "POST /tasks/{id}/done 400",
		"POST /notifications/{id}/read 200", "POST /notifications/{id}/read 404", "POST /duplicates 200", "POST /duplicates 400", "POST /duplicates 403",
		"GET /work 200", "GET /register 200", "GET /register 400", "GET /register 403", "GET /indicators 200", "GET /profile 200",
	} {
		if !w.seen[s] {
			t.Errorf("no answer checked against the document for %s", s)
		}
	}
}
