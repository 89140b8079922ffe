package stats

import (
	"bytes"
	"errors"
	"github.com/nrm-org/nrm/internal/shareddata"
	"maps"
	"os"
	"strings"
	"testing"
)

// TestCTDCEveryRowAndAggregates reads each CTDC file (the repository's
// fixture; the real dataset when it is beside the checkout) and checks the
// reader's aggregates against the file counted by splitting lines, and that
// count against the figures known without reading the file (the fixture's
// quotas, the real dataset's README).
func TestCTDCEveryRowAndAggregates(t *testing.T) {
	for _, f := range shareddata.CTDC(t) {
		t.Run(f.Name, func(t *testing.T) { checkCTDCAggregates(t, f) })
	}
}

func checkCTDCAggregates(t *testing.T, file shareddata.CTDCFile) {
	path := file.Path
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// The independent count: lines, minus the header. Splitting on "\n" and "," is only
	// valid for a file without quoting or carriage returns, so check that first.
	if bytes.ContainsAny(raw, "\"\r") {
		t.Fatal("the file has quotes or CRs: the line-splitting count below would be wrong")
	}
	text := strings.TrimSuffix(string(raw), "\n")
	lines := strings.Split(text, "\n")
	header := strings.Split(lines[0], ",")
	data := lines[1:]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	year, genderAge, exploit, origin := map[string]int{}, map[[2]string]int{}, map[string]int{}, map[string]int{}
	values := map[string]map[string]int{}
	for n, line := range data {
		f := strings.Split(line, ",")
		if len(f) != len(header) {
			t.Fatalf("line %d has %d fields", n+2, len(f))
		}
		for i, v := range f {
			if values[header[i]] == nil {
				values[header[i]] = map[string]int{}
			}
			values[header[i]][v]++
		}
		year[f[col["yearRegister"]]]++
		genderAge[[2]string{f[col["gender"]], f[col["majorityStatus"]]}]++
		fl, sx := f[col["isForcedLabour"]] == "1", f[col["isSexualExploit"]] == "1"
		if fl {
			exploit["ForcedLabour"]++
		}
		if sx {
			exploit["SexualExploitation"]++
		}
		if !fl && !sx {
			exploit["NotRecorded"]++
		}
		origin[f[col["UN_COO_Region"]]]++
	}

	// The reader, streaming from the file.
	a := NewCTDCAggregate()
	var seen int
	n, err := ReadCTDCFile(path, func(r CTDCRecord) error {
		seen++
		return a.Add(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(data) || seen != len(data) || a.Rows != len(data) {
		t.Fatalf("read %d rows (callback %d, aggregate %d), the file has %d", n, seen, a.Rows, len(data))
	}
	if !maps.Equal(a.ByYear, year) {
		t.Errorf("by year %v, counted %v", a.ByYear, year)
	}
	if !maps.Equal(a.ByGenderAge, genderAge) {
		t.Errorf("by gender×age %v, counted %v", a.ByGenderAge, genderAge)
	}
	if !maps.Equal(a.ByExploitation, exploit) {
		t.Errorf("by exploitation %v, counted %v", a.ByExploitation, exploit)
	}
	if !maps.Equal(a.ByOrigin, origin) {
		t.Errorf("by origin %v, counted %v", a.ByOrigin, origin)
	}

	// And the figures known without reading the file (a third count).
	if len(data) != file.Rows {
		t.Errorf("the file has %d rows, known %d", len(data), file.Rows)
	}
	for c, want := range file.Counts {
		for v, n := range want {
			if got := values[c][v]; got != n {
				t.Errorf("%s=%q: %d rows in the file, known %d", c, v, got, n)
			}
		}
	}

	// The gender × age table goes through disclosure control with Minor as children.
	tb := a.GenderAgeTable()
	if tb.Cols[len(tb.Cols)-1] != Missing || tb.Rows[len(tb.Rows)-1] != Missing {
		t.Errorf("missing not last: %q %q", tb.Rows, tb.Cols)
	}
	var sum int
	for i, row := range tb.Counts {
		for j, n := range row {
			sum += n
			if n != genderAge[[2]string{tb.Rows[i], tb.Cols[j]}] {
				t.Errorf("table cell %s×%s = %d", tb.Rows[i], tb.Cols[j], n)
			}
		}
	}
	if sum != len(data) {
		t.Errorf("table sums to %d", sum)
	}
	p := Suppress(tb, DefaultK)
	checkFaithful(t, "ctdc gender×age", tb, DefaultK, p)
	checkSafe(t, "ctdc gender×age", p)
	l := AsList(a.ByYear)
	checkList(t, "ctdc years", l, DefaultK, SuppressList(l, DefaultK))
}

func TestCTDCRecordFields(t *testing.T) {
	in := strings.Join(CTDCColumns, ",") + "\n" +
		"2019,Female,Minor,,1,Europe,Asia,1,Female;Male,0--29;48+,Europe,FriendAcquaintance,No;Yes,1,,1\n" +
		",,,,,,,,,,,,,,,"
	var recs []CTDCRecord
	n, err := ReadCTDC(strings.NewReader(in), func(r CTDCRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	r := recs[0]
	if r.YearRegister != "2019" || r.Gender != "Female" || r.MajorityStatus != "Minor" || r.IsForcedLabour || !r.IsSexualExploit ||
		r.OriginRegion != "Europe" || r.ExploitRegion != "Asia" || !r.PerpExploiter ||
		strings.Join(r.PerpGender, "|") != "Female|Male" || strings.Join(r.PerpAgeBroad, "|") != "0--29|48+" ||
		strings.Join(r.PerpCitizenRegion, "|") != "Europe" || strings.Join(r.PerpRelation, "|") != "FriendAcquaintance" ||
		strings.Join(r.PerpPayMoney, "|") != "No|Yes" || !r.PerpRecruiterBroker || r.PerpTransactionProcess || !r.PerpControlAbuseKidnap {
		t.Errorf("record %+v", r)
	}
	if e := recs[1]; e.Gender != Missing || e.PerpGender != nil || e.IsForcedLabour {
		t.Errorf("empty record %+v", e)
	}

	bad := []string{
		strings.Replace(strings.Join(CTDCColumns, ","), "gender", "sex", 1) + "\n",                   // header
		strings.Join(CTDCColumns, ",") + "\n2019,Female,Adult,yes,,,,,,,,,,,,\n",                     // flag
		strings.Join(CTDCColumns, ",") + "\n2019,Female,Adult,1,,,,,,,,,,,\n",                        // fields
		strings.Join(CTDCColumns, ",") + "\n2019,Female,Adult,1,,,,,,,,,,,,\n2019,,,2,,,,,,,,,,,,\n", // flag, line 3
	}
	for i, in := range bad {
		if _, err := ReadCTDC(strings.NewReader(in), func(CTDCRecord) error { return nil }); err == nil {
			t.Errorf("bad input %d accepted", i)
		} else if i == 3 && !strings.Contains(err.Error(), "line 3") {
			t.Errorf("error does not name the line: %v", err)
		}
	}
	stop := errors.New("stop")
	n, err = ReadCTDC(strings.NewReader(in), func(CTDCRecord) error { return stop })
	if n != 1 || !errors.Is(err, stop) {
		t.Errorf("callback error: n=%d err=%v", n, err)
	}
}
