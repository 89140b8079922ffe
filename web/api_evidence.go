package web

import (
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
)

// The case JSON carries what the record page shows of the evidence (issue
// 14): each referral's indicators by form, its screening result, the
// referrer's name where the policy allows, and which parts are withheld
// and why. Absent stays absent: a referrer's name the reader may not see
// is not in the answer at all.

type indicatorGroupJSON struct {
	Form  string   `json:"form"`
	Codes []string `json:"codes"`
}

type withheldJSON struct {
	Parts   []string `json:"parts"`
	Basis   string   `json:"basis"`
	Scope   string   `json:"scope"`
	Reasons []string `json:"reasons"`
}

func toRecommendationJSON(rec rules.Recommendation) recommendationJSON {
	out := recommendationJSON{Meets: rec.Meets, Child: rec.Child, Sections: rec.Sections, Missing: orEmpty(rec.Missing), Forms: []string{},
		Profile: rec.Profile, CatalogueVersion: rec.CatalogueVersion}
	if out.Sections == nil {
		out.Sections = map[string]int{}
	}
	for _, f := range rec.Forms {
		out.Forms = append(out.Forms, string(f))
	}
	return out
}

func toIndicatorGroupsJSON(gs []door.IndicatorGroup) []indicatorGroupJSON {
	out := make([]indicatorGroupJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, indicatorGroupJSON{Form: string(g.Form), Codes: orEmpty(g.Codes)})
	}
	return out
}

func toWithheldJSON(w *door.Withheld) *withheldJSON {
	if w == nil {
		return nil
	}
	out := &withheldJSON{Parts: []string{}, Basis: w.Basis, Scope: w.Scope, Reasons: orEmpty(w.Reasons)}
	for _, p := range w.Parts {
		out.Parts = append(out.Parts, string(p))
	}
	return out
}
