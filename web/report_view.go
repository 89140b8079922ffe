package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm/chart"
	"github.com/nrm-org/nrm/stats"
)

// The presentation of a statistics report (stats.Report): for each figure a chart drawn
// on the server (package chart) and, beside it, the same numbers in an accessible table;
// for each indicator its value, its base and its definition side by side. It shows only
// what the report publishes: a withheld value is already 0 in the report and is shown as
// a marker, never as a number.

// reportViewModel is what the "report_figures" partial draws.
type reportViewModel struct {
	Persons, Uncounted  reportCell
	Figures             []reportFigure
	KPIs, EmergencyKPIs []reportKPI
	// WithheldNote explains the marker; shown once under the figures when any value is
	// withheld.
	WithheldNote string
	AnyWithheld  bool
}

// reportCell is one published value as the tables show it.
type reportCell struct {
	Text     string // the number, formatted; "" when withheld
	Withheld bool
}

// reportFigure is one chart and its table.
type reportFigure struct {
	ID, Title string
	SVG       template.HTML // from package chart: markup it generated and escaped
	RowHead   string        // header of the label column
	Cols      []string      // headers of the value columns (the last is the total for a table)
	Rows      []reportRow
	Total     *reportRow // the totals row
	// NotAdditive: a person may count in several rows.
	NotAdditive bool
	// Sub: the figure belongs to an indicator (a smaller heading).
	Sub bool
}

// reportRow is one row of a figure's table: its label and its values.
type reportRow struct {
	Label string
	Cells []reportCell
}

// reportKPI is one indicator.
type reportKPI struct {
	ID, Name, Def string
	Shown         bool
	Value         string // the formatted value, or why it is not shown
	Base          reportCell
	Dist          *reportFigure
	Parts         []reportKPI
}

// reportView turns a report into what the partial shows, in lang.
func (s *Server) reportView(lang string, r *stats.Report) (reportViewModel, error) {
	T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
	k := r.K
	if k <= 0 {
		k = stats.DefaultK
	}
	v := reportViewModel{
		Persons:      s.reportCell(lang, r.Persons),
		Uncounted:    s.reportCell(lang, r.Uncounted),
		WithheldNote: T("report.withheld_note", k, max(k, stats.ChildK)),
	}
	v.AnyWithheld = r.Persons.Suppressed || r.Uncounted.Suppressed
	for _, f := range r.Figures {
		fv, withheld, err := s.reportFigure(lang, f)
		if err != nil {
			return v, err
		}
		v.AnyWithheld = v.AnyWithheld || withheld
		v.Figures = append(v.Figures, fv)
	}
	for i, set := range [][]stats.KPI{r.KPIs, r.EmergencyKPIs} {
		for _, x := range set {
			prefix := "kpi-"
			if i == 1 {
				prefix = "ekpi-"
			}
			kv, withheld, err := s.reportKPI(lang, x, prefix, true)
			if err != nil {
				return v, err
			}
			v.AnyWithheld = v.AnyWithheld || withheld
			if i == 0 {
				v.KPIs = append(v.KPIs, kv)
			} else {
				v.EmergencyKPIs = append(v.EmergencyKPIs, kv)
			}
		}
	}
	return v, nil
}

