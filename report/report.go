// Package report prints a periodic report — a *stats.Report, the counts of persons after
// disclosure control — as an Excel workbook (XLSX), one long CSV file and a PDF, in the
// language of the Translator it is given.
//
// A withheld value is never a number here: stats.Suppress keeps the withheld count to
// itself (a withheld Cell has Count 0), and every renderer checks Suppressed before it
// reads Count, printing Marker in the workbook and the PDF and an empty value with its
// status ("primary", "secondary") in the CSV.
package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm/stats"
)

// Translator gives the message for a catalogue key in the report's language. The web
// layer passes func(k string, a ...any) string { return cat.T(lang, k, a...) }.
type Translator func(key string, args ...any) string

// Marker stands for a withheld value in the workbook and the PDF. The summary explains it
// in a plain sentence (report.marker_note).
const Marker = "–"

// Status values of the CSV's status column.
const (
	StatusShown     = "shown"
	StatusPrimary   = "primary"
	StatusSecondary = "secondary"
)

func status(c stats.Cell) string {
	if !c.Suppressed {
		return StatusShown
	}
	if c.Why == stats.Secondary {
		return StatusSecondary
	}
	return StatusPrimary
}

// cellText is a cell as printed: its count, or Marker.
func cellText(c stats.Cell) string {
	if c.Suppressed {
		return Marker
	}
	return strconv.Itoa(c.Count)
}

// period writes the filter's months as "2026-01 – 2026-03"; an open end is named.
func period(f stats.Filter, t Translator) string {
	from, to := t("report.period.start"), t("report.period.end")
	if f.From != 0 {
		from = f.From.String()
	}
	if f.To != 0 {
		to = f.To.String()
	}
	return from + " – " + to
}

// region names the filter's region: its catalogue name when there is one, the code
// otherwise, or every region.
func region(f stats.Filter, t Translator) string {
	if f.Region == "" {
		return t("report.all_regions")
	}
	if s := t("region." + f.Region); s != "region."+f.Region && s != "" {
		return s
	}
	return f.Region
}

func dataset(r *stats.Report) string {
	if r.Dataset != "" {
		return r.Dataset
	}
	return r.Filter.Dataset
}

func generated(r *stats.Report) string {
	if r.GeneratedAt.IsZero() {
		return ""
	}
	return Stamp(r.GeneratedAt)
}

// Stamp writes a time for a file that leaves the system: in the zone the
// time carries (the jurisdiction's), named with its offset, so a reader
// elsewhere cannot take it for their own local time:
// "2026-12-07 00:30 (Europe/Tirane, UTC+01:00)".
func Stamp(t time.Time) string {
	return t.Format("2006-01-02 15:04") + " (" + t.Location().String() + ", UTC" + t.Format("-07:00") + ")"
}

// label translates a row or column label under its catalogue prefix ("" shows it as is).
func label(prefix, l string, t Translator) string {
	if prefix == "" {
		return l
	}
	return t(prefix + l)
}

func figureTitle(f stats.Figure, t Translator) string { return t("figure." + f.ID) }

// header returns a figure's column headings: the label column, then the columns (a list
// has one: persons), the last one a table's row totals.
func header(f stats.Figure, t Translator) []string {
	if f.Table == nil {
		return []string{t("report.col.category"), t("report.col.persons")}
	}
	h := make([]string, 0, len(f.Table.Cols)+2)
	h = append(h, t("report.col.category"))
	for _, c := range f.Table.Cols {
		h = append(h, label(f.ColLabels, c, t))
	}
	return append(h, t("report.total"))
}

