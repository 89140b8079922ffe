package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/shareddata"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// A token with persons:read only must change nothing. The walk below calls
// every operation of the OpenAPI document on a seeded server of each
// engine. Before each state-changing call succeeds with a read-write token,
// the same call (same seat, same ids, same body) is made with the seat's
// read-only token: it must answer 403 and leave every table as it was. Each
// read (GET) is made with the read-only token only: it must succeed, leave
// every table as it was and add nothing to the audit log but reads. That the
// read-write call then succeeds shows the read-only one was refused for its
// scope, not for a wrong id or body.

type walkWorld struct {
	srv   *Server
	env   *testenv.Env
	rw    map[string]string // seat → persons:read + persons:write token
	ro    map[string]string // seat → persons:read token
	users map[string]string // seat → user id
	done  map[string]bool   // "METHOD /template" walked
}

// readActions are the audit actions a read may leave.
var readActions = []string{
	door.ActPersonRead, door.ActPersonList, door.ActPersonSearch, door.ActRegisterRead, door.ActWorkList, door.ActCaseRead,
	door.ActConsentRead, door.ActDisclosureLog, door.ActInterviewPlan, door.ActServiceRead, door.ActServiceInbox, door.ActSupportRead,
	door.ActReturnRead, door.ActJusticeRead, door.ActFeedbackList, door.ActFeedbackRead, door.ActAdvisoryRead, door.ActQuestionnaireRead,
	door.ActStatsRead, door.ActStatsRefresh,
}

// unchangedExcept are the tables a read may write: the audit chain (checked
// entry by entry instead), the statistics watermark, and the per-person
// facts. A refresh recomputes the facts of every person an audit entry
// names, reads included; a fact lists its deadline phases in the order the
// database returns them, which PostgreSQL does not keep from one refresh
// to the next, so the same fact can be stored with its lines reordered.
// The rollup the facts sum to (stat_counts) and the register they are
// computed from are in the digest.
var unchangedExcept = []string{"audit_log", "audit_head", "audit_checkpoints", "stat_state", "stat_facts"}

// newWalkWorld seeds the organisations and the given seats, by default
// every seat of the identification scenarios and a colleague of the border
// officer ("border2"), each with a read-write and a read-only token.
func newWalkWorld(t *testing.T, engine string, seats ...idSeat) *walkWorld {
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
	w := &walkWorld{srv: srv, env: env, rw: map[string]string{}, ro: map[string]string{}, users: map[string]string{}, done: map[string]bool{}}
	idOrgs(t, env)
	if len(seats) == 0 {
		seats = append(slices.Clone(idSeats), idSeat{"border2", "org-bp", nrm.OrgBorderPolice, nrm.RoleFirstResponder})
	}
	for _, s := range seats {
		a := env.User(t, "w."+s.seat, s.org, s.typ, s.role)
		w.users[s.seat] = a.UserID
		for scopes, into := range map[string]map[string]string{door.ScopeRead + "," + door.ScopeWrite: w.rw, door.ScopeRead: w.ro} {
			tok, err := env.Door.MintToken(context.Background(), nrm.SystemActor("test"), a.UserID, strings.Split(scopes, ","), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			into[s.seat] = tok
		}
	}
	return w
}

func (w *walkWorld) send(tok, method, path, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/api/v1"+path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Accept-Language", "en")
	r.RemoteAddr = "192.0.2.80:1"
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, r)
	return rec
}

// snapshot is a digest of every table a request must not change, and the
// audit head.
type snapshot struct {
	tables map[string]string
	seq    int64
}

