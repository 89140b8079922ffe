package door_test

import (
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/stats"
)

// TestDaysFromFirstContactCountFromTheDayMet: the KPI "days from first
// contact" counts from the day the person was met as the referral records
// it, not from the moment the referral was typed. Six adults met on
// 17 November and typed on 27 November count 10 days each; one typed on
// the day she was met counts 0; one whose meeting date is only a month
// counts from the typing (no day is known).
func TestDaysFromFirstContactCountFromTheDayMet(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		tirana := w.Door.Profile().Location()
		clock.Advance(time.Date(2026, 11, 27, 16, 30, 0, 0, tirana).Sub(clock.Now()))
		refer := func(metOn string) *nrm.Person {
			t.Helper()
			res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
				MetOn: metOn, MetRegion: "tirane", MetHow: "border_check", Region: "tirane",
				Sex: "female", Nationalities: []string{"ALB"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(30),
				Indicators: indicators(t, "labour", "A", "B", "C"), Consent: nrm.ConsentGiven,
			})
			if err != nil || res.Person.Status != nrm.StatusPotentialVictim {
				t.Fatalf("refer met %s: %v", metOn, err)
			}
			return res.Person
		}
		var first *nrm.Person
		for range 6 {
			p := refer("2026-11-17")
			first = p
			if got := p.FirstContactAt.In(tirana).Format("2006-01-02"); got != "2026-11-17" {
				t.Fatalf("first contact %s, want the day met 2026-11-17", got)
			}
		}
		refer("2026-11-27")
		refer("2026-11")
		if _, err := w.Door.RefreshStats(ctx); err != nil {
			t.Fatal(err)
		}
		r := rollupOf(t, w)
		if got := r[stats.Item{Dim: stats.DimToPot, Val: "10"}]; got != 6 {
			t.Fatalf("six adults met ten days before they were typed: %d count 10 days (rollup %v)", got, r)
		}
		if got := r[stats.Item{Dim: stats.DimToPot, Val: "0"}]; got != 2 {
			t.Fatalf("met the day typed, or on an unknown day of the month: %d count 0 days, want 2 (rollup %v)", got, r)
		}
		// The HTCDS export's referral date is the day met in Tirana (midnight
		// there is 23:00 UTC the day before).
		if _, err := w.Door.RecordConsent(ctx, w.border, first.ID, nrm.ConsentInput{Purpose: nrm.PurposeStatistics, Scope: nrm.ConsentSummary,
			GivenBy: nrm.GivenByPerson, How: "written", Language: "sq", TextVersion: "2026.1", Explained: nrm.ExplainedPoints}); err != nil {
			t.Fatal(err)
		}
		dates := map[string]int{}
		if _, err := w.Door.ExportHTCDS(ctx, w.border, door.PersonFilter{}, func(rec map[string]string) error {
			dates[rec[htcds.FReferralDate]]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if dates["2026-11-17"] == 0 || dates["2026-11-16"] != 0 {
			t.Fatalf("HTCDS referral dates %v: the day met is 2026-11-17 in Tirana", dates)
		}
	})
}
