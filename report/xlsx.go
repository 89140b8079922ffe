package report

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/nrm-org/nrm/stats"
)

// Where a figure's sheet puts things: the title in A1, the note on the marker in A2, a
// note on overlapping items in A3, the column headings in row 4, the rows from row 5.
const (
	xlsxHeaderRow = 4
	xlsxFirstRow  = 5
)

// XLSX writes r as an Excel workbook to w: a summary sheet (what the report covers, the
// marker explained, the indicators with their definitions), then one sheet per figure.
// Sheets are written with excelize's stream writer, so memory does not grow with the
// size of the figures.
func XLSX(w io.Writer, r *stats.Report, t Translator) error {
	if r == nil {
		return errf("no report")
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsx{f: f, t: t, used: map[string]bool{}}
	if err := x.styles(); err != nil {
		return errf("xlsx: %w", err)
	}
	title := t("report.title")
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "nrm"}); err != nil {
		return errf("xlsx: %w", err)
	}
	summary := x.sheetName(t("report.sheet.summary"))
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return errf("xlsx: %w", err)
	}
	if err := x.summary(summary, r); err != nil {
		return errf("xlsx: summary: %w", err)
	}
	for _, fig := range r.Figures {
		if fig.List == nil && fig.Table == nil {
			continue
		}
		name := x.sheetName(figureTitle(fig, t))
		if _, err := f.NewSheet(name); err != nil {
			return errf("xlsx: %w", err)
		}
		if err := x.figure(name, fig, r.K); err != nil {
			return errf("xlsx: %s: %w", fig.ID, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return errf("xlsx: %w", err)
	}
	return nil
}

type xlsx struct {
	f    *excelize.File
	t    Translator
	used map[string]bool // sheet names taken, lower case (Excel ignores case)

	bold, title, withheld, pct, dec, wrap int
}

func (x *xlsx) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	pct, dec := "0.0%", "0.0"
	x.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	x.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.withheld = mk(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})
	x.pct = mk(&excelize.Style{CustomNumFmt: &pct})
	x.dec = mk(&excelize.Style{CustomNumFmt: &dec})
	x.wrap = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return err
}

// sheetName makes s a valid sheet name not used yet: no : \ / ? * [ ], no quote at either
// end, at most 31 UTF-16 units, unique ignoring case.
func (x *xlsx) sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	if s == "" {
		s = "-"
	}
	base := s
	for n := 1; ; n++ {
		cand := truncate16(base, 31)
		if n > 1 {
			suffix := " (" + strconv.Itoa(n) + ")"
			cand = truncate16(base, 31-len(suffix)) + suffix
		}
		if !x.used[strings.ToLower(cand)] {
			x.used[strings.ToLower(cand)] = true
			return cand
		}
	}
}

// truncate16 cuts s to at most n UTF-16 units, between runes.
func truncate16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += len(utf16.Encode([]rune{r}))
		if units > n {
			return strings.TrimRight(s[:i], " '")
		}
	}
	return s
}

// cell is a count as a workbook value: the number, or Marker.
func (x *xlsx) cell(c stats.Cell) any {
	if c.Suppressed {
		return excelize.Cell{StyleID: x.withheld, Value: Marker}
	}
	return c.Count
}

// rows writes rows one after another with a stream writer.
type rows struct {
	sw *excelize.StreamWriter
	n  int
}

func (w *rows) add(values ...any) error {
	w.n++
	return w.sw.SetRow("A"+strconv.Itoa(w.n), values)
}

func (w *rows) skip(n int) { w.n += n }

