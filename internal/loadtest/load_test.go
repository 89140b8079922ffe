package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/loadtest"
	"github.com/nrm-org/nrm/internal/nrmproc"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }

// plan is what one run does: how many persons, which client counts, how
// long a cell lasts; full is the `make load` run (NRM_LOAD=1).
type plan struct {
	persons int
	clients []int
	cell    time.Duration
	full    bool
}

// loadPlan reads NRM_LOAD, NRM_LOAD_PERSONS, NRM_LOAD_CLIENTS and
// NRM_LOAD_SECONDS; without NRM_LOAD it is the short version.
func loadPlan(t *testing.T) plan {
	p := plan{persons: 200, clients: []int{1, 10}, cell: 2 * time.Second}
	if os.Getenv("NRM_LOAD") == "1" {
		p = plan{persons: 10000, clients: []int{1, 10, 50}, cell: 10 * time.Second, full: true}
	}
	if v := os.Getenv("NRM_LOAD_PERSONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("NRM_LOAD_PERSONS=%q: want a positive number", v)
		}
		p.persons = n
	}
	if v := os.Getenv("NRM_LOAD_SECONDS"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			t.Fatalf("NRM_LOAD_SECONDS=%q: want a positive number", v)
		}
		p.cell = time.Duration(n * float64(time.Second))
	}
	if v := os.Getenv("NRM_LOAD_CLIENTS"); v != "" {
		p.clients = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				t.Fatalf("NRM_LOAD_CLIENTS=%q: want client counts such as 1,10,50", v)
			}
			p.clients = append(p.clients, n)
		}
	}
	return p
}

// TestLoad seeds each engine's database, serves it with the real binary
// and loads every endpoint at every client count; it prints the table and
// fails if any request failed or an endpoint never answered. It asserts no
// latency: the machine may be busy with other work.
func TestLoad(t *testing.T) {
	skipnote.Short(t, "the load harness builds and serves the real binary")
	p := loadPlan(t)
	bin := nrmproc.Build(t)
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { load(t, bin, engine, p) })
	}
}

// seeded is what the load needs from the seeded database.
type seeded struct {
	ids            []string // the persons the case manager sees, newest first
	token          string   // the case manager's read/write API token
	cmSession      string   // the case manager's signed-in session
	monitorSession string   // the monitor's signed-in session (the dashboard)
	cat            *rules.Catalogue
}

