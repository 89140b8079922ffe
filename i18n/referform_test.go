package i18n

import "testing"

// Sex and gender identity are two questions: in every language they carry
// their own label and their own hint (issue 15: both read "Gjinia" in
// Albanian).
func TestSexAndGenderAreDistinct(t *testing.T) {
	c := MustLoad()
	for _, lang := range c.Langs() {
		for _, pair := range [][2]string{{"field.sex", "field.gender"}, {"refer.hint.sex", "refer.hint.gender"}} {
			a, okA := c.Lookup(lang, pair[0])
			b, okB := c.Lookup(lang, pair[1])
			if !okA || !okB || a == "" || b == "" {
				t.Errorf("%s: %s or %s missing", lang, pair[0], pair[1])
				continue
			}
			if a == b {
				t.Errorf("%s: %s and %s both read %q", lang, pair[0], pair[1], a)
			}
		}
	}
}
