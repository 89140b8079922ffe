package htcds

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/shareddata"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/stats"
)

const official = "HTCDS_Excel_Spreadsheet_single_select_with_validation_v2.0.xlsx"

// officialPath is IOM's official template in the repository's test data.
func officialPath(t *testing.T) string { return shareddata.HTCDS(t, official) }

// Secrets put in every test person: none may appear in an exported record.
var secrets = []string{"Klea", "Marku", "Kleja", "1999-04-02", "1999", "AB1234567", "+355691234567", "Rruga e Durrësit", "the account", "AL-0042", "internal-7f3a"}

func identity() *nrm.Identity {
	return &nrm.Identity{GivenName: "Klea", FamilyName: "Marku", Aliases: []string{"Kleja"}, BirthDate: "1999-04-02",
		DocNumber: "AB1234567", Phone: "+355691234567", Address: "Rruga e Durrësit"}
}

// people builds varied persons: every status, sex, age case and form, several nationalities.
func people() []nrm.Person {
	type ageCase struct {
		group    nrm.AgeGroup
		presumed bool
		years    int
	}
	ages := []ageCase{{nrm.AgeAdult, false, 31}, {nrm.AgeAdult, false, -1}, {nrm.AgeAdult, false, 19}, {nrm.AgeAdult, false, 67},
		{nrm.AgeChild, false, 9}, {nrm.AgeChild, false, 16}, {nrm.AgeUnknown, true, -1}, {nrm.AgeUnknown, false, -1}}
	sexes := append(slices.Clone(nrm.Sexes), "")
	nats := [][]string{{"ALB"}, {"KOS", "ALB"}, {"SYR"}, nil}
	var forms [][]string
	for _, f := range rules.Forms() {
		forms = append(forms, []string{string(f)})
	}
	forms = append(forms, []string{"sexual", "labour", "begging"}, []string{"forced_criminality", "general", "control"}, nil)
	narrative := "the account"
	var out []nrm.Person
	i := 0
	for _, st := range nrm.Statuses {
		for _, a := range ages {
			for _, sex := range sexes {
				i++
				nat := nats[i%len(nats)]
				p := nrm.Person{ID: "internal-7f3a", Code: "AL-0042", Status: st, AgeGroup: a.group, PresumedChild: a.presumed,
					AgeYears: a.years, Sex: sex, Forms: forms[i%len(forms)], Identity: identity(), Narrative: &narrative,
					FirstContactAt: time.Date(2025, time.Month(1+i%12), 1+i%28, 10, 0, 0, 0, time.UTC),
					CreatedAt:      time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC)}
				if len(nat) > 0 {
					p.Nationality, p.Nationalities = nat[0], nat
				}
				if i%9 == 0 {
					p.FirstContactAt = time.Time{} // falls back to the record's creation
				}
				out = append(out, p)
			}
		}
	}
	return out
}

var bys = append(append([]string{}, func() []string {
	var s []string
	for _, t := range nrm.OrgTypes {
		s = append(s, string(t))
	}
	return s
}()...), nrm.ReferrerMIU, nrm.ReferrerOutside, "")

func TestRecordValidatesAndStripsIdentity(t *testing.T) {
	ps := people()
	seen := map[string]bool{}
	for i, p := range ps {
		rec := Record(p, Extra{By: bys[i%len(bys)]})
		if errs := stats.ValidateHTCDS(rec); len(errs) > 0 {
			t.Fatalf("person %d (%+v): %v", i, rec, errs)
		}
		for k, v := range rec {
			seen[k] = true
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Fatalf("person %d: %s = %q leaks %q", i, k, v, s)
				}
			}
			if strings.HasPrefix(k, "prs_") && k != FGender && k != FCitizenship {
				t.Fatalf("person %d: identity field %s exported", i, k)
			}
		}
		child := p.IsChild() || p.AgeYears >= 0 && p.AgeYears < 18
		if child {
			if _, ok := rec[FAge]; ok {
				t.Fatalf("person %d: a child's age exported: %v", i, rec)
			}
			if d := rec[FReferralDate]; !strings.HasSuffix(d, "-01-01") {
				t.Fatalf("person %d: a child's date more precise than the year: %q", i, d)
			}
		}
	}
	for _, f := range []string{FStatus, FGender, FCitizenship, FExploitation, FReferralDate, FAge, FOrgType} {
		if !seen[f] {
			t.Errorf("no test person exported %s", f)
		}
	}
}

// TestMappingsAreTheStandards checks every value the maps name against the catalogue.
func TestMappingsAreTheStandards(t *testing.T) {
	for field, vals := range map[string][]string{
		FStatus: slices.Collect(maps.Values(statusMap)), FGender: slices.Collect(maps.Keys(sexBack)),
		FExploitation: slices.Collect(maps.Keys(formBack)), FOrgType: slices.Collect(maps.Keys(byBack)),
	} {
		for _, v := range vals {
			if errs := stats.ValidateHTCDS(map[string]string{field: v}); len(errs) > 0 {
				t.Errorf("%s: %v", field, errs)
			}
		}
	}
	for _, v := range byMap {
		if _, ok := byBack[v]; !ok {
			t.Errorf("org_Type %s written but not read back", v)
		}
	}
	for _, s := range nrm.Sexes {
		if sexBack[sexMap[s]] != s {
			t.Errorf("sex %s does not round-trip", s)
		}
	}
	for _, f := range rules.Forms() {
		if f.Exploitation() && formBack[formMap[f]] != string(f) {
			t.Errorf("form %s does not round-trip", f)
		}
	}
}