// eachRow calls fn for every row of a figure in print order, the total row last: the
// row's label and its cells (a table's row total last). cells is reused between calls.
func eachRow(f stats.Figure, t Translator, fn func(label string, cells []stats.Cell, total bool) error) error {
	switch {
	case f.Table != nil:
		p := f.Table
		buf := make([]stats.Cell, 0, len(p.Cols)+1)
		for i, row := range p.Rows {
			buf = buf[:0]
			if i < len(p.Cells) {
				buf = append(buf, p.Cells[i]...)
			}
			for len(buf) < len(p.Cols) {
				buf = append(buf, stats.Cell{})
			}
			if i < len(p.RowTotals) {
				buf = append(buf, p.RowTotals[i])
			} else {
				buf = append(buf, stats.Cell{})
			}
			if err := fn(label(f.Labels, row, t), buf, false); err != nil {
				return err
			}
		}
		buf = buf[:0]
		buf = append(buf, p.ColTotals...)
		for len(buf) < len(p.Cols) {
			buf = append(buf, stats.Cell{})
		}
		buf = append(buf, p.Total)
		return fn(t("report.total"), buf, true)
	case f.List != nil:
		p := f.List
		buf := make([]stats.Cell, 1)
		for i, l := range p.Labels {
			buf[0] = stats.Cell{}
			if i < len(p.Cells) {
				buf[0] = p.Cells[i]
			}
			if err := fn(label(f.Labels, l, t), buf, false); err != nil {
				return err
			}
		}
		buf[0] = p.Total
		total := t("report.total")
		if f.NotAdditive {
			total = t("report.total_persons")
		}
		return fn(total, buf, true)
	}
	return nil
}

// kpiName names an indicator, or a part of one.
func kpiName(k stats.KPI, t Translator, part bool) string {
	if part {
		return label(k.LabelPrefix, k.Label, t)
	}
	return t("kpi." + k.ID)
}

func unitName(unit string, t Translator) string {
	switch unit {
	case "days":
		return t("report.unit.days")
	case "working_days":
		return t("report.unit.working_days")
	case "share":
		return t("report.unit.share")
	case "persons":
		return t("report.unit.persons")
	}
	return unit
}

func isDuration(unit string) bool { return unit == "days" || unit == "working_days" }

// kpiPublished reports whether an indicator's values may be printed, and whether there
// was anything to compute at all (an empty base is not a withheld one).
func kpiPublished(k stats.KPI) (shown, empty bool) {
	if k.N.Suppressed {
		return false, false
	}
	return k.Shown, !k.Shown && k.N.Count == 0
}

// withheldStatus is the status of an indicator's values when they are not published:
// that of its base when the base is withheld, primary (too few) otherwise.
func withheldStatus(k stats.KPI) string {
	if k.N.Suppressed {
		return status(k.N)
	}
	return StatusPrimary
}

// num formats a number with at most prec decimals, trailing zeros cut, with the
// language's decimal mark.
func num(v float64, prec int, dec string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	if dec != "" && dec != "." {
		s = strings.Replace(s, ".", dec, 1)
	}
	return s
}

// kpiText is an indicator's figure in words: "42%", "median 12, mean 14.5 days", Marker
// when withheld, or "no data".
func kpiText(k stats.KPI, t Translator) string {
	shown, empty := kpiPublished(k)
	if empty {
		return t("report.no_data")
	}
	if !shown {
		return Marker
	}
	dec := t("report.decimal_mark")
	switch {
	case k.Unit == "share" && k.ID == "timeliness" && k.Median > 0:
		return num(k.Value*100, 1, dec) + "%" + t("report.typical_delay", num(k.Median, 1, dec))
	case k.Unit == "share":
		return num(k.Value*100, 1, dec) + "%"
	case isDuration(k.Unit):
		return t("report.duration", num(k.Median, 1, dec), num(k.Mean, 1, dec), unitName(k.Unit, t))
	}
	return num(k.Value, 1, dec)
}

// Filename names a report file: nrm-report-2026-01_2026-03.xlsx, with the dataset (when
// not the register) and the region before the period, in ASCII letters, digits and
// hyphens only.
func Filename(r *stats.Report, ext string) string {
	var b strings.Builder
	b.WriteString("nrm-report")
	if r != nil {
		f := r.Filter
		if d := slug(f.Dataset); d != "" && d != "nrm" {
			b.WriteString("-" + d)
		}
		if reg := slug(f.Region); reg != "" {
			b.WriteString("-" + reg)
		}
		from, to := "start", "end"
		if f.From != 0 {
			from = f.From.String()
		}
		if f.To != 0 {
			to = f.To.String()
		}
		b.WriteString("-" + from + "_" + to)
	}
	if ext = slug(strings.TrimPrefix(ext, ".")); ext != "" {
		b.WriteString("." + ext)
	}
	return b.String()
}

// slug keeps ASCII letters (lower case) and digits, writes ë as e and ç as c, and makes
// every other run of characters one hyphen.
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ë', 'é', 'è', 'ê':
			r = 'e'
		case 'ç':
			r = 'c'
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return b.String()
}

// errf prefixes the package's errors.
func errf(format string, args ...any) error { return fmt.Errorf("report: "+format, args...) }
