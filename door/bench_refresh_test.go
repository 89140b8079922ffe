package door_test

// The statistics refresh beside requests (issue 21, part 2): the register
// of the monitoring benchmarks (NRM_STATS_RECORDS persons, default
// 100,000) with an audit entry naming every person, and the watermark set
// back before them, is the backlog of a start after a bulk load. While the
// background refresh catches up, requests (an audited referral, a write)
// are timed; p50, p99 and the worst are reported with the refresh's
// longest and mean write transaction, at 25 persons per write (the
// door's) and at 2000 (about what one write recomputed before), beside no
// refresh at all (the machine's own spread at the same time).
//
//	go test ./door/ -run '^$' -bench 'WriteBesideRefresh' -benchtime 300x

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

// refreshBacklog names every person of the fixture in the audit log once
// (the first time only) and sets the watermark back before those entries.
func refreshBacklog(b *testing.B, f *statsFixture) {
	b.Helper()
	var first int64
	if err := f.env.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(MIN(seq), 0) FROM audit_log WHERE action = 'fixture.synthetic'`).Scan(&first)
	}); err != nil {
		b.Fatal(err)
	}
	if first == 0 {
		first = auditHead(b, f.env.DB) + 1
		seedAudit(b, f.env.DB, f.n, func(i int) string { return fmt.Sprintf("st%010d", i) })
		settle(b, f.env.DB)
	}
	if err := f.env.DB.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE stat_state SET audit_seq = ? WHERE id = 1`, first-1)
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkWriteBesideRefresh(b *testing.B) {
	for _, per := range []int{0, 25, 2000} { // 0: no refresh, the baseline
		name := fmt.Sprint("per-write=", per)
		if per == 0 {
			name = "none"
		}
		b.Run(name, func(b *testing.B) {
			eachStatsEngine(b, func(b *testing.B, f *statsFixture) {
				refreshBacklog(b, f)
				door.SetRefreshPerWrite(f.env.Door, per)
				defer door.SetRefreshPerWrite(f.env.Door, 0)
				rctx, stop := context.WithCancel(ctx)
				var wg sync.WaitGroup
				var run door.RefreshRun
				if per > 0 {
					wg.Go(func() { run, _ = f.env.Door.RunRefresh(rctx, 0) }) // canceled at the end
				}
				time.Sleep(50 * time.Millisecond) // let it start
				lat := make([]time.Duration, 0, b.N)
				i := 0
				for b.Loop() {
					i++
					t0 := time.Now()
					if _, err := f.env.Door.CreatePerson(ctx, f.cm, input("Beside", fmt.Sprint("Refresh", i), "x")); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				stop()
				wg.Wait()
				slices.Sort(lat)
				ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
				b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
				b.ReportMetric(ms(run.Longest), "longest-refresh-write-ms")
				if run.Writes > 0 {
					b.ReportMetric(ms(run.Held)/float64(run.Writes), "mean-refresh-write-ms")
				}
				b.ReportMetric(float64(run.Persons), "persons-refreshed")
			})
		})
	}
}