func TestOfficialTemplateReadsEmpty(t *testing.T) {
	f, err := os.Open(officialPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := ReadTemplate(f, func(int, map[string]string) error { t.Fatal("a record in the empty template"); return nil })
	if n != 0 || err != nil {
		t.Fatalf("empty official template: %d %v", n, err)
	}
}

func TestRoundTrip(t *testing.T) {
	ps := people()
	var want []map[string]string
	for i, p := range ps {
		want = append(want, Record(p, Extra{By: bys[i%len(bys)]}))
	}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, slices.Values(want)); err != nil {
		t.Fatal(err)
	}
	// The layout: the template's sheet, header row and label row, cell for cell.
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(DataSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0][:len(templateHeader)], templateHeader) || !slices.Equal(rows[1][:len(templateLabels)], templateLabels) {
		t.Fatalf("header rows differ from the template:\n%q\n%q", rows[0], rows[1])
	}
	if len(rows) != len(want)+2 {
		t.Fatalf("%d rows, want %d", len(rows), len(want)+2)
	}
	x.Close()

	var got []map[string]string
	n, err := ReadTemplate(bytes.NewReader(buf.Bytes()), func(row int, rec map[string]string) error {
		if row != FirstRow+len(got) {
			t.Fatalf("row %d, want %d", row, FirstRow+len(got))
		}
		got = append(got, rec)
		return nil
	})
	if err != nil || n != len(want) {
		t.Fatalf("read %d of %d: %v", n, len(want), err)
	}
	nonEmpty := 0
	for i := range want {
		if len(want[i]) == 0 {
			continue // a record with nothing to say is an empty row: skipped on reading
		}
		if !maps.Equal(got[nonEmpty], want[i]) {
			t.Fatalf("record %d:\nwrote %v\nread  %v", i, want[i], got[nonEmpty])
		}
		nonEmpty++
	}
}

// TestFactOfRecord: what the dashboard counts for an exported and re-imported person, by hand.
func TestFactOfRecord(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		p    nrm.Person
		by   string
		want stats.Fact
	}{
		{nrm.Person{Status: nrm.StatusPotentialVictim, AgeGroup: nrm.AgeAdult, AgeYears: 27, Sex: "female", Nationality: "ALB", Forms: []string{"sexual", "general"}, FirstContactAt: at}, "police",
			stats.Fact{Status: "potential_victim", Forms: []string{"sexual"}, By: "police", Nationality: "ALB", Sex: "female", Age: "25-34", From: 202503, To: 202503}},
		{nrm.Person{Status: nrm.StatusIdentified, AgeGroup: nrm.AgeChild, AgeYears: 15, Sex: "male", Nationality: "KOS", Forms: []string{"begging", "labour"}, FirstContactAt: at}, nrm.ReferrerMIU,
			stats.Fact{Status: "identified_victim", Forms: []string{"labour", "begging"}, By: "ngo_shelter", Nationality: "KOS", Sex: "male", Age: stats.AgeUnknown, From: 202501, To: 202512}},
		{nrm.Person{Status: nrm.StatusNotIdentified, AgeGroup: nrm.AgeUnknown, PresumedChild: true, AgeYears: -1, Sex: "other", Forms: []string{"forced_criminality"}, FirstContactAt: at}, "border_police",
			stats.Fact{Status: "not_identified", Forms: []string{"forced_criminality"}, By: "border_police", Sex: "other", Age: stats.AgeUnknown, From: 202501, To: 202512}},
		{nrm.Person{Status: nrm.StatusAtRisk, AgeGroup: nrm.AgeAdult, AgeYears: 52, Sex: "unknown", Nationality: "SYR", Forms: []string{"domestic_servitude", "forced_marriage", "organ_removal"}, FirstContactAt: at}, "outside",
			stats.Fact{Status: "referred", Forms: []string{"forced_marriage", "domestic_servitude", "organ_removal"}, Nationality: "SYR", Sex: "unknown", Age: "50+", From: 202503, To: 202503}},
		{nrm.Person{Status: nrm.StatusReferred, AgeGroup: nrm.AgeAdult, AgeYears: -1, FirstContactAt: at}, "social_service",
			stats.Fact{Status: "referred", By: "social_service", Age: stats.AgeUnknown, From: 202503, To: 202503}},
	}
	for i, c := range cases {
		f := Fact(7+i, Record(c.p, Extra{By: c.by}))
		w := c.want
		w.Key, w.Counted, w.DaysToPot, w.DaysToDecide = f.Key, true, -1, -1
		if f.Key != strconv.Itoa(7+i) {
			t.Errorf("case %d: key %q", i, f.Key)
		}
		slices.Sort(f.Forms)
		slices.Sort(w.Forms)
		if f.Status != w.Status || !slices.Equal(f.Forms, w.Forms) || f.By != w.By || f.Nationality != w.Nationality ||
			f.Sex != w.Sex || f.Age != w.Age || f.From != w.From || f.To != w.To || !f.Counted || f.DaysToPot != -1 || f.DaysToDecide != -1 {
			t.Errorf("case %d:\n got %+v\nwant %+v", i, f, w)
		}
	}
}

