package door_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// refer creates n persons in one go (one transaction, an audit entry each).
func referMany(t *testing.T, w *world, n int) {
	t.Helper()
	ins := make([]nrm.PersonInput, n)
	for i := range ins {
		ins[i] = input("Many", fmt.Sprint("P", i), "x")
	}
	if _, err := w.Door.CreatePersons(ctx, w.fr, ins); err != nil {
		t.Fatal(err)
	}
}

// watermark reads the statistics' audit watermark.
func watermark(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var mark int64
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT audit_seq FROM stat_state WHERE id = 1`).Scan(&mark)
	}); err != nil {
		t.Fatal(err)
	}
	return mark
}

// TestRefreshInShortWrites: a backlog of persons (after a bulk load, or at
// start-up) is recomputed at most 25 persons per write transaction, each
// with its audit entry, and the rollup it leaves equals a rebuild's. On
// main one transaction recomputed every person of 2000 audit entries (the
// 87 s start-up refresh at 1M held the writer in long stretches).
func TestRefreshInShortWrites(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		referMany(t, w, 130)
		run, err := w.Door.RunRefresh(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if run.Persons != 130 || run.MaxPerWrite > 25 || run.Writes < 130/25+1 || !run.Caught {
			t.Fatalf("refresh of 130 persons: %+v; want at most 25 per write", run)
		}
		var entries int
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, door.ActStatsRefresh).Scan(&entries)
		}); err != nil {
			t.Fatal(err)
		}
		if entries != (130+24)/25 {
			t.Fatalf("%d refresh audit entries for %d writes that recomputed persons", entries, (130+24)/25)
		}
		nw := &nrmWorld{world: w}
		before := rollupOf(t, nw)
		if before[stats.Item{Dim: stats.DimAll}] != 130 {
			t.Fatalf("rollup counts %d persons", before[stats.Item{Dim: stats.DimAll}])
		}
		if _, err := w.Door.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		after := rollupOf(t, nw)
		if len(before) != len(after) {
			t.Fatalf("the short refresh differs from a rebuild: %v vs %v", before, after)
		}
		for k, v := range before {
			if after[k] != v {
				t.Fatalf("the short refresh differs from a rebuild at %v: %d vs %d", k, v, after[k])
			}
		}
	})
}

// TestDashboardAnswersFromStoredRollup: with more persons waiting than a
// dashboard catches up inline (after a restart or a bulk load), the
// dashboard answers from the stored rollup at once and says as of when;
// once the background refresh caught up, it says the figures are current.
// On main the first dashboard after a start waited for the whole start-up
// refresh (24 s at 1M).
func TestDashboardAnswersFromStoredRollup(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		clock := w.UseClock()
		w.Door.Profile().Statistics.K = 1 // the arithmetic only
		referMany(t, w, 5)
		rep, err := w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Current || rep.Persons.Count != 5 || !rep.AsOf.Equal(rep.GeneratedAt) {
			t.Fatalf("a small backlog is counted inline: current %v, %d persons, as of %v", rep.Current, rep.Persons.Count, rep.AsOf)
		}
		counted := clock.Now().Truncate(time.Microsecond)

		clock.Advance(time.Hour)
		referMany(t, w, 230) // more than a dashboard counts inline
		mark := watermark(t, w.DB)
		rep, err = w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if watermark(t, w.DB) != mark {
			t.Fatal("the dashboard caught up with a long backlog itself instead of answering")
		}
		if rep.Current || rep.Persons.Count != 5 || !rep.AsOf.Equal(counted) {
			t.Fatalf("the stored figures, as of the last entry counted (%v): current %v, %d persons, as of %v", counted, rep.Current, rep.Persons.Count, rep.AsOf)
		}

		// The background job catches up in short writes; the figures are current.
		run, err := w.Door.RunRefresh(ctx, 0)
		if err != nil || run.Persons != 230 || run.MaxPerWrite > 25 {
			t.Fatalf("background refresh: %+v %v", run, err)
		}
		clock.Advance(time.Minute)
		rep, err = w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Current || rep.Persons.Count != 235 || !rep.AsOf.Equal(clock.Now().Truncate(time.Microsecond)) {
			t.Fatalf("after the catch-up: current %v, %d persons, as of %v", rep.Current, rep.Persons.Count, rep.AsOf)
		}

		// A busy service's entries that name no person (sign-ins, reads,
		// reads of the statistics) are passed over inline, and leave the
		// figures current.
		seedAuditLog(t, w.DB, 5000)
		referMany(t, w, 3)
		rep, err = w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil || !rep.Current || rep.Persons.Count != 238 {
			t.Fatalf("5000 entries naming no person and 3 persons: current %v, %d persons, %v", rep.Current, rep.Persons.Count, err)
		}
		if _, err := w.Door.Datasets(ctx, w.mon); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.Door.Login(ctx, "nobody", "wrong", "10.0.0.9"); err == nil {
			t.Fatal("login of nobody")
		}
		rep, err = w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil || !rep.Current {
			t.Fatalf("entries naming no person made the figures stale: %v %v", rep.Current, err)
		}
	})
}
