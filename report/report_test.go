package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/xuri/excelize/v2"

	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/stats"
)

// fake translates the figure.* and kpi.* keys (written elsewhere) and the labels from a
// map, and everything else (report.*) from the real catalogue.
func fake(lang string) Translator {
	cat := i18n.MustLoad()
	words := map[string]string{
		"figure.status":              "Statusi i çdo personi",
		"figure.sex_age":             "Gjinia dhe mosha",
		"status.presumed":            "Në vlerësim",
		"status.identified":          "I identifikuar",
		"status.referred":            "I referuar",
		"sex.female":                 "Femër",
		"sex.male":                   "Mashkull",
		"agegroup.adult":             "I rritur",
		"agegroup.child":             "Fëmijë",
		"kpi.time_to_decision":       "Koha deri në vendim",
		"kpi.time_to_decision.def":   "Ditët nga takimi i parë deri në vendimin për identifikimin.",
		"kpi.formalisation_rate":     "Shkalla e formalizimit",
		"kpi.formalisation_rate.def": "Pjesa e personave me vendim formal.",
		"kpi.service_completion":     "Shërbimet e përfunduara",
		"kpi.service_completion.def": "Pjesa e referimeve të përfunduara.",
		"kpi.persons_handled":        "Persona të trajtuar",
		"kpi.persons_handled.def":    "Numri i personave.",
		"orgtype.ngo":                "Organizatë joqeveritare",
		"figure.big":                 "Një tabelë e gjerë",
		"figure.big2":                "Një tabelë e gjerë",
	}
	return func(k string, a ...any) string {
		if w, ok := words[k]; ok && lang == "sq" {
			return w
		}
		return cat.T(lang, k, a...)
	}
}

// sample is a report built by hand through the real disclosure control.
func sample(t *testing.T) *stats.Report {
	t.Helper()
	status := stats.SuppressList(stats.List{
		Labels: []string{"presumed", "identified", "referred"},
		Counts: []int{12, 3, 7},
	}, 5)
	// The premise of the test: 3 is withheld (primary), 7 with it (secondary).
	if c := status.Cells[1]; !c.Suppressed || c.Why != stats.Primary || c.Count != 0 {
		t.Fatalf("status: 3 not withheld: %+v", c)
	}
	if c := status.Cells[2]; !c.Suppressed || c.Why != stats.Secondary {
		t.Fatalf("status: 7 not withheld as complement: %+v", c)
	}
	sexAge := stats.Suppress(stats.Table{
		Rows:      []string{"female", "male"},
		Cols:      []string{"adult", "child"},
		Counts:    [][]int{{20, 4}, {15, 9}},
		ChildCols: []bool{false, true},
	}, 5)
	if c := sexAge.Cells[0][1]; !c.Suppressed || c.Why != stats.Primary {
		t.Fatalf("sex_age: 4 children not withheld: %+v", c)
	}
	bands := stats.SuppressList(stats.List{Labels: []string{"0-7", "8-30", "31+"}, Counts: []int{10, 18, 2}}, 5)
	return &stats.Report{
		Filter:      stats.Filter{Dataset: "nrm", From: stats.MonthOf(2026, 1), To: stats.MonthOf(2026, 3)},
		K:           5,
		GeneratedAt: time.Date(2026, 4, 2, 9, 30, 0, 0, time.UTC),
		Dataset:     "Regjistri",
		Persons:     stats.Cell{Count: 42},
		Uncounted:   stats.Cell{Suppressed: true, Why: stats.Primary},
		Figures: []stats.Figure{
			{ID: "status", Labels: "status.", List: &status},
			{ID: "sex_age", Labels: "sex.", ColLabels: "agegroup.", Table: &sexAge},
		},
		KPIs: []stats.KPI{
			{ID: "time_to_decision", Unit: "days", N: stats.Cell{Count: 30}, Shown: true, Median: 12, Mean: 14.5, Distribution: &bands},
			{ID: "formalisation_rate", Unit: "share", N: stats.Cell{Count: 25}, Shown: true, Value: 0.4, Parts: []stats.KPI{
				{ID: "formalisation_rate", Unit: "share", Label: "ngo", LabelPrefix: "orgtype.", N: stats.Cell{Suppressed: true, Why: stats.Primary}},
			}},
			{ID: "service_completion", Unit: "share", N: stats.Cell{Suppressed: true, Why: stats.Primary}},
		},
		EmergencyKPIs: []stats.KPI{
			{ID: "persons_handled", Unit: "persons", N: stats.Cell{Count: 0}},
		},
	}
}

