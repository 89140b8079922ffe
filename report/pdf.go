package report

import (
	"io"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

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
	d.pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "nrm", Producer: "nrm", CreationDate: r.GeneratedAt})
	d.para(title, true, sizeTitle)
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
	d.y += 4
	d.para(t("report.marker_note", Marker, k), false, sizeBody)
	d.kpis(t("report.kpis"), r.KPIs)
	d.kpis(t("report.kpis_emergency"), r.EmergencyKPIs)
	for _, fig := range r.Figures {
		d.figure(fig)
	}
	d.pageNumbers()
	if d.err != nil {
		return errf("pdf: %w", d.err)
	}
	if _, err := d.pdf.WriteTo(w); err != nil {
		return errf("pdf: %w", err)
	}
	return nil
}

// The page: A4 in points, with margins of about two centimetres.
const (
	pageW, pageH = 595.28, 841.89
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

const (
	fontRegular = "regular"
	fontBold    = "bold"
)

// doc is a PDF being written top to bottom. The first error stops all drawing and is
// returned by PDF.
type doc struct {
	pdf *gopdf.GoPdf
	t   Translator
	y   float64
	err error
}

func newDoc(t Translator) (*doc, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := pdf.AddTTFFontData(fontRegular, goregular.TTF); err != nil {
		return nil, errf("pdf: font: %w", err)
	}
	if err := pdf.AddTTFFontData(fontBold, gobold.TTF); err != nil {
		return nil, errf("pdf: font: %w", err)
	}
	d := &doc{pdf: pdf, t: t}
	d.newPage()
	return d, nil
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = marginTop
}

func (d *doc) font(bold bool, size float64) {
	family := fontRegular
	if bold {
		family = fontBold
	}
	if err := d.pdf.SetFont(family, "", size); err != nil && d.err == nil {
		d.err = err
	}
}

// fits reports whether h points of height fit above the bottom margin.
func (d *doc) fits(h float64) bool { return d.y+h <= pageH-marginBottom || d.y <= marginTop }

// room starts a new page unless h points of height fit above the bottom margin.
func (d *doc) room(h float64) {
	if !d.fits(h) {
		d.newPage()
	}
}

// wrap breaks text into lines no wider than width in the current font, between words
// where it can and inside a word only when the word alone is too wide.
func (d *doc) wrap(text string, width float64) []string {
	var lines []string
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if d.width(try) <= width {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = ""
			for d.width(word) > width {
				cut := d.fit(word, width)
				lines = append(lines, word[:cut])
				word = word[cut:]
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

// fit returns the byte length of the longest prefix of word (at least one letter) that
// fits in width.
func (d *doc) fit(word string, width float64) int {
	cut := 0
	for i, r := range word {
		next := i + len(string(r))
		if cut > 0 && d.width(word[:next]) > width {
			break
		}
		cut = next
	}
	return cut
}

func (d *doc) width(s string) float64 {
	w, err := d.pdf.MeasureTextWidth(s)
	if err != nil && d.err == nil {
		d.err = err
	}
	return w
}

func (d *doc) at(x, y float64, s string, size float64) {
	if d.err != nil || s == "" {
		return
	}
	d.pdf.SetXY(x, y)
	if err := d.pdf.Cell(&gopdf.Rect{W: d.width(s) + 1, H: size * leading}, s); err != nil {
		d.err = err
	}
}

// para writes wrapped text across the text width.
func (d *doc) para(text string, bold bool, size float64) {
	d.font(bold, size)
	for _, l := range d.wrap(text, textW) {
		d.room(size * leading)
		d.at(marginX, d.y, l, size)
		d.y += size * leading
	}
	d.y += size * 0.4
}

// heading starts a section, kept together with the first lines after it, underlined.
func (d *doc) heading(s string) {
	d.y += 10
	d.room(sizeHeading*leading + 5*sizeTable*leading)
	d.para(s, true, sizeHeading)
	d.rule(d.y - 3)
	d.y += 3
}

func (d *doc) rule(y float64) {
	if d.err == nil {
		d.pdf.SetLineWidth(0.5)
		d.pdf.Line(marginX, y, pageW-marginX, y)
	}
}

// row writes cells side by side, each wrapped in its column; the first may be bold; a
// column listed in right is aligned right. A row that does not fit starts a new page
// (and calls again, when set, to repeat headings), unless it is taller than a page.
func (d *doc) row(cells []string, widths []float64, boldFirst bool, size float64, right ...bool) {
	d.rowAgain(cells, widths, boldFirst, false, size, nil, right...)
}

func (d *doc) rowAgain(cells []string, widths []float64, boldFirst, boldAll bool, size float64, again func(), right ...bool) {
	if d.err != nil {
		return
	}
	bold := func(i int) bool { return boldAll || (boldFirst && i == 0) }
	cols := make([][]string, len(cells))
	n := 0
	for i, c := range cells {
		d.font(bold(i), size)
		cols[i] = d.wrap(c, widths[i])
		n = max(n, len(cols[i]))
	}
	lh := size * leading
	if h := float64(n) * lh; h <= pageH-marginTop-marginBottom && !d.fits(h) {
		d.newPage()
		if again != nil {
			again()
		}
	}
	for k := range n {
		d.room(lh)
		x := marginX
		for i := range cols {
			if k < len(cols[i]) {
				d.font(bold(i), size)
				s := cols[i][k]
				if i < len(right) && right[i] {
					d.at(x+widths[i]-d.width(s), d.y, s, size)
				} else {
					d.at(x, d.y, s, size)
				}
			}
			x += widths[i] + gap
		}
		d.y += lh
	}
	d.y += size * 0.25
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
		d.para(t("report.not_additive"), false, sizeSmall)
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
			d.y += 6
		}
		headings := func() {
			d.rowAgain(hd, widths, false, true, sizeTable, nil, right...)
			d.rule(d.y - 2)
		}
		headings()
		cells := make([]string, 0, len(hd))
		_ = eachRow(fig, t, func(l string, row []stats.Cell, total bool) error {
			cells = append(cells[:0], l)
			for j := start; j < end && j < len(row); j++ {
				cells = append(cells, cellText(row[j]))
			}
			if total {
				if !d.fits(sizeTable * leading) {
					d.newPage()
					headings()
				}
				d.rule(d.y - 1)
			}
			d.rowAgain(cells, widths, total, total, sizeTable, headings, right...)
			return d.err
		})
	}
}

// pageNumbers writes "page X of Y" at the foot of every page.
func (d *doc) pageNumbers() {
	if d.err != nil {
		return
	}
	n := d.pdf.GetNumberOfPages()
	for i := 1; i <= n; i++ {
		if err := d.pdf.SetPage(i); err != nil {
			d.err = err
			return
		}
		d.font(false, sizeSmall)
		s := d.t("report.page", i, n)
		d.at(pageW-marginX-d.width(s), pageH-marginBottom/2-sizeSmall, s, sizeSmall)
	}
}

func itoa(n int) string { return cellText(stats.Cell{Count: n}) }
