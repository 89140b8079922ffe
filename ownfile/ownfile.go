// Package ownfile renders the person's own file (issue #4 §4) as a readable
// PDF in the person's language: their details, the consents they gave, the
// decisions about them, the services and who saw their information.
//
// The text speaks to the person ("you"), in plain words. Other people's
// data is never printed: no user names and no guardian names, only the
// names of organisations and the kind of work of the staff who acted.
//
// The PDF is written with github.com/signintech/gopdf and the Go fonts
// (golang.org/x/image/font/gofont), embedded in the binary, so no font
// files are needed on the machine and Albanian letters (ë, ç) print.
package ownfile

import (
	"fmt"
	"io"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/language"

	"github.com/nrm-org/nrm"
)

// Translator gives the message for a catalogue key in the file's language.
type Translator = func(key string, args ...any) string

// Render writes f as a PDF to w, with every word of text taken from t.
func Render(w io.Writer, f *nrm.OwnFile, t Translator) error {
	if f == nil {
		return fmt.Errorf("ownfile: no file to render")
	}
	d, err := newDoc(f.Lang, t)
	if err != nil {
		return err
	}
	title := t("ownfile.title", f.Code)
	d.pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: f.ProducedBy, Producer: "nrm", CreationDate: f.ProducedAt})
	d.title(title)
	d.about(f)
	d.details(f)
	d.consents(f)
	d.decisions(f)
	d.services(f)
	d.disclosures(f)
	d.pageNumbers()
	if d.err != nil {
		return fmt.Errorf("ownfile: %w", d.err)
	}
	_, err = d.pdf.WriteTo(w)
	return err
}

// The page: A4 in points, with margins of about two centimetres.
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 57.0
	marginTop    = 57.0
	marginBottom = 70.0 // the page number sits below the text
	textW        = pageW - 2*marginX
	labelW       = 150.0 // the label column of a label and value row
	gap          = 12.0  // between the columns of a row

	sizeTitle   = 18.0
	sizeHeading = 14.0
	sizeSub     = 12.0
	sizeBody    = 10.5
	sizeSmall   = 9.0
	leading     = 1.4 // line height as a multiple of the font size
)

const (
	fontRegular = "regular"
	fontBold    = "bold"
)

// doc is a PDF being written top to bottom. The first error stops all
// drawing and is returned by Render.
type doc struct {
	pdf  *gopdf.GoPdf
	t    Translator
	lang language.Tag
	y    float64
	err  error
}

func newDoc(lang string, t Translator) (*doc, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := pdf.AddTTFFontData(fontRegular, goregular.TTF); err != nil {
		return nil, fmt.Errorf("ownfile: font: %w", err)
	}
	if err := pdf.AddTTFFontData(fontBold, gobold.TTF); err != nil {
		return nil, fmt.Errorf("ownfile: font: %w", err)
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.Albanian
	}
	d := &doc{pdf: pdf, t: t, lang: tag}
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

// room starts a new page unless h points of height fit above the bottom margin.
func (d *doc) room(h float64) {
	if d.y+h > pageH-marginBottom && d.y > marginTop {
		d.newPage()
	}
}

// wrap breaks text into lines no wider than width in the current font,
// between words where it can and inside a word only when the word alone is
// too wide. Line breaks in the text are kept.
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

// fit returns the byte length of the longest prefix of word (at least one
// letter) that fits in width.
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

// line draws one line of text at x on the current line and moves down.
func (d *doc) line(x float64, s string, size float64) {
	d.at(x, d.y, s, size)
	d.y += size * leading
}

func (d *doc) at(x, y float64, s string, size float64) {
	if d.err != nil || s == "" {
		return
	}
	d.pdf.SetXY(x, y)
	if err := d.pdf.Cell(&gopdf.Rect{W: textW, H: size * leading}, s); err != nil {
		d.err = err
	}
}

// para writes wrapped text across the text width.
func (d *doc) para(text string, bold bool, size float64) {
	d.font(bold, size)
	for _, l := range d.wrap(text, textW) {
		d.room(size * leading)
		d.line(marginX, l, size)
	}
	d.y += size * 0.4
}

func (d *doc) title(s string) { d.para(s, true, sizeTitle) }

// heading starts a section, kept together with the first lines after it,
// and underlined.
func (d *doc) heading(s string) {
	d.y += 10
	d.room(sizeHeading*leading + 4*sizeBody*leading)
	d.para(s, true, sizeHeading)
	if d.err == nil {
		d.pdf.SetLineWidth(0.6)
		d.pdf.Line(marginX, d.y-3, pageW-marginX, d.y-3)
	}
	d.y += 4
}

// sub is the heading of one item in a section (one consent, one decision),
// kept together with the first lines after it.
func (d *doc) sub(s string) {
	d.y += 4
	d.room(sizeSub*leading + 3*sizeBody*leading)
	d.para(s, true, sizeSub)
}

// row writes cells side by side, each wrapped in its column; the first
// cell may be bold. A row that does not fit starts a new page, unless it
// is taller than a page, when its lines run on line by line.
func (d *doc) row(cells []string, widths []float64, boldFirst bool, size float64) {
	if d.err != nil {
		return
	}
	cols := make([][]string, len(cells))
	n := 0
	for i, c := range cells {
		d.font(boldFirst && i == 0, size)
		cols[i] = d.wrap(c, widths[i])
		n = max(n, len(cols[i]))
	}
	lh := size * leading
	if float64(n)*lh <= pageH-marginTop-marginBottom {
		d.room(float64(n) * lh)
	}
	for k := range n {
		d.room(lh)
		x := marginX
		for i := range cols {
			if k < len(cols[i]) {
				d.font(boldFirst && i == 0, size)
				d.at(x, d.y, cols[i][k], size)
			}
			x += widths[i] + gap
		}
		d.y += lh
	}
	d.y += size * 0.3
}

// field writes a label and its value; an empty value is left out.
func (d *doc) field(labelKey, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	d.row([]string{d.t(labelKey), value}, []float64{labelW, textW - labelW - gap}, true, sizeBody)
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
		s := d.t("ownfile.page", i, n)
		d.at(pageW-marginX-d.width(s), pageH-marginBottom/2-sizeSmall, s, sizeSmall)
	}
}
