package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// parse checks that svg is well-formed XML with one <svg> root, and returns the root's
// attributes, the text of its <title> and <desc>, and how many bars it draws (paths
// filled with BarColor).
func parse(t *testing.T, svg []byte) (attrs map[string]string, title, desc string, bars int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	attrs = map[string]string{}
	depth := 0
	var inside string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if e.Name.Local != "svg" {
					t.Fatalf("root %s", e.Name.Local)
				}
				for _, a := range e.Attr {
					attrs[a.Name.Local] = a.Value
				}
			}
			inside = e.Name.Local
			if e.Name.Local == "path" {
				for _, a := range e.Attr {
					if a.Name.Local == "fill" && a.Value == BarColor {
						bars++
					}
				}
			}
		case xml.EndElement:
			depth--
			inside = ""
		case xml.CharData:
			switch inside {
			case "title":
				title += string(e)
			case "desc":
				desc += string(e)
			}
		}
	}
	return
}

func TestBarsAccessibleAndWithheldDrawnAsNothing(t *testing.T) {
	labels := []string{"Referred", "Potential <VMT> & co", "Identified", "Not identified"}
	values := []float64{12, 0, 7, 40}
	withheld := []bool{false, true, false, false}
	for _, horizontal := range []bool{false, true} {
		svg, err := Bars(`Status "now" <&>`, labels, values, withheld, Options{
			Summary: "4 statuses, 1 withheld", WithheldNote: "withheld to protect people", Horizontal: horizontal,
			ValueLabel: "persons",
		})
		if err != nil {
			t.Fatal(err)
		}
		attrs, title, desc, bars := parse(t, svg)
		if title != `Status "now" <&>` || desc != "4 statuses, 1 withheld" {
			t.Errorf("title %q desc %q", title, desc)
		}
		if attrs["role"] != "img" || attrs["viewBox"] == "" || attrs["width"] != "" || attrs["height"] != "" {
			t.Errorf("svg attributes %v", attrs)
		}
		ids := strings.Fields(attrs["aria-labelledby"])
		if len(ids) != 2 || !bytes.Contains(svg, []byte(`id="`+ids[0]+`"`)) || !bytes.Contains(svg, []byte(`id="`+ids[1]+`"`)) {
			t.Errorf("aria-labelledby %q does not name the title and desc", attrs["aria-labelledby"])
		}
		// Three bars shown (12, 7, 40); the withheld one is not drawn at all.
		if bars != 3 {
			t.Errorf("horizontal=%v: %d bars drawn, want 3", horizontal, bars)
		}
		s := string(svg)
		if !strings.Contains(s, "Potential &lt;VMT&gt; &amp; co *") || !strings.Contains(s, "* withheld to protect people") {
			t.Errorf("withheld label not marked or note missing")
		}
		if strings.Contains(s, "style=") || strings.Contains(s, "<?xml") {
			t.Errorf("style attributes (blocked by the CSP) or an XML prelude left")
		}
		if len(svg) > 30_000 {
			t.Errorf("SVG of %d bytes: too large for a slow line", len(svg))
		}
	}
}

func TestBarsManyStaySmall(t *testing.T) {
	var labels []string
	var values []float64
	for i := range 60 {
		labels = append(labels, "Country "+string(rune('A'+i%26))+string(rune('a'+i/26)))
		values = append(values, float64(i*7%50+5))
	}
	svg, err := Bars("Nationality", labels, values, nil, Options{Horizontal: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, bars := parse(t, svg); bars != 60 {
		t.Errorf("%d bars, want 60", bars)
	}
	if len(svg) > 40_000 {
		t.Errorf("SVG of %d bytes for 60 bars", len(svg))
	}
}

func TestDeterministic(t *testing.T) {
	mk := func() ([]byte, []byte) {
		b, err := Bars("A", []string{"x", "y", "z"}, []float64{3, 9, 6}, []bool{false, false, true}, Options{Summary: "s"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := Lines("T", []string{"2025-01", "2025-02", "2025-03"}, []Series{
			{Name: "all", Values: []float64{10, 0, 12}, Withheld: []bool{false, true, false}},
			{Name: "children", Values: []float64{5, 6, 7}},
		}, Options{WithheldNote: "withheld"})
		if err != nil {
			t.Fatal(err)
		}
		return b, l
	}
	b1, l1 := mk()
	b2, l2 := mk()
	if !bytes.Equal(b1, b2) || !bytes.Equal(l1, l2) {
		t.Error("the same input drew different bytes")
	}
}

func TestLines(t *testing.T) {
	months := []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05"}
	svg, err := Lines("Trend", months, []Series{
		{Name: "all", Values: []float64{10, 12, 0, 14, 15}, Withheld: []bool{false, false, true, false, false}},
	}, Options{ID: "trend", Summary: "persons by month", WithheldNote: "withheld"})
	if err != nil {
		t.Fatal(err)
	}
	attrs, title, _, _ := parse(t, svg)
	if title != "Trend" || attrs["role"] != "img" || attrs["aria-labelledby"] != "trend-title trend-desc" {
		t.Errorf("title %q attrs %v", title, attrs)
	}
	// The line breaks at the withheld month: two runs, two line paths (stroke-width 2),
	// and four points.
	s := string(svg)
	if n := strings.Count(s, `stroke="#1D70B8" stroke-width="2"`); n != 2+1 { // two runs and the legend
		t.Errorf("%d strokes, want 3\n%s", n, s)
	}
	if !strings.Contains(s, "2025-03 *") {
		t.Error("withheld month not marked")
	}
	if _, err := Lines("x", months, []Series{{Values: []float64{1}}}, Options{}); err == nil {
		t.Error("a series of the wrong length was drawn")
	}
	if _, err := Bars("x", []string{"a"}, []float64{1}, nil, Options{ID: `bad"id`}); err == nil {
		t.Error("an unsafe id was accepted")
	}
}

func TestEmpty(t *testing.T) {
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return Bars("e", nil, nil, nil, Options{}) },
		func() ([]byte, error) { return Bars("e", nil, nil, nil, Options{Horizontal: true}) },
		func() ([]byte, error) { return Lines("e", nil, nil, Options{}) },
		func() ([]byte, error) { return Bars("z", []string{"a", "b"}, []float64{0, 0}, nil, Options{}) },
	} {
		svg, err := f()
		if err != nil {
			t.Fatal(err)
		}
		parse(t, svg)
	}
}
