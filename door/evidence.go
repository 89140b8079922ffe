package door

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// The referral on the record (issue 14 §1): what the referral said, to each
// reader within what the policy and consent allow. The indicators are codes
// of the coded summary; the screening result is worked out again from them
// under the profile's threshold; the referrer's name follows
// nrm.SeesReferrerName; the account and the other free text need the
// narrative part (caseReferrals). What a reader does not see is named, with
// the reason, and nothing of its content (Withheld).

// IndicatorGroup is the indicators of one form of exploitation (or one of
// the cross-cutting groups), as codes of the catalogue the referral used.
type IndicatorGroup struct {
	Form  rules.Form
	Codes []string
}

// Withheld says which parts of a record the reader does not see and why,
// so a page can say so in plain words without any hint of what they hold.
type Withheld struct {
	Parts []nrm.Part // the parts not shown, in nrm.Parts order
	// Basis is how the reader sees the record at all: "consent" (within an
	// active consent's scope), "legal" (a recorded legal basis), "register"
	// (the Responsible Authority's register of coded summaries), "glass"
	// (an emergency opening) or "role" (the reader's role reads no more).
	Basis string
	// Scope is the widest scope of the consents the reader's organisation
	// holds (nrm.ConsentScopes), for Basis "consent".
	Scope string
	// Reasons are the recorded legal bases, for Basis "legal" (codes such
	// as "child protection"; see GrantReasons).
	Reasons []string
}

// Withheld bases.
const (
	BasisOwn      = "own"
	BasisRegister = "register"
	BasisGlass    = "glass"
	BasisRole     = "role"
)

// GrantReasons are the legal bases the door itself records (Refer,
// RequestIdentification); a grant made through the API may carry others.
var GrantReasons = []string{"child protection", "immediate protection", "formal identification", "registration"}

// referralEvidence adds to each referral of the case file what the record
// page shows of the evidence: the indicators grouped by form, the
// screening result, and the referrer's name where the policy allows.
func (s *Service) referralEvidence(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, cf *CaseFile) error {
	if len(cf.Referrals) == 0 {
		return nil
	}
	type who struct{ org, name string }
	people := map[string]who{}
	rows, err := collect(ctx, tx, func(r *sql.Rows) (struct {
		id string
		w  who
	}, error) {
		var x struct {
			id string
			w  who
		}
		return x, r.Scan(&x.id, &x.w.org, &x.w.name)
	}, `SELECT r.id, r.org_id, COALESCE(u.display_name, '') FROM referrals r LEFT JOIN users u ON u.id = r.user_id WHERE r.person_id = ?`, p.ID)
	if err != nil {
		return err
	}
	for _, x := range rows {
		people[x.id] = x.w
	}
	for i := range cf.Referrals {
		r := &cf.Referrals[i]
		r.IndicatorGroups = groupIndicators(s.cat, r.Indicators)
		rec, err := s.profile.Recommend(s.cat, knownCodes(s.cat, r.Indicators), p.IsChild())
		if err != nil {
			return err
		}
		r.Screening = rec
		if w := people[r.ID]; nrm.SeesReferrerName(a, w.org) {
			r.ReferrerName = w.name
		}
	}
	return nil
}

// knownCodes drops codes the catalogue in force no longer has (a referral
// made under an earlier version): they are still listed, but cannot count.
func knownCodes(c *rules.Catalogue, codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, code := range codes {
		if _, ok := c.Lookup(code); ok {
			out = append(out, code)
		}
	}
	return out
}

// groupIndicators puts each code under its main form (the first of the
// indicator's forms), in the catalogue's display order of forms; a code the
// catalogue does not know goes under "general".
func groupIndicators(c *rules.Catalogue, codes []string) []IndicatorGroup {
	by := map[rules.Form][]string{}
	for _, code := range codes {
		f := rules.FormGeneral
		if ind, ok := c.Lookup(code); ok && len(ind.Forms) > 0 {
			f = ind.Forms[0]
		}
		by[f] = append(by[f], code)
	}
	var out []IndicatorGroup
	for _, f := range rules.Forms() {
		if len(by[f]) > 0 {
			out = append(out, IndicatorGroup{Form: f, Codes: by[f]})
		}
	}
	return out
}

// withheld works out what the reader does not see of a record and on what
// basis they see the rest. Nil when every part is shown.
func (s *Service) withheld(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, parts []nrm.Part) (*Withheld, error) {
	w := &Withheld{}
	for _, pt := range nrm.Parts {
		if !hasPart(parts, pt) {
			w.Parts = append(w.Parts, pt)
		}
	}
	if len(w.Parts) == 0 {
		return nil, nil
	}
	rel := p.rel
	switch {
	case rel.OwnOrg || rel.Assigned:
		w.Basis = BasisOwn // the role reads less than the record holds
	case len(rel.Granted) > 0:
		if err := s.disclosureBasis(ctx, tx, a, p.ID, w); err != nil {
			return nil, err
		}
	case rel.Glass:
		w.Basis = BasisGlass
	default:
		w.Basis = BasisRegister
	}
	// Parts the disclosure covers but the reader's role does not read.
	if w.Basis == BasisConsent || w.Basis == BasisLegal {
		for _, pt := range w.Parts {
			if hasPart(rel.Granted, pt) {
				w.Basis = BasisRole
			}
		}
	}
	return w, nil
}