// seed fills the database of sc with the demo organisations and users, a
// case manager and a monitor of the load's own, and n fictional persons
// created by the case manager (through the door, in batches).
func seed(t *testing.T, sc store.Config, n int) seeded {
	ctx := context.Background()
	began := time.Now()
	a, err := app.Open(ctx, app.Config{DataDir: sc.DataDir, DatabaseURL: sc.URL, Migrate: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := app.Seed(ctx, a.Door, 0); err != nil {
		t.Fatal(err)
	}
	env := &testenv.Env{DB: a.DB, Door: a.Door}
	cm := env.User(t, "load.cm", "org-sss-vlore", nrm.OrgSocialService, nrm.RoleCaseManager)
	env.User(t, "load.monitor", "org-moi", nrm.OrgSecretariat, nrm.RoleMonitor)
	if err := app.Generate(ctx, a.Door, cm, n, 1000, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	var s seeded
	for f := (door.PersonFilter{Limit: 200}); ; {
		ps, err := a.Door.ListPersons(ctx, cm, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			s.ids = append(s.ids, p.ID)
		}
		if len(ps) < f.Limit {
			break
		}
		f.Before = ps[len(ps)-1].ID
	}
	if len(s.ids) < n {
		t.Fatalf("the case manager sees %d persons, want %d", len(s.ids), n)
	}
	if s.token, err = a.Door.MintToken(ctx, nrm.SystemActor("load"), cm.UserID, []string{door.ScopeRead, door.ScopeWrite}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	s.cmSession = env.SignIn(t, "load.cm", "127.0.0.1")
	s.monitorSession = env.SignIn(t, "load.monitor", "127.0.0.1")
	s.cat = a.Door.Catalogue()
	t.Logf("seeded %d persons in %s", n, time.Since(began).Round(time.Millisecond))
	return s
}

func load(t *testing.T, bin, engine string, p plan) {
	sc := testenv.Config(t, engine)
	s := seed(t, sc, p.persons)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr=", "--data", sc.DataDir}
	if sc.URL != "" {
		args = append(args, "--database-url", sc.URL)
	}
	srv := nrmproc.Start(t, bin, args)
	base := srv.WaitReady(t)
	defer srv.Stop(t)

	hc := loadtest.NewHTTPClient(max(p.clients[len(p.clients)-1], 1))
	var results []loadtest.Result
	for _, clients := range p.clients {
		for _, e := range endpoints(s) {
			r := loadtest.Run(context.Background(), hc, base, e, clients, p.cell, srv.PID())
			results = append(results, r)
			switch {
			case r.Errors > 0:
				t.Errorf("%s, %d clients: %d errors, the first: %s", e.Name, clients, r.Errors, r.FirstError)
			case r.Requests == 0:
				t.Errorf("%s, %d clients: no answer in %s", e.Name, clients, p.cell)
			}
		}
	}
	var out bytes.Buffer
	if err := loadtest.Table(&out, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, %d persons, %s a cell, %d CPUs:\n%s", engine, p.persons, p.cell, runtime.NumCPU(), out.String())
}

// endpoints are the loads of issue #21: the API read, the record page, the
// list's first and a deep page (keyset before=), the dashboard, and
// referral intake through the API.
func endpoints(s seeded) []loadtest.Endpoint {
	cm := &http.Cookie{Name: "nrm", Value: s.cmSession}
	anyID := func(rng *rand.Rand) string { return s.ids[rng.IntN(len(s.ids))] }
	deep := s.ids[len(s.ids)*9/10]
	return []loadtest.Endpoint{
		{Name: "API read", Bearer: s.token, Want: http.StatusOK,
			Next: func(rng *rand.Rand) loadtest.Request {
				return loadtest.Request{Method: "GET", Path: "/api/v1/persons/" + anyID(rng)}
			}},
		{Name: "record page", Cookie: cm, Want: http.StatusOK,
			Next: func(rng *rand.Rand) loadtest.Request {
				return loadtest.Request{Method: "GET", Path: "/persons/" + anyID(rng)}
			}},
		{Name: "list, first page", Cookie: cm, Want: http.StatusOK,
			Next: func(*rand.Rand) loadtest.Request { return loadtest.Request{Method: "GET", Path: "/persons"} }},
		{Name: "list, deep page", Cookie: cm, Want: http.StatusOK,
			Next: func(*rand.Rand) loadtest.Request {
				return loadtest.Request{Method: "GET", Path: "/persons?" + url.Values{"before": {deep}}.Encode()}
			}},
		{Name: "dashboard", Cookie: &http.Cookie{Name: "nrm", Value: s.monitorSession}, Want: http.StatusOK,
			Next: func(*rand.Rand) loadtest.Request { return loadtest.Request{Method: "GET", Path: "/statistics"} }},
		{Name: "referral (POST)", Bearer: s.token, Want: http.StatusCreated,
			Next: func(rng *rand.Rand) loadtest.Request {
				return loadtest.Request{Method: "POST", Path: "/api/v1/referrals", Body: referralBody(app.FakeReferral(rng, time.Now(), s.cat))}
			}},
	}
}

// referralBody is the API's JSON of a referral.
func referralBody(in nrm.ReferralInput) []byte {
	v := map[string]any{
		"met_on": in.MetOn, "met_region": in.MetRegion, "met_how": in.MetHow, "region": in.Region, "sex": in.Sex,
		"nationalities": in.Nationalities, "interpreter": in.Interpreter, "age_basis": in.AgeBasis, "child_signs": in.ChildSigns,
		"indicators": in.Indicators, "account": in.Account, "consent": in.Consent,
	}
	if in.AgeYears != nil {
		v["age_years"] = *in.AgeYears
	}
	if id := in.Identity; id != nil {
		v["identity"] = map[string]string{"given_name": id.GivenName, "family_name": id.FamilyName, "birth_date": id.BirthDate, "phone": id.Phone}
	}
	var needs []map[string]string
	for _, n := range in.Needs {
		needs = append(needs, map[string]string{"need": string(n.Need)})
	}
	if needs != nil {
		v["needs"] = needs
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b
}