func TestXLSX(t *testing.T) {
	r := sample(t)
	tr := fake("sq")
	var buf bytes.Buffer
	if err := XLSX(&buf, r, tr); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Përmbledhje", "Statusi i çdo personi", "Gjinia dhe mosha"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	get := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatalf("%s!%s: %v", sheet, ref, err)
		}
		return v
	}

	// Summary: the facts of the report, by their labels in column A.
	sum, err := f.GetRows("Përmbledhje")
	if err != nil {
		t.Fatal(err)
	}
	if sum[0][0] != "Mekanizmi Kombëtar i Referimit: raport periodik" {
		t.Errorf("title %q", sum[0][0])
	}
	byLabel := map[string][]string{}
	for _, row := range sum {
		if len(row) > 0 {
			byLabel[row[0]] = row
		}
	}
	for label, want := range map[string]string{
		"Periudha (kontakti i parë)": "2026-01 – 2026-03",
		"Qarku":                      "Të gjithë qarqet",
		"Të dhënat":                  "Regjistri",
		"Pragu k (numri më i vogël i personave që publikohet)": "5",
		"Krijuar më":          "2026-04-02 09:30 (UTC, UTC+00:00)",
		"Persona të numëruar": "42",
		"Persona të panumëruar (pa pëlqim ose bazë ligjore për statistika)": Marker,
	} {
		if row := byLabel[label]; len(row) < 2 || row[1] != want {
			t.Errorf("summary %q: %q, want %q", label, row, want)
		}
	}
	note := false
	for _, row := range sum {
		if len(row) == 1 && strings.HasPrefix(row[0], Marker+" do të thotë") && strings.Contains(row[0], "më i vogël se 5") {
			note = true
		}
	}
	if !note {
		t.Error("no sentence explaining the marker")
	}
	// KPIs: ID, name, value, median, mean, unit, N, definition.
	kpi := func(id string) []string {
		t.Helper()
		row := byLabel[id]
		for len(row) < 8 && row != nil {
			row = append(row, "")
		}
		if row == nil {
			t.Fatalf("no KPI row %s", id)
		}
		return row
	}
	if got := kpi("time_to_decision"); !slices.Equal(got, []string{"time_to_decision", "Koha deri në vendim", "", "12.0", "14.5", "ditë", "30",
		"Ditët nga takimi i parë deri në vendimin për identifikimin."}) {
		t.Errorf("time_to_decision row %q", got)
	}
	if got := kpi("formalisation_rate"); got[2] != "40.0%" || got[6] != "25" || got[7] != "Pjesa e personave me vendim formal." {
		t.Errorf("formalisation_rate row %q", got)
	}
	if got := kpi("service_completion"); got[2] != Marker || got[6] != Marker {
		t.Errorf("withheld KPI row %q", got)
	}
	if got := kpi("persons_handled"); got[2] != "Pa të dhëna" || got[6] != "0" {
		t.Errorf("empty KPI row %q", got)
	}
	part, spread := false, map[string]string{}
	for _, row := range sum {
		if len(row) > 6 && strings.TrimSpace(row[1]) == "Organizatë joqeveritare" {
			part = row[2] == Marker && row[6] == Marker
		}
		if len(row) > 6 && strings.Contains(row[1], "Shpërndarja: ") {
			spread[strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(row[1]), "Shpërndarja:"))] = row[6]
		}
	}
	if !part {
		t.Error("the withheld part is not shown withheld")
	}
	if want := map[string]string{"0-7": Marker, "8-30": "18", "31+": Marker}; fmt.Sprint(spread) != fmt.Sprint(want) {
		t.Errorf("spread %v, want %v", spread, want)
	}

	// The list: labels translated, 12 shown, 3 and its complement 7 withheld, total 22.
	ls := "Statusi i çdo personi"
	if get(ls, "A1") != ls {
		t.Errorf("list title %q", get(ls, "A1"))
	}
	for ref, want := range map[string]string{
		"A4": "Kategoria", "B4": "Persona",
		"A5": "Në vlerësim", "B5": "12",
		"A6": "I identifikuar", "B6": Marker,
		"A7": "I referuar", "B7": Marker,
		"A8": "Gjithsej", "B8": "22",
	} {
		if got := get(ls, ref); got != want {
			t.Errorf("%s!%s = %q, want %q", ls, ref, got, want)
		}
	}
	// The withheld numbers appear nowhere on the sheet.
	all, _ := f.GetRows(ls)
	for _, row := range all {
		for _, v := range row {
			if v == "3" || v == "7" {
				t.Errorf("withheld value %q printed on %s: %q", v, ls, row)
			}
		}
	}

	// The table: every cell, total and grand total where it belongs.
	ts := "Gjinia dhe mosha"
	p := r.Figures[1].Table
	for ref, want := range map[string]string{"B4": "I rritur", "C4": "Fëmijë", "D4": "Gjithsej", "A5": "Femër", "A6": "Mashkull", "A7": "Gjithsej"} {
		if got := get(ts, ref); got != want {
			t.Errorf("%s!%s = %q, want %q", ts, ref, got, want)
		}
	}
	want := func(c stats.Cell) string {
		if c.Suppressed {
			return Marker
		}
		return strconv.Itoa(c.Count)
	}
	check := func(col, row int, c stats.Cell) {
		t.Helper()
		ref, _ := excelize.CoordinatesToCellName(col, row)
		if got := get(ts, ref); got != want(c) {
			t.Errorf("%s!%s = %q, want %q", ts, ref, got, want(c))
		}
	}
	for i := range p.Rows {
		for j := range p.Cols {
			check(2+j, xlsxFirstRow+i, p.Cells[i][j])
		}
		check(2+len(p.Cols), xlsxFirstRow+i, p.RowTotals[i])
	}
	for j := range p.Cols {
		check(2+j, xlsxFirstRow+len(p.Rows), p.ColTotals[j])
	}
	check(2+len(p.Cols), xlsxFirstRow+len(p.Rows), p.Total)
	if get(ts, "C5") != Marker {
		t.Errorf("4 children: %q, want the marker", get(ts, "C5"))
	}
	// Every withheld value of the inputs (4 children; 3 and 7 above) is absent as a number.
	all, _ = f.GetRows(ts)
	for i, row := range all {
		for j, v := range row {
			if i+1 >= xlsxFirstRow && j > 0 {
				if _, err := strconv.Atoi(v); err != nil && v != Marker {
					t.Errorf("%s row %d col %d: %q is neither a count nor the marker", ts, i+1, j+1, v)
				}
			}
		}
	}

	// English.
	buf.Reset()
	if err := XLSX(&buf, r, fake("en")); err != nil {
		t.Fatal(err)
	}
	fe, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer fe.Close()
	if got := fe.GetSheetList(); got[0] != "Summary" || got[1] != i18n.MustLoad().T("en", "figure.status") {
		t.Errorf("English sheets %q", got)
	}
}