// TestOfficialTemplateFilled writes rows into the official file itself, under its header,
// as a person filling it in would (labels from its drop-down lists, a date typed as a
// date), and reads them back.
func TestOfficialTemplateFilled(t *testing.T) {
	x, err := excelize.OpenFile(officialPath(t))
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range columns() {
		col[h] = i
	}
	put := func(row int, vals map[string]any) {
		cells := make([]any, len(templateHeader))
		cells[0] = row - 2
		for k, v := range vals {
			i, ok := col[k]
			if !ok {
				t.Fatalf("no column %s", k)
			}
			cells[i] = v
		}
		if err := x.SetSheetRow(DataSheet, "A"+strconv.Itoa(row), &cells); err != nil {
			t.Fatal(err)
		}
	}
	// Row 3: the standard's value names, as Record writes them.
	put(3, map[string]any{FStatus: "ActualVictimOfTrafficking", FGender: "Feminine", FCitizenship: "ALB",
		FExploitation: "SexualExploitation;ForcedBegging", FReferralDate: "2025-06-02"})
	// Row 5 (row 4 left empty): labels from the drop-downs, a country name, a real date cell.
	put(5, map[string]any{FStatus: "Possible victim of trafficking", FGender: "Masculine", FCitizenship: "Albania",
		FExploitation: "Forced labour", "vic_MethodsOfControl": "Threats of law enforcement",
		"vic_ForcedLabourIndustry": "Agriculture, forestry and fishing", "cas_Status": "Follow up",
		"vic_TraffickingStatusDecisionMakingOrg": "Court or prosecution", FReferralDate: time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC),
		"cas_ReasonForOutgoingReferral": "Migration Or Change Of Location"})
	path := filepath.Join(t.TempDir(), "filled.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	x.Close()

	want := map[int]map[string]string{
		3: {FStatus: "ActualVictimOfTrafficking", FGender: "Feminine", FCitizenship: "ALB", FExploitation: "SexualExploitation;ForcedBegging", FReferralDate: "2025-06-02"},
		5: {FStatus: "PossibleVictimOfTrafficking", FGender: "Masculine", FCitizenship: "AL", FExploitation: "ForcedLabour",
			"vic_MethodsOfControl": "ThreatsLawEnforcement", "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing",
			"cas_Status": "FollowUp", "vic_TraffickingStatusDecisionMakingOrg": "CourtOrProsecution", FReferralDate: "2024-11-20",
			"cas_ReasonForOutgoingReferral": "MigrationOrChangeOfLocation"},
	}
	f, _ := os.Open(path)
	defer f.Close()
	n, err := ReadTemplate(f, func(row int, rec map[string]string) error {
		if !maps.Equal(rec, want[row]) {
			t.Errorf("row %d:\n got %v\nwant %v", row, rec, want[row])
		}
		if fact := Fact(row, rec); row == 5 && (fact.Status != "potential_victim" || fact.From != 202411) {
			t.Errorf("row 5 fact: %+v", fact)
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("filled official template: %d %v", n, err)
	}

	// A value the standard does not have: the error names the row and the field.
	x, _ = excelize.OpenFile(path)
	put(6, map[string]any{FGender: "Woman"})
	bad := filepath.Join(t.TempDir(), "bad.xlsx")
	if err := x.SaveAs(bad); err != nil {
		t.Fatal(err)
	}
	x.Close()
	g, _ := os.Open(bad)
	defer g.Close()
	_, err = ReadTemplate(g, func(int, map[string]string) error { return nil })
	var re *RowError
	if !errors.As(err, &re) || re.Row != 6 || re.Field != FGender {
		t.Fatalf("bad value: %v", err)
	}
}

func TestWriteTemplateRejectsBadRecord(t *testing.T) {
	recs := []map[string]string{{FGender: "Feminine"}, {FStatus: "Victim"}}
	err := WriteTemplate(new(bytes.Buffer), slices.Values(recs))
	var re *RowError
	if !errors.As(err, &re) || re.Row != FirstRow+1 || re.Field != FStatus {
		t.Fatalf("bad record: %v", err)
	}
	err = WriteTemplate(new(bytes.Buffer), slices.Values([]map[string]string{{"vic_Name": "x"}}))
	if !errors.As(err, &re) || re.Field != "vic_Name" {
		t.Fatalf("unknown field: %v", err)
	}
}
