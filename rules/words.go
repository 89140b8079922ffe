package rules

// ZoneName is the profile's time zone as people say it in lang ("ora e
// Shqipërisë", "Albanian time"), or the zone's name when the language has
// no entry.
func (p *Profile) ZoneName(lang string) string {
	if n := p.TimeZoneName[lang]; n != "" {
		return n
	}
	return p.TimeZone
}

// LegalRefIn is the legal reference a deadline stored (stored, the
// profile's LegalRef when the deadline was set) in lang: the entry of the
// key whose LegalRef is the one stored, else the key's latest entry, else
// stored as it is.
func (p *Profile) LegalRefIn(key, stored, lang string) string {
	var latest *Deadline
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		if d.Key != key {
			continue
		}
		if d.LegalRef == stored && d.LegalRefText[lang] != "" {
			return d.LegalRefText[lang]
		}
		if latest == nil || d.EffectiveFrom > latest.EffectiveFrom {
			latest = d
		}
	}
	if latest != nil && latest.LegalRefText[lang] != "" && stored == "" {
		return latest.LegalRefText[lang]
	}
	return stored
}

// checkTranslations is checkLabels for a text that a profile built in code
// may leave out (the words then fall back to the untranslated text): when
// given at all, it is given in every language.
func checkTranslations(field string, labels map[string]string, bad func(string, string, ...any)) {
	if len(labels) > 0 {
		checkLabels(field, labels, bad)
	}
}
