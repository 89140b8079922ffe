package nrm_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
)

// TestDatePartsPartial reads dates entered in three fields the way the GOV.UK
// date input does, with partial dates allowed: each mistake is named with the
// part to correct.
func TestDatePartsPartial(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		d         nrm.DateParts
		want      string
		key, part string
		marked    []string
	}{
		{nrm.DateParts{}, "", "", "", nil},
		{nrm.DateParts{Year: "2019"}, "2019", "", "", nil},
		{nrm.DateParts{Month: "4", Year: "2019"}, "2019-04", "", "", nil},
		{nrm.DateParts{Day: " 7 ", Month: "04", Year: "2019"}, "2019-04-07", "", "", nil},
		{nrm.DateParts{Day: "29", Month: "2", Year: "2024"}, "2024-02-29", "", "", nil},
		{nrm.DateParts{Day: "15", Month: "3", Year: "2026"}, "2026-03-15", "", "", nil},
		{nrm.DateParts{Day: "31", Month: "2", Year: "2026"}, "", "error.date_real", "day", []string{"day"}},
		{nrm.DateParts{Day: "29", Month: "2", Year: "2025"}, "", "error.date_real", "day", []string{"day"}},
		{nrm.DateParts{Day: "abc", Month: "2", Year: "2020"}, "", "error.date_real", "day", []string{"day"}},
		{nrm.DateParts{Day: "-4", Month: "2", Year: "2020"}, "", "error.date_real", "day", []string{"day"}},
		{nrm.DateParts{Day: "1", Month: "13", Year: "2020"}, "", "error.date_real", "month", []string{"month"}},
		{nrm.DateParts{Day: "1", Month: "0", Year: "2020"}, "", "error.date_real", "month", []string{"month"}},
		{nrm.DateParts{Day: "1", Month: "2"}, "", "error.date_year_missing", "year", []string{"year"}},
		{nrm.DateParts{Day: "1", Year: "2020"}, "", "error.date_month_missing", "month", []string{"month"}},
		{nrm.DateParts{Year: "20"}, "", "error.date_year_digits", "year", []string{"year"}},
		{nrm.DateParts{Year: "1899"}, "", "error.date_past", "year", []string{"year"}},
		{nrm.DateParts{Day: "16", Month: "3", Year: "2026"}, "", "error.date_today_or_past", "day", []string{"day", "month", "year"}},
		{nrm.DateParts{Month: "4", Year: "2026"}, "", "error.date_today_or_past", "month", []string{"month", "year"}},
		{nrm.DateParts{Year: "2027"}, "", "error.date_today_or_past", "year", []string{"year"}},
	} {
		got, err := c.d.Partial(now)
		if c.key == "" {
			if err != nil || got != c.want {
				t.Errorf("%+v: got %q, %+v; want %q", c.d, got, err, c.want)
			}
			continue
		}
		if err == nil || err.Key != c.key || err.Part != c.part || !slices.Equal(err.Parts, c.marked) {
			t.Errorf("%+v: got %q, %+v; want %s at %s, marked %v", c.d, got, err, c.key, c.part, c.marked)
		}
	}
	for _, s := range []string{"2019", "2019-04", "2019-04-07"} {
		if got, err := nrm.SplitPartial(s).Partial(now); err != nil || got != s {
			t.Errorf("SplitPartial(%s) reads back as %q, %v", s, got, err)
		}
	}
}
