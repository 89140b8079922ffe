package door_test

import (
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// rollupOf reads the register's rollup summed over periods and regions.
func rollupOf(t *testing.T, w *nrmWorld) map[stats.Item]int {
	t.Helper()
	out := map[stats.Item]int{}
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT dim, val, SUM(n) FROM stat_counts WHERE dataset = ? GROUP BY dim, val`, door.DatasetNRM)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it stats.Item
			var n int
			if err := rows.Scan(&it.Dim, &it.Val, &n); err != nil {
				return err
			}
			out[it] = n
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStatisticsFollowTheRegister proves the facts from real records: days
// to potential status, a person who never reached it, a registration
// deadline met late counted in Albanian working days (28–30 November,
// 1 and 8 December are holidays), an open one judged on the day it is read,
// and the rollup following a change through the audit log. A rebuild from
// scratch gives the same rollup.
func TestStatisticsFollowTheRegister(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		tirana := w.Door.Profile().Location()
		start := time.Date(2026, 11, 27, 9, 0, 0, 0, tirana) // a Friday
		clock.Advance(start.Sub(clock.Now()))

		a, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
			MetOn: "2026-11-27", MetRegion: "tirane", MetHow: "border_check", Region: "tirane",
			Sex: "male", Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32),
			Indicators: indicators(t, "labour", "A", "B", "C"), Consent: nrm.ConsentGiven,
		})
		if err != nil || a.Person.Status != nrm.StatusPotentialVictim {
			t.Fatalf("refer a: %v", err)
		}
		b, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{
			MetOn: "2026-11-27", Region: "berat", Sex: "female", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(19),
			ReferrerType: nrm.ReferrerMIU, Consent: nrm.ConsentGiven,
		})
		if err != nil || b.Person.Status == nrm.StatusPotentialVictim {
			t.Fatalf("refer b should stay short of potential status: %v", err)
		}
		// Registration is due at the end of the third working day: Wed 2, Thu 3, Fri 4 December.
		var due int64
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT due_at FROM deadlines WHERE person_id = ? AND rule = 'ra_registration'`, a.Person.ID).Scan(&due)
		}); err != nil {
			t.Fatal(err)
		}
		if d := store.Time(due).In(tirana); d.Format("2006-01-02") != "2026-12-04" {
			t.Fatalf("registration due %s, want 2026-12-04", d)
		}

		if _, err := w.Door.RefreshStats(ctx); err != nil {
			t.Fatal(err)
		}
		r := rollupOf(t, w)
		for it, n := range map[stats.Item]int{
			{Dim: stats.DimAll}: 2, {Dim: stats.DimStatus, Val: "potential_victim"}: 1,
			{Dim: stats.DimBy, Val: "border_police"}: 1, {Dim: stats.DimBy, Val: "miu"}: 1,
			{Dim: stats.DimToPot, Val: "0"}: 1, {Dim: stats.DimSexAge, Val: "male|25-34"}: 1, {Dim: stats.DimSexAge, Val: "female|18-24"}: 1,
			{Dim: stats.DimPhaseOpen, Val: "ra_registration|20261204"}: 2,
		} {
			if r[it] != n {
				t.Fatalf("rollup %v = %d, want %d (rollup %v)", it, r[it], n, r)
			}
		}
		var toPot int
		for it, n := range r {
			if it.Dim == stats.DimToPot {
				toPot += n
			}
		}
		if toPot != 1 {
			t.Fatalf("a person who never reached potential status has no time to it: %d", toPot)
		}

		// Wednesday 9 December: a is registered, two working days late (7 and 9; the 8th is a
		// holiday); b's registration is still open, overdue by the same two working days.
		clock.Advance(time.Date(2026, 12, 9, 10, 0, 0, 0, tirana).Sub(clock.Now()))
		if err := w.Door.RegisterPerson(ctx, w.raOff, a.Person.ID); err != nil {
			t.Fatal(err)
		}
		rep, err := w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		r = rollupOf(t, w)
		if r[stats.Item{Dim: stats.DimPhaseLate, Val: "ra_registration|2"}] != 1 || r[stats.Item{Dim: stats.DimPhaseOpen, Val: "ra_registration|20261204"}] != 1 {
			t.Fatalf("after registration the rollup should hold one late (2 working days) and one open: %v", r)
		}
		// Two persons: every count is below k = 5, so nothing is published.
		if !rep.Persons.Suppressed || rep.Persons.Count != 0 {
			t.Fatalf("two persons must not be published: %+v", rep.Persons)
		}
		for _, k := range rep.KPIs {
			if k.Shown {
				t.Fatalf("KPI %s shown over two persons", k.ID)
			}
		}

		// The same figures with k lowered to 1 in the profile (a test of the arithmetic only).
		w.Door.Profile().Statistics.K = 1
		rep, err = w.Door.Statistics(ctx, w.ra, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var tl stats.KPI
		for _, k := range rep.KPIs {
			if k.ID == "timeliness" {
				tl = k
			}
		}
		var reg stats.KPI
		for _, p := range tl.Parts {
			if p.Label == "ra_registration" {
				reg = p
			}
		}
		if reg.N.Count != 2 || reg.Value != 0 || reg.Median != 2 {
			t.Fatalf("registration timeliness = %+v, want 0 of 2 on time, typical delay 2 working days", reg)
		}

		// A rebuild from scratch gives the same rollup.
		before := rollupOf(t, w)
		if n, err := w.Door.RebuildStats(ctx); err != nil || n != 2 {
			t.Fatalf("rebuild: %d %v", n, err)
		}
		after := rollupOf(t, w)
		if len(before) != len(after) {
			t.Fatalf("rebuild differs: %v vs %v", before, after)
		}
		for k, v := range before {
			if after[k] != v {
				t.Fatalf("rebuild differs at %v: %d vs %d", k, v, after[k])
			}
		}

		// Case workers see no statistics; the monitor sees only aggregates.
		if _, err := w.Door.Statistics(ctx, w.cm, stats.Filter{}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a case manager must not read statistics: %v", err)
		}
	})
}

// TestStatisticsConsentWhereRequired: where the jurisdiction makes consent
// the only basis, a person without an active statistics consent is counted
// apart and in no figure.
func TestStatisticsConsentWhereRequired(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		w.Door.Profile().Statistics.RequiresConsent = true
		if _, err := w.Door.Refer(ctx, w.ngo, nrm.ReferralInput{Region: "berat", Sex: "female", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(40), Consent: nrm.ConsentGiven}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RefreshStats(ctx); err != nil {
			t.Fatal(err)
		}
		r := rollupOf(t, w)
		if r[stats.Item{Dim: stats.DimUncounted}] != 1 || r[stats.Item{Dim: stats.DimAll}] != 0 || r[stats.Item{Dim: stats.DimSexAge, Val: "female|35-49"}] != 0 {
			t.Fatalf("without statistics consent the person is only counted apart: %v", r)
		}
	})
}