func TestCSV(t *testing.T) {
	r := sample(t)
	var buf bytes.Buffer
	if err := CSV(&buf, r, fake("sq")); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM: %q", b[:min(10, len(b))])
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	if want := []string{"figura", "rreshti", "kolona", "vlera", "statusi"}; !slices.Equal(recs[0], want) {
		t.Errorf("header %q, want %q", recs[0], want)
	}
	has := map[string]bool{}
	for _, rec := range recs[1:] {
		has[strings.Join(rec, "|")] = true
		switch rec[4] {
		case StatusShown:
			if rec[3] == "" {
				t.Errorf("shown without a value: %q", rec)
			}
		case StatusPrimary, StatusSecondary:
			if rec[3] != "" {
				t.Errorf("withheld with a value: %q", rec)
			}
		default:
			t.Errorf("status %q: %q", rec[4], rec)
		}
	}
	for _, line := range []string{
		"persons|Persona të numëruar||42|shown",
		"persons|Persona të panumëruar (pa pëlqim ose bazë ligjore për statistika)|||primary",
		"status|Në vlerësim||12|shown",
		"status|I identifikuar|||primary",
		"status|I referuar|||secondary",
		"status|Gjithsej||22|shown",
		"sex_age|Femër|Fëmijë||primary",
		"kpi|Koha deri në vendim|Mediana (ditë)|12|shown",
		"kpi|Koha deri në vendim|Mesatarja (ditë)|14.5|shown",
		"kpi|Koha deri në vendim|Baza (N)|30|shown",
		"kpi_distribution|Koha deri në vendim|8-30|18|shown",
		"kpi_distribution|Koha deri në vendim|31+||primary",
		"kpi_distribution|Koha deri në vendim|0-7||secondary",
		"kpi|Shkalla e formalizimit|Vlera (përqindje)|0.4|shown",
		"kpi|Shkalla e formalizimit: Organizatë joqeveritare|Vlera (përqindje)||primary",
		"kpi|Shërbimet e përfunduara|Vlera (përqindje)||primary",
		"kpi|Shërbimet e përfunduara|Baza (N)||primary",
		"kpi_emergency|Persona të trajtuar|Baza (N)|0|shown",
	} {
		if !has[line] {
			t.Errorf("missing line %s", line)
		}
	}
	if has["kpi_emergency|Persona të trajtuar|Vlera (persona)||primary"] {
		t.Error("an empty base is not a withheld value")
	}
	// Every cell of the table is there once, with its status.
	p := r.Figures[1].Table
	n := 0
	for _, rec := range recs {
		if rec[0] == "sex_age" {
			n++
		}
	}
	if want := (len(p.Rows) + 1) * (len(p.Cols) + 1); n != want {
		t.Errorf("%d table lines, want %d", n, want)
	}
	for i, row := range p.Rows {
		for j, col := range p.Cols {
			c := p.Cells[i][j]
			v := ""
			if !c.Suppressed {
				v = strconv.Itoa(c.Count)
			}
			l := fmt.Sprintf("sex_age|%s|%s|%s|%s", fake("sq")("sex."+row), fake("sq")("agegroup."+col), v, status(c))
			if !has[l] {
				t.Errorf("missing %s", l)
			}
		}
	}

	buf.Reset()
	if err := CSV(&buf, r, fake("en")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "\uFEFFfigure,row,column,value,status\r\n") && !strings.HasPrefix(buf.String(), "\uFEFFfigure,row,column,value,status\n") {
		t.Errorf("English header: %q", buf.String()[:40])
	}
}

