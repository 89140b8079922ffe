package nrm

import (
	"strconv"
	"strings"
	"time"
)

// DateParts is a date entered as three fields — day, month, year — as the
// GOV.UK date input asks for it. A partial date is the norm here: the year
// alone, or the month and the year, are enough.
type DateParts struct{ Day, Month, Year string }

// The parts of a date, as DateError names them.
const (
	PartDay   = "day"
	PartMonth = "month"
	PartYear  = "year"
)

// DateError says what is wrong with a date entered in parts: a catalogue key,
// the part to correct first (the error links to it), and every part at fault
// (each is marked).
type DateError struct {
	Key   string
	Part  string
	Parts []string
}

// Empty reports whether no part was entered.
func (d DateParts) Empty() bool {
	return strings.TrimSpace(d.Day) == "" && strings.TrimSpace(d.Month) == "" && strings.TrimSpace(d.Year) == ""
}

// Partial reads the parts as YYYY, YYYY-MM or YYYY-MM-DD ("" when no part is
// entered), or says what is wrong: a year missing; a day without its month; a
// part that is not a number, a month that does not exist or a day the month
// does not have (31 February) — "not a real date"; a year without four digits;
// a date after today (now's day in now's location); a year before 1900.
func (d DateParts) Partial(now time.Time) (string, *DateError) {
	day, month, year := strings.TrimSpace(d.Day), strings.TrimSpace(d.Month), strings.TrimSpace(d.Year)
	if day == "" && month == "" && year == "" {
		return "", nil
	}
	one := func(key, part string) *DateError { return &DateError{Key: key, Part: part, Parts: []string{part}} }
	for _, p := range []struct{ v, part string }{{day, PartDay}, {month, PartMonth}, {year, PartYear}} {
		if p.v != "" && !digits(p.v) {
			return "", one("error.date_real", p.part)
		}
	}
	if year == "" {
		return "", one("error.date_year_missing", PartYear)
	}
	if day != "" && month == "" {
		return "", one("error.date_month_missing", PartMonth)
	}
	if len(year) != 4 {
		return "", one("error.date_year_digits", PartYear)
	}
	y, _ := strconv.Atoi(year)
	m, dd := 0, 0
	if month != "" {
		m, _ = strconv.Atoi(month)
		if m < 1 || m > 12 {
			return "", one("error.date_real", PartMonth)
		}
	}
	if day != "" {
		dd, _ = strconv.Atoi(day)
		if dd < 1 || dd > daysIn(y, m) {
			return "", one("error.date_real", PartDay)
		}
	}
	given := []string{PartYear}
	if m > 0 {
		given = []string{PartMonth, PartYear}
	}
	if dd > 0 {
		given = []string{PartDay, PartMonth, PartYear}
	}
	if y < 1900 {
		return "", one("error.date_past", PartYear)
	}
	ny, nm, nd := now.Date()
	future := y > ny || m > 0 && y == ny && m > int(nm) || dd > 0 && y == ny && m == int(nm) && dd > nd
	if future {
		return "", &DateError{Key: "error.date_today_or_past", Part: given[0], Parts: given}
	}
	switch {
	case dd > 0:
		return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), nil
	case m > 0:
		return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"), nil
	}
	return year, nil
}

// SplitPartial is the inverse of Partial: the parts of a YYYY, YYYY-MM or
// YYYY-MM-DD date, without leading zeros.
func SplitPartial(s string) DateParts {
	var d DateParts
	parts := strings.Split(s, "-")
	trim := func(x string) string {
		if t := strings.TrimLeft(x, "0"); t != "" {
			return t
		}
		return x
	}
	d.Year = parts[0]
	if len(parts) > 1 {
		d.Month = trim(parts[1])
	}
	if len(parts) > 2 {
		d.Day = trim(parts[2])
	}
	return d
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// daysIn is the number of days of month m of year y.
func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
