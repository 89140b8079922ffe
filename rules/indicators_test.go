package rules

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/shareddata"
)

// htcdsCSV is the HTCDS v2.0 field sheet in the repository's test data.
const htcdsCSV = "htcds_fields_Field_Standards.csv"

// mainForm is the form an indicator code's prefix stands for.
var mainForm = map[string]Form{
	"gen": FormGeneral, "ctl": FormControl, "sex": FormSexual, "lab": FormLabour,
	"dom": FormDomesticServitude, "beg": FormBegging, "crm": FormForcedCriminality,
	"mar": FormForcedMarriage, "org": FormOrganRemoval, "chd": FormChild,
	"gnd": FormGender, "vul": FormVulnerability,
}

func TestEmbeddedCatalogue(t *testing.T) {
	c := Indicators()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Version == "" {
		t.Error("catalogue has no version")
	}
	if c != Indicators() {
		t.Error("Indicators() parses the file on every call")
	}
	seen := map[string]bool{}
	for _, ind := range c.Indicators {
		if seen[ind.Code] {
			t.Errorf("%s: code used twice", ind.Code)
		}
		seen[ind.Code] = true
		for _, lang := range []string{"sq", "en"} {
			if strings.TrimSpace(ind.Label[lang]) == "" {
				t.Errorf("%s: no %s label", ind.Code, lang)
			}
		}
		if ind.Label["sq"] == ind.Label["en"] {
			t.Errorf("%s: the Albanian label is the English one", ind.Code)
		}
		if !slices.Contains([]string{"", "A", "B", "C"}, ind.Section) {
			t.Errorf("%s: section %q", ind.Code, ind.Section)
		}
		for _, f := range ind.Forms {
			if !slices.Contains(Forms(), f) {
				t.Errorf("%s: unknown form %q", ind.Code, f)
			}
		}
		prefix, _, _ := strings.Cut(ind.Code, ".")
		if want, ok := mainForm[prefix]; !ok || len(ind.Forms) == 0 || ind.Forms[0] != want {
			t.Errorf("%s: first form %v does not match the code prefix", ind.Code, ind.Forms)
		}
		if slices.Contains(ind.Forms, FormVulnerability) && ind.Section != "" {
			t.Errorf("%s: a vulnerability must not count toward the threshold (section %q)", ind.Code, ind.Section)
		}
		if slices.Contains(ind.Forms, FormControl) && ind.Section == "" {
			t.Errorf("%s: a method of control needs a section", ind.Code)
		}
	}
	for _, f := range Forms() {
		n := len(c.ByForm(f))
		if n < 6 || n > 17 {
			t.Errorf("form %s has %d indicators; want a representative 6-17", f, n)
		}
		t.Logf("%-20s %2d indicators", f, n)
	}
	// The threshold sections of every shipped profile must exist.
	for _, code := range Codes() {
		p := mustLoad(t, code)
		for _, s := range slices.Concat(p.Threshold.Adult, p.Threshold.Child) {
			if !slices.ContainsFunc(c.Sections, func(sec Section) bool { return sec.Code == s }) {
				t.Errorf("profile %s uses section %q that the catalogue lacks", code, s)
			}
		}
	}
}

func TestFormLabels(t *testing.T) {
	if len(Forms()) != 12 {
		t.Fatalf("Forms() = %v", Forms())
	}
	for _, f := range Forms() {
		sq, en := FormLabel(f, "sq"), FormLabel(f, "en")
		if sq == string(f) || en == string(f) || sq == en {
			t.Errorf("form %s labels sq %q en %q", f, sq, en)
		}
	}
	if got := FormLabel(FormBegging, "fr"); got != "Forced begging" {
		t.Errorf("an unknown language should fall back to English, got %q", got)
	}
	if got := FormLabel("piracy", "en"); got != "piracy" {
		t.Errorf("FormLabel of an unknown form = %q", got)
	}
	var exploitation []Form
	for _, f := range Forms() {
		if f.Exploitation() {
			exploitation = append(exploitation, f)
		}
	}
	if want := []Form{FormSexual, FormLabour, FormDomesticServitude, FormBegging, FormForcedCriminality, FormForcedMarriage, FormOrganRemoval}; !slices.Equal(exploitation, want) {
		t.Errorf("exploitation forms %v, want %v", exploitation, want)
	}
}

func TestLookupAndByForm(t *testing.T) {
	c := Indicators()
	ind, ok := c.Lookup("ctl.withholds_documents")
	if !ok || ind.HTCDS != "Withholds documents" || ind.Section != "B" {
		t.Errorf("Lookup(ctl.withholds_documents) = %+v, %v", ind, ok)
	}
	if _, ok := c.Lookup("ctl.nope"); ok {
		t.Error("Lookup found an unknown code")
	}
	// A catalogue built in code, without the index, still looks up.
	hand := &Catalogue{Indicators: c.Indicators}
	if got, ok := hand.Lookup("vul.poverty"); !ok || got.HTCDS != "Poverty" {
		t.Errorf("unindexed Lookup = %+v, %v", got, ok)
	}
	for _, ind := range c.ByForm(FormOrganRemoval) {
		if !slices.Contains(ind.Forms, FormOrganRemoval) {
			t.Errorf("ByForm(organ_removal) returned %s", ind.Code)
		}
	}
	if got := c.ByForm("piracy"); len(got) != 0 {
		t.Errorf("ByForm of an unknown form = %v", got)
	}
}

