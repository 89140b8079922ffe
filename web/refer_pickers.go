package web

import "github.com/nrm-org/nrm/i18n"

// Countries and languages are chosen by name, in the reader's language and
// alphabetical order, from a plain <select> whose value is the code (ISO
// 3166-1 alpha-3 for a country, ISO 639 for a language). picker.js turns a
// select marked js-picker into GOV.UK's accessible-autocomplete (vendored in
// static/ with its licence), so typing part of a name finds it; without
// script the select works as it is.

// countryOptions lists every country by name, "not recorded" first.
func (s *Server) countryOptions(lang string) []Option {
	return s.namedOptions(lang, i18n.Countries(lang))
}

// languageOptions lists every language by name, "not recorded" first.
func (s *Server) languageOptions(lang string) []Option {
	return s.namedOptions(lang, i18n.Languages(lang))
}

func (s *Server) namedOptions(lang string, ns []i18n.Named) []Option {
	out := make([]Option, 0, len(ns)+1)
	out = append(out, Option{Value: "", Label: s.cat.T(lang, "common.not_recorded")})
	for _, n := range ns {
		out = append(out, Option{Value: n.Code, Label: n.Name})
	}
	return out
}
