package rules

import (
	"testing"
	"time"
)

// TestWorkingDaysLate counts lateness in Albania's working days: weekends
// and the November 2026 holidays (Mon 23, Mon 30, Tue 1 Dec) do not count,
// and a deadline passed earlier the same day is late by less than one.
func TestWorkingDaysLate(t *testing.T) {
	al := mustLoad(t, "AL")
	at := func(d string, h int) time.Time {
		day, err := time.ParseInLocation(dateLayout, d, tirane)
		if err != nil {
			t.Fatal(err)
		}
		return day.Add(time.Duration(h) * time.Hour)
	}
	friday := al.EndOfDay(at("2026-11-20", 9)) // Friday 20 November, end of day
	for _, tc := range []struct {
		now  time.Time
		want int
	}{
		{at("2026-11-20", 18), 0},  // not yet due
		{at("2026-11-21", 10), 0},  // Saturday
		{at("2026-11-22", 10), 0},  // Sunday (Alphabet Day)
		{at("2026-11-23", 10), 0},  // Monday, Alphabet Day observed
		{at("2026-11-24", 10), 1},  // Tuesday: the first working day after
		{at("2026-11-27", 23), 4},  // Friday: 24, 25, 26, 27
		{at("2026-12-02", 9), 5},   // 28-29 weekend, 30 and 1 holidays, Wed 2
		{at("2026-12-08", 9), 8},   // 3, 4, 7; the 8th is Youth Day
		{at("2026-12-09", 9), 9},   // Wednesday 9
		{friday.Add(time.Hour), 0}, // Saturday 00:59: late, by less than a working day
	} {
		if got := al.WorkingDaysLate(friday, tc.now); got != tc.want {
			t.Errorf("due %s, now %s: %d working days late, want %d", friday.Format(time.DateTime), tc.now.Format(time.DateTime), got, tc.want)
		}
	}
	// A clock in hours, passed earlier the same day: late, by less than a day.
	due := at("2026-11-24", 10)
	if got := al.WorkingDaysLate(due, at("2026-11-24", 15)); got != 0 {
		t.Errorf("same day: %d, want 0", got)
	}
	if got := al.WorkingDaysLate(due, at("2026-11-25", 8)); got != 1 {
		t.Errorf("next working day: %d, want 1", got)
	}
}