// htcdsPicklists reads the HTCDS field sheet: field name -> value labels.
func htcdsPicklists(t *testing.T) (map[string][]string, string) {
	t.Helper()
	raw, err := os.ReadFile(shareddata.HTCDS(t, htcdsCSV))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(string(raw)))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	const fieldCol, labelsCol = 6, 10 // "Field Name including Prefix", "Value Labels (if picklist)"
	if h := rows[0]; h[fieldCol] != "Field Name including Prefix" || h[labelsCol] != "Value Labels (if picklist)" {
		t.Fatalf("unexpected HTCDS header %q", h)
	}
	lists := map[string][]string{}
	for _, row := range rows[1:] {
		if len(row) > labelsCol && row[fieldCol] != "" && row[labelsCol] != "" {
			lists[row[fieldCol]] = strings.Split(row[labelsCol], "\n")
		}
	}
	return lists, string(raw)
}

func TestHTCDSValuesAreVerbatim(t *testing.T) {
	lists, raw := htcdsPicklists(t)
	c := Indicators()
	covered := map[string]map[string]bool{}
	for _, ind := range c.Indicators {
		if ind.HTCDS == "" {
			continue
		}
		if !strings.Contains(raw, ind.HTCDS) {
			t.Errorf("%s: %q does not appear in %s", ind.Code, ind.HTCDS, htcdsCSV)
		}
		if !slices.Contains(lists[ind.HTCDSField], ind.HTCDS) {
			t.Errorf("%s: %q is not a value label of %s %q", ind.Code, ind.HTCDS, ind.HTCDSField, lists[ind.HTCDSField])
		}
		for _, f := range ind.Forms {
			if covered[string(f)] == nil {
				covered[string(f)] = map[string]bool{}
			}
			covered[string(f)][ind.HTCDSField+"\x00"+ind.HTCDS] = true
		}
	}
	// Every HTCDS method of control and every vulnerability has an
	// indicator in the matching form, so an HTCDS export loses nothing.
	for field, form := range map[string]Form{"vic_MethodsOfControl": FormControl, "vic_Vulnerabilities": FormVulnerability} {
		values := lists[field]
		if len(values) == 0 {
			t.Fatalf("HTCDS field %s not found", field)
		}
		for _, v := range values {
			if !covered[string(form)][field+"\x00"+v] {
				t.Errorf("HTCDS %s value %q has no indicator in form %s", field, v, form)
			}
		}
	}
	if n := len(lists["vic_MethodsOfControl"]); n != 16 {
		t.Errorf("HTCDS lists %d methods of control, expected 16", n)
	}
}

func TestParseCatalogueRejects(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{
			"version":  "t1",
			"sections": []any{map[string]any{"code": "A", "label": map[string]any{"sq": "Rekrutimi", "en": "Recruitment"}, "verified": false}},
			"indicators": []any{map[string]any{
				"code": "gen.x", "section": "A", "forms": []any{"general"}, "source": "UNODC",
				"label": map[string]any{"sq": "x sq", "en": "x en"},
			}},
		}
	}
	first := func(m map[string]any) map[string]any { return m["indicators"].([]any)[0].(map[string]any) }
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"no version", func(m map[string]any) { m["version"] = "" }, "version"},
		{"unknown form", func(m map[string]any) { first(m)["forms"] = []any{"piracy"} }, "indicators[0].forms[0]"},
		{"unknown section", func(m map[string]any) { first(m)["section"] = "D" }, "indicators[0].section"},
		{"bad code", func(m map[string]any) { first(m)["code"] = "X" }, "indicators[0].code"},
		{"duplicate code", func(m map[string]any) {
			m["indicators"] = append(m["indicators"].([]any), first(m))
		}, "indicators[1].code"},
		{"missing sq", func(m map[string]any) { first(m)["label"] = map[string]any{"en": "x"} }, "indicators[0].label.sq"},
		{"bad strength", func(m map[string]any) { first(m)["strength"] = map[string]any{"adult": "huge"} }, "indicators[0].strength.adult"},
		{"htcds without field", func(m map[string]any) { first(m)["htcds"] = "Poverty" }, "indicators[0].htcds_field"},
		{"unknown source", func(m map[string]any) { first(m)["source"] = "hearsay" }, "indicators[0].source"},
		{"unknown field", func(m map[string]any) { first(m)["weight"] = 3 }, "weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.edit(m)
			b, _ := json.Marshal(m)
			_, err := ParseCatalogue(b)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("ParseCatalogue error %v; want a *FieldError for %s", err, tc.field)
			}
		})
	}
	b, _ := json.Marshal(good())
	if _, err := ParseCatalogue(b); err != nil {
		t.Errorf("the good catalogue was rejected: %v", err)
	}
}