func (w *walkWorld) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx := context.Background()
	// The statistics facts are derived from the register; bring them up to
	// date so a read that refreshes them finds nothing to change.
	if _, err := w.env.Door.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	snap := snapshot{tables: map[string]string{}}
	err := w.env.DB.View(ctx, func(tx *store.Tx) error {
		for _, name := range tableNames(ctx, t, tx) {
			if slices.Contains(unchangedExcept, name) {
				continue
			}
			rows, err := tx.Query(ctx, `SELECT * FROM `+name)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			var lines []string
			for rows.Next() {
				vals, err := scanRow(rows, len(cols))
				if err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprintf("%q", vals))
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			sort.Strings(lines)
			sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
			snap.tables[name] = fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(sum[:8]))
		}
		return tx.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&snap.seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// scanRow scans the current row of n columns, whatever their types.
func scanRow(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

// tableNames lists the tables of the database, on either engine.
func tableNames(ctx context.Context, t *testing.T, tx *store.Tx) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if tx.Engine() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if len(out) < 50 {
		t.Fatalf("only %d tables: %v", len(out), out)
	}
	return out
}

// unchanged fails when a table changed between before and now, or when the
// audit log gained anything but reads.
func (w *walkWorld) unchanged(t *testing.T, what string, before snapshot) {
	t.Helper()
	after := w.snapshot(t)
	for name, d := range after.tables {
		if before.tables[name] != d {
			t.Errorf("%s with a read-only token changed %s: %s → %s", what, name, before.tables[name], d)
		}
	}
	ctx := context.Background()
	err := w.env.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action, outcome FROM audit_log WHERE seq > ? ORDER BY seq`, before.seq)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var action, outcome string
			if err := rows.Scan(&action, &outcome); err != nil {
				return err
			}
			if outcome != "denied" && !slices.Contains(readActions, action) {
				t.Errorf("%s with a read-only token left the audit entry %q (%s)", what, action, outcome)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// do walks one operation as seat. A GET is made with the read-only token
// and must answer want; anything else is first tried with the read-only
// token (403, nothing changed), then made with the read-write token, which
// must answer want. It returns the body of the answer that counts.
func (w *walkWorld) do(t *testing.T, seat, method, tmpl, path, body string, want int) []byte {
	t.Helper()
	return w.doAs(t, seat, method, tmpl, path, "application/json", body, want)
}

func (w *walkWorld) doAs(t *testing.T, seat, method, tmpl, path, ctype, body string, want int) []byte {
	t.Helper()
	w.done[method+" "+tmpl] = true
	what := method + " " + tmpl
	before := w.snapshot(t)
	if method == http.MethodGet {
		rec := w.send(w.ro[seat], method, path, ctype, body)
		w.unchanged(t, what, before)
		if rec.Code != want {
			t.Fatalf("%s as %s (read-only): %d, want %d: %.400s", what, seat, rec.Code, want, rec.Body.String())
		}
		return rec.Body.Bytes()
	}
	rec := w.send(w.ro[seat], method, path, ctype, body)
	w.unchanged(t, what, before)
	if rec.Code != http.StatusForbidden {
		t.Errorf("%s as %s with a read-only token: %d, want 403: %.300s", what, seat, rec.Code, rec.Body.String())
	} else if !strings.Contains(rec.Body.String(), `"code":"forbidden"`) {
		t.Errorf("%s read-only refusal: %s", what, rec.Body.String())
	}
	rec = w.send(w.rw[seat], method, path, ctype, body)
	if rec.Code != want {
		t.Fatalf("%s as %s (read-write): %d, want %d: %.400s", what, seat, rec.Code, want, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func walkID(t *testing.T, b []byte) string {
	t.Helper()
	var v struct {
		ID     string `json:"id"`
		Person struct {
			ID string `json:"id"`
		} `json:"person"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if v.ID == "" {
		v.ID = v.Person.ID
	}
	if v.ID == "" {
		t.Fatalf("no id in %s", b)
	}
	return v.ID
}

func TestReadOnlyTokenChangesNothing(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { readOnlyWalk(t, engine) })
	}
}

