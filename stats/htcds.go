package stats

// The HTCDS field sheet embedded below is "Human Trafficking Case Data Standard (HTCDS)
// by IOM", v2.0, licensed under CC BY 4.0 (http://creativecommons.org/licenses/by/4.0/),
// copied unchanged from ../shared/data/htcds/htcds_fields_Field_Standards.csv (itself
// from GitHub UNMigration/HTCDS, commit 3c2f653). IOM does not endorse this software.
// See NOTICE in this directory.

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed htcds_fields_Field_Standards.csv
var htcdsFieldsCSV []byte

// HTCDS field types as the standard writes them (column "Field Type").
const (
	HTCDSText          = "Text"
	HTCDSLongText      = "Long Text"
	HTCDSPicklist      = "Picklist"
	HTCDSMultiselect   = "Multiselect Picklist"
	HTCDSPicklistOrTxt = "Picklist or Text"
	HTCDSDate          = "Date"
	HTCDSNumber        = "Number"
	HTCDSGeolocation   = "Geolocation"
	HTCDSCheckbox      = "Checkbox"
	// Lookups are "Lookup [to organisation]", "Lookup [to person]", "Lookup [to user]".
)

// External code lists that a few picklists name instead of listing values.
const (
	ISO3166  = "ISO 3166"  // countries: alpha-2 (as the HTCDS XLSForm uses) or alpha-3
	ISO639_2 = "ISO 639-2" // languages: three letters, two-letter codes optional
)

// HTCDSMultiSeparator joins the values of a multi-select picklist in one cell (the
// Salesforce convention the standard is modelled on).
const HTCDSMultiSeparator = ";"

// HTCDSField is one field of the HTCDS v2.0 sheet, with the sheet's exact spellings.
type HTCDSField struct {
	Section     string // e.g. "Person - Victim Context" (line breaks in the sheet become spaces)
	Status      string // DRAFT or DEPRECATED
	Core        bool
	Prefix      string // "vic_"
	Name        string // "TypeOfExploitation"
	FullName    string // "vic_TypeOfExploitation": the name used in records
	Label       string
	Type        string // one of the HTCDS… type constants, or a "Lookup [to …]"
	Values      []string
	ValueLabels []string // parallel to Values; the sheet's label, or the value name where it gives none
	CodeList    string   // ISO3166 or ISO639_2 when the picklist refers to one; then Values is empty
	Description string
	Notes       string
}

// IsPicklist reports whether the field's values come from a fixed list or a code list.
func (f HTCDSField) IsPicklist() bool {
	return f.Type == HTCDSPicklist || f.Type == HTCDSMultiselect
}

// HTCDSCatalogue is the standard's field list.
type HTCDSCatalogue struct {
	fields []HTCDSField
	byName map[string]int
}

var htcdsOnce = sync.OnceValues(func() (*HTCDSCatalogue, error) {
	return parseHTCDS(htcdsFieldsCSV)
})

// HTCDS returns the embedded HTCDS v2.0 catalogue. It panics if the embedded sheet does
// not parse, which a test rules out.
func HTCDS() *HTCDSCatalogue {
	c, err := htcdsOnce()
	if err != nil {
		panic(err)
	}
	return c
}

// Fields returns the fields in the sheet's order.
func (c *HTCDSCatalogue) Fields() []HTCDSField { return c.fields }

// Field returns the field with the given full name (prefix included), exactly.
func (c *HTCDSCatalogue) Field(fullName string) (HTCDSField, bool) {
	i, ok := c.byName[fullName]
	if !ok {
		return HTCDSField{}, false
	}
	return c.fields[i], true
}

// Sheet columns.
const (
	hSection = iota
	hStatus
	hCore
	hPrefix
	hName
	hLabel
	hFullName
	hType
	hSalesforce
	hValues
	hValueLabels
	hDescription
	hNotes
)

