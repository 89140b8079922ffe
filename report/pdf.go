package report

import (
	"io"
	"strings"

	"github.com/nrm-org/nrm/pdfdoc"
	"github.com/nrm-org/nrm/stats"
)

// PDF writes r as an A4 document to w: the title, what the report covers, the marker
// explained, the indicators each with its definition beside it, then every figure as a
// table (a wide table is split into column groups, each repeating the row labels; a
// table running over a page repeats its headings). The Go fonts are embedded, so
// Albanian letters print without fonts on the machine.
func PDF(w io.Writer, r *stats.Report, t Translator) error {
	if r == nil {
		return errf("no report")
	}
	d, err := newDoc(t)
	if err != nil {
		return err
	}
	title := t("report.title")
	d.Info(title, "nrm", r.GeneratedAt)
	d.Para(title, true, sizeTitle)
	k := r.K
	if k == 0 {
		k = r.Filter.K
	}
	for _, kv := range [][2]string{
		{t("report.period"), period(r.Filter, t)},
		{t("report.region"), region(r.Filter, t)},
		{t("report.dataset"), dataset(r)},
		{t("report.k"), itoa(k)},
		{t("report.generated"), generated(r)},
		{t("report.persons"), cellText(r.Persons)},
		{t("report.uncounted"), cellText(r.Uncounted)},
	} {
		d.row([]string{kv[0], kv[1]}, []float64{200, textW - 200 - gap}, true, sizeBody)
	}
	d.Y += 4
	d.Para(t("report.marker_note", Marker, k), false, sizeBody)
	d.kpis(t("report.kpis"), r.KPIs)
	d.kpis(t("report.kpis_emergency"), r.EmergencyKPIs)
	for _, fig := range r.Figures {
		d.figure(fig)
	}
	d.pageNumbers()
	if d.Err != nil {
		return errf("pdf: %w", d.Err)
	}
	if _, err := d.PDF.WriteTo(w); err != nil {
		return errf("pdf: %w", err)
	}
	return nil
}

// The page: A4 in points, with margins of about two centimetres.
const (
	pageW, pageH = pdfdoc.PageW, pdfdoc.PageH
	marginX      = 50.0
	marginTop    = 50.0
	marginBottom = 60.0 // the page number sits below the text
	textW        = pageW - 2*marginX
	gap          = 8.0 // between the columns of a row

	sizeTitle   = 17.0
	sizeHeading = 13.0
	sizeBody    = 10.0
	sizeTable   = 8.5
	sizeSmall   = 8.0
	leading     = 1.35 // line height as a multiple of the font size

	tableLabelW = 150.0 // the label column of a figure
	tableColMin = 44.0  // the narrowest number column
)

// doc is the report being written top to bottom (package pdfdoc).
type doc struct {
	*pdfdoc.Doc
	t Translator
}

func newDoc(t Translator) (*doc, error) {
	pd, err := pdfdoc.New(pdfdoc.Layout{MarginX: marginX, MarginTop: marginTop, MarginBottom: marginBottom, Leading: leading})
	if err != nil {
		return nil, err
	}
	return &doc{Doc: pd, t: t}, nil
}

// heading starts a section, kept together with the first lines after it, underlined.
func (d *doc) heading(s string) {
	d.Y += 10
	d.Room(sizeHeading*leading + 5*sizeTable*leading)
	d.Para(s, true, sizeHeading)
	d.Rule(d.Y-3, 0.5)
	d.Y += 3
}

// row writes cells side by side, each wrapped in its column; the first may be bold; a
// column listed in right is aligned right. A row that does not fit starts a new page
// (and calls again, when set, to repeat headings), unless it is taller than a page.
func (d *doc) row(cells []string, widths []float64, boldFirst bool, size float64, right ...bool) {
	d.rowAgain(cells, widths, boldFirst, false, size, nil, right...)
}

func (d *doc) rowAgain(cells []string, widths []float64, boldFirst, boldAll bool, size float64, again func(), right ...bool) {
	if d.Err != nil {
		return
	}
	bold := func(i int) bool { return boldAll || (boldFirst && i == 0) }
	cols := make([][]string, len(cells))
	n := 0
	for i, c := range cells {
		d.Font(bold(i), size)
		cols[i] = d.Wrap(c, widths[i])
		n = max(n, len(cols[i]))
	}
	lh := size * leading
	if h := float64(n) * lh; h <= pageH-marginTop-marginBottom && !d.Fits(h) {
		d.NewPage()
		if again != nil {
			again()
		}
	}
	for k := range n {
		d.Room(lh)
		x := marginX
		for i := range cols {
			if k < len(cols[i]) {
				d.Font(bold(i), size)
				s := cols[i][k]
				if i < len(right) && right[i] {
					d.At(x+widths[i]-d.Width(s), d.Y, s, size)
				} else {
					d.At(x, d.Y, s, size)
				}
			}
			x += widths[i] + gap
		}
		d.Y += lh
	}
	d.Y += size * 0.25
}

