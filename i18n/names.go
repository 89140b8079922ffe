package i18n

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/nrm-org/nrm"
)

// Names of countries and languages in the reader's language. The codes are
// the domain's (nrm.Countries, nrm.LanguageCodes); the names are CLDR's,
// through golang.org/x/text, which has them in Albanian and English. The one
// name CLDR lacks that a referral here needs — Romani in Albanian — is added
// below; any other missing name falls back to English, then to the code.

// extraNames are language names CLDR does not have, by code and language.
var extraNames = map[string]map[string]string{
	"rom": {"sq": "romisht"},
}

// CountryName names an nrm country code (ISO 3166-1 alpha-3, XKX for
// Kosovo) in lang; an unknown code is returned as it is.
func CountryName(lang, code string) string {
	a2 := nrm.CountryAlpha2(code)
	if a2 == "" {
		return code
	}
	r, err := language.ParseRegion(a2)
	if err != nil {
		return code
	}
	for _, l := range []string{lang, "en"} {
		if n := display.Regions(language.Make(l)).Name(r); n != "" {
			return n
		}
	}
	return code
}

// LanguageName names an ISO 639 code in lang as CLDR writes it (in Albanian
// without a capital: "shqip"); an unknown code is returned as it is.
func LanguageName(lang, code string) string {
	if n := extraNames[code][lang]; n != "" {
		return n
	}
	b, err := language.ParseBase(code)
	if err != nil {
		return code
	}
	for _, l := range []string{lang, "en"} {
		if n := display.Languages(language.Make(l)).Name(b); n != "" {
			return n
		}
	}
	return code
}

// Named is a code with its name, for a list to choose from.
type Named struct{ Code, Name string }

type namedKey struct{ lang, kind string }

var namedCache sync.Map // namedKey -> []Named

// Countries lists every country with its name in lang, in that language's
// alphabetical order.
func Countries(lang string) []Named {
	return named(lang, "country", nrm.Countries, CountryName)
}

// Languages lists every language with its name in lang (capitalised, as an
// item of a list), in that language's alphabetical order.
func Languages(lang string) []Named {
	return named(lang, "language", nrm.LanguageCodes, func(l, c string) string { return Capital(LanguageName(l, c)) })
}

func named(lang, kind string, codes func() []string, name func(string, string) string) []Named {
	if v, ok := namedCache.Load(namedKey{lang, kind}); ok {
		return v.([]Named)
	}
	var out []Named
	for _, c := range codes() {
		out = append(out, Named{Code: c, Name: name(lang, c)})
	}
	col := collate.New(language.Make(lang), collate.Loose)
	slices.SortStableFunc(out, func(a, b Named) int { return col.CompareString(a.Name, b.Name) })
	namedCache.Store(namedKey{lang, kind}, out)
	return out
}

// Capital writes s with its first letter in upper case.
func Capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
