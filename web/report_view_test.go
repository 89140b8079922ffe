package web

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/stats"
)

// sampleReport is a report as the door would hand it over, built by hand: a status list
// with a 3 (withheld), a sex × age table with a children's column, a trend, a form list
// that does not add up, indicators shown and not shown, and one for emergency periods.
func sampleReport() *stats.Report {
	status := stats.SuppressList(stats.List{
		Labels: []string{"referred", "potential_victim", "identified_victim"},
		Counts: []int{20, 3, 19},
	}, 5)
	forms := stats.SuppressList(stats.List{Labels: []string{"sexual", "labour"}, Counts: []int{30, 25}}, 5)
	forms.Total = stats.Cell{Count: 42} // persons, not the sum: a person may have both
	sexAge := stats.Suppress(stats.Table{
		Rows:      []string{"female", "male"},
		Cols:      []string{"12-17", "25-34"},
		Counts:    [][]int{{4, 10}, {0, 8}},
		ChildCols: []bool{true, false},
	}, 5)
	trend := stats.SuppressList(stats.List{
		Labels: []string{"2025-01", "2025-02", "2025-03", "2025-04"},
		Counts: []int{10, 12, 2, 14},
	}, 5)
	dist := stats.SuppressList(stats.List{Labels: []string{"0-7", "8-30", "31+"}, Counts: []int{12, 20, 10}}, 5)
	return &stats.Report{
		K:         5,
		Persons:   stats.Cell{Count: 42},
		Uncounted: stats.Cell{Suppressed: true, Why: stats.Primary},
		Figures: []stats.Figure{
			{ID: "status", Labels: "status.", List: &status},
			{ID: "form", List: &forms, NotAdditive: true},
			{ID: "sex_age", Labels: "sex.", ColLabels: "age_band.", Table: &sexAge},
			{ID: "trend", List: &trend},
		},
		KPIs: []stats.KPI{
			{ID: "time_to_potential", Unit: "days", N: stats.Cell{Count: 42}, Shown: true, Median: 9, Mean: 12.5, Distribution: &dist},
			{ID: "timeliness", Unit: "share", N: stats.Cell{Count: 60}, Shown: true, Value: 0.75, Parts: []stats.KPI{
				{ID: "timeliness", Unit: "share", N: stats.Cell{Count: 30}, Shown: true, Value: 0.9, Label: "register"},
				{ID: "timeliness", Unit: "share", N: stats.Cell{Suppressed: true, Why: stats.Primary}, Label: "decision"},
			}},
			{ID: "formalisation_rate", Unit: "share", N: stats.Cell{Suppressed: true, Why: stats.Primary}},
		},
		EmergencyKPIs: []stats.KPI{
			{ID: "persons_handled", Unit: "persons", N: stats.Cell{Count: 7}, Shown: true, Value: 7},
		},
	}
}

// section returns the part of page from the element with data-testid="id" to its
// closing </section>.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `data-testid="`+id+`"`)
	if i < 0 {
		t.Fatalf("no %s in the page", id)
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		t.Fatalf("%s not closed", id)
	}
	return page[i : i+j]
}

