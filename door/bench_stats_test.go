package door_test

// Monitoring benchmarks (issue #6): the dashboard over a register of
// NRM_STATS_RECORDS persons (default 100,000; the target is
// 1,000,000: under 1 second and within 2× of the hand-written SQL
// aggregate measured in the same run), and the memory of the periodic
// report and of the HTCDS export, which must stay flat as records grow
// (run at 100,000 and at 1,000,000 and compare peak-heap-MB).
//
//	NRM_STATS_RECORDS=1000000 go test ./door/ -run '^$' -bench 'Stats' -benchtime 3x -timeout 3h
//
// The register is seeded with plain SQL (persons with their codes and
// times, a first referral, a registration deadline and a statistics
// consent each): the fixture is data, not the door's write path, which the
// other benchmarks measure.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/internal/heappeak"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/report"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

type statsFixture struct {
	engine  string
	env     *testenv.Env
	life    *benchLife
	ra, cm  *nrm.Actor
	n       int
	rebuild time.Duration
}

// statsRebuilds keeps each engine's rebuild time for the summary.
var statsRebuilds sync.Map

var statsFixtures struct {
	sync.Mutex
	m map[string]*statsFixture
}

func statsRecords(b *testing.B) int {
	s := os.Getenv("NRM_STATS_RECORDS")
	if s == "" {
		return 100000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("NRM_STATS_RECORDS=%q: want a positive number", s)
	}
	return n
}

func eachStatsEngine(b *testing.B, fn func(b *testing.B, f *statsFixture)) {
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) { fn(b, statsFixtureFor(b, engine)) })
	}
}

func statsFixtureFor(b *testing.B, engine string) *statsFixture {
	statsFixtures.Lock()
	defer statsFixtures.Unlock()
	if f := statsFixtures.m[engine]; f != nil {
		return f
	}
	life := &benchLife{TB: b}
	f := buildStatsFixture(b, life, engine, statsRecords(b))
	life.TB = nil
	if statsFixtures.m == nil {
		statsFixtures.m = map[string]*statsFixture{}
	}
	statsFixtures.m[engine] = f
	return f
}