func parseHTCDS(data []byte) (*HTCDSCatalogue, error) {
	r := csv.NewReader(strings.NewReader(string(data)))
	r.FieldsPerRecord = -1 // section lines have one cell, trailing empty cells are cut
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("htcds: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) <= hType || rows[0][hFullName] != "Field Name including Prefix" {
		return nil, fmt.Errorf("htcds: unexpected header")
	}
	c := &HTCDSCatalogue{byName: map[string]int{}}
	section := ""
	cell := func(row []string, i int) string {
		if i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for _, row := range rows[1:] {
		full := cell(row, hFullName)
		if s := cell(row, hSection); s != "" {
			section = strings.Join(strings.Fields(s), " ")
		}
		// Section lines, the perpetrator's organisation sub-heading (no field of its own)
		// and the "EXAMPLE QUESTION" rows (N/A) are not fields.
		if full == "" || full == "N/A" {
			continue
		}
		f := HTCDSField{
			Section:     section,
			Status:      cell(row, hStatus),
			Core:        cell(row, hCore) == "Core",
			Prefix:      cell(row, hPrefix),
			Name:        cell(row, hName),
			FullName:    full,
			Label:       cell(row, hLabel),
			Type:        cell(row, hType),
			Description: cell(row, hDescription),
			Notes:       cell(row, hNotes),
		}
		if f.Prefix+f.Name != f.FullName {
			return nil, fmt.Errorf("htcds: %s is not %s+%s", f.FullName, f.Prefix, f.Name)
		}
		if _, dup := c.byName[f.FullName]; dup {
			return nil, fmt.Errorf("htcds: %s twice", f.FullName)
		}
		values := cell(row, hValues)
		switch {
		case strings.HasPrefix(values, "Use ISO 3166"):
			f.CodeList = ISO3166
		case strings.HasPrefix(values, "Use ISO 639-2"):
			f.CodeList = ISO639_2
		case values != "":
			f.Values = lines(values)
			labels := lines(cell(row, hValueLabels))
			for i, v := range f.Values {
				l := v
				if i < len(labels) && labels[i] != "" {
					l = labels[i]
				}
				f.ValueLabels = append(f.ValueLabels, l)
			}
		}
		c.byName[f.FullName] = len(c.fields)
		c.fields = append(c.fields, f)
	}
	return c, nil
}

// lines splits a multi-line cell into its non-empty lines, trimmed (the sheet has stray
// non-breaking spaces after some labels and a trailing line break after some lists).
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// HTCDSError is one problem found by Validate.
type HTCDSError struct {
	Field   string
	Value   string
	Problem string
}

func (e *HTCDSError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("htcds: %s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("htcds: %s = %q: %s", e.Field, e.Value, e.Problem)
}

// Validate checks one record given as full field name → value (an empty value means
// not recorded and is always valid). Field names must be the standard's, prefix included,
// exactly. Picklist values must be one of the field's value names exactly (case and
// spelling); multi-select values are joined by ";", each one valid and none repeated.
// Picklists that name ISO 3166 or ISO 639-2 are checked for the code's shape (two or three
// upper-case letters for countries, lower-case for languages), not against the full list.
// Checkboxes take TRUE or FALSE (any case), dates YYYY-MM-DD, numbers and geolocations
// decimal numbers. Text and lookups are not checked. Errors come in field-name order.
func (c *HTCDSCatalogue) Validate(record map[string]string) []error {
	names := make([]string, 0, len(record))
	for k := range record {
		names = append(names, k)
	}
	sort.Strings(names)
	var errs []error
	bad := func(field, value, problem string) {
		errs = append(errs, &HTCDSError{Field: field, Value: value, Problem: problem})
	}
	for _, name := range names {
		v := record[name]
		f, ok := c.Field(name)
		if !ok {
			bad(name, "", "not a field of HTCDS v2.0")
			continue
		}
		if v == "" {
			continue
		}
		switch f.Type {
		case HTCDSPicklist:
			if p := f.checkValue(v); p != "" {
				bad(name, v, p)
			}
		case HTCDSMultiselect:
			seen := map[string]bool{}
			for _, one := range strings.Split(v, HTCDSMultiSeparator) {
				if seen[one] {
					bad(name, one, "repeated")
					continue
				}
				seen[one] = true
				if p := f.checkValue(one); p != "" {
					bad(name, one, p)
				}
			}
		case HTCDSCheckbox:
			if u := strings.ToUpper(v); u != "TRUE" && u != "FALSE" {
				bad(name, v, "not TRUE or FALSE")
			}
		case HTCDSDate:
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				bad(name, v, "not a date YYYY-MM-DD")
			}
		case HTCDSNumber, HTCDSGeolocation:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				bad(name, v, "not a number")
			}
		}
	}
	return errs
}

// checkValue returns the problem with one picklist value, or "".
func (f HTCDSField) checkValue(v string) string {
	switch f.CodeList {
	case ISO3166:
		if !letters(v, 'A', 'Z') {
			return "not an ISO 3166 country code"
		}
		return ""
	case ISO639_2:
		if !letters(v, 'a', 'z') {
			return "not an ISO 639-2 language code"
		}
		return ""
	}
	for _, ok := range f.Values {
		if v == ok {
			return ""
		}
	}
	return "not in the picklist"
}

// letters reports whether s is two or three letters between lo and hi.
func letters(s string, lo, hi byte) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}

// ValidateHTCDS validates a record against the embedded catalogue (HTCDS().Validate).
func ValidateHTCDS(record map[string]string) []error { return HTCDS().Validate(record) }
