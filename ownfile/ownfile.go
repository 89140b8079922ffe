// Package ownfile renders the person's own file (issue #4 §4) as a readable
// PDF in the person's language: their details, the consents they gave, the
// decisions about them, the services and who saw their information.
//
// The text speaks to the person ("you"), in plain words. Other people's
// data is never printed: no user names and no guardian names, only the
// names of organisations and the kind of work of the staff who acted.
//
// The PDF is written with package pdfdoc (gopdf and the Go fonts
// embedded in the binary), so no font
// files are needed on the machine and Albanian letters (ë, ç) print.
package ownfile

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/pdfdoc"
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
	d.loc = f.Location
	if d.loc == nil {
		d.loc = time.UTC
	}
	title := t("ownfile.title", f.Code)
	d.Info(title, f.ProducedBy, f.ProducedAt)
	d.title(title)
	d.about(f)
	d.details(f)
	d.consents(f)
	d.decisions(f)
	d.services(f)
	d.disclosures(f)
	d.pageNumbers()
	if d.Err != nil {
		return fmt.Errorf("ownfile: %w", d.Err)
	}
	_, err = d.PDF.WriteTo(w)
	return err
}

// The page: A4 in points, with margins of about two centimetres.
const (
	pageW, pageH = pdfdoc.PageW, pdfdoc.PageH
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

// doc is the person's file being written top to bottom (package pdfdoc).
type doc struct {
	*pdfdoc.Doc
	t    Translator
	lang language.Tag
	loc  *time.Location // every time is printed in the jurisdiction's zone
}

func newDoc(lang string, t Translator) (*doc, error) {
	pd, err := pdfdoc.New(pdfdoc.Layout{MarginX: marginX, MarginTop: marginTop, MarginBottom: marginBottom, Leading: leading})
	if err != nil {
		return nil, fmt.Errorf("ownfile: %w", err)
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.Albanian
	}
	return &doc{Doc: pd, t: t, lang: tag}, nil
}

func (d *doc) title(s string) { d.Para(s, true, sizeTitle) }

// heading starts a section, kept together with the first lines after it,
// and underlined.
func (d *doc) heading(s string) {
	d.Y += 10
	d.Room(sizeHeading*leading + 4*sizeBody*leading)
	d.Para(s, true, sizeHeading)
	d.Rule(d.Y-3, 0.6)
	d.Y += 4
}

// sub is the heading of one item in a section (one consent, one decision),
// kept together with the first lines after it.
func (d *doc) sub(s string) {
	d.Y += 4
	d.Room(sizeSub*leading + 3*sizeBody*leading)
	d.Para(s, true, sizeSub)
}

// row writes cells side by side, each wrapped in its column; the first
// cell may be bold. A row that does not fit starts a new page, unless it
// is taller than a page, when its lines run on line by line.
func (d *doc) row(cells []string, widths []float64, boldFirst bool, size float64) {
	if d.Err != nil {
		return
	}
	cols := make([][]string, len(cells))
	n := 0
	for i, c := range cells {
		d.Font(boldFirst && i == 0, size)
		cols[i] = d.Wrap(c, widths[i])
		n = max(n, len(cols[i]))
	}
	lh := size * leading
	if float64(n)*lh <= pageH-marginTop-marginBottom {
		d.Room(float64(n) * lh)
	}
	for k := range n {
		d.Room(lh)
		x := marginX
		for i := range cols {
			if k < len(cols[i]) {
				d.Font(boldFirst && i == 0, size)
				d.At(x, d.Y, cols[i][k], size)
			}
			x += widths[i] + gap
		}
		d.Y += lh
	}
	d.Y += size * 0.3
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
		s := d.t("ownfile.page", i, n)
		d.At(pageW-marginX-d.Width(s), pageH-marginBottom/2-sizeSmall, s, sizeSmall)
	}
}
