package rules

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Form is a group of indicators: a form of exploitation, or one of the
// cross-cutting groups general, child, gender, control and vulnerability.
type Form string

// The forms, in display order.
const (
	FormGeneral           Form = "general"
	FormSexual            Form = "sexual"
	FormLabour            Form = "labour"
	FormDomesticServitude Form = "domestic_servitude"
	FormBegging           Form = "begging"
	FormForcedCriminality Form = "forced_criminality"
	FormForcedMarriage    Form = "forced_marriage"
	FormOrganRemoval      Form = "organ_removal"
	FormChild             Form = "child"
	FormGender            Form = "gender"
	FormControl           Form = "control"
	FormVulnerability     Form = "vulnerability"
)

type formLabel struct {
	form   Form
	sq, en string
}

var formLabels = []formLabel{
	{FormGeneral, "Tregues të përgjithshëm (të gjitha format)", "General (all forms)"},
	{FormSexual, "Shfrytëzim seksual", "Sexual exploitation"},
	{FormLabour, "Shfrytëzim në punë", "Labour exploitation"},
	{FormDomesticServitude, "Robëri shtëpiake", "Domestic servitude"},
	{FormBegging, "Lypje e detyruar", "Forced begging"},
	{FormForcedCriminality, "Kryerje e detyruar e veprave penale", "Forced criminality"},
	{FormForcedMarriage, "Martesë e detyruar", "Forced marriage"},
	{FormOrganRemoval, "Heqje organesh", "Organ removal"},
	{FormChild, "Tregues për fëmijët", "Child-specific"},
	{FormGender, "Tregues të lidhur me gjininë", "Gender-specific"},
	{FormControl, "Mënyrat e kontrollit", "Methods of control"},
	{FormVulnerability, "Faktorë cenueshmërie (rrezik, jo provë)", "Vulnerabilities (risk, not proof)"},
}

// Forms lists every form in display order.
func Forms() []Form {
	forms := make([]Form, len(formLabels))
	for i, l := range formLabels {
		forms[i] = l.form
	}
	return forms
}

// FormLabel names a form in a language ("sq" or "en"; anything else gets
// English). An unknown form is returned as it is.
func FormLabel(f Form, lang string) string {
	for _, l := range formLabels {
		if l.form == f {
			if lang == "sq" {
				return l.sq
			}
			return l.en
		}
	}
	return string(f)
}

func (f Form) valid() bool {
	return slices.ContainsFunc(formLabels, func(l formLabel) bool { return l.form == f })
}

// Exploitation reports whether f is a form of exploitation, as opposed to
// the cross-cutting groups general, child, gender, control and
// vulnerability.
func (f Form) Exploitation() bool {
	switch f {
	case FormSexual, FormLabour, FormDomesticServitude, FormBegging,
		FormForcedCriminality, FormForcedMarriage, FormOrganRemoval:
		return true
	}
	return false
}

// Indicator is one sign of trafficking (or, with section "", of risk).
type Indicator struct {
	Code     string            `json:"code"`               // stable, e.g. "ctl.withholds_documents"
	Section  string            `json:"section"`            // "A", "B" or "C" of the Albanian 2005 rule; "" never counts toward the threshold
	Forms    []Form            `json:"forms"`              // the first is the indicator's main form
	Strength map[string]string `json:"strength,omitempty"` // "adult"/"child" -> "strong", "medium" or "weak" (ILO-EC Delphi)
	// HTCDS is the exact value label of the HTCDS v2.0 picklist field
	// HTCDSField that the indicator maps to, for export.
	HTCDS      string            `json:"htcds,omitempty"`
	HTCDSField string            `json:"htcds_field,omitempty"`
	Source     string            `json:"source"`
	Label      map[string]string `json:"label"` // by language: "sq", "en"
}

// Section is one section of the screening questionnaire.
type Section struct {
	Code     string            `json:"code"`
	Label    map[string]string `json:"label"`
	Verified bool              `json:"verified"` // false: the title is not verified in the source
}

// Catalogue is a versioned set of indicators. Each screening should record
// the Version it used.
type Catalogue struct {
	Version    string      `json:"version"`
	Notes      []string    `json:"notes,omitempty"`
	Sections   []Section   `json:"sections"`
	Indicators []Indicator `json:"indicators"`

	byCode map[string]int // index into Indicators; built by ParseCatalogue
}

