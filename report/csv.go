package report

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/nrm-org/nrm/stats"
)

// bom opens the CSV so that Excel reads it as UTF-8 (Albanian ë and ç).
const bom = "\uFEFF"

// CSV writes r as one long ("tidy") table to w: one line per value, with the columns
// figure, row, column, value and status (shown, primary, secondary; a withheld value is
// empty). The figure column holds the figure's id; "persons" holds the persons counted
// and not counted, "kpi" and "kpi_emergency" the indicators (column: the measure),
// "kpi_distribution" their spread. Rows and columns are labelled in the Translator's
// language, as in the workbook; totals are labelled report.total. Numbers use a decimal
// point whatever the language, and shares are between 0 and 1.
func CSV(w io.Writer, r *stats.Report, t Translator) error {
	if r == nil {
		return errf("no report")
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return errf("csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	c := &csvOut{w: cw, t: t}
	c.line(t("report.csv.figure"), t("report.csv.row"), t("report.csv.column"), t("report.csv.value"), t("report.csv.status"))
	c.cell("persons", t("report.persons"), "", r.Persons)
	c.cell("persons", t("report.uncounted"), "", r.Uncounted)
	for _, fig := range r.Figures {
		c.figure(fig)
	}
	for _, k := range r.KPIs {
		c.kpi("kpi", k, "")
	}
	for _, k := range r.EmergencyKPIs {
		c.kpi("kpi_emergency", k, "")
	}
	cw.Flush()
	if c.err == nil {
		c.err = cw.Error()
	}
	if c.err == nil {
		c.err = bw.Flush()
	}
	if c.err != nil {
		return errf("csv: %w", c.err)
	}
	return nil
}

type csvOut struct {
	w   *csv.Writer
	t   Translator
	rec [5]string
	err error
}

func (c *csvOut) line(figure, row, column, value, status string) {
	if c.err != nil {
		return
	}
	c.rec = [5]string{figure, row, column, value, status}
	c.err = c.w.Write(c.rec[:])
}

// cell writes a count: its value, or nothing when withheld.
func (c *csvOut) cell(figure, row, column string, v stats.Cell) {
	value := ""
	if !v.Suppressed {
		value = strconv.Itoa(v.Count)
	}
	c.line(figure, row, column, value, status(v))
}

func (c *csvOut) figure(fig stats.Figure) {
	t := c.t
	switch {
	case fig.Table != nil:
		head := header(fig, t)[1:] // the columns, then the row total
		_ = eachRow(fig, t, func(l string, cells []stats.Cell, _ bool) error {
			for j, v := range cells {
				if j < len(head) {
					c.cell(fig.ID, l, head[j], v)
				}
			}
			return c.err
		})
	case fig.List != nil:
		_ = eachRow(fig, t, func(l string, cells []stats.Cell, _ bool) error {
			c.cell(fig.ID, l, "", cells[0])
			return c.err
		})
	}
}

// kpi writes an indicator's measures, its base, its spread and its parts; prefix names
// the indicator a part belongs to.
func (c *csvOut) kpi(figure string, k stats.KPI, prefix string) {
	t := c.t
	name := kpiName(k, t, prefix != "")
	if prefix != "" {
		name = prefix + ": " + name
	}
	var measures [][2]string // column, value
	unit := unitName(k.Unit, t)
	switch {
	case isDuration(k.Unit):
		measures = [][2]string{
			{t("report.col.median") + " (" + unit + ")", num(k.Median, 2, ".")},
			{t("report.col.mean") + " (" + unit + ")", num(k.Mean, 2, ".")},
		}
	case k.Unit == "share":
		measures = [][2]string{{t("report.col.value") + " (" + unit + ")", num(k.Value, 4, ".")}}
	default:
		measures = [][2]string{{t("report.col.value") + " (" + unit + ")", num(k.Value, 2, ".")}}
	}
	shown, empty := kpiPublished(k)
	if !empty {
		for _, m := range measures {
			if shown {
				c.line(figure, name, m[0], m[1], StatusShown)
			} else {
				c.line(figure, name, m[0], "", withheldStatus(k))
			}
		}
	}
	c.cell(figure, name, t("report.col.base"), k.N)
	if d := k.Distribution; d != nil && shown {
		for i, l := range d.Labels {
			v := stats.Cell{}
			if i < len(d.Cells) {
				v = d.Cells[i]
			}
			c.cell("kpi_distribution", name, l, v)
		}
	}
	for _, p := range k.Parts {
		c.kpi(figure, p, name)
	}
}
