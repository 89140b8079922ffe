package stats

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Codes lists the codes of each dimension in display order, so a figure shows every known
// row (zeros included) in the same order whatever the data holds; codes found in the data
// and not listed follow, sorted. Rows not recorded ("") come last.
type Codes struct {
	Statuses, Forms, By, Sexes, ServiceKinds, Rules []string
	Channels, Scopes, Platforms                     []string
}

// Options are what Build needs from the jurisdiction.
type Options struct {
	K     int       // the jurisdiction's threshold (DefaultK when 0)
	Now   time.Time // the day open deadlines are judged on
	Codes Codes
	// LateBy says whether a deadline due on day due (yyyymmdd) and not met is overdue
	// on now's day, and by how many working days after its due day.
	LateBy func(due int, now time.Time) (days int, overdue bool)
	// Dataset is the dataset's display name.
	Dataset string
}

// Totals is the rollup summed for one filter: Items counted apart for emergency periods,
// and persons per period and region.
type Totals struct {
	// Items[emergency][Item] is the number of contributions.
	Items [2]map[Item]int
	// Periods[period] and Regions[region] count persons (DimAll).
	Periods map[[2]Month]int
	Regions map[string]int
}

// NewTotals returns empty totals.
func NewTotals() *Totals {
	return &Totals{Items: [2]map[Item]int{{}, {}}, Periods: map[[2]Month]int{}, Regions: map[string]int{}}
}

// Add folds one rollup row into the totals, if the filter selects it.
func (t *Totals) Add(c Count, f Filter) {
	if !f.Selects(c.From, c.To, c.Region) {
		return
	}
	e := 0
	if c.Emergency {
		e = 1
	}
	t.Items[e][Item{c.Dim, c.Val}] += c.N
	if c.Dim == DimAll {
		t.Periods[[2]Month{c.From, c.To}] += c.N
		t.Regions[c.Region] += c.N
	}
}

// Selects reports whether facts of the period [from, to] in region fall inside the
// filter: the whole period must lie within the filter's months.
func (f Filter) Selects(from, to Month, region string) bool {
	if f.Region != "" && region != f.Region {
		return false
	}
	if f.From != 0 && from < f.From {
		return false
	}
	if f.To != 0 && (to > f.To || to == 0) {
		return false
	}
	return true
}

// Threshold is the k a report uses: the filter may raise the jurisdiction's, never lower it.
func Threshold(f Filter, jurisdiction int) int {
	k := jurisdiction
	if k <= 0 {
		k = DefaultK
	}
	if f.K > k {
		k = f.K
	}
	return k
}

// Build turns the totals into the published report: every count of persons after
// disclosure control, every indicator with its base.
func Build(t *Totals, f Filter, o Options) *Report {
	k := Threshold(f, o.K)
	both := map[Item]int{}
	for _, m := range t.Items {
		for it, n := range m {
			both[it] += n
		}
	}
	r := &Report{Filter: f, K: k, GeneratedAt: o.Now, Dataset: o.Dataset}
	r.Persons = single(both[Item{DimAll, ""}], k)
	r.Uncounted = single(both[Item{DimUncounted, ""}], k)

	list := func(id, labels, dim string, known []string, notAdditive bool) {
		vals := map[string]int{}
		for it, n := range both {
			if it.Dim == dim {
				vals[it.Val] += n
			}
		}
		if len(vals) == 0 && len(known) == 0 {
			return
		}
		l := List{Labels: order(known, vals)}
		for _, v := range l.Labels {
			l.Counts = append(l.Counts, vals[v])
		}
		var p PublishedList
		if notAdditive {
			p = suppressOverlapping(l, k, both[Item{DimAll, ""}])
		} else {
			p = SuppressList(l, k)
		}
		r.Figures = append(r.Figures, Figure{ID: id, Labels: labels, List: &p, NotAdditive: notAdditive})
	}
	list("status", "status.", DimStatus, o.Codes.Statuses, false)
	list("form", "form.", DimForm, o.Codes.Forms, true)
	list("by", "orgtype.", DimBy, o.Codes.By, false)

	regions := List{Labels: order(nil, t.Regions)}
	for _, v := range regions.Labels {
		regions.Counts = append(regions.Counts, t.Regions[v])
	}
	pr := SuppressList(regions, k)
	r.Figures = append(r.Figures, Figure{ID: "region", Labels: "region.", List: &pr})

	list("nation", "", DimNation, nil, false)
	r.Figures = append(r.Figures, sexAge(both, o.Codes.Sexes, k))

	var periods [][2]Month
	for p := range t.Periods {
		periods = append(periods, p)
	}
	sort.Slice(periods, func(i, j int) bool {
		if periods[i][0] != periods[j][0] {
			return periods[i][0] < periods[j][0]
		}
		return periods[i][1] < periods[j][1]
	})
	var trend List
	for _, p := range periods {
		trend.Labels = append(trend.Labels, PeriodLabel(p[0], p[1]))
		trend.Counts = append(trend.Counts, t.Periods[p])
	}
	pt := SuppressList(trend, k)
	r.Figures = append(r.Figures, Figure{ID: "trend", List: &pt})

	// Where and how it happened (persons whose referral records it; a person may have
	// several scopes).
	list("channel", "channel.", DimChannel, o.Codes.Channels, false)
	list("scope", "scope.", DimScope, o.Codes.Scopes, true)
	list("platform", "platform.", DimPlatform, o.Codes.Platforms, false)
	list("recruit_c", "", DimRecruitNation, nil, false)
	list("recruit_r", "region.", DimRecruitRegion, nil, false)
	list("exploit_c", "", DimExploitNation, nil, false)
	list("exploit_r", "region.", DimExploitRegion, nil, false)

	list("svc_ref", "servicekind.", DimSvcRef, o.Codes.ServiceKinds, true)
	list("svc_done", "servicekind.", DimSvcDone, o.Codes.ServiceKinds, true)
	list("perp_sex", "sex.", DimPerpSex, nil, true)
	list("perp_age", "", DimPerpAge, nil, true)

	r.KPIs = kpis(t.Items[0], k, o)
	r.EmergencyKPIs = kpis(t.Items[1], k, o)
	return r
}