// disclosureBasis reads why a record is disclosed to the reader's
// organisation: the widest active consent scope, else the legal grants'
// reasons (legalGrant and activeConsent are the conditions relation() uses).
func (s *Service) disclosureBasis(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string, w *Withheld) error {
	now := store.Micros(tx.Now)
	type basis struct{ kind, value string }
	bs, err := collect(ctx, tx, func(r *sql.Rows) (basis, error) {
		var b basis
		return b, r.Scan(&b.kind, &b.value)
	}, `SELECT 'g', g.reason FROM grants g WHERE g.person_id = ? AND `+legalGrant+`
		UNION ALL SELECT 'c', c.scope FROM `+consentJoin+` WHERE r.person_id = ? AND `+activeConsent,
		personID, a.OrgID, now, personID, a.OrgID, string(a.OrgType), now)
	if err != nil {
		return err
	}
	widest := len(nrm.ConsentScopes)
	for _, b := range bs {
		if b.kind == "c" {
			if i := slices.Index(nrm.ConsentScopes, b.value); i >= 0 && i < widest {
				widest = i
			}
			continue
		}
		reason := strings.TrimSpace(b.value)
		if !slices.Contains(GrantReasons, reason) {
			reason = "" // a free reason given through the API is not repeated here
		}
		if !slices.Contains(w.Reasons, reason) {
			w.Reasons = append(w.Reasons, reason)
		}
	}
	if widest < len(nrm.ConsentScopes) {
		w.Basis, w.Scope = BasisConsent, nrm.ConsentScopes[widest]
	} else {
		w.Basis = BasisLegal
	}
	return nil
}

// decisionPeople names who drafted each decision and who signed it, for
// the signers who must see the whole decision (issue 14 §3).
func (s *Service) decisionPeople(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, cf *CaseFile) error {
	if len(cf.Requests) == 0 {
		return nil
	}
	type name struct{ id, user, org, display string }
	drafted, err := collect(ctx, tx, func(r *sql.Rows) (name, error) {
		var n name
		return n, r.Scan(&n.id, &n.user, &n.org, &n.display)
	}, `SELECT d.id, d.created_by, COALESCE(u.org_id, ''), COALESCE(u.display_name, '') FROM decisions d LEFT JOIN users u ON u.id = d.created_by
		WHERE d.person_id = ?`, p.ID)
	if err != nil {
		return err
	}
	signers, err := collect(ctx, tx, func(r *sql.Rows) (name, error) {
		var n name
		return n, r.Scan(&n.id, &n.user, &n.display)
	}, `SELECT s.decision_id, s.user_id, COALESCE(u.display_name, '') FROM decision_signatures s JOIN decisions d ON d.id = s.decision_id
		LEFT JOIN users u ON u.id = s.user_id WHERE d.person_id = ?`, p.ID)
	if err != nil {
		return err
	}
	for i := range cf.Requests {
		for j := range cf.Requests[i].Decisions {
			d := &cf.Requests[i].Decisions[j]
			for _, n := range drafted {
				if n.id == d.ID {
					d.DecidedBy, d.DecidedByOrg = n.display, dir.byID[n.org].Name
				}
			}
			for k := range d.Signatures {
				sg := &d.Signatures[k]
				sg.OrgName = dir.byID[sg.OrgID].Name
				for _, n := range signers {
					if n.id == d.ID && n.user == sg.UserID {
						sg.Name = n.display
					}
				}
			}
		}
	}
	return nil
}

// registrationDisclosure lets the Responsible Authority, which registers
// every referral and follows it, read what the referrer wrote — the
// account without identity: for a child by law (child protection), for an
// adult who agreed to be referred as part of that agreement (a consent in
// the ledger, withdrawable like the others). An anonymous notification
// (consent refused) reaches the register as its coded summary only.
func (s *Service) registrationDisclosure(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, child bool, dir *orgDir) error {
	var ras []string
	for _, o := range dir.ofType(nrm.OrgResponsibleAuthority) {
		if o.ID != a.OrgID {
			ras = append(ras, o.ID)
		}
	}
	switch {
	case len(ras) == 0 || (p.Anonymous && !child):
		return nil
	case child:
		for _, o := range ras {
			if err := s.grantTo(ctx, tx, a, p.ID, o, []nrm.Part{nrm.PartSummary, nrm.PartNarrative}, BasisLegal, "registration"); err != nil {
				return err
			}
		}
		return nil
	}
	id := newID()
	return s.insertConsent(ctx, tx, a, p.ID, consentRow{id: id, chain: id, version: 1, purpose: nrm.PurposeShare, scope: nrm.ConsentAccount,
		givenBy: nrm.GivenByReferral, given: tx.Now, orgs: ras})
}

// freshSignature is the rule for every signature of a panel decision: the
// signer proved the second factor within the step-up window, as for
// break-glass. A session proves it at sign-in or on the signing page; an
// API token never has, so a token cannot sign a decision.
func (s *Service) freshSignature(a *nrm.Actor) error {
	if !a.FreshMFA(s.Now(), s.set.StepUp) {
		return nrm.Errorf(nrm.EUnauthorized, "error.stepup_required")
	}
	return nil
}