// reportNumber formats a number the language's way: whole numbers as they are, others
// with one decimal (a comma in Albanian).
func reportNumber(lang string, f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == "sq" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (s *Server) reportCell(lang string, c stats.Cell) reportCell {
	if c.Suppressed {
		return reportCell{Withheld: true}
	}
	return reportCell{Text: reportNumber(lang, float64(c.Count))}
}

// label translates a label under its catalogue prefix, or shows it as it is.
func (s *Server) reportLabel(lang, prefix, label string) string {
	if prefix == "" {
		return label
	}
	return s.term(lang, prefix+label)
}

// reportFigure builds a figure's chart and table; it reports whether a value is withheld.
func (s *Server) reportFigure(lang string, f stats.Figure) (reportFigure, bool, error) {
	T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
	fv := reportFigure{ID: f.ID, Title: T("figure." + f.ID), NotAdditive: f.NotAdditive, RowHead: T("report.category")}
	opt := chart.Options{ID: "fig-" + safeID(f.ID), ValueLabel: T("report.number"), WithheldNote: T("report.withheld"), Horizontal: true}
	return s.fillFigure(lang, fv, f.Labels, f.ColLabels, f.List, f.Table, opt)
}

// fillFigure fills fv from a list or a table and draws its chart.
func (s *Server) fillFigure(lang string, fv reportFigure, labels, colLabels string, l *stats.PublishedList, t *stats.Published, opt chart.Options) (reportFigure, bool, error) {
	T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
	var (
		names    []string
		values   []float64
		withheld []bool
		hid      bool
		svg      []byte
		err      error
	)
	add := func(name string, c stats.Cell) {
		names = append(names, name)
		values = append(values, float64(c.Count))
		withheld = append(withheld, c.Suppressed)
		hid = hid || c.Suppressed
	}
	totalLabel := T("report.total")
	if fv.NotAdditive {
		totalLabel = T("report.total_persons")
	}
	switch {
	case l != nil:
		fv.Cols = []string{T("report.number")}
		for i, lab := range l.Labels {
			name := s.reportLabel(lang, labels, lab)
			c := l.Cells[i]
			add(name, c)
			fv.Rows = append(fv.Rows, reportRow{Label: name, Cells: []reportCell{s.reportCell(lang, c)}})
		}
		fv.Total = &reportRow{Label: totalLabel, Cells: []reportCell{s.reportCell(lang, l.Total)}}
		hid = hid || l.Total.Suppressed
		opt.Summary = T("report.chart_summary", len(names), countTrue(withheld))
		if fv.ID == "trend" {
			opt.Horizontal = false
			// One line needs no legend: the heading names it.
			svg, err = chart.Lines(fv.Title, names, []chart.Series{{Values: values, Withheld: withheld}}, opt)
		} else {
			svg, err = chart.Bars(fv.Title, names, values, withheld, opt)
		}
	case t != nil:
		rowNames := make([]string, len(t.Rows))
		for i, r := range t.Rows {
			rowNames[i] = s.reportLabel(lang, labels, r)
		}
		colNames := make([]string, len(t.Cols))
		for j, c := range t.Cols {
			colNames[j] = s.reportLabel(lang, colLabels, c)
		}
		fv.Cols = append(append([]string{}, colNames...), totalLabel)
		for i := range t.Rows {
			row := reportRow{Label: rowNames[i]}
			for j := range t.Cols {
				c := t.Cells[i][j]
				row.Cells = append(row.Cells, s.reportCell(lang, c))
				hid = hid || c.Suppressed
			}
			row.Cells = append(row.Cells, s.reportCell(lang, t.RowTotals[i]))
			hid = hid || t.RowTotals[i].Suppressed
			fv.Rows = append(fv.Rows, row)
		}
		tot := reportRow{Label: totalLabel}
		for _, c := range t.ColTotals {
			tot.Cells = append(tot.Cells, s.reportCell(lang, c))
			hid = hid || c.Suppressed
		}
		tot.Cells = append(tot.Cells, s.reportCell(lang, t.Total))
		hid = hid || t.Total.Suppressed
		fv.Total = &tot
		if fv.ID == "trend" {
			// A trend table: one line per group along the months. The months are the
			// dimension shown as it is (no catalogue prefix).
			svg, err = s.trendTable(fv.Title, rowNames, colNames, labels == "" && colLabels != "", t, opt, lang)
		} else {
			// Any other table: one bar per cell, "row – column".
			for i := range t.Rows {
				for j := range t.Cols {
					add(rowNames[i]+" – "+colNames[j], t.Cells[i][j])
				}
			}
			opt.Summary = T("report.chart_summary", len(names), countTrue(withheld))
			svg, err = chart.Bars(fv.Title, names, values, withheld, opt)
		}
	default:
		return fv, false, fmt.Errorf("web: figure %s has neither a list nor a table", fv.ID)
	}
	if err != nil {
		return fv, false, err
	}
	fv.SVG = template.HTML(svg) // #nosec: generated by package chart, every text escaped
	return fv, hid, nil
}

// trendTable draws a table as lines: with monthsInRows the rows are the months and each
// column a line, otherwise the columns are the months and each row a line.
func (s *Server) trendTable(title string, rowNames, colNames []string, monthsInRows bool, t *stats.Published, opt chart.Options, lang string) ([]byte, error) {
	var x []string
	var series []chart.Series
	cell := func(i, j int) stats.Cell { return t.Cells[i][j] }
	nx, ns := len(colNames), len(rowNames)
	x, names := colNames, rowNames
	if monthsInRows {
		nx, ns = ns, nx
		x, names = rowNames, colNames
		cell = func(i, j int) stats.Cell { return t.Cells[j][i] }
	}
	withheld := 0
	for si := 0; si < ns; si++ {
		sr := chart.Series{Name: names[si], Values: make([]float64, nx), Withheld: make([]bool, nx)}
		for xi := 0; xi < nx; xi++ {
			c := cell(si, xi)
			sr.Values[xi], sr.Withheld[xi] = float64(c.Count), c.Suppressed
			if c.Suppressed {
				withheld++
			}
		}
		series = append(series, sr)
	}
	opt.Horizontal = false
	opt.Summary = s.cat.T(lang, "report.chart_summary", nx*ns, withheld)
	return chart.Lines(title, x, series, opt)
}

// reportKPI builds an indicator: top is false for a part of another indicator, which is
// named by its label and shares its parent's definition.
func (s *Server) reportKPI(lang string, x stats.KPI, idPrefix string, top bool) (reportKPI, bool, error) {
	T := func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
	kv := reportKPI{ID: x.ID, Shown: x.Shown && !x.N.Suppressed, Base: s.reportCell(lang, x.N)}
	if top {
		kv.Name, kv.Def = T("kpi."+x.ID), T("kpi."+x.ID+".def")
	} else {
		kv.Name = s.reportLabel(lang, x.LabelPrefix, x.Label)
	}
	withheld := x.N.Suppressed
	unit := T("unit." + x.Unit)
	switch {
	case !kv.Shown:
		kv.Value = T("report.kpi_not_shown")
	case x.Unit == "share":
		kv.Value = T("report.value_share", reportNumber(lang, x.Value*100))
		if x.ID == "timeliness" && x.Median > 0 {
			kv.Value += T("report.typical_delay", reportNumber(lang, x.Median))
		}
	case x.Unit == "days" || x.Unit == "working_days":
		kv.Value = T("report.value_duration", reportNumber(lang, x.Median), unit, reportNumber(lang, x.Mean), unit)
	default:
		kv.Value = reportNumber(lang, x.Value) + " " + unit
	}
	id := idPrefix + safeID(x.ID)
	if !top {
		id += "-" + safeID(x.Label)
	}
	if kv.Shown && x.Distribution != nil {
		fv := reportFigure{ID: id + "-dist", Title: T("report.distribution_of", kv.Name), RowHead: T("report.band", unit), Sub: true}
		opt := chart.Options{ID: id + "-dist", ValueLabel: T("report.number"), CategoryLabel: unit, WithheldNote: T("report.withheld"), Horizontal: true}
		fv, w, err := s.fillFigure(lang, fv, "", "", x.Distribution, nil, opt)
		if err != nil {
			return kv, false, err
		}
		withheld = withheld || w
		kv.Dist = &fv
	}
	for _, p := range x.Parts {
		pv, w, err := s.reportKPI(lang, p, id+"-", false)
		if err != nil {
			return kv, false, err
		}
		withheld = withheld || w
		kv.Parts = append(kv.Parts, pv)
	}
	return kv, withheld, nil
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// safeID keeps the letters, digits, '-' and '_' of s, for an element id.
func safeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
