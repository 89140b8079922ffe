package web

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// consentView is one version of a consent as the record page lists it.
type consentView struct {
	ID, Purpose, Scope, Recipients, GivenBy, How, Given, Until string
	State, StateKey, StateOn                                   string
	Version                                                    int
	Change, Withdraw                                           string // links, for those who work the record
}

// consentRow describes a consent in the reader's language; links adds
// the change and withdraw links to a current one.
func (s *Server) consentRow(lang, personID string, c nrm.Consent, now time.Time, links bool) *consentView {
	v := &consentView{ID: c.ID, Purpose: s.label(lang, "purpose", c.Purpose), Scope: s.label(lang, "datascope", c.Scope),
		How: s.label(lang, "consenthow", c.How), Given: s.day(c.GivenAt), Until: s.day(c.ExpiresAt.Add(-time.Microsecond)),
		StateKey: c.State(now), Version: c.Version}
	if c.ExpiresAt.IsZero() {
		v.Until = s.cat.T(lang, "consentweb.no_expiry")
	}
	v.State = s.label(lang, "consentstate", v.StateKey)
	switch v.StateKey {
	case "withdrawn":
		v.StateOn = s.day(c.WithdrawnAt)
	case "superseded":
		v.StateOn = s.day(c.SupersededAt)
	case "expired":
		v.StateOn = v.Until
	}
	recips := slices.Clone(c.RecipientNames)
	for _, t := range c.RecipientTypes {
		recips = append(recips, s.cat.T(lang, "consentweb.every_org", s.label(lang, "orgtype", string(t))))
	}
	v.Recipients = strings.Join(recips, "; ")
	if v.Recipients == "" {
		v.Recipients = s.cat.T(lang, "common.not_recorded")
	}
	v.GivenBy = s.label(lang, "givenby", c.GivenBy)
	if c.GivenBy == nrm.GivenByGuardian {
		if c.GuardianName != nil && *c.GuardianName != "" {
			v.GivenBy += " (" + *c.GuardianName + ")"
		}
		v.GivenBy += " · " + s.cat.T(lang, "field.child_assent") + ": " + s.label(lang, "assent", c.ChildAssent)
	}
	if c.Interpreter {
		v.How += " · " + s.cat.T(lang, "consentweb.with_interpreter", c.Language)
	}
	if links && c.WithdrawnAt.IsZero() && c.SupersededAt.IsZero() {
		base := "/persons/" + url.PathEscape(personID) + "/actions/"
		v.Change = base + "consent?replaces=" + url.QueryEscape(c.ID)
		v.Withdraw = base + "withdraw-consent?consent=" + url.QueryEscape(c.ID)
	}
	return v
}

// measureView is a child's protection measure as the record page lists it.
type measureView struct {
	Kind, Answer, Decided, Org, Role, CourtDue, Ruling string
	Interim, Missed                                    bool
}

// caseConsents fills the record page's consent section from the case file.
func (s *Server) caseConsents(v *caseView, lang string, cf *door.CaseFile, a *nrm.Actor, now time.Time) {
	v.Works = works(cf, a)
	for _, c := range cf.Consents {
		v.Consents = append(v.Consents, s.consentRow(lang, cf.Person.ID, c, now, v.Works))
	}
	for _, m := range cf.Measures {
		mv := measureView{Kind: s.label(lang, "measure", m.Kind), Answer: s.label(lang, "givenby", m.ConsentBy) + ": " + s.label(lang, "measureconsent", m.Consent),
			Decided: s.day(m.DecidedAt), Interim: m.Interim}
		if m.Interim {
			mv.Org, mv.Role, mv.CourtDue = m.DecidedOrgName, m.InterimRole, s.day(m.CourtDue)
			mv.Missed = m.CourtRuledAt.IsZero() && !m.CourtDue.IsZero() && now.After(m.CourtDue)
			if !m.CourtRuledAt.IsZero() {
				mv.Ruling = s.label(lang, "ruling", m.CourtOutcome) + " · " + s.day(m.CourtRuledAt)
			}
		}
		v.Measures = append(v.Measures, mv)
	}
}