func TestReportFigures(t *testing.T) {
	e := env(t)
	s := e.srv
	for _, lang := range []string{"sq", "en"} {
		vm, err := s.reportView(lang, sampleReport())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.tmpl[lang]["home"].ExecuteTemplate(&buf, "report_figures", vm); err != nil {
			t.Fatal(err)
		}
		// Compared as text: html/template escapes more than it must (a "+" too).
		page := html.UnescapeString(buf.String())
		T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }

		// Every figure: a titled chart and a table with a caption, side by side.
		for _, id := range []string{"status", "form", "sex_age", "trend"} {
			sec := section(t, page, "figure-"+id)
			if !strings.Contains(sec, `role="img"`) || !strings.Contains(sec, "<svg") || !strings.Contains(sec, "<title id=\"fig-"+id+"-title\">"+T("figure."+id)+"</title>") {
				t.Errorf("%s %s: no accessible chart", lang, id)
			}
			if !strings.Contains(sec, "<table") || !strings.Contains(sec, "<caption>"+T("figure."+id)+"</caption>") || !strings.Contains(sec, `<th scope="row">`) {
				t.Errorf("%s %s: no table with a caption", lang, id)
			}
		}

		// The withheld 3 is a marker in its cell, never the number.
		row := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(T("status.potential_victim")) + `</th>(.*?)</tr>`).FindStringSubmatch(page)
		if row == nil {
			t.Fatalf("%s: no row for potential_victim", lang)
		}
		if !strings.Contains(row[1], `data-testid="withheld"`) || !strings.Contains(row[1], T("report.withheld")) || strings.Contains(row[1], ">3<") {
			t.Errorf("%s: withheld cell %q", lang, row[1])
		}
		if !strings.Contains(page, `data-testid="report-withheld-note"`) || !strings.Contains(page, T("report.withheld_note", 5, 5)) {
			t.Errorf("%s: no explanation of the marker", lang)
		}
		// In the chart the withheld bar's label is marked.
		if !strings.Contains(section(t, page, "figure-status"), T("status.potential_victim")+" *</text>") {
			t.Errorf("%s: withheld bar not marked in the chart", lang)
		}
		// The children's cell (4 in 12-17) is withheld too, and the labels are translated.
		sa := section(t, page, "figure-sex_age")
		if !strings.Contains(sa, T("age_band.12-17")) || !strings.Contains(sa, T("sex.female")) {
			t.Errorf("%s: sex × age labels not translated: %s", lang, sa)
		}
		cells := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(T("sex.female")) + `</th><td class="num">(.*?)</td>`).FindStringSubmatch(sa)
		if cells == nil || !strings.Contains(cells[1], `data-testid="withheld"`) || strings.Contains(cells[1], "4") {
			t.Errorf("%s: the children's 4 is not withheld: %v", lang, cells)
		}
		if !strings.Contains(section(t, page, "figure-form"), T("report.not_additive")) {
			t.Errorf("%s: no not-additive note", lang)
		}

		// Indicators: definition beside the value; a withheld base is not shown.
		for _, id := range []string{"time_to_potential", "timeliness", "formalisation_rate"} {
			if !strings.Contains(page, T("kpi."+id)) || !strings.Contains(page, T("kpi."+id+".def")) {
				t.Errorf("%s: kpi %s or its definition missing", lang, id)
			}
		}
		if !strings.Contains(page, T("report.value_duration", "9", T("unit.days"), "12"+map[string]string{"sq": ",", "en": "."}[lang]+"5", T("unit.days"))) {
			t.Errorf("%s: duration value missing", lang)
		}
		if !strings.Contains(page, T("report.value_share", "75")) || !strings.Contains(page, T("report.kpi_not_shown")) {
			t.Errorf("%s: share or not-shown text missing", lang)
		}
		if !strings.Contains(page, `data-testid="figure-kpi-time_to_potential-dist"`) {
			t.Errorf("%s: no distribution chart", lang)
		}
		if !strings.Contains(page, `<th scope="row">register</th><td>`+T("report.value_share", "90")) {
			t.Errorf("%s: parts table missing", lang)
		}
		em := section(t, page, "report-emergency")
		if !strings.Contains(em, T("report.emergency_title")) || !strings.Contains(em, T("kpi.persons_handled.def")) {
			t.Errorf("%s: emergency section: %s", lang, em)
		}
		if !strings.Contains(page, `data-testid="report-persons">42<`) {
			t.Errorf("%s: persons counted missing", lang)
		}
		// Unique ids: every chart's title id once.
		ids := regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(page, -1)
		seen := map[string]bool{}
		for _, m := range ids {
			if seen[m[1]] {
				t.Errorf("%s: id %s twice", lang, m[1])
			}
			seen[m[1]] = true
		}
		if len(page) > 200_000 {
			t.Errorf("%s: %d bytes", lang, len(page))
		}
	}
}
