package nrm_test

import (
	"testing"

	"github.com/nrm-org/nrm"
)

// TestCountryAndLanguageCodes: the lists are the standards (ISO 3166-1 with
// Kosovo, ISO 639-1 with Romani), and only their codes are valid.
func TestCountryAndLanguageCodes(t *testing.T) {
	if n := len(nrm.Countries()); n != 250 {
		t.Errorf("%d countries, want ISO 3166-1's 249 and Kosovo", n)
	}
	for _, c := range []string{"ALB", "XKX", "SYR", "DEU", "GBR"} {
		if !nrm.ValidCountry(c) {
			t.Errorf("%s must be a country", c)
		}
	}
	for _, c := range []string{"", "AL", "alb", "XXX", "YUG", "EUR"} {
		if nrm.ValidCountry(c) {
			t.Errorf("%q must not be a country", c)
		}
	}
	if nrm.CountryAlpha2("ALB") != "AL" || nrm.CountryAlpha2("XKX") != "XK" {
		t.Error("alpha-2 codes")
	}
	if n := len(nrm.LanguageCodes()); n != 185 {
		t.Errorf("%d languages, want ISO 639-1's 184 and Romani", n)
	}
	for _, l := range []string{"sq", "ar", "en", "rom"} {
		if !nrm.ValidLanguage(l) {
			t.Errorf("%s must be a language", l)
		}
	}
	for _, l := range []string{"", "xx", "SQ", "alb", "english"} {
		if nrm.ValidLanguage(l) {
			t.Errorf("%q must not be a language", l)
		}
	}
}