// kpis writes one section of indicators: name, figure and base, definition.
func (d *doc) kpis(title string, kpis []stats.KPI) {
	if len(kpis) == 0 {
		return
	}
	d.heading(title)
	widths := []float64{130, 120, textW - 250 - 2*gap}
	var one func(k stats.KPI, part bool)
	one = func(k stats.KPI, part bool) {
		t := d.t
		name, def := kpiName(k, t, part), t("kpi."+k.ID+".def")
		if part {
			name, def = "   "+name, ""
		}
		fig := kpiText(k, t) + "\n" + t("report.base_n", cellText(k.N))
		if dist := k.Distribution; dist != nil {
			if shown, _ := kpiPublished(k); shown {
				var b strings.Builder
				for i, l := range dist.Labels {
					c := stats.Cell{}
					if i < len(dist.Cells) {
						c = dist.Cells[i]
					}
					b.WriteString("\n" + l + ": " + cellText(c))
				}
				if b.Len() > 0 {
					fig += "\n" + t("report.distribution") + ":" + b.String()
				}
			}
		}
		d.row([]string{name, fig, def}, widths, !part, sizeTable)
		for _, p := range k.Parts {
			one(p, true)
		}
	}
	for _, k := range kpis {
		one(k, false)
	}
}

// figure writes one figure as a table: a heading, the notes, the headings of the
// columns and the rows, the total row last. A table wider than the page is written in
// groups of columns.
func (d *doc) figure(fig stats.Figure) {
	if fig.List == nil && fig.Table == nil {
		return
	}
	t := d.t
	d.heading(figureTitle(fig, t))
	if fig.NotAdditive {
		d.Para(t("report.not_additive"), false, sizeSmall)
	}
	head := header(fig, t)
	ncols := len(head) - 1
	avail := textW - tableLabelW
	per := max(1, int(avail/(tableColMin+gap)))
	if fig.Table == nil {
		per = 1
	}
	for start := 0; start < ncols; start += per {
		end := min(ncols, start+per)
		labelW := tableLabelW
		colW := tableColMin
		if fig.Table == nil {
			labelW, colW = 300, 80
		} else if n := end - start; n > 0 {
			colW = min(80, (textW-labelW)/float64(n)-gap)
		}
		widths := []float64{labelW}
		right := []bool{false}
		hd := []string{head[0]}
		for j := start; j < end; j++ {
			widths = append(widths, colW)
			right = append(right, true)
			hd = append(hd, head[j+1])
		}
		if start > 0 {
			d.Y += 6
		}
		headings := func() {
			d.rowAgain(hd, widths, false, true, sizeTable, nil, right...)
			d.Rule(d.Y-2, 0.5)
		}
		headings()
		cells := make([]string, 0, len(hd))
		_ = eachRow(fig, t, func(l string, row []stats.Cell, total bool) error {
			cells = append(cells[:0], l)
			for j := start; j < end && j < len(row); j++ {
				cells = append(cells, cellText(row[j]))
			}
			if total {
				if !d.Fits(sizeTable * leading) {
					d.NewPage()
					headings()
				}
				d.Rule(d.Y-1, 0.5)
			}
			d.rowAgain(cells, widths, total, total, sizeTable, headings, right...)
			return d.Err
		})
	}
}

// pageNumbers writes "page X of Y" at the foot of every page.
func (d *doc) pageNumbers() {
	if d.Err != nil {
		return
	}
	n := d.PDF.GetNumberOfPages()
	for i := 1; i <= n; i++ {
		if err := d.PDF.SetPage(i); err != nil {
			d.Err = err
			return
		}
		d.Font(false, sizeSmall)
		s := d.t("report.page", i, n)
		d.At(pageW-marginX-d.Width(s), pageH-marginBottom/2-sizeSmall, s, sizeSmall)
	}
}

func itoa(n int) string { return cellText(stats.Cell{Count: n}) }
