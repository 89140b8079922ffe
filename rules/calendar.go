package rules

import (
	"slices"
	"time"
)

// location is the profile's time zone; UTC if it cannot be loaded (only
// possible for a Profile built in code and not validated).
func (p *Profile) location() *time.Location {
	if p.loc != nil {
		return p.loc
	}
	if loc, err := time.LoadLocation(p.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Location is the jurisdiction's time zone: dates entered without a time
// ("given on 2026-03-01") are days there.
func (p *Profile) Location() *time.Location { return p.location() }

func (p *Profile) isHoliday(date string) bool {
	if p.holidays != nil {
		return p.holidays[date]
	}
	return slices.Contains(p.Holidays, date)
}

func (p *Profile) isWeekend(wd time.Weekday) bool {
	for _, name := range p.Weekend {
		if d, ok := weekdayByName[name]; ok && d == wd {
			return true
		}
	}
	return false
}

// IsWorkingDay reports whether the day on which t falls, in the profile's
// time zone, is neither a weekend day nor a holiday.
func (p *Profile) IsWorkingDay(t time.Time) bool {
	t = t.In(p.location())
	return !p.isWeekend(t.Weekday()) && !p.isHoliday(t.Format(dateLayout))
}

// Deadline returns the entry for key that is effective at the given time:
// the one with the latest effective_from on or before that day in the
// profile's time zone. ok is false if the key is unknown or not yet in
// effect.
func (p *Profile) Deadline(key string, at time.Time) (d Deadline, ok bool) {
	day := at.In(p.location()).Format(dateLayout)
	for _, e := range p.Deadlines {
		if e.Key != key || e.EffectiveFrom > day { // YYYY-MM-DD compares as text
			continue
		}
		if !ok || e.EffectiveFrom > d.EffectiveFrom {
			d, ok = e, true
		}
	}
	return d, ok
}

// Due returns when the deadline key runs out for something that started at
// start, using the entry effective at start. Hours are a plain duration;
// calendar days end at the end of the day of start + N; working days end at
// the end of the Nth working day after the start day. Times are in the
// profile's time zone.
func (p *Profile) Due(key string, start time.Time) (due time.Time, d Deadline, ok bool) {
	d, ok = p.Deadline(key, start)
	if !ok {
		return time.Time{}, d, false
	}
	loc := p.location()
	switch d.Unit {
	case Hours:
		due = start.Add(time.Duration(d.Value) * time.Hour).In(loc)
	case CalendarDays:
		due = endOfDay(noon(start.In(loc)).AddDate(0, 0, d.Value))
	case WorkingDays:
		due = p.AddWorking(start, d.Value)
	default:
		return time.Time{}, d, false
	}
	return due, d, true
}

// AddWorking returns the end (23:59:59.999 local) of the days-th working
// day after the day of start, in the profile's time zone, skipping weekend
// days and holidays. The start day itself never counts, so a referral made
// on a Friday evening with 1 working day is due at the end of Monday. With
// days <= 0 it returns the end of the start day.
func (p *Profile) AddWorking(start time.Time, days int) time.Time {
	day := noon(start.In(p.location()))
	for n := 0; n < days; {
		day = day.AddDate(0, 0, 1)
		if p.IsWorkingDay(day) {
			n++
		}
	}
	return endOfDay(day)
}

// noon is 12:00 on t's day in t's location: a safe anchor for adding days
// across daylight-saving changes.
func noon(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 12, 0, 0, 0, t.Location())
}

func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, int(999*time.Millisecond), t.Location())
}

// WorkingDaysLate is how late something due at due is at now, in the
// jurisdiction's working days: the working days after the day of due, up
// to and including the day of now, in the profile's time zone. It is 0
// when now is not past due, and also when due passed earlier the same day
// (late, but by less than a working day). Weekend days and holidays do not
// count: a deadline due on a Friday and still open on the next Monday is 1
// working day late. At most ten years are counted.
func (p *Profile) WorkingDaysLate(due, now time.Time) int {
	if !now.After(due) {
		return 0
	}
	loc := p.location()
	day, last := noon(due.In(loc)), noon(now.In(loc))
	n := 0
	for i := 0; i < 3660 && day.Before(last); i++ {
		day = day.AddDate(0, 0, 1)
		if p.IsWorkingDay(day) {
			n++
		}
	}
	return n
}

// EndOfDay is the last instant of t's day in the profile's time zone: what
// "due today" runs to.
func (p *Profile) EndOfDay(t time.Time) time.Time { return endOfDay(t.In(p.location())) }