func (x *xlsx) summary(sheet string, r *stats.Report) error {
	t := x.t
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for col, width := range []float64{22, 38, 12, 12, 12, 14, 12, 70} {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	w := &rows{sw: sw}
	b := func(s string) excelize.Cell { return excelize.Cell{StyleID: x.bold, Value: s} }
	if err := w.add(excelize.Cell{StyleID: x.title, Value: t("report.title")}); err != nil {
		return err
	}
	w.skip(1)
	k := r.K
	if k == 0 {
		k = r.Filter.K
	}
	for _, kv := range [][2]any{
		{t("report.period"), period(r.Filter, t)},
		{t("report.region"), region(r.Filter, t)},
		{t("report.dataset"), dataset(r)},
		{t("report.k"), k},
		{t("report.generated"), generated(r)},
		{t("report.persons"), x.cell(r.Persons)},
		{t("report.uncounted"), x.cell(r.Uncounted)},
	} {
		if err := w.add(b(kv[0].(string)), kv[1]); err != nil {
			return err
		}
	}
	w.skip(1)
	if err := w.add(t("report.marker_note", Marker, k)); err != nil {
		return err
	}
	for _, sec := range []struct {
		key  string
		kpis []stats.KPI
	}{{"report.kpis", r.KPIs}, {"report.kpis_emergency", r.EmergencyKPIs}} {
		if len(sec.kpis) == 0 {
			continue
		}
		w.skip(1)
		if err := w.add(excelize.Cell{StyleID: x.title, Value: t(sec.key)}); err != nil {
			return err
		}
		if err := w.add(b(t("report.col.id")), b(t("report.col.indicator")), b(t("report.col.value")),
			b(t("report.col.median")), b(t("report.col.mean")), b(t("report.col.unit")),
			b(t("report.col.base")), b(t("report.col.definition"))); err != nil {
			return err
		}
		for _, kp := range sec.kpis {
			if err := x.kpi(w, kp, false); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// kpi writes one indicator (or part) row, its spread and its parts.
func (x *xlsx) kpi(w *rows, k stats.KPI, part bool) error {
	t := x.t
	id, def, name := k.ID, t("kpi."+k.ID+".def"), kpiName(k, t, false)
	if part {
		id, def, name = "", "", "   "+kpiName(k, t, true)
	}
	var value, median, mean any
	shown, empty := kpiPublished(k)
	switch {
	case empty:
		value = t("report.no_data")
	case !shown:
		value = excelize.Cell{StyleID: x.withheld, Value: Marker}
		if isDuration(k.Unit) {
			value, median, mean = nil, value, value
		}
	case k.Unit == "share":
		value = excelize.Cell{StyleID: x.pct, Value: k.Value}
	case isDuration(k.Unit):
		median = excelize.Cell{StyleID: x.dec, Value: k.Median}
		mean = excelize.Cell{StyleID: x.dec, Value: k.Mean}
	default:
		value = k.Value
	}
	if err := w.add(id, name, value, median, mean, unitName(k.Unit, t), x.cell(k.N),
		excelize.Cell{StyleID: x.wrap, Value: def}); err != nil {
		return err
	}
	if d := k.Distribution; d != nil && shown {
		for i, l := range d.Labels {
			c := stats.Cell{}
			if i < len(d.Cells) {
				c = d.Cells[i]
			}
			if err := w.add(nil, "      "+t("report.distribution")+": "+l, nil, nil, nil, unitName("persons", t), x.cell(c)); err != nil {
				return err
			}
		}
	}
	for _, p := range k.Parts {
		if err := x.kpi(w, p, true); err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsx) figure(sheet string, fig stats.Figure, k int) error {
	t := x.t
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := header(fig, t)
	if err := sw.SetColWidth(1, 1, 36); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, len(head), 12); err != nil {
		return err
	}
	w := &rows{sw: sw}
	if err := w.add(excelize.Cell{StyleID: x.title, Value: figureTitle(fig, t)}); err != nil {
		return err
	}
	if err := w.add(t("report.marker_note", Marker, k)); err != nil {
		return err
	}
	if fig.NotAdditive {
		if err := w.add(t("report.not_additive")); err != nil {
			return err
		}
	} else {
		w.skip(1)
	}
	vals := make([]any, len(head))
	for i, h := range head {
		vals[i] = excelize.Cell{StyleID: x.bold, Value: h}
	}
	if err := w.add(vals...); err != nil {
		return err
	}
	if err := eachRow(fig, t, func(l string, cells []stats.Cell, total bool) error {
		vals = vals[:0]
		if total {
			vals = append(vals, excelize.Cell{StyleID: x.bold, Value: l})
		} else {
			vals = append(vals, l)
		}
		for _, c := range cells {
			vals = append(vals, x.cell(c))
		}
		return w.add(vals...)
	}); err != nil {
		return err
	}
	return sw.Flush()
}
