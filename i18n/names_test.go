package i18n

import (
	"slices"
	"testing"

	"github.com/nrm-org/nrm"
)

// TestCountryAndLanguageNames: every code a referral may hold has a name in
// both languages (never the bare code), and the pickers list them in the
// reader's alphabetical order.
func TestCountryAndLanguageNames(t *testing.T) {
	for _, lang := range []string{"sq", "en"} {
		for _, c := range nrm.Countries() {
			if n := CountryName(lang, c); n == "" || n == c {
				t.Errorf("%s: no name for country %s", lang, c)
			}
		}
		for _, c := range nrm.LanguageCodes() {
			if n := LanguageName(lang, c); n == "" || n == c {
				t.Errorf("%s: no name for language %s", lang, c)
			}
		}
		if n := len(Countries(lang)); n != len(nrm.Countries()) {
			t.Errorf("%s: %d countries listed", lang, n)
		}
	}
	for _, c := range []struct{ lang, code, want string }{
		{"sq", "ALB", "Shqipëri"}, {"en", "ALB", "Albania"}, {"sq", "DEU", "Gjermani"}, {"sq", "XKX", "Kosovë"}, {"en", "XKX", "Kosovo"},
	} {
		if got := CountryName(c.lang, c.code); got != c.want {
			t.Errorf("CountryName(%s, %s) = %q, want %q", c.lang, c.code, got, c.want)
		}
	}
	for _, c := range []struct{ lang, code, want string }{
		{"sq", "sq", "shqip"}, {"en", "sq", "Albanian"}, {"sq", "ar", "arabisht"}, {"sq", "rom", "romisht"}, {"en", "rom", "Romany"},
	} {
		if got := LanguageName(c.lang, c.code); got != c.want {
			t.Errorf("LanguageName(%s, %s) = %q, want %q", c.lang, c.code, got, c.want)
		}
	}
	// Albanian order: Afganistan, Çad, Danimarkë, Gjermani, Shqipëri.
	cs := Countries("sq")
	pos := func(code string) int {
		for i, n := range cs {
			if n.Code == code {
				return i
			}
		}
		return -1
	}
	if order := []int{pos("AFG"), pos("TCD"), pos("DNK"), pos("DEU"), pos("ALB")}; !slices.IsSorted(order) {
		t.Errorf("Albanian order (Afganistan, Çad, Danimarkë, Gjermani, Shqipëri): %v", order)
	}
	if ls := Languages("sq"); ls[0].Name == "" || ls[0].Name[0] < 'A' || ls[0].Name[0] > 'Z' {
		t.Errorf("language names in a list start with a capital: %q", ls[0].Name)
	}
}
