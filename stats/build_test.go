package stats

import (
	"math"
	"testing"
	"time"
)

// facts builds totals from hand-made facts through the same path the door
// uses (Items, then Add under the filter).
func totalsOf(f Filter, facts ...Fact) *Totals {
	t := NewTotals()
	for _, x := range facts {
		for _, it := range x.Items() {
			t.Add(Count{From: x.From, To: x.To, Region: x.Region, Emergency: x.Emergency, Dim: it.Dim, Val: it.Val, N: 1}, f)
		}
	}
	return t
}

func kpi(t *testing.T, ks []KPI, id string) KPI {
	t.Helper()
	for _, k := range ks {
		if k.ID == id {
			return k
		}
	}
	t.Fatalf("no KPI %s", id)
	return KPI{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestKPIDefinitionsOnKnownData proves each indicator's definition on facts
// whose answers are worked out by hand, with k = 1 so nothing is withheld.
func TestKPIDefinitionsOnKnownData(t *testing.T) {
	jan := MonthOf(2026, 1)
	p := func(key, status string, toPot, toDec int) Fact {
		return Fact{Key: key, From: jan, To: jan, Region: "tirane", Counted: true, Status: status, By: "police",
			Sex: "female", Age: "25-34", DaysToPot: toPot, DaysToDecide: toDec}
	}
	a := p("a", "identified_victim", 0, 20)
	b := p("b", "identified_victim", 1, 30)
	c := p("c", "potential_victim", 2, -1)
	d := p("d", "potential_victim", 3, -1)
	e := p("e", "not_identified", 10, 45)
	f := p("f", "referred", -1, -1) // never reached potential status nor a decision
	f.By = "miu"
	// Deadlines: three met on time, one met two working days late, one open and overdue by
	// four working days (judged by LateBy), one open and not yet due.
	a.Phases = []Phase{{Rule: "ra_registration", Met: true, OnTime: true}}
	b.Phases = []Phase{{Rule: "ra_registration", Met: true, OnTime: true}}
	c.Phases = []Phase{{Rule: "ra_registration", Met: true, OnTime: true}}
	d.Phases = []Phase{{Rule: "ra_registration", Met: true, Late: 2}}
	e.Phases = []Phase{{Rule: "ra_registration", Due: 20260105}}
	f.Phases = []Phase{{Rule: "ra_registration", Due: 20260301}}
	// Services: four referrals, three delivered.
	a.ServicesReferred, a.ServicesDelivered = []string{"shelter", "medical"}, []string{"shelter", "medical"}
	c.ServicesReferred, c.ServicesDelivered = []string{"legal_counselling"}, []string{"legal_counselling"}
	d.ServicesReferred = []string{"shelter"}
	// A person first met during an emergency period counts in the figures but in the
	// emergency indicators only.
	g := p("g", "potential_victim", 5, -1)
	g.Emergency = true
	// A person whose consent does not allow statistics is not counted at all.
	h := p("h", "identified_victim", 0, 1)
	h.Counted = false

	now := time.Date(2026, 1, 9, 12, 0, 0, 0, time.UTC)
	lateBy := func(due int, _ time.Time) (int, bool) {
		switch due {
		case 20260105:
			return 4, true
		case 20260301:
			return 0, false
		}
		t.Fatalf("unexpected due day %d", due)
		return 0, false
	}
	f0 := Filter{}
	r := Build(totalsOf(f0, a, b, c, d, e, f, g, h), f0, Options{K: 1, Now: now, LateBy: lateBy})

	if n, ok := r.Persons.Value(); !ok || n != 7 {
		t.Fatalf("persons counted = %d (%v), want 7 (h has no statistics basis)", n, ok)
	}
	if n, _ := r.Uncounted.Value(); n != 1 {
		t.Fatalf("uncounted = %d, want 1", n)
	}
	ks := r.KPIs
	if k := kpi(t, ks, "persons_handled"); !k.Shown || k.Value != 6 {
		t.Fatalf("persons handled outside emergencies = %+v, want 6", k)
	}
	// Time to potential status: 0, 1, 2, 3, 10 (f never reached it) → median 2, mean 3.2.
	if k := kpi(t, ks, "time_to_potential"); !k.Shown || k.N.Count != 5 || k.Median != 2 || !near(k.Mean, 3.2) {
		t.Fatalf("time to potential = %+v, want n 5, median 2, mean 3.2", k)
	}
	// Its distribution in bands: 0 → "0", 1,2,3 → "1-3", 10 → "8-30".
	dist := kpi(t, ks, "time_to_potential").Distribution
	want := map[string]int{"0": 1, "1-3": 3, "4-7": 0, "8-30": 1, "31-90": 0, "91+": 0}
	for i, l := range dist.Labels {
		if dist.Cells[i].Count != want[l] {
			t.Fatalf("band %s = %d, want %d", l, dist.Cells[i].Count, want[l])
		}
	}
	// Time to decision: 20, 30, 45 → median 30, mean 31.67; three never decided.
	if k := kpi(t, ks, "time_to_decision"); k.N.Count != 3 || k.Median != 30 || !near(k.Mean, 95.0/3) {
		t.Fatalf("time to decision = %+v", k)
	}
	// Formalisation: 2 identified of 6.
	if k := kpi(t, ks, "formalisation_rate"); !near(k.Value, 2.0/6) {
		t.Fatalf("formalisation = %v, want 1/3", k.Value)
	}
	// Services: 3 of 4 referrals delivered.
	if k := kpi(t, ks, "service_completion"); !near(k.Value, 0.75) || k.N.Count != 4 {
		t.Fatalf("service completion = %+v, want 0.75 of 4", k)
	}
	// Timeliness: 3 on time of 5 judged (the one not yet due is left out); delays 2 and 4
	// working days → typical (median) delay 3.
	tl := kpi(t, ks, "timeliness")
	if !near(tl.Value, 0.6) || tl.N.Count != 5 || tl.Median != 3 || tl.Mean != 3 {
		t.Fatalf("timeliness = %+v, want 0.6 of 5, median delay 3", tl)
	}
	if len(tl.Parts) != 1 || tl.Parts[0].Label != "ra_registration" || !near(tl.Parts[0].Value, 0.6) {
		t.Fatalf("timeliness per phase = %+v", tl.Parts)
	}
	// Source: police 5 of 6, mobile unit 1 of 6.
	src := kpi(t, ks, "source")
	got := map[string]float64{}
	for _, p := range src.Parts {
		got[p.Label] = p.Value
	}
	if !near(got["police"], 5.0/6) || !near(got["miu"], 1.0/6) {
		t.Fatalf("source = %v", got)
	}
	// Emergency periods apart: only g, reached potential status in 5 days.
	if k := kpi(t, r.EmergencyKPIs, "time_to_potential"); k.N.Count != 1 || k.Median != 5 {
		t.Fatalf("emergency time to potential = %+v", k)
	}
	if k := kpi(t, r.EmergencyKPIs, "persons_handled"); k.Value != 1 {
		t.Fatalf("emergency persons = %+v", k)
	}
}

// TestSmallBasesAreWithheld: with k = 5 an indicator over fewer persons
// shows nothing, and a share whose numerator is small is withheld too.
func TestSmallBasesAreWithheld(t *testing.T) {
	m := MonthOf(2026, 2)
	var fs []Fact
	for i := range 9 {
		f := Fact{Key: string(rune('a' + i)), From: m, To: m, Counted: true, Status: "potential_victim", Sex: "male", Age: "18-24", DaysToPot: i, DaysToDecide: -1}
		if i < 3 {
			f.Status = "identified_victim"
			f.DaysToDecide = 10
		}
		fs = append(fs, f)
	}
	r := Build(totalsOf(Filter{}, fs...), Filter{}, Options{K: 5, Now: time.Now()})
	if k := kpi(t, r.KPIs, "time_to_decision"); k.Shown || !k.N.Suppressed || k.Median != 0 {
		t.Fatalf("a decision time over 3 persons must be withheld: %+v", k)
	}
	if k := kpi(t, r.KPIs, "formalisation_rate"); k.Shown || k.Value != 0 {
		t.Fatalf("3 identified of 9 gives the 3 away: %+v", k)
	}
	if k := kpi(t, r.KPIs, "time_to_potential"); !k.Shown || k.Median != 4 {
		t.Fatalf("time to potential over 9 persons should show median 4: %+v", k)
	}
	for _, f := range r.Figures {
		if f.ID != "status" {
			continue
		}
		for i, l := range f.List.Labels {
			c := f.List.Cells[i]
			if l == "identified_victim" && !c.Suppressed {
				t.Fatal("a status count of 3 must be withheld")
			}
			if c.Suppressed && c.Count != 0 {
				t.Fatal("a withheld cell must not carry its number")
			}
		}
	}
}

// TestFilterSelectsWholePeriods: a fact counts in a filter only when its whole
// period lies inside it; a year-band fact (CTDC) is left out of a quarter.
func TestFilterSelectsWholePeriods(t *testing.T) {
	q1 := Filter{From: MonthOf(2019, 1), To: MonthOf(2019, 3)}
	year := Filter{From: MonthOf(2019, 1), To: MonthOf(2019, 12)}
	band := Fact{From: MonthOf(2019, 1), To: MonthOf(2019, 12)}
	feb := Fact{From: MonthOf(2019, 2), To: MonthOf(2019, 2), Region: "berat"}
	if q1.Selects(band.From, band.To, "") || !year.Selects(band.From, band.To, "") {
		t.Fatal("a year's band belongs to the year, not to its first quarter")
	}
	if !q1.Selects(feb.From, feb.To, feb.Region) || (Filter{Region: "vlore"}).Selects(feb.From, feb.To, feb.Region) {
		t.Fatal("month and region filters")
	}
	if (Filter{To: MonthOf(2030, 1)}).Selects(0, 0, "") {
		t.Fatal("a fact without a period is left out of a bounded filter")
	}
	if Threshold(Filter{K: 3}, 5) != 5 || Threshold(Filter{K: 10}, 5) != 10 || Threshold(Filter{}, 0) != DefaultK {
		t.Fatal("a filter may raise k, never lower it")
	}
}