// PresumedChild is the indicator code that marks a person as under 18 or
// of uncertain age; answering it makes Recommend apply the child rule.
const PresumedChild = "chd.presumed_child"

// Sources an indicator may cite.
var sources = []string{"ILO-EC Delphi 2009", "HTCDS v2.0", "AL 2005 Annex 1", "UK NRM form", "UNODC", "Synthesis"}

var strengths = []string{"strong", "medium", "weak"}

var indicatorCodeRE = regexp.MustCompile(`^[a-z]{3}\.[a-z0-9_]+$`)

//go:embed indicators.json
var indicatorsJSON []byte

var embedded = sync.OnceValue(func() *Catalogue {
	c, err := ParseCatalogue(indicatorsJSON)
	if err != nil {
		panic("rules: embedded indicators.json: " + err.Error()) // caught by the tests
	}
	return c
})

// Indicators returns the embedded catalogue. It is shared: do not modify it.
func Indicators() *Catalogue { return embedded() }

// ParseCatalogue reads and validates a catalogue file, such as one supplied
// by an operator.
func ParseCatalogue(b []byte) (*Catalogue, error) {
	var c Catalogue
	if err := decodeStrict(b, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.byCode = make(map[string]int, len(c.Indicators))
	for i, ind := range c.Indicators {
		c.byCode[ind.Code] = i
	}
	return &c, nil
}

// Validate checks every indicator and returns all problems found, each a
// *FieldError naming the field.
func (c *Catalogue) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Version) == "" {
		bad("version", "missing")
	}
	sections := map[string]bool{}
	for i, s := range c.Sections {
		field := fmt.Sprintf("sections[%d]", i)
		if strings.TrimSpace(s.Code) == "" || sections[s.Code] {
			bad(field+".code", "empty or repeated section %q", s.Code)
		}
		sections[s.Code] = true
		checkLabels(field+".label", s.Label, bad)
	}
	if len(c.Indicators) == 0 {
		bad("indicators", "missing")
	}
	codes := map[string]bool{}
	for i, ind := range c.Indicators {
		field := fmt.Sprintf("indicators[%d]", i)
		if !indicatorCodeRE.MatchString(ind.Code) {
			bad(field+".code", "must look like \"abc.snake_case\", not %q", ind.Code)
		} else if codes[ind.Code] {
			bad(field+".code", "%q used twice", ind.Code)
		}
		codes[ind.Code] = true
		if ind.Section != "" && !sections[ind.Section] {
			bad(field+".section", "unknown section %q", ind.Section)
		}
		if len(ind.Forms) == 0 {
			bad(field+".forms", "missing")
		}
		for j, f := range ind.Forms {
			if !f.valid() {
				bad(fmt.Sprintf("%s.forms[%d]", field, j), "unknown form %q", f)
			} else if slices.Index(ind.Forms, f) != j {
				bad(fmt.Sprintf("%s.forms[%d]", field, j), "form %q listed twice", f)
			}
		}
		for _, who := range sortedKeys(ind.Strength) {
			if who != "adult" && who != "child" {
				bad(field+".strength."+who, `must be "adult" or "child"`)
			} else if !slices.Contains(strengths, ind.Strength[who]) {
				bad(field+".strength."+who, "must be strong, medium or weak, not %q", ind.Strength[who])
			}
		}
		if (ind.HTCDS == "") != (ind.HTCDSField == "") {
			bad(field+".htcds_field", "htcds and htcds_field go together")
		}
		if !slices.Contains(sources, ind.Source) {
			bad(field+".source", "unknown source %q (use one of %s)", ind.Source, strings.Join(sources, ", "))
		}
		checkLabels(field+".label", ind.Label, bad)
	}
	return errors.Join(errs...)
}

// Lookup finds an indicator by code.
func (c *Catalogue) Lookup(code string) (Indicator, bool) {
	if c.byCode != nil {
		i, ok := c.byCode[code]
		if !ok {
			return Indicator{}, false
		}
		return c.Indicators[i], true
	}
	for _, ind := range c.Indicators {
		if ind.Code == code {
			return ind, true
		}
	}
	return Indicator{}, false
}

// ByForm lists the indicators that belong to a form, in catalogue order.
func (c *Catalogue) ByForm(f Form) []Indicator {
	var out []Indicator
	for _, ind := range c.Indicators {
		if slices.Contains(ind.Forms, f) {
			out = append(out, ind)
		}
	}
	return out
}
