package door_test

// Worklist benchmarks (issue 14, part 2): every role's home page of queues
// (door.Worklists: each queue's count and first lines, one audit entry) and
// a page deep inside a queue (door.QueuePage after a cursor), over a
// register of NRM_BENCH_RECORDS persons (default 10 000; the figure
// is at 1 000 000), each beside a raw baseline that runs the same SELECT
// statements on the same pool without the door (no policy, no audit). The
// p95 of each is reported as p95-ms (every iteration timed).
//
//	NRM_BENCH_RECORDS=1000000 go test ./door/ -run '^$' -bench 'Worklist' -benchtime 200x -timeout 0
//
// The register is seeded with plain SQL, as bench_stats_test.go does: the
// fixture is data in the shape a busy NRM holds — most records registered
// and their clocks met, a working set open (about 1 % awaiting
// registration, 0.5 % possible duplicates, 2 % open identification
// requests, 5 % open tasks and clocks, 3 % open service referrals, some
// escalated, some break-glass openings unreviewed) — spread over 40
// organisations, so each queue holds thousands of lines at 1M.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

type workFixture struct {
	engine string
	env    *testenv.Env
	life   *benchLife
	n      int
	actors map[string]*nrm.Actor // by role name
}

var workFixtures struct {
	sync.Mutex
	m map[string]*workFixture
}

const (
	workOrgs     = 20 // social services (case managers, panel seats)
	workShelters = 10
	workDay      = int64(24 * time.Hour / time.Microsecond)
)

func workFixtureFor(b *testing.B, engine string) *workFixture {
	workFixtures.Lock()
	defer workFixtures.Unlock()
	if f := workFixtures.m[engine]; f != nil {
		return f
	}
	life := &benchLife{TB: b}
	f := buildWorkFixture(b, life, engine, benchRecords(b))
	life.TB = nil
	if workFixtures.m == nil {
		workFixtures.m = map[string]*workFixture{}
	}
	workFixtures.m[engine] = f
	return f
}

// seedRows collects multi-row INSERTs for one chunk.
type seedRows struct {
	order []string
	rows  map[string][]string
	args  map[string][]any
}

func (s *seedRows) add(insert, tuple string, args ...any) {
	if s.rows == nil {
		s.rows, s.args = map[string][]string{}, map[string][]any{}
	}
	if _, ok := s.rows[insert]; !ok {
		s.order = append(s.order, insert)
	}
	s.rows[insert] = append(s.rows[insert], tuple)
	s.args[insert] = append(s.args[insert], args...)
}

func (s *seedRows) exec(ctx context.Context, tx *store.Tx) error {
	for _, ins := range s.order {
		if _, err := tx.Exec(ctx, ins+strings.Join(s.rows[ins], ", "), s.args[ins]...); err != nil {
			return fmt.Errorf("%s: %w", ins, err)
		}
	}
	return nil
}

func hexID(prefix byte, k int) string { return fmt.Sprintf("%c%031x", prefix, k) }

