package stats

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/shareddata"
)

// The embedded sheet is the reference copy (testdata/htcds), byte for byte.
func TestHTCDSEmbeddedIsTheReference(t *testing.T) {
	ref, err := os.ReadFile(shareddata.HTCDS(t, "htcds_fields_Field_Standards.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ref, htcdsFieldsCSV) {
		t.Fatal("stats/htcds_fields_Field_Standards.csv differs from testdata/htcds: copy it again")
	}
}

func TestHTCDSCatalogue(t *testing.T) {
	c := HTCDS()
	if n := len(c.Fields()); n != 83 {
		t.Errorf("%d fields, the sheet has 83", n)
	}
	for _, f := range c.Fields() {
		if f.FullName != f.Prefix+f.Name || f.Type == "" || f.Label == "" || f.Section == "" {
			t.Errorf("incomplete field %+v", f)
		}
		if len(f.Values) != len(f.ValueLabels) {
			t.Errorf("%s: %d values, %d labels", f.FullName, len(f.Values), len(f.ValueLabels))
		}
		if f.IsPicklist() && len(f.Values) == 0 && f.CodeList == "" {
			t.Errorf("%s: a picklist with no values", f.FullName)
		}
		for _, v := range f.Values {
			if strings.ContainsAny(v, " \n\u00a0") {
				t.Errorf("%s: value %q has spaces", f.FullName, v)
			}
		}
	}
	f, ok := c.Field("vic_TypeOfExploitation")
	want := []string{"ForcedLabour", "SexualExploitation", "ChildLabour", "ForcedMarriage", "Servitude",
		"ForcedMilitaryByNonStateActors", "OrganRemoval", "ForcedBegging", "ForcedAdoption", "Surrogacy", "Other"}
	if !ok || f.Type != HTCDSMultiselect || !slices.Equal(f.Values, want) || f.Section != "Person - Victim Context" ||
		f.Prefix != "vic_" || f.ValueLabels[5] != "Forced military (by non-state actors)" {
		t.Errorf("vic_TypeOfExploitation: %+v", f)
	}
	f, _ = c.Field("prs_Gender")
	if !f.Core || f.Type != HTCDSPicklist || f.ValueLabels[0] != "Feminine" || f.Values[5] != "NonSpecifiedUnknown" {
		t.Errorf("prs_Gender: %+v", f)
	}
	// The sheet gives 16 method-of-control values but 15 labels: the last falls back to its name.
	f, _ = c.Field("vic_MethodsOfControl")
	if len(f.Values) != 16 || f.ValueLabels[15] != "Other" {
		t.Errorf("vic_MethodsOfControl: %+v", f)
	}
	f, _ = c.Field("spl_Type") // a trailing line break in the sheet
	if len(f.Values) != 9 || f.Values[8] != "SocialCare" {
		t.Errorf("spl_Type: %q", f.Values)
	}
	f, _ = c.Field("prs_Citizenship")
	if f.CodeList != ISO3166 || f.Values != nil {
		t.Errorf("prs_Citizenship: %+v", f)
	}
	f, _ = c.Field("vic_Vulnerabilities")
	if f.Status != "DEPRECATED" {
		t.Errorf("vic_Vulnerabilities status %q", f.Status)
	}
	for _, notField := range []string{"N/A", "", "per_Organisation", "Field Name including Prefix"} {
		if _, ok := c.Field(notField); ok {
			t.Errorf("%q is a field", notField)
		}
	}
}

func TestHTCDSValidate(t *testing.T) {
	good := map[string]string{
		"prs_Gender":                    "Feminine",
		"prs_Citizenship":               "AL;XK",
		"prs_PrimaryLanguage":           "sqi",
		"prs_Birthdate":                 "2001-04-30",
		"prs_NumberOfChildren":          "2",
		"prs_FirstName":                 "", // not recorded
		"vic_TraffickingStatus":         "PossibleVictimOfTrafficking",
		"vic_TypeOfExploitation":        "SexualExploitation;ForcedBegging",
		"vic_MethodsOfControl":          "DebtBondage",
		"vic_ForcedLabourIndustry":      "A_AgricultureForestryAndFishing",
		"vic_AgeWhenTrafficked":         "16",
		"cas_Status":                    "Active",
		"cas_IncomingReferralDate":      "2026-11-02",
		"cas_ReferringOrganisation":     "any text: a lookup",
		"con_Consent":                   "TRUE",
		"hte_Type":                      "Exploitation",
		"hte_Latitude":                  "41.3275",
		"spl_Type":                      "SocialCare",
		"org_Type":                      "NGO",
		"vic_TypeOfSexExploitation":     "Prostitution",
		"cas_ReasonForOutgoingReferral": "Other",
	}
	if errs := ValidateHTCDS(good); len(errs) != 0 {
		t.Fatalf("a valid record rejected: %v", errs)
	}

	bad := map[string]string{
		"prs_gender":             "Feminine",                                            // name case
		"Gender":                 "Feminine",                                            // no prefix
		"vic_Methods_of_Control": "DebtBondage",                                         // the XLSForm's spelling, not the standard's
		"prs_Citizenship":        "Albania",                                             // not a code
		"vic_TraffickingStatus":  "possibleVictimOfTrafficking",                         // value case
		"cas_Status":             "Follow Up",                                           // a label, not a value name
		"vic_TypeOfExploitation": "SexualExploitation;Sexual;ForcedLabour;ForcedLabour", // one wrong, one repeated
		"con_Consent":            "yes",
		"prs_Birthdate":          "30/04/2001",
		"vic_AgeWhenTrafficked":  "sixteen",
		"prs_PrimaryLanguage":    "SQ",
	}
	errs := ValidateHTCDS(bad)
	got := map[string]int{}
	for _, err := range errs {
		var he *HTCDSError
		if !errors.As(err, &he) {
			t.Fatalf("not an HTCDSError: %v", err)
		}
		got[he.Field]++
	}
	for name := range bad {
		want := 1
		if name == "vic_TypeOfExploitation" {
			want = 2
		}
		if got[name] != want {
			t.Errorf("%s: %d errors, want %d (all: %v)", name, got[name], want, errs)
		}
	}
	if len(errs) != len(bad)+1 {
		t.Errorf("%d errors: %v", len(errs), errs)
	}
}

// Real values: every choice of the standard's own XLSForm (the choices are the picklist
// value names) validates, for the fields whose names the form spells as the standard does;
// the two it spells otherwise are reported as unknown names.
func TestHTCDSValidateXLSFormChoices(t *testing.T) {
	raw, err := os.ReadFile(shareddata.HTCDS(t, "htcds_xlsform.xml"))
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		Value string `xml:"value"`
	}
	type sel struct {
		Ref   string `xml:"ref,attr"`
		Items []item `xml:"item"`
	}
	var form struct {
		Body struct {
			Select1 []sel `xml:"select1"`
			Select  []sel `xml:"select"`
		} `xml:"body"`
	}
	if err := xml.Unmarshal(raw, &form); err != nil {
		t.Fatal(err)
	}
	c := HTCDS()
	checked, unknown := 0, []string{}
	for _, s := range append(form.Body.Select1, form.Body.Select...) {
		name := strings.TrimPrefix(s.Ref, "/data/")
		if _, ok := c.Field(name); !ok {
			unknown = append(unknown, name)
			if errs := c.Validate(map[string]string{name: "x"}); len(errs) != 1 {
				t.Errorf("%s: %v", name, errs)
			}
			continue
		}
		var all []string
		for _, it := range s.Items {
			all = append(all, it.Value)
			if errs := c.Validate(map[string]string{name: it.Value}); len(errs) != 0 {
				t.Errorf("the form's %s = %q rejected: %v", name, it.Value, errs)
			}
			checked++
		}
		if f, _ := c.Field(name); f.Type == HTCDSMultiselect {
			if errs := c.Validate(map[string]string{name: strings.Join(all, ";")}); len(errs) != 0 {
				t.Errorf("%s: all choices together rejected: %v", name, errs)
			}
		}
	}
	slices.Sort(unknown)
	if !slices.Equal(unknown, []string{"vic_Methods_of_Control"}) || checked < 300 {
		t.Errorf("checked %d choices; unknown names %v", checked, unknown)
	}
}