// pdfText reads the text of every page through the fonts' ToUnicode maps, with runs of
// white space made one space.
func pdfText(t *testing.T, b []byte) []string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		pages = append(pages, strings.Join(strings.Fields(s), " "))
	}
	return pages
}

func TestPDF(t *testing.T) {
	r := sample(t)
	var buf bytes.Buffer
	if err := PDF(&buf, r, fake("sq")); err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, buf.Bytes())
	text := strings.Join(pages, " ")
	for _, want := range []string{
		"Mekanizmi Kombëtar i Referimit: raport periodik",
		"2026-01 – 2026-03", "Të gjithë qarqet",
		"Statusi i çdo personi", "Në vlerësim", "I identifikuar", "Fëmijë", "Gjithsej",
		Marker + " do të thotë",
		"Koha deri në vendim", "mediana 12, mesatarja 14,5", "N = 30",
		"Ditët nga takimi i parë deri në vendimin për identifikimin.",
		"40%", "Pa të dhëna",
		"Faqja 1 nga",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	// The list's rows: 12 shown, 3 and 7 withheld, 22 in total.
	if !strings.Contains(text, "Në vlerësim 12 I identifikuar "+Marker+" I referuar "+Marker+" Gjithsej 22") {
		t.Errorf("the list is not printed as published:\n%s", text)
	}
}