// buildWorkFixture seeds n persons and their work (see the file comment).
func buildWorkFixture(b *testing.B, life *benchLife, engine string, n int) *workFixture {
	ctx := context.Background()
	env := testenv.Door(life, engine)
	f := &workFixture{engine: engine, env: env, life: life, n: n, actors: map[string]*nrm.Actor{}}
	soc := func(i int) string { return fmt.Sprintf("wk-soc-%02d", i) }
	shel := func(i int) string { return fmt.Sprintf("wk-shel-%02d", i) }
	for i := range workOrgs {
		env.Org(life, soc(i), nrm.OrgSocialService)
	}
	for i := range workShelters {
		env.Org(life, shel(i), nrm.OrgNGOShelter)
	}
	env.Org(life, "wk-pol", nrm.OrgPolice)
	env.Org(life, "wk-ra", nrm.OrgResponsibleAuthority)
	env.Org(life, "wk-it", nrm.OrgMinistry)
	f.actors["ra"] = env.User(life, "wk.ra", "wk-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer)
	f.actors["case_manager"] = env.User(life, "wk.cm", soc(0), nrm.OrgSocialService, nrm.RoleCaseManager)
	f.actors["panel"] = env.User(life, "wk.panel", "wk-pol", nrm.OrgPolice, nrm.RolePanelMember)
	f.actors["service_provider"] = env.User(life, "wk.sp", shel(0), nrm.OrgNGOShelter, nrm.RoleServiceProvider)
	f.actors["dpo"] = env.User(life, "wk.dpo", "wk-it", nrm.OrgMinistry, nrm.RoleDPO)
	opener := env.User(life, "wk.glass", shel(1), nrm.OrgNGOShelter, nrm.RoleServiceProvider)
	// One directory entry per shelter, for the service referrals.
	for i := range workShelters {
		err := env.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO services (id, org_id, kind, name, created_at, updated_at) VALUES (?, ?, 'shelter', 'bench', 0, 0)`, hexID('s', i), shel(i))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(14, 2))
	now := time.Now().UnixMicro()
	span := 5 * 365 * workDay
	start := now - span
	statuses := []string{"referred", "at_risk", "potential_victim", "potential_victim", "identified_victim", "not_identified"}
	const chunk = 400
	t0 := time.Now()
	for done := 0; done < n; done += chunk {
		var s seedRows
		for k := done; k < min(done+chunk, n); k++ {
			id := hexID('p', k)
			// Created in order over five years; the last 2 % in the last month.
			created := start + int64(float64(span)*float64(k)/float64(n))
			owner := soc(rng.IntN(workOrgs))
			recent := now-created < 30*workDay
			registered := created + workDay
			if recent && rng.IntN(2) == 0 || rng.IntN(200) == 0 {
				registered = 0
			}
			s.add(`INSERT INTO persons (id, code, owner_org, region, status, age_group, sex, nationality, created_by, created_at, updated_at, registered_at, duplicate) VALUES `,
				"(?, ?, ?, ?, ?, 'adult', 'female', 'ALB', 'bench', ?, ?, ?, ?)",
				id, fmt.Sprintf("P-%08X", k), owner, nrm.Regions[rng.IntN(len(nrm.Regions))], statuses[rng.IntN(len(statuses))],
				created, created, registered, store.Int(k%200 == 1))
			// The registration clock, met when registered.
			s.add(`INSERT INTO deadlines (id, person_id, rule, org_id, ref, started_at, due_at, met_at, escalated_at) VALUES `, "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
				hexID('r', k), id, "ra_registration", "wk-ra", "", created, created+3*workDay, registered, 0)
			// Immediate needs: a task for a shelter or another social service, its clock.
			if k%2 == 0 {
				to := shel(rng.IntN(workShelters))
				if k%4 == 0 {
					to = soc(rng.IntN(workOrgs))
				}
				open := recent || rng.IntN(20) == 0
				state, met, esc := "done", created+workDay/2, int64(0)
				if open {
					state, met = "open", 0
					if created+workDay < now && rng.IntN(3) == 0 {
						esc = created + workDay + 60e6
					}
				}
				s.add(`INSERT INTO tasks (id, person_id, kind, org_id, state, created_at, created_by) VALUES `, "(?, ?, 'shelter', ?, ?, ?, 'bench')",
					hexID('t', k), id, to, state, created)
				s.add(`INSERT INTO deadlines (id, person_id, rule, org_id, ref, started_at, due_at, met_at, escalated_at) VALUES `, "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
					hexID('d', k), id, "immediate_needs", to, hexID('t', k), created, created+workDay, met, esc)
				s.add(`INSERT INTO notifications (id, org_id, person_id, kind, ref, created_at, read_at) VALUES `, "(?, ?, ?, 'task', ?, ?, ?)",
					hexID('n', k), to, id, hexID('t', k), created, map[bool]int64{true: 0, false: created + workDay}[open])
				s.add(`INSERT INTO grants (id, person_id, org_id, parts, basis, reason, granted_by, granted_at) VALUES `, "(?, ?, ?, 'summary,identity', 'legal', 'bench', 'bench', ?)",
					hexID('g', k), id, to, created)
			}
			// Formal identification asked for a fifth; open for the recent.
			if k%5 == 0 {
				rs := "decided"
				if recent || rng.IntN(50) == 0 {
					rs = "open"
				}
				panel := "wk-pol," + soc(rng.IntN(workOrgs))
				s.add(`INSERT INTO identification_requests (id, person_id, requested_by, panel_orgs, state, created_at, created_by) VALUES `, "(?, ?, 'person', ?, ?, ?, 'bench')",
					hexID('i', k), id, panel, rs, created+2*workDay)
				s.add(`INSERT INTO grants (id, person_id, org_id, parts, basis, reason, granted_by, granted_at) VALUES `, "(?, ?, 'wk-pol', 'summary,identity,narrative', 'legal', 'formal identification', 'bench', ?)",
					hexID('h', k), id, created)
				if rs == "open" && k%3 == 0 {
					s.add(`INSERT INTO decisions (id, request_id, person_id, outcome, interview_on, state, created_at, created_by) VALUES `, "(?, ?, ?, 'identified', '2026-01-01', 'signing', ?, 'bench')",
						hexID('x', k), hexID('i', k), id, created+3*workDay)
				}
			}
			// Service referrals to shelters for a third; open for the recent.
			if k%3 == 0 {
				sh := rng.IntN(workShelters)
				st := "delivered"
				if recent || rng.IntN(30) == 0 {
					st = []string{"sent", "received", "accepted", "in_progress"}[rng.IntN(4)]
				}
				s.add(`INSERT INTO service_referrals (id, person_id, service_id, from_org, to_org, state, sent_by, sent_at, updated_at) VALUES `, "(?, ?, ?, ?, ?, ?, 'bench', ?, ?)",
					hexID('v', k), id, hexID('s', sh), owner, shel(sh), st, created+workDay, created+workDay)
			}
			// Possible duplicates, 0.5 %.
			if k%200 == 1 && k > 1 {
				s.add(`INSERT INTO duplicate_links (a, b, state, created_at) VALUES `, "(?, ?, ?, ?)", hexID('p', k-1), id,
					map[bool]string{true: "possible", false: "distinct"}[recent || rng.IntN(4) == 0], created)
			}
			// Break-glass openings, 0.2 %; a few not reviewed.
			if k%500 == 7 {
				s.add(`INSERT INTO breakglass (id, user_id, person_id, reason, opened_at, expires_at, reviewed_at) VALUES `, "(?, ?, ?, ?, ?, ?, ?)",
					hexID('b', k), opener.UserID, id, []byte("x"), created, created+3600e6, map[bool]int64{true: 0, false: created + workDay}[recent || rng.IntN(10) == 0])
			}
		}
		if err := env.DB.Update(ctx, func(tx *store.Tx) error { return s.exec(ctx, tx) }); err != nil {
			b.Fatalf("seed %s after %d: %v", engine, done, err)
		}
		if n >= 100000 && (done+chunk)%100000 == 0 {
			fmt.Fprintf(os.Stderr, "worklist fixture %s: %d/%d persons in %s\n", engine, done+chunk, n, time.Since(t0).Round(time.Second))
		}
	}
	if engine == store.Postgres {
		// What autovacuum does after a bulk load; SQLite gets no statistics,
		// as nrm never gathers them there (the queues are shaped to plan
		// well without).
		if _, err := env.DB.W.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	if k := os.Getenv("WK_KEEP"); k != "" && engine == store.SQLite {
		if _, err := env.DB.W.ExecContext(ctx, "VACUUM INTO '"+k+"'"); err != nil {
			b.Fatal(err)
		}
		for _, role := range workRoles {
			for name, st := range door.QueuePlans(env.Door, f.actors[role], time.Now()) {
				js, _ := json.Marshal(st[1:])
				fmt.Fprintf(os.Stderr, "PLAN %s %s\t%s\t%s\n", role, name, strings.Join(strings.Fields(st[0].(string)), " "), js)
			}
		}
	}
	fmt.Printf("worklist fixture %s: %d persons seeded in %s\n", engine, n, time.Since(t0).Round(time.Millisecond))
	return f
}

// workBenchmarks are the benchmarks that use the worklist fixtures, in
// the order they run; the last one selected drops them (the PostgreSQL
// schema, the SQLite directory), as releaseAfter does for the door's.
var workBenchmarks = []string{"BenchmarkWorklistHome", "BenchmarkRawWorklistHome", "BenchmarkWorklistPage"}

func releaseWorkAfter(b *testing.B) {
	name := b.Name()
	b.Cleanup(func() {
		later := false
		for _, m := range workBenchmarks[slices.Index(workBenchmarks, name)+1:] {
			later = later || benchSelected(m)
		}
		if later {
			return
		}
		workFixtures.Lock()
		defer workFixtures.Unlock()
		for e, f := range workFixtures.m {
			f.life.close()
			delete(workFixtures.m, e)
		}
	})
}

// workRoles are the benchmarked readers, in report order.
var workRoles = []string{"ra", "case_manager", "panel", "service_provider", "dpo"}

// p95 of timed iterations, in milliseconds.
func p95(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[(len(s)*95+99)/100-1]) / float64(time.Millisecond)
}

// timed runs fn each iteration and reports the p95.
func timed(b *testing.B, fn func() error) {
	var ds []time.Duration
	for b.Loop() {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
	}
	b.ReportMetric(p95(ds), "p95-ms")
}

// BenchmarkWorklistHome: door.Worklists, every queue of the role (count
// and the first 5 lines), one audit entry.
func BenchmarkWorklistHome(b *testing.B) {
	releaseWorkAfter(b)
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			f := workFixtureFor(b, engine)
			for _, role := range workRoles {
				b.Run(role, func(b *testing.B) {
					a := f.actors[role]
					timed(b, func() error {
						vs, err := f.env.Door.Worklists(context.Background(), a, door.WorklistsRequest{Lines: 5})
						if err == nil && len(vs) == 0 {
							err = fmt.Errorf("no queues for %s", role)
						}
						return err
					})
				})
			}
		})
	}
}

// BenchmarkRawWorklistHome: the same statements (each queue's count and
// first lines) with the raw driver, in one read transaction, no audit.
func BenchmarkRawWorklistHome(b *testing.B) {
	releaseWorkAfter(b)
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			f := workFixtureFor(b, engine)
			for _, role := range workRoles {
				b.Run(role, func(b *testing.B) {
					a := f.actors[role]
					plans := door.QueuePlans(f.env.Door, a, time.Now())
					var sts [][]any
					for name, st := range plans {
						if !strings.HasSuffix(name, " next") {
							sts = append(sts, st)
						}
					}
					timed(b, func() error { return f.raw(sts) })
				})
			}
		})
	}
}

// raw runs statements in one transaction on the writer pool, reading every row.
func (f *workFixture) raw(sts [][]any) error {
	ctx := context.Background()
	tx, err := f.env.DB.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	for _, st := range sts {
		rows, err := tx.QueryContext(ctx, newBenchSQL(f.engine).bind(st[0].(string)), st[1:]...)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkWorklistPage: door.QueuePage of 50 lines, from the middle of the
// role's longest queue (the cursor of its first page), one audit entry.
func BenchmarkWorklistPage(b *testing.B) {
	releaseWorkAfter(b)
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			f := workFixtureFor(b, engine)
			for _, role := range workRoles {
				b.Run(role, func(b *testing.B) {
					a := f.actors[role]
					q, after := f.longest(b, a)
					timed(b, func() error {
						_, err := f.env.Door.QueuePage(context.Background(), a, q, after, 50)
						return err
					})
				})
			}
		})
	}
}

// longest finds the role's longest queue and the cursor after its first page.
func (f *workFixture) longest(b *testing.B, a *nrm.Actor) (nrm.Queue, string) {
	vs, err := f.env.Door.Worklists(context.Background(), a, door.WorklistsRequest{Lines: 50})
	if err != nil {
		b.Fatal(err)
	}
	best := vs[0]
	for _, v := range vs {
		if v.Count.N > best.Count.N {
			best = v
		}
	}
	return best.Queue, best.Next
}
