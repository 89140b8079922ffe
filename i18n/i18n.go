// Package i18n holds the user-interface text of nrm in every language it
// speaks, as embedded JSON catalogues, and picks a language for a request.
// Each language is a directory (sq/, en/) of flat key → message objects, one
// file per area of the product (core.json, referral.json, …); a key defined
// twice in one language is an error. Albanian (sq) is the
// default: a key missing in another language falls back to it.
//
// Messages are fmt formats: T("error.too_long", 200) fills %d. A message
// without a verb ignores its arguments, so callers may always pass the
// arguments an error carries.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Default is the language used when nothing else matches.
const Default = "sq"

//go:embed */*.json
var files embed.FS

// Catalog is the set of translations. It is read-only after Load and safe
// for concurrent use.
type Catalog struct {
	msgs  map[string]map[string]string
	langs []string
}

// Load reads the embedded catalogues. It fails if one is not valid JSON or
// the default language is missing.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	// Display order: the default first, then the rest by code.
	langs, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	for _, l := range langs {
		if !l.IsDir() {
			continue
		}
		lang := l.Name()
		ents, err := files.ReadDir(lang)
		if err != nil {
			return nil, err
		}
		all := map[string]string{}
		for _, e := range ents {
			name := lang + "/" + e.Name()
			if !strings.HasSuffix(name, ".json") {
				continue
			}
			b, err := files.ReadFile(name)
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := all[k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q defined twice", name, k)
				}
				all[k] = v
			}
		}
		c.msgs[lang] = all
		c.langs = append(c.langs, lang)
	}
	if _, ok := c.msgs[Default]; !ok {
		return nil, fmt.Errorf("i18n: no catalogue for the default language %q", Default)
	}
	sort.Slice(c.langs, func(i, j int) bool {
		if (c.langs[i] == Default) != (c.langs[j] == Default) {
			return c.langs[i] == Default
		}
		return c.langs[i] < c.langs[j]
	})
	return c, nil
}

// MustLoad is Load for program start-up and tests.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Langs lists the language codes, the default first.
func (c *Catalog) Langs() []string { return slices.Clone(c.langs) }

// Has reports whether lang is a language of the catalogue.
func (c *Catalog) Has(lang string) bool {
	_, ok := c.msgs[lang]
	return ok
}

// Keys lists the keys of one language, sorted.
func (c *Catalog) Keys(lang string) []string {
	m := c.msgs[lang]
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the raw message for key in lang, without fallback.
func (c *Catalog) Lookup(lang, key string) (string, bool) {
	s, ok := c.msgs[lang][key]
	return s, ok
}

// T translates key into lang, formatting args into the message. An unknown
// language uses the default; a key missing in lang falls back to the default
// language, and a key missing everywhere is returned as is (the catalogue
// tests make sure that never ships).
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		if msg, ok = c.msgs[Default][key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "%") {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Match picks the best language of the catalogue for an Accept-Language
// header value, or Default. It understands quality values and matches
// "en-GB" to "en".
func (c *Catalog) Match(acceptLanguage string) string {
	best, bestQ := "", 0.0
	if len(acceptLanguage) > 1000 {
		acceptLanguage = acceptLanguage[:1000]
	}
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q <= 0 || tag == "" {
			continue
		}
		base, _, _ := strings.Cut(tag, "-")
		lang := ""
		if c.Has(base) {
			lang = base
		} else if tag == "*" {
			lang = Default
		}
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return Default
	}
	return best
}
