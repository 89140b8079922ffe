// Package pdfdoc is the one place nrm uses github.com/signintech/gopdf: an
// A4 document written top to bottom in the Go fonts (embedded, so no font
// file is read at run time and Albanian letters always print), with the
// text helpers the person's own file and the periodic reports share —
// wrapping, page breaks, paragraphs. The first error stops all drawing and
// stays in Err for the caller to return.
package pdfdoc

import (
	"fmt"
	"strings"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// A4 in points.
const PageW, PageH = 595.28, 841.89

const (
	fontRegular = "regular"
	fontBold    = "bold"
)

// Layout is a document's margins and line height.
type Layout struct {
	MarginX, MarginTop, MarginBottom float64
	Leading                          float64 // line height as a multiple of the font size
}

// TextW is the width between the side margins.
func (l Layout) TextW() float64 { return PageW - 2*l.MarginX }

// Doc is a PDF being written top to bottom; Y is the current line.
type Doc struct {
	PDF *gopdf.GoPdf
	L   Layout
	Y   float64
	Err error
}

// New starts a document on its first page.
func New(l Layout) (*Doc, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := pdf.AddTTFFontData(fontRegular, goregular.TTF); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	if err := pdf.AddTTFFontData(fontBold, gobold.TTF); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	d := &Doc{PDF: pdf, L: l}
	d.NewPage()
	return d, nil
}

// Info sets the document's title, creator and date.
func (d *Doc) Info(title, creator string, at time.Time) {
	d.PDF.SetInfo(gopdf.PdfInfo{Title: title, Creator: creator, Producer: "nrm", CreationDate: at})
}

// NewPage starts a page.
func (d *Doc) NewPage() {
	d.PDF.AddPage()
	d.Y = d.L.MarginTop
}

// Font sets the font.
func (d *Doc) Font(bold bool, size float64) {
	family := fontRegular
	if bold {
		family = fontBold
	}
	if err := d.PDF.SetFont(family, "", size); err != nil && d.Err == nil {
		d.Err = err
	}
}

// Fits reports whether h points of height fit above the bottom margin (or
// the page is still empty, where nothing would fit better).
func (d *Doc) Fits(h float64) bool { return d.Y+h <= PageH-d.L.MarginBottom || d.Y <= d.L.MarginTop }

// Room starts a new page unless h points of height fit.
func (d *Doc) Room(h float64) {
	if !d.Fits(h) {
		d.NewPage()
	}
}

// Wrap breaks text into lines no wider than width in the current font,
// between words where it can and inside a word only when the word alone is
// too wide. Line breaks in the text are kept.
func (d *Doc) Wrap(text string, width float64) []string {
	var lines []string
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if d.Width(try) <= width {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = ""
			for d.Width(word) > width {
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
func (d *Doc) fit(word string, width float64) int {
	cut := 0
	for i, r := range word {
		next := i + len(string(r))
		if cut > 0 && d.Width(word[:next]) > width {
			break
		}
		cut = next
	}
	return cut
}

// Width is the width of s in the current font.
func (d *Doc) Width(s string) float64 {
	w, err := d.PDF.MeasureTextWidth(s)
	if err != nil && d.Err == nil {
		d.Err = err
	}
	return w
}

// At writes s with its top left at x, y.
func (d *Doc) At(x, y float64, s string, size float64) {
	if d.Err != nil || s == "" {
		return
	}
	d.PDF.SetXY(x, y)
	if err := d.PDF.Cell(&gopdf.Rect{W: d.Width(s) + 1, H: size * d.L.Leading}, s); err != nil {
		d.Err = err
	}
}

// Line writes one line of text at x on the current line and moves down.
func (d *Doc) Line(x float64, s string, size float64) {
	d.At(x, d.Y, s, size)
	d.Y += size * d.L.Leading
}

// Para writes wrapped text across the text width, a new page when full.
func (d *Doc) Para(text string, bold bool, size float64) {
	d.Font(bold, size)
	for _, l := range d.Wrap(text, d.L.TextW()) {
		d.Room(size * d.L.Leading)
		d.Line(d.L.MarginX, l, size)
	}
	d.Y += size * 0.4
}

// Rule draws a line across the text width at y.
func (d *Doc) Rule(y, width float64) {
	if d.Err == nil {
		d.PDF.SetLineWidth(width)
		d.PDF.Line(d.L.MarginX, y, PageW-d.L.MarginX, y)
	}
}