// buildStatsFixture seeds n persons over five years, twelve regions, every
// status, sex, age and form, and rebuilds the statistics from them.
func buildStatsFixture(b *testing.B, life *benchLife, engine string, n int) *statsFixture {
	ctx := context.Background()
	env := testenv.Door(life, engine)
	env.Org(life, "st-a", nrm.OrgSocialService)
	env.Org(life, "st-pol", nrm.OrgPolice)
	env.Org(life, "st-ra", nrm.OrgResponsibleAuthority)
	f := &statsFixture{engine: engine, env: env, life: life, n: n,
		ra: env.User(life, "st.ra", "st-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer),
		cm: env.User(life, "st.cm", "st-a", nrm.OrgSocialService, nrm.RoleCaseManager)}
	rng := rand.New(rand.NewPCG(6, 2026))
	statuses := []string{"referred", "at_risk", "potential_victim", "potential_victim", "identified_victim", "not_identified"}
	forms := []string{"sexual", "labour", "begging", "forced_criminality", "domestic_servitude", "sexual,labour"}
	nations := []string{"ALB", "ALB", "ALB", "SYR", "AFG", "IND", "UKR", "MAR", "BGD", ""}
	sexes := []string{"female", "female", "male", "other", "unknown"}
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	span := int64(5 * 365 * 24 * time.Hour / time.Microsecond)
	day := int64(24 * time.Hour / time.Microsecond)
	const chunk = 500
	t0 := time.Now()
	for done := 0; done < n; done += chunk {
		m := min(chunk, n-done)
		var ps, rs, ds, cs []string
		var pa, ra, da, ca []any
		for i := range m {
			k := done + i
			id := fmt.Sprintf("st%010d", k)
			first := start + rng.Int64N(span)
			status := statuses[rng.IntN(len(statuses))]
			pot, dec := int64(0), int64(0)
			if status != "referred" && status != "at_risk" {
				pot = first + rng.Int64N(8)*day
			}
			if status == "identified_victim" || status == "not_identified" {
				dec = pot + (10+rng.Int64N(80))*day
			}
			age := -1
			group := "unknown"
			switch rng.IntN(4) {
			case 0:
				age, group = 8+rng.IntN(10), "child"
				if age >= 18 {
					group = "adult"
				}
			case 1, 2:
				age, group = 18+rng.IntN(50), "adult"
			}
			ps = append(ps, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			pa = append(pa, id, "C"+id, "st-a", nrm.Regions[rng.IntN(len(nrm.Regions))], status, group, store.Int(group == "unknown" && rng.IntN(3) == 0),
				age, sexes[rng.IntN(len(sexes))], nations[rng.IntN(len(nations))], forms[rng.IntN(len(forms))], first, pot, dec, "bench", first, first)
			orgID, rt := "st-a", ""
			switch rng.IntN(3) {
			case 0:
				orgID = "st-pol"
			case 1:
				rt = nrm.ReferrerMIU
			}
			rs = append(rs, "(?, ?, ?, ?, ?, ?, ?)")
			ra = append(ra, "r"+id, id, orgID, "bench", rt, "given", first)
			due := first + 3*day
			met := int64(0)
			if rng.IntN(5) > 0 {
				met = first + rng.Int64N(6)*day
			}
			ds = append(ds, "(?, ?, ?, ?, ?, ?, ?)")
			da = append(da, "d"+id, id, "ra_registration", "st-ra", first, due, met)
			cs = append(cs, "(?, ?, 1, ?, 'statistics', 'summary', 'person', ?, 'bench', 'st-a', ?)")
			ca = append(ca, "c"+id, "c"+id, id, first, first)
		}
		err := env.DB.Update(ctx, func(tx *store.Tx) error {
			for _, q := range []struct {
				sql  string
				rows []string
				args []any
			}{
				{`INSERT INTO persons (id, code, owner_org, region, status, age_group, presumed_child, age_years, sex, nationality, forms, first_contact_at, potential_at, decided_at, created_by, created_at, updated_at) VALUES `, ps, pa},
				{`INSERT INTO referrals (id, person_id, org_id, user_id, referrer_type, consent, created_at) VALUES `, rs, ra},
				{`INSERT INTO deadlines (id, person_id, rule, org_id, started_at, due_at, met_at) VALUES `, ds, da},
				{`INSERT INTO consents (id, chain, version, person_id, purpose, scope, given_by, given_at, recorded_by, recorded_org, recorded_at) VALUES `, cs, ca},
			} {
				if _, err := tx.Exec(ctx, q.sql+strings.Join(q.rows, ", "), q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	seeded := time.Since(t0)
	t1 := time.Now()
	got, err := env.Door.RebuildStats(ctx)
	if err != nil || got != n {
		b.Fatalf("rebuild: %d of %d: %v", got, n, err)
	}
	f.rebuild = time.Since(t1)
	statsRebuilds.Store(engine, f.rebuild)
	fmt.Printf("stats fixture %s: %d persons seeded in %s, statistics rebuilt in %s\n", engine, n, seeded.Round(time.Millisecond), f.rebuild.Round(time.Millisecond))
	return f
}

// BenchmarkStatsDashboard: door.Statistics over the whole register — the
// refresh check, the rollup read, disclosure control and every KPI, with
// its audit entry.
func BenchmarkStatsDashboard(b *testing.B) {
	eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
		ctx := context.Background()
		var rep *stats.Report
		for b.Loop() {
			var err error
			if rep, err = f.env.Door.Statistics(ctx, f.ra, stats.Filter{}); err != nil {
				b.Fatal(err)
			}
		}
		if v, ok := rep.Persons.Value(); !ok || v != f.n {
			b.Fatalf("dashboard counts %d persons, fixture has %d", v, f.n)
		}
		record(b, f.engine, "dashboard", sideDoor)
		b.ReportMetric(float64(f.n), "persons")
	})
}

// BenchmarkStatsDashboardFiltered: one year in one region.
func BenchmarkStatsDashboardFiltered(b *testing.B) {
	eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := f.env.Door.Statistics(ctx, f.ra, stats.Filter{From: stats.MonthOf(2023, 1), To: stats.MonthOf(2023, 12), Region: "tirane"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStatsRawSQL: the same figures written by hand as SQL aggregates
// over the register's own tables (persons, referrals, deadlines), with the
// raw connection pool: status, region, nationality, sex × age band, month,
// forms, days to potential status and to the decision, who referred, and
// registration on time. It computes the counts only — no disclosure
// control, no KPI, no audit.
func BenchmarkStatsRawSQL(b *testing.B) {
	eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
		ctx := context.Background()
		month := `strftime('%Y%m', p.first_contact_at / 1000000, 'unixepoch')`
		if f.engine == store.Postgres {
			month = `to_char(to_timestamp(p.first_contact_at / 1000000), 'YYYYMM')`
		}
		band := `CASE WHEN p.age_years >= 0 AND p.age_years < 12 THEN '0-11' WHEN p.age_years >= 12 AND p.age_years < 18 THEN '12-17'
			WHEN p.age_years < 0 AND (p.age_group = 'child' OR p.presumed_child = 1) THEN 'child_unknown' WHEN p.age_years < 0 AND p.age_group = 'adult' THEN 'adult'
			WHEN p.age_years < 0 THEN 'unknown' WHEN p.age_years < 25 THEN '18-24' WHEN p.age_years < 35 THEN '25-34' WHEN p.age_years < 50 THEN '35-49' ELSE '50+' END`
		var formSums []string
		for _, fm := range []string{"sexual", "labour", "begging", "forced_criminality", "domestic_servitude"} {
			formSums = append(formSums, `SUM(CASE WHEN p.forms LIKE '%`+fm+`%' THEN 1 ELSE 0 END)`)
		}
		queries := []string{
			`SELECT p.status, COUNT(*) FROM persons p WHERE p.merged_into = '' GROUP BY p.status`,
			`SELECT p.region, COUNT(*) FROM persons p WHERE p.merged_into = '' GROUP BY p.region`,
			`SELECT p.nationality, COUNT(*) FROM persons p WHERE p.merged_into = '' GROUP BY p.nationality`,
			`SELECT p.sex, ` + band + `, COUNT(*) FROM persons p WHERE p.merged_into = '' GROUP BY 1, 2`,
			`SELECT ` + month + `, COUNT(*) FROM persons p WHERE p.merged_into = '' GROUP BY 1`,
			`SELECT ` + strings.Join(formSums, ", ") + ` FROM persons p WHERE p.merged_into = ''`,
			`SELECT (p.potential_at - p.first_contact_at) / 86400000000, COUNT(*) FROM persons p WHERE p.potential_at > 0 GROUP BY 1`,
			`SELECT (p.decided_at - p.first_contact_at) / 86400000000, COUNT(*) FROM persons p WHERE p.decided_at > 0 GROUP BY 1`,
			`SELECT CASE WHEN r.referrer_type = '' THEN o.type ELSE r.referrer_type END, COUNT(*) FROM referrals r JOIN orgs o ON o.id = r.org_id GROUP BY 1`,
			`SELECT d.rule, SUM(CASE WHEN d.met_at > 0 AND d.met_at <= d.due_at THEN 1 ELSE 0 END), COUNT(*) FROM deadlines d GROUP BY d.rule`,
		}
		db := f.env.DB.R
		for b.Loop() {
			total := 0
			for _, q := range queries {
				rows, err := db.QueryContext(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				for rows.Next() {
					if err := rows.Scan(ptrs...); err != nil {
						b.Fatal(err)
					}
					total++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				_ = rows.Close()
			}
			if total == 0 {
				b.Fatal("no rows")
			}
		}
		record(b, f.engine, "dashboard", sideRaw)
	})
}

// BenchmarkStatsReportMemory: the periodic report of the whole register in
// the three formats; its memory does not depend on the number of persons.
func BenchmarkStatsReportMemory(b *testing.B) {
	eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
		ctx := context.Background()
		tr := func(k string, a ...any) string { return k }
		var peak float64
		for b.Loop() {
			peak = max(peak, heappeak.Of(func() {
				rep, err := f.env.Door.Statistics(ctx, f.ra, stats.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				for _, render := range []func(io.Writer, *stats.Report, report.Translator) error{report.XLSX, report.CSV, report.PDF} {
					if err := render(io.Discard, rep, tr); err != nil {
						b.Fatal(err)
					}
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(float64(f.n), "persons")
	})
}

// BenchmarkStatsHTCDSExportMemory: every record of the register as an HTCDS
// workbook, through the door (each record audited) and the streaming
// workbook writer; the peak heap must not grow with the records.
func BenchmarkStatsHTCDSExportMemory(b *testing.B) {
	eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
		ctx := context.Background()
		var peak float64
		for b.Loop() {
			n := 0
			peak = max(peak, heappeak.Of(func() {
				var derr error
				err := htcds.WriteTemplate(io.Discard, func(yield func(map[string]string) bool) {
					n, derr = f.env.Door.ExportHTCDS(ctx, f.cm, door.PersonFilter{}, func(rec map[string]string) error {
						yield(rec)
						return nil
					})
				})
				if err != nil || derr != nil {
					b.Fatal(err, derr)
				}
			}))
			if n != f.n {
				b.Fatalf("exported %d of %d", n, f.n)
			}
		}
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(float64(f.n), "persons")
	})
}

// BenchmarkStatsZZRatio prints the dashboard against the hand-written SQL.
func BenchmarkStatsZZRatio(b *testing.B) {
	for range b.N {
	}
	for _, e := range []string{store.SQLite, store.Postgres} {
		d, r := rate(e, "dashboard", sideDoor), rate(e, "dashboard", sideRaw)
		if d > 0 && r > 0 {
			b.ReportMetric(1/d, e+"-dashboard-s")
			b.ReportMetric(1/r, e+"-rawsql-s")
			b.ReportMetric(r/d, e+"-time-ratio")
		}
	}
	statsRebuilds.Range(func(e, d any) bool {
		b.ReportMetric(d.(time.Duration).Seconds(), e.(string)+"-rebuild-s")
		return true
	})
	statsFixtures.Lock()
	defer statsFixtures.Unlock()
	for e, f := range statsFixtures.m {
		f.life.close()
		delete(statsFixtures.m, e)
	}
}
