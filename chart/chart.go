// Package chart draws the statistics' charts as SVG on the server, so a phone on a slow
// line needs no script to see them. It is the only package that imports gonum.org/v1/plot.
//
// Every chart is made to be embedded in an HTML page:
//   - it carries role="img" and a <title> and <desc> naming it (aria-labelledby), so a
//     screen reader announces it; the page puts the same numbers in a table beside it;
//   - it has a viewBox and no fixed width or height, so it scales to the screen;
//   - its styles are SVG presentation attributes, not style="" attributes, which the
//     service's Content-Security-Policy (style-src 'self') would block;
//   - its output is the same bytes for the same input.
//
// A withheld value (statistical disclosure control) is drawn as nothing, and its label is
// marked with " *"; Options.WithheldNote explains the mark under the chart.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"image/color"
	"math"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Mark is appended to the label of a withheld value.
const Mark = " *"

// Options are the presentation choices of a chart. The zero value draws a vertical chart
// of a default size with no axis labels.
type Options struct {
	// ID prefixes the ids of the <title> and <desc> elements; it must be unique on the
	// page. Empty: derived from the title.
	ID string
	// Summary is the one-line description read out with the title (the <desc>).
	Summary string
	// Horizontal draws bars left to right, the labels down the side: best for long
	// labels and many bars on a phone.
	Horizontal bool
	// ValueLabel names the value axis ("persons"); CategoryLabel the other one.
	ValueLabel, CategoryLabel string
	// WithheldNote explains Mark; shown under the chart when a value is withheld.
	WithheldNote string
	// Width and Height of the drawing in points (only the proportions matter once
	// scaled); 0 chooses from the number of bars.
	Width, Height float64
}

// Series is one line of a trend: a value per x label, some withheld.
type Series struct {
	Name     string
	Values   []float64
	Withheld []bool
}

// palette: the GOV.UK colours, distinguishable by people with the common colour vision
// deficiencies, and every line also has its own dash pattern.
var palette = []color.RGBA{
	{0x1d, 0x70, 0xb8, 0xff}, // blue
	{0xd4, 0x35, 0x1c, 0xff}, // red
	{0x00, 0x70, 0x3c, 0xff}, // green
	{0x4c, 0x2c, 0x92, 0xff}, // purple
	{0xf4, 0x77, 0x38, 0xff}, // orange
	{0x50, 0x5a, 0x5f, 0xff}, // grey
}

var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// BarColor is the fill of every bar, as written in the SVG.
const BarColor = "#1D70B8"

// Bars draws one bar per label. values[i] is drawn unless withheld[i] (or it is zero); a
// withheld label gets Mark.
func Bars(title string, labels []string, values []float64, withheld []bool, opt Options) ([]byte, error) {
	if len(values) != len(labels) {
		return nil, errors.New("chart: labels and values differ in length")
	}
	p := newPlot()
	names := make([]string, len(labels))
	anyWithheld := false
	maxV := 0.0
	n := len(labels)
	for i, l := range labels {
		w := i < len(withheld) && withheld[i]
		if w {
			l += Mark
			anyWithheld = true
		}
		// Horizontal bars are listed top to bottom: the first label at the top.
		pos := i
		if opt.Horizontal {
			pos = n - 1 - i
		}
		names[pos] = l
		v := values[i]
		if w || v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue // nothing drawn: not even an empty shape
		}
		if v < 0 {
			return nil, fmt.Errorf("chart: negative value %v", v)
		}
		maxV = math.Max(maxV, v)
		b, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(14))
		if err != nil {
			return nil, err
		}
		b.XMin = float64(pos)
		b.Color = palette[0]
		b.LineStyle.Width = 0
		b.Horizontal = opt.Horizontal
		p.Add(b)
	}
	if maxV == 0 {
		maxV = 1
	}
	catLabel := opt.CategoryLabel
	if anyWithheld && opt.WithheldNote != "" {
		catLabel = joinNonEmpty(catLabel, strings.TrimSpace(Mark)+" "+opt.WithheldNote)
	}
	w, h := opt.Width, opt.Height
	if n == 0 {
		names, n = []string{""}, 1 // plot's nominal axes need a name: an empty frame
	}
	if opt.Horizontal {
		p.NominalY(names...)
		p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
		p.X.Min, p.X.Max = 0, maxV*1.05
		p.X.Label.Text = opt.ValueLabel
		p.Y.Label.Text = opt.CategoryLabel
		if anyWithheld && opt.WithheldNote != "" {
			p.X.Label.Text = joinNonEmpty(opt.ValueLabel, strings.TrimSpace(Mark)+" "+opt.WithheldNote)
		}
		p.X.Tick.Marker = intTicks{}
		if w == 0 {
			w = 360 // scaled to a phone's width, the text stays readable
		}
		if h == 0 {
			h = math.Max(120, 22*float64(n)+70)
		}
	} else {
		p.NominalX(names...)
		p.X.Min, p.X.Max = -0.6, float64(n)-0.4
		p.Y.Min, p.Y.Max = 0, maxV*1.05
		p.Y.Label.Text = opt.ValueLabel
		p.X.Label.Text = catLabel
		p.Y.Tick.Marker = intTicks{}
		if w == 0 {
			w = math.Max(320, 34*float64(n)+80)
		}
		if h == 0 {
			h = 240
		}
	}
	return finish(p, title, opt, w, h)
}