func readOnlyWalk(t *testing.T, engine string) {
	w := newWalkWorld(t, engine)
	day := func(d int) string { return w.env.Door.Now().AddDate(0, 0, d).Format("2006-01-02") }
	today := w.env.Door.Now().In(w.env.Door.Profile().Location()).Format("2006-01-02")

	w.do(t, "border", "GET", "/me", "/me", "", 200)
	w.do(t, "border", "GET", "/indicators", "/indicators", "", 200)
	w.do(t, "border", "GET", "/profile", "/profile", "", 200)

	// Referrals: a foreign adult (border police) and a child (the shelter).
	adultBody := `{"met_on":"` + day(-2) + `","met_region":"tirane","met_how":"border_check","met_place":"Rinas crossing","region":"tirane",
		"identity":{"given_name":"Amir","family_name":"Haddad","birth_date":"1994"},"sex":"male","nationalities":["SYR"],"languages":["ar"],
		"age_basis":"declared","age_years":32,"needs":[{"need":"shelter"},{"need":"interpreter"}],
		"indicators":` + jsonList(pick(t, rules.FormLabour, "A", "B", "C")) + `,"account":"Worked on a farm for no pay.","consent":"given"}`
	adult := walkID(t, w.do(t, "border", "POST", "/referrals", "/referrals", adultBody, 201))
	prof := w.env.Door.Profile()
	child := walkID(t, w.do(t, "ngo", "POST", "/referrals", "/referrals", `{"met_region":"tirane","region":"tirane","identity":{"given_name":"Dritë"},
		"sex":"female","nationalities":["ALB"],"age_basis":"uncertain","child_signs":true,"needs":[{"need":"shelter","org_id":"org-ngo"}],"consent":"child",
		"indicators":`+jsonList(pick(t, rules.FormBegging, prof.Threshold.Child...))+`}`, 201))

	// The child-protection unit's notification: reading it stops a clock.
	var cw workJSON
	if err := json.Unmarshal(w.do(t, "cpu", "GET", "/work", "/work", "", 200), &cw); err != nil {
		t.Fatal(err)
	}
	note := ""
	for _, n := range cw.Notifications {
		if n.Kind == "child_referred" && n.PersonID == child {
			note = n.ID
		}
	}
	if note == "" {
		t.Fatalf("no notification of the child: %+v", cw)
	}
	w.do(t, "cpu", "POST", "/notifications/{id}/read", "/notifications/"+note+"/read", "", 200)
	var nw workJSON
	if err := json.Unmarshal(w.do(t, "ngo", "GET", "/work", "/work", "", 200), &nw); err != nil || len(nw.Tasks) == 0 {
		t.Fatalf("the shelter's work: %+v %v", nw, err)
	}
	w.do(t, "ngo", "POST", "/tasks/{id}/done", "/tasks/"+nw.Tasks[0].ID+"/done", `{"note":"Bed at the shelter"}`, 200)

	// Records.
	w.do(t, "border", "GET", "/persons", "/persons", "", 200)
	plain := walkID(t, w.do(t, "border", "POST", "/persons", "/persons", `{"region":"tirane","sex":"female","age_group":"adult","identity":{"given_name":"Hana","family_name":"Lika"}}`, 201))
	w.do(t, "border", "GET", "/persons/{id}", "/persons/"+plain, "", 200)
	w.do(t, "border", "PATCH", "/persons/{id}", "/persons/"+plain, `{"version":1,"region":"vlore"}`, 200)
	w.do(t, "border", "POST", "/persons/{id}/status", "/persons/"+plain+"/status", `{"version":2,"status":"at_risk","reason":"Met at the port"}`, 200)
	w.do(t, "border", "GET", "/persons/{id}/case", "/persons/"+adult+"/case", "", 200)

	// The child: guardian, age, identification started by child protection.
	w.do(t, "ngo", "POST", "/persons/{id}/guardian", "/persons/"+child+"/guardian", `{"kind":"cpu_worker","name":"Social worker on duty","org_id":"org-cpu"}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/age-assessment", "/persons/"+child+"/age-assessment", `{"on":"`+day(-1)+`","method":"multidisciplinary","years":15}`, 200)

	// Formal identification of the adult.
	rq := walkID(t, w.do(t, "border", "POST", "/persons/{id}/identification-requests", "/persons/"+adult+"/identification-requests",
		`{"requested_by":"person","explanation":"Told what it means, in Arabic","language":"ar","panel_orgs":["org-pol","org-soc"]}`, 201))
	dec := walkID(t, w.do(t, "panel.police", "POST", "/identification-requests/{id}/decisions", "/identification-requests/"+rq+"/decisions",
		`{"outcome":"identified","reasons":"Consistent account.","interview_on":"`+day(-1)+`","interviewer_gender":"male","interpreter_lang":"ar",
		"told_on":"`+day(-1)+`","told_how":"in_person","told_lang":"ar"}`, 201))
	w.do(t, "panel.social", "POST", "/decisions/{id}/signatures", "/decisions/"+dec+"/signatures", "{}", 201)
	w.do(t, "ra", "POST", "/persons/{id}/register", "/persons/"+adult+"/register", "", 200)
	w.do(t, "ra", "GET", "/register", "/register", "", 200)
	w.do(t, "border", "POST", "/persons/{id}/interviews", "/persons/"+adult+"/interviews",
		`{"on":"`+day(-1)+`","purpose":"identification","interviewer_gender":"male","interpreter_lang":"ar","statement":"Told it once","shareable_with":["org-bp"]}`, 201)
	w.do(t, "border", "GET", "/persons/{id}/interviews/plan", "/persons/"+adult+"/interviews/plan?purpose=investigation", "", 200)
	w.do(t, "border", "POST", "/persons/{id}/non-punishment", "/persons/"+adult+"/non-punishment", `{"note":"Crossed on a forged visa arranged by the recruiter."}`, 200)

	// Return and reintegration.
	w.do(t, "border", "POST", "/persons/{id}/return-risk-assessments", "/persons/"+adult+"/return-risk-assessments",
		`{"on":"`+day(-1)+`","outcome":"low","note":"No link to the recruiter at home."}`, 201)
	w.do(t, "border", "POST", "/persons/{id}/return-steps", "/persons/"+adult+"/return-steps", `{"kind":"voluntary_return","own_request":true,"note":"Asked to go home."}`, 201)
	w.do(t, "border", "POST", "/persons/{id}/receiving-contacts", "/persons/"+adult+"/receiving-contacts", `{"organisation":"IOM Damascus","country":"SYR","contact":"Rana"}`, 201)
	link := walkID(t, w.do(t, "border", "POST", "/persons/{id}/links", "/persons/"+adult+"/links", `{"relationship":"child","at_risk":true,"name":"Lina"}`, 201))
	w.do(t, "border", "POST", "/persons/{id}/links/{link}/referral", "/persons/"+adult+"/links/"+link+"/referral",
		`{"met_region":"tirane","met_how":"border_check","identity":{"given_name":"Lina"},"sex":"female","nationalities":["SYR"],
		"age_basis":"declared","age_years":12,"indicators":`+jsonList(pick(t, rules.FormLabour, "A", "C"))+`,"consent":"child"}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/child-return-assessments", "/persons/"+child+"/child-return-assessments",
		`{"kind":"family_social","on":"`+day(-1)+`","note":"Family visited."}`, 201)
	w.do(t, "border", "GET", "/persons/{id}/reintegration", "/persons/"+adult+"/reintegration", "", 200)

	// Justice, beside.
	proc := walkID(t, w.do(t, "border", "POST", "/persons/{id}/justice/reports", "/persons/"+adult+"/justice/reports",
		`{"reported_on":"`+day(-1)+`","own_choice":true,"police_ref":"TR-2026-0042","witness":true}`, 201))
	w.do(t, "border", "POST", "/persons/{id}/justice/stages", "/persons/"+adult+"/justice/stages",
		`{"proceeding_id":"`+proc+`","stage":"trial","on":"`+day(-1)+`","reference":"COURT-9"}`, 201)
	w.do(t, "border", "POST", "/persons/{id}/justice/protective-measures", "/persons/"+adult+"/justice/protective-measures",
		`{"proceeding_id":"`+proc+`","measure":"closed_hearing","state":"granted","on":"`+day(-1)+`"}`, 200)
	w.do(t, "border", "POST", "/persons/{id}/justice/compensation-claims", "/persons/"+adult+"/justice/compensation-claims",
		`{"route":"state_fund","amount_asked":"5000.50","currency":"EUR","outcome":"pending","filed_on":"`+day(-1)+`"}`, 200)
	w.do(t, "border", "POST", "/persons/{id}/justice/residence-permits", "/persons/"+adult+"/justice/residence-permits",
		`{"kind":"personal_situation","status":"granted","from":"`+day(1)+`","to":"`+day(300)+`"}`, 200)
	w.do(t, "border", "GET", "/persons/{id}/justice", "/persons/"+adult+"/justice", "", 200)

	// Consent and children's measures.
	consent := walkID(t, w.do(t, "border", "POST", "/persons/{id}/consents", "/persons/"+plain+"/consents",
		`{"purpose":"services","data_scope":"identity","recipient_orgs":["org-ngo"],"given_by":"person","how":"written","language":"sq","text_version":"v1",
		"explained":["why","storage","own_file","recipients","how_shared","what_shared"],"given_on":"`+day(-1)+`"}`, 201))
	w.do(t, "border", "GET", "/persons/{id}/consents", "/persons/"+plain+"/consents", "", 200)
	w.do(t, "border", "POST", "/persons/{id}/consents/{consent}/withdrawal", "/persons/"+plain+"/consents/"+consent+"/withdrawal", `{"how":"written"}`, 200)
	w.do(t, "border", "GET", "/persons/{id}/disclosures", "/persons/"+plain+"/disclosures", "", 200)
	measure := walkID(t, w.do(t, "ngo", "POST", "/persons/{id}/measures", "/persons/"+child+"/measures",
		`{"kind":"shelter_placement","consent":"refused","child_views":"Wants to stay with her aunt","interim_org":"org-soc","interim_role":"head of the structure"}`, 201))
	w.do(t, "ngo", "POST", "/persons/{id}/measures/{measure}/court-ruling", "/persons/"+child+"/measures/"+measure+"/court-ruling", `{"court_outcome":"confirmed"}`, 200)
	w.do(t, "ra", "POST", "/persons/{id}/legal-hold", "/persons/"+adult+"/legal-hold", `{"on":true,"reason":"Trial pending"}`, 200)

	// Services and their referrals.
	sv := walkID(t, w.do(t, "ngo", "POST", "/services", "/services", `{"kind":"shelter","name":"Shtëpia Jonë","regions":["tirane"],"languages":["sq"],"for_whom":["women"],"capacity":5}`, 201))
	w.do(t, "ngo", "PUT", "/services/{id}", "/services/"+sv, `{"kind":"shelter","name":"Shtëpia Jonë","regions":["tirane"],"languages":["sq","en"],"for_whom":["women"],"capacity":6}`, 200)
	w.do(t, "border", "GET", "/services", "/services", "", 200)
	sref := walkID(t, w.do(t, "border", "POST", "/persons/{id}/service-referrals", "/persons/"+plain+"/service-referrals", `{"service":"`+sv+`","note":"needs a bed tonight"}`, 201))
	w.do(t, "border", "GET", "/persons/{id}/service-referrals", "/persons/"+plain+"/service-referrals", "", 200)
	w.do(t, "ngo", "GET", "/service-referrals", "/service-referrals", "", 200)
	w.do(t, "ngo", "POST", "/service-referrals/{id}/steps", "/service-referrals/"+sref+"/steps", `{"state":"accepted"}`, 200)
	w.do(t, "coord", "GET", "/emergency", "/emergency", "", 200)
	w.do(t, "coord", "POST", "/emergency", "/emergency", `{"on":true,"reason":"floods"}`, 200)

	// Individual support, closure and reopening.
	own := walkID(t, w.do(t, "ngo", "POST", "/persons", "/persons", `{"region":"tirane","age_group":"adult"}`, 201))
	base := "/persons/" + own
	w.do(t, "ngo", "POST", "/persons/{id}/plan", base+"/plan",
		`{"support_level":"regular","goals":[{"goal_area":"housing","goal_text":"A flat of my own"}],"agreed":true,"agreed_on":"`+day(-1)+`","agreed_how":"oral","agreed_lang":"sq","review_on":"`+day(60)+`"}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/needs", base+"/needs", `{"on":"`+day(-1)+`","needs":[{"area":"accommodation","level":"urgent","note":"no place to stay"}]}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/advocate", base+"/advocate", `{"name":"Ana Advokate","role":"independent advocate","org_id":"org-ngo"}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/safety-plan", base+"/safety-plan", `{"risk_level":"high","risks":["threats"],"measures":"new phone","review_on":"`+day(30)+`"}`, 201)
	w.do(t, "ngo", "GET", "/persons/{id}/support", base+"/support", "", 200)
	w.do(t, "ngo", "POST", "/persons/{id}/closure", base+"/closure", `{"closure_reason":"reintegrated","closed_on":"`+day(-1)+`","note":"working"}`, 201)
	w.do(t, "ngo", "POST", "/persons/{id}/follow-ups", base+"/follow-ups", `{"on":"`+day(0)+`","how":"phone","note":"fine"}`, 201)
	w.do(t, "ra", "POST", "/persons/{id}/reopening", base+"/reopening", `{"reopen_reason":"new_needs","note":"asked for help again"}`, 200)

	// The register's work: a duplicate resolved, a worker's records moved.
	dup := walkID(t, w.do(t, "ngo", "POST", "/referrals", "/referrals", strings.Replace(adultBody, `"needs":[{"need":"shelter"},{"need":"interpreter"}],`, "", 1), 201))
	w.do(t, "ra", "POST", "/duplicates", "/duplicates", `{"keep":"`+adult+`","other":"`+dup+`","state":"linked"}`, 200)
	w.do(t, "border", "POST", "/assignments/reassign", "/assignments/reassign", `{"from_user":"`+w.users["border"]+`","to_user":"`+w.users["border2"]+`"}`, 200)

	// Voices.
	fc := walkID(t, w.do(t, "border", "POST", "/feedback/campaigns", "/feedback/campaigns", `{"title":"Winter round"}`, 201))
	w.do(t, "border", "GET", "/feedback/campaigns", "/feedback/campaigns", "", 200)
	w.do(t, "ra", "GET", "/feedback/results", "/feedback/results?campaign="+fc, "", 200)
	adv := walkID(t, w.do(t, "ra", "POST", "/advisory", "/advisory", `{"meeting_on":"`+day(-3)+`","theme":"assistance","body":"More interpreters at the border"}`, 201))
	w.do(t, "ra", "POST", "/advisory/{id}/status", "/advisory/"+adv+"/status", `{"status":"presented","presented_by":"The Board","presented_on":"`+day(-1)+`"}`, 200)
	w.do(t, "ra", "GET", "/advisory", "/advisory", "", 200)
	w.do(t, "ra", "POST", "/questionnaire", "/questionnaire", `{"sections":{"timeliness":[{"key":"on_time","text":{"sq":"Në kohë?","en":"On time?"}}]},"note":"first"}`, 201)
	w.do(t, "ra", "GET", "/questionnaire", "/questionnaire", "", 200)
	qc := walkID(t, w.do(t, "ra", "POST", "/questionnaire/campaigns", "/questionnaire/campaigns", `{"title":"Round one","opens_on":"`+today+`","closes_on":"`+today+`","orgs":["org-bp"]}`, 201))
	w.do(t, "border", "GET", "/questionnaire/campaigns", "/questionnaire/campaigns", "", 200)
	w.do(t, "border", "POST", "/questionnaire/campaigns/{id}/answers", "/questionnaire/campaigns/"+qc+"/answers", `{"answers":{"timeliness":{"on_time":4}}}`, 200)
	w.do(t, "ra", "GET", "/questionnaire/campaigns/{id}/results", "/questionnaire/campaigns/"+qc+"/results", "", 200)

	// Statistics.
	w.do(t, "ra", "GET", "/statistics", "/statistics", "", 200)
	w.do(t, "ra", "GET", "/statistics/datasets", "/statistics/datasets", "", 200)
	csv, err := os.ReadFile(shareddata.Repo(t, shareddata.CTDCFixturePath))
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(strings.SplitN(string(csv), "\n", 4)[:3], "\n") + "\n"
	w.doAs(t, "ra", "POST", "/statistics/datasets", "/statistics/datasets?source=ctdc&name=walk", "text/csv", head, 201)

	// Every operation of the document was walked, and the document lists
	// exactly the routes the server has.
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	for _, op := range apiOperations(paths) {
		if !w.done[op] {
			t.Errorf("the walk misses %s", op)
		}
	}
	checkRoutesDocumented(t, paths, w.srv)
}