// PeriodLabel writes a period: a month (2026-11), a year (2019) or a span (2014–2018).
func PeriodLabel(from, to Month) string {
	switch {
	case from == to:
		return from.String()
	case from.Num() == 1 && to.Num() == 12 && from.Year() == to.Year():
		return strconv.Itoa(from.Year())
	case from.Num() == 1 && to.Num() == 12:
		return strconv.Itoa(from.Year()) + "–" + strconv.Itoa(to.Year())
	}
	return from.String() + "–" + to.String()
}

// single publishes one count of persons on its own.
func single(n, k int) Cell {
	if n > 0 && n < k {
		return Cell{Suppressed: true, Why: Primary}
	}
	return Cell{Count: n}
}

// suppressOverlapping publishes a list whose items may overlap (several forms of
// exploitation for one person): the items do not add up to a total, so no secondary
// suppression is needed among them, but each small one is withheld; the total is the
// number of persons.
func suppressOverlapping(l List, k int, persons int) PublishedList {
	p := PublishedList{Labels: l.Labels, K: k, Total: single(persons, k)}
	for i, n := range l.Counts {
		kk := k
		if i < len(l.Child) && l.Child[i] && kk < ChildK {
			kk = ChildK
		}
		p.Cells = append(p.Cells, single(n, kk))
	}
	return p
}

