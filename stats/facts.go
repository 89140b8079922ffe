package stats

import (
	"fmt"
	"strconv"
	"strings"
)

// Month is a calendar month written yyyymm (202611). A Month with mm = 00 stands for a
// whole year whose months are not known (imported data that only carries a year).
type Month int

// MonthOf returns the Month of year y and month m.
func MonthOf(y, m int) Month { return Month(y*100 + m) }

// Year returns the month's year.
func (m Month) Year() int { return int(m) / 100 }

// Num returns the month's number in the year (1–12, 0 for a whole year).
func (m Month) Num() int { return int(m) % 100 }

// String writes the month as 2026-11 (or 2026 for a whole year).
func (m Month) String() string {
	if m.Num() == 0 {
		return strconv.Itoa(m.Year())
	}
	return fmt.Sprintf("%04d-%02d", m.Year(), m.Num())
}

// ParseMonth reads 2026-11 (or 2026, meaning the whole year, as From: January, as To:
// December — see ParseMonthEnd).
func ParseMonth(s string) (Month, error) {
	y, m, ok := strings.Cut(strings.TrimSpace(s), "-")
	yy, err := strconv.Atoi(y)
	if err != nil || yy < 1900 || yy > 9999 {
		return 0, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	if !ok {
		return MonthOf(yy, 1), nil
	}
	mm, err := strconv.Atoi(m)
	if err != nil || mm < 1 || mm > 12 {
		return 0, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return MonthOf(yy, mm), nil
}

// ParseMonthEnd is ParseMonth for the end of a period: a bare year means its December.
func ParseMonthEnd(s string) (Month, error) {
	m, err := ParseMonth(s)
	if err == nil && !strings.Contains(s, "-") {
		m = MonthOf(m.Year(), 12)
	}
	return m, err
}

// Dimensions of the statistics. A Fact contributes one count to each (Dim, Val) pair its
// Items returns; the rollup the door keeps sums them per dataset, period, region and
// emergency flag.
const (
	DimAll        = "all"         // every counted person (Val ""): totals, regions, trends
	DimUncounted  = "uncounted"   // persons left out: no consent or legal basis for statistics
	DimStatus     = "status"      // identification status
	DimForm       = "form"        // form of exploitation (a person may have several)
	DimBy         = "by"          // who referred or identified: organisation type, "miu", "outside"
	DimNation     = "nation"      // nationality (ISO 3166 alpha-2, "" not recorded)
	DimSexAge     = "sex_age"     // "sex|age band"
	DimToPot      = "d_potential" // Val: whole days from first contact to potential-victim status
	DimToDecision = "d_decision"  // Val: whole days from first contact to the formal decision
	DimSvcRef     = "svc_ref"     // Val: kind of service; one count per service referral
	DimSvcDone    = "svc_done"    // Val: kind; one count per referral delivered
	DimPhaseOn    = "ph_on"       // Val: deadline rule met on time
	DimPhaseLate  = "ph_late"     // Val: "rule|working days late", met late
	DimPhaseOpen  = "ph_open"     // Val: "rule|yyyymmdd due", not met yet: judged on the day it is read
	DimPerpSex    = "perp_sex"    // sex of a perpetrator, where recorded
	DimPerpAge    = "perp_age"    // age band of a perpetrator, where recorded
	// Where and how it happened (the first referral): how the referral came, within the
	// country / across borders / online (several may apply), the kind of online platform,
	// and the places of recruitment and exploitation, where recorded: a country (ISO 3166
	// alpha-3) and, in the jurisdiction's own country, a region.
	DimChannel       = "channel"
	DimScope         = "scope"
	DimPlatform      = "platform"
	DimRecruitNation = "recruit_c"
	DimRecruitRegion = "recruit_r"
	DimExploitNation = "exploit_c"
	DimExploitRegion = "exploit_r"
)

// Age bands for the sex × age table. Children's bands come first and are marked child.
// AgeChildUnknown is a person whose exact age is not known and who is a child or is
// treated as one (age in doubt); AgeAdult an adult whose exact age is not known;
// AgeUnknown a person whose age was not recorded at all.
var AgeBands = []string{"0-11", "12-17", AgeChildUnknown, "18-24", "25-34", "35-49", "50+", AgeAdult, AgeUnknown}

// The bands without an exact age.
const (
	AgeChildUnknown = "child_unknown"
	AgeAdult        = "adult"
	AgeUnknown      = "unknown"
)

// IsChildBand reports whether an age band describes children.
func IsChildBand(b string) bool { return b == "0-11" || b == "12-17" || b == AgeChildUnknown }

// AgeBand returns the band of a person aged years (-1 when not known). child says the
// person is a child or treated as one (age in doubt with any sign of a child); adult says
// the person is known to be an adult. An exact age decides over both.
func AgeBand(years int, child, adult bool) string {
	switch {
	case years >= 0 && years < 12:
		return "0-11"
	case years >= 12 && years < 18:
		return "12-17"
	case years < 0 && child:
		return AgeChildUnknown
	case years < 0 && adult:
		return AgeAdult
	case years < 0:
		return AgeUnknown
	case years < 25:
		return "18-24"
	case years < 35:
		return "25-34"
	case years < 50:
		return "35-49"
	}
	return "50+"
}

// Fact is what the statistics know of one person: codes and durations, no identity. It is
// computed from the record (or from a row of an imported dataset) and folded into the
// rollup through Items.
type Fact struct {
	Key       string // the person's internal id, or the imported row's number
	From, To  Month  // the period of first contact (From = To for the register)
	Region    string
	Emergency bool // first contact fell inside an emergency period
	Counted   bool // consent or legal basis allows statistics (see Filter and the profile)

	Status       string
	Forms        []string
	By           string
	Nationality  string
	Sex          string
	Age          string // an AgeBands value
	DaysToPot    int    // -1: never reached potential-victim status
	DaysToDecide int    // -1: no formal decision yet

	Channel                      string   // how the referral came ("" not recorded)
	Scope                        []string // domestic, cross_border, online
	Platform                     string   // kind of online platform
	RecruitNation, RecruitRegion string   // where recruited, where recorded
	ExploitNation, ExploitRegion string   // where exploited, where recorded

	ServicesReferred  []string // one entry per service referral (its kind)
	ServicesDelivered []string // one entry per referral delivered
	Phases            []Phase
	PerpSex, PerpAge  []string
}

// Phase is one deadline of the record, against the jurisdiction's time limit.
type Phase struct {
	Rule   string
	Met    bool
	OnTime bool // met by the end of its due day
	// Late counts the working days after the due day up to the day it was met (a
	// deadline met on the Saturday after a Friday due day is late by 0 working days).
	Late int
	// Due is the due day (yyyymmdd) of a deadline not met yet; whether it is late is
	// decided on the day the figures are read.
	Due int
}

// Item is one contribution of a fact to the rollup.
type Item struct{ Dim, Val string }

// Items lists the fact's contributions. A person not counted contributes only to
// DimUncounted, so the published figures never include them.
func (f Fact) Items() []Item {
	if !f.Counted {
		return []Item{{DimUncounted, ""}}
	}
	cs := []Item{{DimAll, ""}, {DimStatus, f.Status}, {DimBy, f.By}, {DimNation, f.Nationality}, {DimSexAge, f.Sex + "|" + f.Age}}
	for _, x := range f.Forms {
		cs = append(cs, Item{DimForm, x})
	}
	for _, x := range f.Scope {
		cs = append(cs, Item{DimScope, x})
	}
	for _, x := range []struct{ dim, val string }{{DimChannel, f.Channel}, {DimPlatform, f.Platform}, {DimRecruitNation, f.RecruitNation},
		{DimRecruitRegion, f.RecruitRegion}, {DimExploitNation, f.ExploitNation}, {DimExploitRegion, f.ExploitRegion}} {
		if x.val != "" {
			cs = append(cs, Item{x.dim, x.val})
		}
	}
	if f.DaysToPot >= 0 {
		cs = append(cs, Item{DimToPot, strconv.Itoa(f.DaysToPot)})
	}
	if f.DaysToDecide >= 0 {
		cs = append(cs, Item{DimToDecision, strconv.Itoa(f.DaysToDecide)})
	}
	for _, x := range f.ServicesReferred {
		cs = append(cs, Item{DimSvcRef, x})
	}
	for _, x := range f.ServicesDelivered {
		cs = append(cs, Item{DimSvcDone, x})
	}
	for _, p := range f.Phases {
		switch {
		case !p.Met:
			cs = append(cs, Item{DimPhaseOpen, p.Rule + "|" + strconv.Itoa(p.Due)})
		case p.OnTime:
			cs = append(cs, Item{DimPhaseOn, p.Rule})
		default:
			cs = append(cs, Item{DimPhaseLate, p.Rule + "|" + strconv.Itoa(p.Late)})
		}
	}
	for _, x := range f.PerpSex {
		cs = append(cs, Item{DimPerpSex, x})
	}
	for _, x := range f.PerpAge {
		cs = append(cs, Item{DimPerpAge, x})
	}
	return cs
}

// Count is one row of the rollup: how many contributions (Dim, Val) the facts of a
// period, region and emergency flag made.
type Count struct {
	From, To  Month
	Region    string
	Emergency bool
	Dim, Val  string
	N         int
}