// TestPDFLarge: a wide, long table runs over pages and is split into column groups,
// repeating its headings; every row label and the last column print.
func TestPDFLarge(t *testing.T) {
	tb := stats.Table{}
	for i := range 60 {
		tb.Rows = append(tb.Rows, fmt.Sprintf("row%02d", i))
		tb.Counts = append(tb.Counts, make([]int, 20))
		for j := range 20 {
			tb.Counts[i][j] = 5 + (i+j)%7
		}
	}
	for j := range 20 {
		tb.Cols = append(tb.Cols, fmt.Sprintf("c%02d", j))
	}
	p := stats.Suppress(tb, 5)
	r := &stats.Report{K: 5, Filter: stats.Filter{From: stats.MonthOf(2025, 1)}, Figures: []stats.Figure{{ID: "big", Table: &p}, {ID: "big2", Table: &p}}}
	var buf bytes.Buffer
	if err := PDF(&buf, r, fake("en")); err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, buf.Bytes())
	if len(pages) < 4 {
		t.Fatalf("%d pages for two tables of 60 rows in column groups", len(pages))
	}
	text := strings.Join(pages, " ")
	for _, want := range []string{"row00", "row59", "c00", "c19", "2025-01 – the latest records", fmt.Sprintf("Page %d of %d", len(pages), len(pages))} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// Headings repeat on the pages a table runs onto.
	for i, pg := range pages[1:] {
		if !strings.Contains(pg, "Category") {
			t.Errorf("page %d has no headings: %.200s", i+2, pg)
		}
	}
	// The workbook takes the same figures, with the same title made unique.
	buf.Reset()
	if err := XLSX(&buf, r, fake("sq")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Përmbledhje", "Një tabelë e gjerë", "Një tabelë e gjerë (2)"}) {
		t.Errorf("sheets %q", got)
	}
	ref, _ := excelize.CoordinatesToCellName(2+len(p.Cols), xlsxFirstRow+len(p.Rows))
	if v, _ := f.GetCellValue("Një tabelë e gjerë (2)", ref); v != strconv.Itoa(p.Total.Count) {
		t.Errorf("grand total %q, want %d", v, p.Total.Count)
	}
}

func TestSheetName(t *testing.T) {
	x := &xlsx{used: map[string]bool{}}
	long := strings.Repeat("ë", 40)
	for _, tc := range []struct{ in, want string }{
		{"a/b:c?[d]*", "a-b-c--d--"},
		{"'quoted'", "quoted"},
		{"", "-"},
		{long, strings.Repeat("ë", 31)},
		{long, strings.Repeat("ë", 27) + " (2)"},
		{"Summary", "Summary"},
		{"SUMMARY", "SUMMARY (2)"},
	} {
		if got := x.sheetName(tc.in); got != tc.want {
			t.Errorf("sheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFilename(t *testing.T) {
	r := &stats.Report{Filter: stats.Filter{Dataset: "nrm", From: stats.MonthOf(2026, 1), To: stats.MonthOf(2026, 3)}}
	if got := Filename(r, "xlsx"); got != "nrm-report-2026-01_2026-03.xlsx" {
		t.Errorf("Filename = %q", got)
	}
	r.Filter.Region = "Dibër e Çorovodë"
	r.Filter.Dataset = "ctdc 2024"
	if got := Filename(r, ".pdf"); got != "nrm-report-ctdc-2024-diber-e-corovode-2026-01_2026-03.pdf" {
		t.Errorf("Filename = %q", got)
	}
	r.Filter = stats.Filter{}
	if got := Filename(r, "csv"); got != "nrm-report-start_end.csv" {
		t.Errorf("Filename = %q", got)
	}
}