// Lines draws one line per series over the x labels (months). A withheld point is not
// drawn: the line breaks there, and its x label gets Mark.
func Lines(title string, xLabels []string, series []Series, opt Options) ([]byte, error) {
	p := newPlot()
	n := len(xLabels)
	withheldAt := make([]bool, n)
	maxV := 0.0
	legends := 0
	for si, s := range series {
		if len(s.Values) != n {
			return nil, fmt.Errorf("chart: series %q has %d values for %d labels", s.Name, len(s.Values), n)
		}
		col := palette[si%len(palette)]
		var runs []plotter.XYs
		var cur plotter.XYs
		for i, v := range s.Values {
			if (i < len(s.Withheld) && s.Withheld[i]) || math.IsNaN(v) || math.IsInf(v, 0) {
				withheldAt[i] = withheldAt[i] || (i < len(s.Withheld) && s.Withheld[i])
				if len(cur) > 0 {
					runs = append(runs, cur)
					cur = nil
				}
				continue
			}
			maxV = math.Max(maxV, v)
			cur = append(cur, plotter.XY{X: float64(i), Y: v})
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		var legendThumb plot.Thumbnailer
		for _, r := range runs {
			l, sc, err := plotter.NewLinePoints(r)
			if err != nil {
				return nil, err
			}
			l.Color = col
			l.Width = vg.Points(2)
			l.Dashes = dashes[si%len(dashes)]
			sc.Color = col
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			p.Add(l, sc)
			if legendThumb == nil {
				legendThumb = l
			}
		}
		if legendThumb != nil && s.Name != "" {
			p.Legend.Add(s.Name, legendThumb)
			legends++
		}
	}
	anyWithheld := false
	names := make([]string, n)
	step := (n + 11) / 12 // at most about twelve month labels, so they do not overlap
	if step < 1 {
		step = 1
	}
	for i, l := range xLabels {
		if withheldAt[i] {
			anyWithheld = true
			l += Mark
		}
		if i%step == 0 || withheldAt[i] {
			names[i] = l
		}
	}
	if n == 0 {
		names = []string{""} // plot's nominal axes need a name: an empty frame
	}
	p.NominalX(names...)
	if maxV == 0 {
		maxV = 1
	}
	p.X.Min, p.X.Max = -0.5, math.Max(float64(n)-0.5, 0.5)
	// Head room for the legend, drawn in the top left corner.
	p.Y.Min, p.Y.Max = 0, maxV*(1.05+0.1*float64(legends))
	p.Y.Label.Text = opt.ValueLabel
	p.Y.Tick.Marker = intTicks{}
	p.X.Label.Text = opt.CategoryLabel
	if anyWithheld && opt.WithheldNote != "" {
		p.X.Label.Text = joinNonEmpty(opt.CategoryLabel, strings.TrimSpace(Mark)+" "+opt.WithheldNote)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	w, h := opt.Width, opt.Height
	if w == 0 {
		w = 480
	}
	if h == 0 {
		h = 260
	}
	return finish(p, title, opt, w, h)
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " — " + b
}

// newPlot returns a plot with sans-serif text (easier to read small) and no title: the
// page's heading and the SVG's <title> name the chart.
func newPlot() *plot.Plot {
	p := plot.New()
	sans := func(s *draw.TextStyle) { s.Font.Variant = "Sans" }
	sans(&p.Title.TextStyle)
	sans(&p.X.Label.TextStyle)
	sans(&p.Y.Label.TextStyle)
	sans(&p.X.Tick.Label)
	sans(&p.Y.Tick.Label)
	sans(&p.Legend.TextStyle)
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	return p
}

// intTicks marks whole numbers only: counts of persons have no fractions.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	out := ts[:0]
	for _, t := range ts {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// finish writes p as SVG and makes it accessible and embeddable.
func finish(p *plot.Plot, title string, opt Options, w, h float64) ([]byte, error) {
	wt, err := p.WriterTo(vg.Points(w), vg.Points(h), "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	id := opt.ID
	if id == "" {
		f := fnv.New32a()
		f.Write([]byte(title))
		f.Write([]byte{0})
		f.Write([]byte(opt.Summary))
		id = fmt.Sprintf("chart-%08x", f.Sum32())
	}
	return accessible(buf.Bytes(), id, title, opt.Summary)
}

var (
	svgOpenRe = regexp.MustCompile(`<svg\b[^>]*>`)
	sizeRe    = regexp.MustCompile(`\s(?:width|height)="[^"]*"`)
	styleRe   = regexp.MustCompile(`\sstyle="([^"]*)"`)
	idRe      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
)

// presentation lists the properties vgsvg writes in style="" that SVG also takes as
// attributes.
var presentation = map[string]bool{
	"fill": true, "fill-opacity": true, "stroke": true, "stroke-opacity": true, "stroke-width": true,
	"stroke-dasharray": true, "stroke-dashoffset": true, "stroke-linecap": true, "stroke-linejoin": true,
	"font-family": true, "font-variant": true, "font-weight": true, "font-style": true, "font-size": true,
	"opacity": true,
}

// accessible rewrites vgsvg's document: no XML prelude (it is embedded in HTML), no fixed
// size, role="img" with a <title> and <desc>, and style="" turned into attributes.
func accessible(svg []byte, id, title, summary string) ([]byte, error) {
	if !idRe.MatchString(id) {
		return nil, fmt.Errorf("chart: id %q is not a safe id", id)
	}
	loc := svgOpenRe.FindIndex(svg)
	if loc == nil {
		return nil, errors.New("chart: no <svg> element in the output")
	}
	open := string(svg[loc[0]:loc[1]])
	open = sizeRe.ReplaceAllString(open, "")
	open = strings.Join(strings.Fields(open), " ") // one line
	labelled := id + "-title"
	if summary != "" {
		labelled += " " + id + "-desc"
	}
	open = strings.TrimSuffix(open, ">") +
		fmt.Sprintf(` role="img" aria-labelledby="%s" class="chart-svg" preserveAspectRatio="xMinYMin meet">`, labelled)
	var b bytes.Buffer
	b.WriteString(open)
	b.WriteString("\n<title id=\"" + id + "-title\">" + html.EscapeString(title) + "</title>\n")
	if summary != "" {
		b.WriteString("<desc id=\"" + id + "-desc\">" + html.EscapeString(summary) + "</desc>\n")
	}
	rest := svg[loc[1]:]
	rest = styleRe.ReplaceAllFunc(rest, func(m []byte) []byte {
		decl := string(styleRe.FindSubmatch(m)[1])
		var out strings.Builder
		for _, d := range strings.Split(decl, ";") {
			k, v, ok := strings.Cut(d, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || !presentation[k] || v == "normal" {
				continue // "normal" is every font property's default
			}
			if k == "font-family" {
				v += ", sans-serif"
			}
			if k == "font-size" {
				v = strings.TrimSuffix(v, "px") // user units: scale with the drawing
			}
			out.WriteString(" " + k + "=\"" + html.EscapeString(html.UnescapeString(v)) + "\"")
		}
		return []byte(out.String())
	})
	b.Write(bytes.TrimLeft(rest, "\n"))
	return b.Bytes(), nil
}