// order lists the known codes, then the other values found, sorted, with "" last.
func order(known []string, vals map[string]int) []string {
	out := slices.Clone(known)
	var extra []string
	for v := range vals {
		if v != "" && !slices.Contains(known, v) {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	out = append(out, extra...)
	if _, ok := vals[""]; ok && !slices.Contains(out, "") {
		out = append(out, "")
	}
	return out
}

// sexAge is the sex × age band table, children's bands marked so that their cells are
// never published below ChildK.
func sexAge(both map[Item]int, sexes []string, k int) Figure {
	cells := map[[2]string]int{}
	rows := map[string]int{}
	for it, n := range both {
		if it.Dim != DimSexAge {
			continue
		}
		s, a, _ := strings.Cut(it.Val, "|")
		cells[[2]string{s, a}] += n
		rows[s] += n
	}
	t := Table{Rows: order(sexes, rows)}
	cols := map[string]int{}
	for c, n := range cells {
		cols[c[1]] += n
	}
	t.Cols = order(AgeBands, cols)
	for _, c := range t.Cols {
		t.ChildCols = append(t.ChildCols, IsChildBand(c))
	}
	for _, s := range t.Rows {
		row := make([]int, len(t.Cols))
		for j, a := range t.Cols {
			row[j] = cells[[2]string{s, a}]
		}
		t.Counts = append(t.Counts, row)
	}
	p := Suppress(t, k)
	return Figure{ID: "sex_age", Labels: "sex.", ColLabels: "age_band.", Table: &p}
}

// hist is a distribution of whole numbers (days) with its count.
type hist map[int]int

func (h hist) n() int {
	t := 0
	for _, c := range h {
		t += c
	}
	return t
}

// median is the middle value (the mean of the two middle ones for an even count).
func (h hist) median() float64 {
	n := h.n()
	if n == 0 {
		return 0
	}
	keys := make([]int, 0, len(h))
	for v := range h {
		keys = append(keys, v)
	}
	sort.Ints(keys)
	at := func(i int) int { // the i-th value (0-based) in sorted order
		for _, v := range keys {
			if i < h[v] {
				return v
			}
			i -= h[v]
		}
		return keys[len(keys)-1]
	}
	if n%2 == 1 {
		return float64(at(n / 2))
	}
	return float64(at(n/2-1)+at(n/2)) / 2
}

func (h hist) mean() float64 {
	n, s := 0, 0
	for v, c := range h {
		n += c
		s += v * c
	}
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

// DayBands are the bands a distribution of days is shown in.
var DayBands = []struct {
	Label  string
	Lo, Hi int
}{{"0", 0, 0}, {"1-3", 1, 3}, {"4-7", 4, 7}, {"8-30", 8, 30}, {"31-90", 31, 90}, {"91+", 91, 1 << 30}}

func (h hist) bands(k int) *PublishedList {
	var l List
	for _, b := range DayBands {
		n := 0
		for v, c := range h {
			if v >= b.Lo && v <= b.Hi {
				n += c
			}
		}
		l.Labels = append(l.Labels, b.Label)
		l.Counts = append(l.Counts, n)
	}
	p := SuppressList(l, k)
	return &p
}

// duration is a KPI over a distribution of days: withheld whole when its base is small.
func duration(id, unit string, h hist, k int) KPI {
	n := h.n()
	kp := KPI{ID: id, Unit: unit, N: single(n, k)}
	if n >= k {
		kp.Shown = true
		kp.Median, kp.Mean = h.median(), h.mean()
		kp.Value = float64(n)
		kp.Distribution = h.bands(k)
	}
	return kp
}

// share is a KPI num ÷ den: withheld when either count is small (a share of a known base
// gives its numerator away).
func share(id string, num, den, k int) KPI {
	kp := KPI{ID: id, Unit: "share", N: single(den, k)}
	if den >= k && (num == 0 || num >= k) && (den-num == 0 || den-num >= k) {
		kp.Shown = true
		kp.Value = float64(num) / float64(den)
	}
	return kp
}

func kpis(items map[Item]int, k int, o Options) []KPI {
	persons := items[Item{DimAll, ""}]
	handled := KPI{ID: "persons_handled", Unit: "persons", N: single(persons, k)}
	if !handled.N.Suppressed {
		handled.Shown, handled.Value = true, float64(persons)
	}
	toPot, toDec := hist{}, hist{}
	identified, referred, delivered := 0, 0, 0
	by := map[string]int{}
	type phase struct {
		on   int
		late hist
	}
	phases := map[string]*phase{}
	ph := func(rule string) *phase {
		if phases[rule] == nil {
			phases[rule] = &phase{late: hist{}}
		}
		return phases[rule]
	}
	for it, n := range items {
		switch it.Dim {
		case DimToPot:
			d, _ := strconv.Atoi(it.Val)
			toPot[d] += n
		case DimToDecision:
			d, _ := strconv.Atoi(it.Val)
			toDec[d] += n
		case DimStatus:
			if it.Val == "identified_victim" {
				identified += n
			}
		case DimSvcRef:
			referred += n
		case DimSvcDone:
			delivered += n
		case DimBy:
			by[it.Val] += n
		case DimPhaseOn:
			ph(it.Val).on += n
		case DimPhaseLate:
			rule, d, _ := strings.Cut(it.Val, "|")
			days, _ := strconv.Atoi(d)
			ph(rule).late[days] += n
		case DimPhaseOpen:
			rule, d, _ := strings.Cut(it.Val, "|")
			due, _ := strconv.Atoi(d)
			if o.LateBy == nil {
				continue
			}
			if late, overdue := o.LateBy(due, o.Now); overdue {
				ph(rule).late[late] += n
			} // not yet overdue: not judged yet
		}
	}
	out := []KPI{handled,
		duration("time_to_potential", "days", toPot, k),
		duration("time_to_decision", "days", toDec, k),
		share("formalisation_rate", identified, persons, k),
		share("service_completion", delivered, referred, k),
	}

	timely := func(label string, on int, late hist) KPI {
		kp := share("timeliness", on, on+late.n(), k)
		kp.Label, kp.LabelPrefix = label, "deadline."
		if kp.Shown && late.n() > 0 {
			kp.Median, kp.Mean = late.median(), late.mean()
		}
		return kp
	}
	allOn, allLate := 0, hist{}
	var parts []KPI
	for _, rule := range order(o.Codes.Rules, func() map[string]int {
		m := map[string]int{}
		for r := range phases {
			m[r] = 1
		}
		return m
	}()) {
		p := phases[rule]
		if p == nil {
			continue
		}
		allOn += p.on
		for d, c := range p.late {
			allLate[d] += c
		}
		parts = append(parts, timely(rule, p.on, p.late))
	}
	tl := timely("", allOn, allLate)
	tl.LabelPrefix, tl.Parts = "", parts
	out = append(out, tl)

	src := KPI{ID: "source", Unit: "share", N: single(persons, k), Shown: persons >= k}
	for _, b := range order(o.Codes.By, by) {
		if by[b] == 0 {
			continue
		}
		p := share("source", by[b], persons, k)
		p.Label, p.LabelPrefix = b, "orgtype."
		src.Parts = append(src.Parts, p)
	}
	return append(out, src)
}
