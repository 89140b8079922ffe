package rules

import (
	"fmt"
	"slices"
)

// Recommendation is what the screening answers suggest under a profile's
// threshold. It is advice only: the human decision stays authoritative.
type Recommendation struct {
	Meets    bool           // every section of the applicable rule has an answer
	Child    bool           // the child rule was applied
	Sections map[string]int // section -> distinct indicators answered (every section of the rule is present)
	Missing  []string       // sections of the rule still without an answer, in rule order
	Forms    []Form         // forms of exploitation with at least one answer, in Forms() order

	Profile          string // profile code, to record with the screening
	CatalogueVersion string // catalogue version, to record with the screening
}

// Recommend applies the profile's threshold to the answered indicator
// codes. The child rule applies if child is true (pass true also when the
// age is uncertain: a person is presumed a child until shown otherwise) or
// if the PresumedChild indicator is answered. A code the catalogue does not
// know is a *CodeError; a code given twice counts once. A nil catalogue
// means the embedded one.
func (p *Profile) Recommend(c *Catalogue, codes []string, child bool) (Recommendation, error) {
	if c == nil {
		c = Indicators()
	}
	answered := make([]Indicator, 0, len(codes))
	seen := make(map[string]bool, len(codes))
	for _, code := range codes {
		if seen[code] {
			continue
		}
		seen[code] = true
		ind, ok := c.Lookup(code)
		if !ok {
			return Recommendation{}, &CodeError{Code: code}
		}
		answered = append(answered, ind)
	}

	r := Recommendation{
		Child:            child || seen[PresumedChild],
		Sections:         map[string]int{},
		Profile:          p.Code,
		CatalogueVersion: c.Version,
	}
	rule := p.Threshold.Adult
	if r.Child {
		rule = p.Threshold.Child
	}
	for _, s := range rule {
		if !c.hasSection(s) {
			return Recommendation{}, fmt.Errorf("rules: profile %s needs section %q, but no indicator of catalogue %s is in it", p.Code, s, c.Version)
		}
		r.Sections[s] = 0
	}

	found := map[Form]bool{}
	for _, ind := range answered {
		if ind.Section != "" {
			r.Sections[ind.Section]++
		}
		for _, f := range ind.Forms {
			found[f] = true
		}
	}
	for _, s := range rule {
		if r.Sections[s] == 0 {
			r.Missing = append(r.Missing, s)
		}
	}
	r.Meets = len(rule) > 0 && len(r.Missing) == 0
	for _, f := range Forms() {
		if f.Exploitation() && found[f] {
			r.Forms = append(r.Forms, f)
		}
	}
	return r, nil
}

// hasSection reports whether some indicator can answer section s; without
// one the rule could never be met.
func (c *Catalogue) hasSection(s string) bool {
	return slices.ContainsFunc(c.Indicators, func(ind Indicator) bool { return ind.Section == s })
}
