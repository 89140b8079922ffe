package rules

import "testing"

// TestEmbeddedProfilesSpeakEveryLanguage: every text of an embedded profile
// that a page shows is there in Albanian and English, so no page falls
// back to the untranslated English.
func TestEmbeddedProfilesSpeakEveryLanguage(t *testing.T) {
	for _, code := range Codes() {
		p, err := Load(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range languages {
			if p.TimeZoneName[lang] == "" {
				t.Errorf("%s: time_zone_name.%s missing", code, lang)
			}
			for _, d := range p.Deadlines {
				if d.LegalRefText[lang] == "" {
					t.Errorf("%s: deadline %s: legal_ref_text.%s missing", code, d.Key, lang)
				}
				if got := p.LegalRefIn(d.Key, d.LegalRef, lang); got != d.LegalRefText[lang] {
					t.Errorf("%s: deadline %s in %s reads %q, want %q", code, d.Key, lang, got, d.LegalRefText[lang])
				}
			}
		}
		if p.LegalRefIn("no_such_deadline", "kept as stored", "sq") != "kept as stored" {
			t.Errorf("%s: an unknown deadline's reference is not kept as stored", code)
		}
	}
	if p, _ := Load("AL"); p.ZoneName("sq") != "ora e Shqipërisë" || p.ZoneName("xx") != "Europe/Tirane" {
		t.Errorf("AL zone names: %q, %q", p.ZoneName("sq"), p.ZoneName("xx"))
	}
}
