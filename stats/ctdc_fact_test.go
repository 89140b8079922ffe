package stats

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/internal/shareddata"
)

// Every row of each CTDC file (the fixture; the real dataset when present) becomes a
// fact; the facts' items, counted per (Dim, Val), agree with counts taken from the raw
// CSV by encoding/csv, without ReadCTDC.
func TestCTDCFactEveryRow(t *testing.T) {
	for _, f := range shareddata.CTDC(t) {
		t.Run(f.Name, func(t *testing.T) { checkCTDCFacts(t, f.Path, f.Rows) })
	}
}

func checkCTDCFacts(t *testing.T, path string, rows int) {

	// The independent count.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	want := map[Item]int{}
	years := map[string]int{}
	for _, f := range recs[1:] {
		want[Item{DimAll, ""}]++
		if f[col["gender"]] == "Female" {
			want[Item{"female", ""}]++
		}
		if f[col["majorityStatus"]] == "Minor" {
			want[Item{"minor", ""}]++
		}
		if f[col["isForcedLabour"]] == "1" {
			want[Item{DimForm, "labour"}]++
		}
		if f[col["isSexualExploit"]] == "1" {
			want[Item{DimForm, "sexual"}]++
		}
		for _, g := range strings.Split(f[col["IP_Gender"]], ";") {
			if g == "Female" {
				want[Item{DimPerpSex, "female"}]++
			}
		}
		for _, a := range strings.Split(f[col["IP_ageBroad"]], ";") {
			if a == "0--29" {
				want[Item{DimPerpAge, "0-29"}]++
			}
		}
		years[f[col["yearRegister"]]]++
	}
	if want[Item{DimAll, ""}] != rows {
		t.Fatalf("the file has %d rows, known %d", want[Item{DimAll, ""}], rows)
	}

	// Through ReadCTDC and CTDCFact.
	got := map[Item]int{}
	periods := map[[2]Month]int{}
	row := 0
	if _, err := ReadCTDCFile(path, func(r CTDCRecord) error {
		row++
		f := CTDCFact(row, r)
		if f.Key == "" || !f.Counted || f.Status != CTDCStatus || f.Region != "" || f.Nationality != "" || f.By != "" {
			t.Fatalf("row %d: fact %+v", row, f)
		}
		periods[[2]Month{f.From, f.To}]++
		for _, it := range f.Items() {
			got[it]++
			if it.Dim == DimSexAge {
				sex, age, _ := strings.Cut(it.Val, "|")
				if sex == "female" {
					got[Item{"female", ""}]++
				}
				if age == AgeChildUnknown {
					got[Item{"minor", ""}]++
				}
			}
			if it.Dim == DimToPot || it.Dim == DimToDecision || it.Dim == DimUncounted {
				t.Fatalf("row %d: item %v", row, it)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for it, n := range want {
		if got[it] != n {
			t.Errorf("%v: facts count %d, the CSV %d", it, got[it], n)
		}
	}
	if got[Item{DimStatus, CTDCStatus}] != rows {
		t.Errorf("status count %d", got[Item{DimStatus, CTDCStatus}])
	}
	bands := map[string][2]Month{
		"2005-2013": {MonthOf(2005, 1), MonthOf(2013, 12)},
		"2014-2018": {MonthOf(2014, 1), MonthOf(2018, 12)},
		"2019":      {MonthOf(2019, 1), MonthOf(2019, 12)},
		"2020":      {MonthOf(2020, 1), MonthOf(2020, 12)},
		"2021-2022": {MonthOf(2021, 1), MonthOf(2022, 12)},
		"":          {0, 0},
	}
	if len(years) != len(bands) {
		t.Errorf("year bands in the file: %v", years)
	}
	for band, p := range bands {
		if periods[p] != years[band] || years[band] == 0 {
			t.Errorf("year band %q: %d facts over %v, %d rows in the CSV", band, periods[p], p, years[band])
		}
	}
}

func TestCTDCFactFields(t *testing.T) {
	f := CTDCFact(7, CTDCRecord{
		YearRegister: "2014-2018", Gender: "Male", MajorityStatus: "Adult",
		IsForcedLabour: true, IsSexualExploit: true, OriginRegion: "Europe",
		PerpGender: []string{"Female", "Male"}, PerpAgeBroad: []string{"30--38", "48+"},
	})
	if f.Key != "7" || f.From != MonthOf(2014, 1) || f.To != MonthOf(2018, 12) || f.Sex != "male" || f.Age != AgeAdult ||
		strings.Join(f.Forms, ",") != "labour,sexual" || strings.Join(f.PerpSex, ",") != "female,male" ||
		strings.Join(f.PerpAge, ",") != "30-38,48+" || f.DaysToPot != -1 || f.DaysToDecide != -1 || f.Nationality != "" {
		t.Errorf("fact %+v", f)
	}
	e := CTDCFact(8, CTDCRecord{})
	if e.From != 0 || e.To != 0 || e.Sex != "unknown" || e.Age != AgeUnknown || e.Forms != nil {
		t.Errorf("empty row's fact %+v", e)
	}
	if m := CTDCFact(9, CTDCRecord{MajorityStatus: "Minor", Gender: "Female"}); m.Age != AgeChildUnknown || m.Sex != "female" {
		t.Errorf("minor %+v", m)
	}
}

func TestWriteCTDCAggregate(t *testing.T) {
	// Female: 0-11 has 3 (a child cell under ChildK: withheld), 12-17 has 6 (its complement), adults 40+12;
	// male: no child, adults 30 + 9, one unknown age of 8.
	tb := Table{
		Rows: []string{"female", "male"},
		Cols: []string{"0-11", "12-17", "18-24", AgeAdult, AgeUnknown},
		Counts: [][]int{
			{3, 6, 40, 12, 0},
			{0, 0, 30, 9, 8},
		},
		ChildCols: []bool{true, true, false, false, false},
	}
	sa := Suppress(tb, DefaultK)
	forms := SuppressList(List{Labels: []string{"labour", "sexual", "begging"}, Counts: []int{60, 3, 40}}, DefaultK)
	r := &Report{
		Filter:      Filter{From: MonthOf(2019, 1), To: MonthOf(2019, 12)},
		K:           DefaultK,
		GeneratedAt: time.Now(),
		Persons:     Cell{Count: 108},
		Figures: []Figure{
			{ID: "sex_age", Table: &sa},
			{ID: "form", List: &forms, NotAdditive: true},
		},
	}
	var b bytes.Buffer
	if err := WriteCTDCAggregate(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(CTDCExportColumns, ",") {
		t.Fatalf("header %v", rows[0])
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		if r[0] != "2019" {
			t.Errorf("yearRegister %q", r[0])
		}
		if (r[5] == "") != (r[6] == "1") {
			t.Errorf("count %q with suppressed %q", r[5], r[6])
		}
		got[strings.Join(r[1:5], ",")] = r[5] + "/" + r[6]
	}
	want := map[string]string{
		",,,":              "108/0",
		"Female,Minor,,":   "/1", // 3 withheld (and 6 with it): the sum is withheld
		"Female,Adult,,":   "52/0",
		"Male,Adult,,":     "39/0",
		"Male,Unknown,,":   "8/0",
		"Male,Minor,,":     "0/0",
		"Female,Unknown,,": "0/0",
		",,1,":             "60/0",
		",,,1":             "/1", // 3 sexual exploitation: withheld
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("row %s: got %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rows %v", got)
	}
	for _, r := range rows {
		for _, v := range r {
			if v == "3" {
				t.Errorf("a withheld 3 was written: %v", r)
			}
		}
	}

	cases := map[[2]Month]string{
		{0, 0}:                                "",
		{MonthOf(2014, 1), MonthOf(2018, 12)}: "2014-2018",
		{MonthOf(2019, 3), MonthOf(2019, 8)}:  "2019-03/2019-08",
		{MonthOf(2019, 3), 0}:                 "2019-03/..",
	}
	for p, w := range cases {
		if g := ctdcPeriod(p[0], p[1]); g != w {
			t.Errorf("period %v: %q, want %q", p, g, w)
		}
	}
}
