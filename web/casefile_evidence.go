package web

import (
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
)

// The referral on the record (issue 14 §1): what each referral said, as
// the door disclosed it — the indicators by form, the screening result
// against the profile's threshold, the referrer's own judgement, safety,
// where and how the person was met, who referred, and the account — and,
// in plain words, which parts are withheld and why. The record page, the
// panel's decision page and the signing page show the same partial
// ("evidence").

type evidenceView struct {
	Referrals []referralEvidence
	Withheld  string // why parts are not shown; "" when nothing is withheld
	Narrative bool   // the reader sees the narrative part (the account and notes)
}

type referralEvidence struct {
	When, Org, Referrer, ReferrerName string
	Met                               []answerRow // when, region, how, place
	Consent                           string
	Safety                            []string
	SafetyNote                        string
	Groups                            []evidenceGroup
	Screening                         string      // the result, in a sentence
	Sections                          []answerRow // each section of the rule and how many indicators answer it
	Missing                           string      // the sections still without an answer
	AtReferral                        string      // what the threshold said when the referral was made
	Judged                            bool
	JudgedReason                      string
	Account                           string
}

type evidenceGroup struct {
	Form  string
	Items []string
}

// scopePhrases say in words what a consent scope shares.
var scopePhrases = map[string]string{
	nrm.ConsentFull: "evidence.scope.full", nrm.ConsentIdentity: "evidence.scope.identity",
	nrm.ConsentAccount: "evidence.scope.account", nrm.ConsentSummary: "evidence.scope.summary",
}

// reasonPhrases say in words the legal bases the door records.
var reasonPhrases = map[string]string{
	"child protection": "evidence.reason.child_protection", "immediate protection": "evidence.reason.immediate_protection",
	"formal identification": "evidence.reason.formal_identification", "registration": "evidence.reason.registration",
	"": "evidence.reason.other",
}

// partPhrases name a part of the record in words.
var partPhrases = map[nrm.Part]string{nrm.PartIdentity: "evidence.part.identity", nrm.PartNarrative: "evidence.part.narrative"}

// evidenceOf builds the evidence partial from the case file.
func (s *Server) evidenceOf(lang string, cf *door.CaseFile) *evidenceView {
	v := &evidenceView{Narrative: slices.Contains(cf.Person.Parts, nrm.PartNarrative), Withheld: s.withheldSentence(lang, cf.Withheld)}
	for _, r := range cf.Referrals {
		v.Referrals = append(v.Referrals, s.referralEvidence(lang, r))
	}
	return v
}

func (s *Server) referralEvidence(lang string, r door.ReferralView) referralEvidence {
	e := referralEvidence{When: s.when(r.CreatedAt), Org: r.OrgName, ReferrerName: r.ReferrerName, Consent: s.label(lang, "consent", r.Consent),
		SafetyNote: r.SafetyNote, Judged: r.Judged, JudgedReason: r.JudgedReason, Account: r.Account}
	switch r.ReferrerType {
	case nrm.ReferrerMIU, nrm.ReferrerOutside:
		e.Referrer = s.label(lang, "orgtype", r.ReferrerType)
		if r.ReferrerOutside != "" {
			e.Referrer += " — " + r.ReferrerOutside
		}
	default:
		e.Referrer = s.label(lang, "orgtype", r.ReferrerType)
	}
	e.Met = []answerRow{
		{Label: s.cat.T(lang, "field.met_on"), Value: orNotRecorded(s, lang, r.MetOn)},
		{Label: s.cat.T(lang, "field.met_region"), Value: s.label(lang, "region", r.MetRegion)},
		{Label: s.cat.T(lang, "field.met_how"), Value: s.label(lang, "methow", r.MetHow)},
	}
	if r.MetPlace != "" {
		e.Met = append(e.Met, answerRow{Label: s.cat.T(lang, "field.met_place"), Value: r.MetPlace})
	}
	for _, f := range r.Safety {
		e.Safety = append(e.Safety, s.label(lang, "safety", f))
	}
	cat := s.door.Catalogue()
	for _, g := range r.IndicatorGroups {
		eg := evidenceGroup{Form: rules.FormLabel(g.Form, lang)}
		for _, code := range g.Codes {
			if ind, ok := cat.Lookup(code); ok {
				eg.Items = append(eg.Items, indicatorLabel(ind, lang))
			} else {
				eg.Items = append(eg.Items, code)
			}
		}
		e.Groups = append(e.Groups, eg)
	}
	rec := r.Screening
	rule := "evidence.rule_adult"
	if rec.Child {
		rule = "evidence.rule_child"
	}
	if rec.Meets {
		e.Screening = s.cat.T(lang, "evidence.screening_met", s.cat.T(lang, rule))
	} else {
		e.Screening = s.cat.T(lang, "evidence.screening_not_met", s.cat.T(lang, rule))
	}
	for _, sec := range cat.Sections {
		if n, ok := rec.Sections[sec.Code]; ok {
			e.Sections = append(e.Sections, answerRow{Label: sec.Code + " — " + label(sec.Label, lang), Value: s.cat.T(lang, "evidence.answered", n)})
		}
	}
	e.Missing = strings.Join(rec.Missing, ", ")
	e.AtReferral = s.cat.T(lang, "evidence.at_referral_no")
	if r.ThresholdMet {
		e.AtReferral = s.cat.T(lang, "evidence.at_referral_yes")
	}
	return e
}

func orNotRecorded(s *Server, lang, v string) string {
	if v == "" {
		return s.cat.T(lang, "common.not_recorded")
	}
	return v
}

// withheldSentence says in plain words which parts of the record the
// reader does not see and why, and nothing of what they hold.
func (s *Server) withheldSentence(lang string, w *door.Withheld) string {
	if w == nil {
		return ""
	}
	var parts []string
	for _, p := range w.Parts {
		if k, ok := partPhrases[p]; ok {
			parts = append(parts, s.cat.T(lang, k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	what := strings.Join(parts, s.cat.T(lang, "evidence.and"))
	switch w.Basis {
	case door.BasisConsent:
		return s.cat.T(lang, "evidence.withheld_consent", what, s.cat.T(lang, scopePhrases[w.Scope]))
	case door.BasisLegal:
		var why []string
		for _, r := range w.Reasons {
			why = append(why, s.cat.T(lang, reasonPhrases[r]))
		}
		return s.cat.T(lang, "evidence.withheld_legal", what, strings.Join(why, ", "))
	case door.BasisRegister:
		return s.cat.T(lang, "evidence.withheld_register", what)
	}
	return s.cat.T(lang, "evidence.withheld_role", what)
}
