package web

import "strings"

// term translates a catalogue key, or a profile's term under a prefix the
// catalogue does not hold: "deadline." + a rule is the profile's label for
// that deadline in lang (statistics name their timeliness parts so).
func (s *Server) term(lang, key string, args ...any) string {
	if rule, ok := strings.CutPrefix(key, "deadline."); ok && rule != "" {
		return s.deadlineLabel(lang, rule)
	}
	return s.cat.T(lang, key, args...)
}

// termOK is term that also says whether a translation was found.
func (s *Server) termOK(lang, key string) (string, bool) {
	if rule, ok := strings.CutPrefix(key, "deadline."); ok && rule != "" {
		l := s.deadlineLabel(lang, rule)
		return l, l != rule
	}
	return s.cat.Lookup(lang, key)
}
