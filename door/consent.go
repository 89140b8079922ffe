package door

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// The consent ledger. relation() (person.go) reads it at every access: a
// recipient organisation sees a record only within an active consent's
// scope, or under a recorded legal basis (grants). Nothing here is edited
// in substance: a change is a new version, a withdrawal is a stamp that
// takes effect on the very next request.

// consentFacts is what the consent rules need to know of a person.
func (s *Service) consentFacts(p *nrm.Person) nrm.ConsentFacts {
	return nrm.ConsentFacts{Child: p.IsChild(), AgeYears: p.AgeYears, ConsentAge: s.profile.ChildConsentAge}
}

// RecordConsent records a consent, or a new version of one (in.Replaces),
// and returns its id. Only those who work the record may record consent.
func (s *Service) RecordConsent(ctx context.Context, a *nrm.Actor, personID string, in nrm.ConsentInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActConsent, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now, s.consentFacts(&p.Person)); err != nil {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range in.RecipientOrgs {
			if _, ok := dir.byID[o]; !ok {
				return nrm.FieldError("recipients", "error.unknown_org")
			}
		}
		given := tx.Now
		if in.GivenOn != "" {
			given, _ = time.ParseInLocation(time.DateOnly, in.GivenOn, s.profile.Location())
		}
		var expires int64
		if in.ExpiresOn != "" {
			t, _ := time.ParseInLocation(time.DateOnly, in.ExpiresOn, s.profile.Location())
			expires = store.Micros(t.AddDate(0, 0, 1)) // valid through the whole day
		}
		chain, version := id, 1
		if in.Replaces != "" {
			var sup int64
			var wd int64
			err := tx.QueryRow(ctx, `SELECT chain, version, superseded_at, withdrawn_at FROM consents WHERE id = ? AND person_id = ?`, in.Replaces, p.ID).Scan(&chain, &version, &sup, &wd)
			if err == sql.ErrNoRows {
				return nrm.FieldError("replaces", "error.unknown_value")
			} else if err != nil {
				return err
			}
			if sup != 0 || wd != 0 {
				return nrm.FieldError("replaces", "error.consent_not_current")
			}
			version++
			if _, err := tx.Exec(ctx, `UPDATE consents SET superseded_at = ?, superseded_by = ? WHERE id = ?`, store.Micros(tx.Now), id, in.Replaces); err != nil {
				return err
			}
		}
		guardian, err := s.sealFor(ctx, tx, p, "consents", "guardian_name", id, strings.TrimSpace(in.GuardianName))
		if err != nil {
			return err
		}
		if err := s.insertConsent(ctx, tx, a, p.ID, consentRow{id: id, chain: chain, version: version, purpose: in.Purpose, scope: in.Scope,
			givenBy: in.GivenBy, guardian: guardian, assent: in.ChildAssent, how: in.How, interpreter: in.Interpreter, language: in.Language,
			textVersion: in.TextVersion, explained: in.Explained, given: given, expires: expires, orgs: in.RecipientOrgs, types: in.RecipientTypes}); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLConsent, nrm.PartSummary, map[string]string{"purpose": in.Purpose, "scope": in.Scope}); err != nil {
			return err
		}
		fields := []string{"purpose:" + in.Purpose, "scope:" + in.Scope}
		for _, o := range in.RecipientOrgs {
			fields = append(fields, "org:"+o)
		}
		for _, t := range in.RecipientTypes {
			fields = append(fields, "type:"+string(t))
		}
		return s.appendAudit(ctx, tx, a, event{action: ActConsent, subject: p.ID, fields: fields})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// consentRow is one ledger row as written.
type consentRow struct {
	id, chain               string
	version                 int
	purpose, scope, givenBy string
	guardian                []byte
	assent, how             string
	interpreter             bool
	language, textVersion   string
	explained               []string
	given                   time.Time
	expires                 int64
	orgs                    []string
	types                   []nrm.OrgType
}

func (s *Service) insertConsent(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string, c consentRow) error {
	if _, err := tx.Exec(ctx, `INSERT INTO consents (id, chain, version, person_id, purpose, scope, given_by, guardian_name, child_assent, how, interpreter, language, text_version, explained,
		given_at, expires_at, recorded_by, recorded_org, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.id, c.chain, c.version, personID, c.purpose, c.scope, c.givenBy, c.guardian, c.assent, c.how, store.Int(c.interpreter), c.language, c.textVersion,
		strings.Join(c.explained, ","), store.Micros(c.given), c.expires, a.UserID, a.OrgID, store.Micros(tx.Now)); err != nil {
		return err
	}
	for _, o := range c.orgs {
		if _, err := tx.Exec(ctx, `INSERT INTO consent_recipients (consent_id, person_id, org_id, org_type) VALUES (?, ?, ?, '')`, c.id, personID, o); err != nil {
			return err
		}
	}
	for _, t := range c.types {
		if _, err := tx.Exec(ctx, `INSERT INTO consent_recipients (consent_id, person_id, org_id, org_type) VALUES (?, ?, '', ?)`, c.id, personID, string(t)); err != nil {
			return err
		}
	}
	return nil
}

// referralConsent records, at referral, the person's agreement to be
// referred: the organisations given tasks may see the summary and identity
// (not the account) to act on them, until the consent is withdrawn.
func (s *Service) referralConsent(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string, orgs []string) error {
	if len(orgs) == 0 {
		return nil
	}
	id := newID()
	return s.insertConsent(ctx, tx, a, personID, consentRow{id: id, chain: id, version: 1, purpose: nrm.PurposeServices, scope: nrm.ConsentIdentity,
		givenBy: nrm.GivenByReferral, given: tx.Now, orgs: orgs})
}

// WithdrawConsent withdraws a consent from this moment: the next request by
// any recipient is already refused. how is written or oral.
func (s *Service) WithdrawConsent(ctx context.Context, a *nrm.Actor, personID, consentID, how string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActConsentWithdraw, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if !slices.Contains(nrm.ConsentHow, how) {
			return nrm.FieldError("how", "error.required")
		}
		res, err := tx.Exec(ctx, `UPDATE consents SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_how = ? WHERE id = ? AND person_id = ? AND withdrawn_at = 0 AND superseded_at = 0`,
			store.Micros(tx.Now), a.UserID, how, consentID, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nrm.FieldError("consent", "error.consent_not_current")
		}
		if err := s.tl(ctx, tx, a, p.ID, TLConsentWithdrawn, nrm.PartSummary, nil); err != nil {
			return err
		}
		// The organisations that saw the record under it, and no longer do,
		// are told that nothing more is needed from them (access_end.go).
		if err := s.sweepLostAccess(ctx, tx, p.ID, ""); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActConsentWithdraw, subject: p.ID, fields: []string{"consent:" + consentID}})
	})
}

// worker loads a record for someone who works it (own organisation or
// assigned, with write access to the summary): recording consent, measures
// and the person's own file are theirs.
func (s *Service) worker(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) (*personRow, error) {
	p, err := s.mustWrite(ctx, tx, a, personID)
	if err != nil {
		return nil, err
	}
	if !p.rel.OwnOrg && !p.rel.Assigned {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return p, nil
}

// Consents returns the ledger of a person, every version, newest first.
func (s *Service) Consents(ctx context.Context, a *nrm.Actor, personID string) ([]nrm.Consent, error) {
	var out []nrm.Consent
	err := s.access(ctx, a, ActConsentRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		out, err = s.consents(ctx, tx, p, dir, hasPart(parts, nrm.PartIdentity))
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActConsentRead, subject: p.ID, breakGlass: p.glass})
	})
	return out, err
}

// consents reads the ledger inside a transaction.
func (s *Service) consents(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, ident bool) ([]nrm.Consent, error) {
	type withCT struct {
		c  nrm.Consent
		ct []byte
	}
	rows, err := collect(ctx, tx, func(r *sql.Rows) (withCT, error) {
		var w withCT
		c := &w.c
		var interp, given, exp, rec, wd, sup int64
		var explained string
		err := r.Scan(&c.ID, &c.Chain, &c.Version, &c.Purpose, &c.Scope, &c.GivenBy, &w.ct, &c.ChildAssent, &c.How, &interp, &c.Language, &c.TextVersion,
			&explained, &given, &exp, &c.RecordedBy, &rec, &wd, &c.WithdrawnNote, &sup, &c.SupersededBy)
		c.PersonID, c.Interpreter, c.Explained = p.ID, store.Bool(interp), splitList(explained)
		c.GivenAt, c.ExpiresAt, c.RecordedAt, c.WithdrawnAt, c.SupersededAt = store.Time(given), store.Time(exp), store.Time(rec), store.Time(wd), store.Time(sup)
		return w, err
	}, `SELECT id, chain, version, purpose, scope, given_by, guardian_name, child_assent, how, interpreter, language, text_version, explained,
		given_at, expires_at, recorded_org, recorded_at, withdrawn_at, withdrawn_how, superseded_at, superseded_by
		FROM consents WHERE person_id = ? ORDER BY recorded_at DESC, version DESC`, p.ID)
	if err != nil {
		return nil, err
	}
	type recip struct{ consent, org, typ string }
	recips, err := collect(ctx, tx, func(r *sql.Rows) (recip, error) {
		var x recip
		return x, r.Scan(&x.consent, &x.org, &x.typ)
	}, `SELECT consent_id, org_id, org_type FROM consent_recipients WHERE person_id = ?`, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]nrm.Consent, 0, len(rows))
	for _, w := range rows {
		c := w.c
		if o, ok := dir.byID[c.RecordedBy]; ok {
			c.RecordedBy = o.Name
		}
		for _, r := range recips {
			if r.consent != c.ID {
				continue
			}
			if r.org != "" {
				c.RecipientOrgs = append(c.RecipientOrgs, r.org)
				c.RecipientNames = append(c.RecipientNames, dir.byID[r.org].Name)
			} else {
				c.RecipientTypes = append(c.RecipientTypes, nrm.OrgType(r.typ))
			}
		}
		if ident && len(w.ct) > 0 {
			name, err := s.openFor(ctx, tx, p, "consents", "guardian_name", c.ID, w.ct)
			if err != nil {
				return nil, err
			}
			c.GuardianName = &name
		}
		out = append(out, c)
	}
	return out, nil
}

// What a record discloses to an organisation, in SQL, written once:
// legalGrant (arguments: organisation, now) and activeConsent (arguments:
// organisation, its type, now) are the conditions; relation() reads the
// parts through disclosedParts, lists and exports select records through
// disclosedTo (arguments from disclosedArgs).
const (
	legalGrant    = `g.org_id = ? AND g.basis = 'legal' AND g.revoked_at = 0 AND (g.expires_at = 0 OR g.expires_at > ?)`
	activeConsent = `(r.org_id = ? OR (r.org_type <> '' AND r.org_type = ?)) AND c.withdrawn_at = 0 AND c.superseded_at = 0
	AND (c.expires_at = 0 OR c.expires_at > ?) AND c.purpose IN ('services', 'share', 'police', 'identification')`
	consentJoin = `consent_recipients r JOIN consents c ON c.id = r.consent_id`

	// disclosedParts: 'g' and a grant's parts, or 'c' and a consent's scope
	// (arguments: person, then legalGrant's, then person and activeConsent's).
	disclosedParts = `SELECT 'g', g.parts FROM grants g WHERE g.person_id = ? AND ` + legalGrant + `
	UNION ALL SELECT 'c', c.scope FROM ` + consentJoin + ` WHERE r.person_id = ? AND ` + activeConsent

	// disclosedTo is the condition, on persons p, that the record is disclosed.
	disclosedTo = `(EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND ` + legalGrant + `)
	OR EXISTS (SELECT 1 FROM ` + consentJoin + ` WHERE r.person_id = p.id AND ` + activeConsent + `))`
)

func disclosedArgs(a *nrm.Actor, now time.Time) []any {
	n := store.Micros(now)
	return []any{a.OrgID, n, a.OrgID, string(a.OrgType), n}
}

// RecordMeasure records a protection measure for a child. A refusal by a
// child of the consent age or over (or by the guardian of a younger child)
// makes it an interim decision of the named social-services structure,
// with the deadline to seek a court's ruling started.
func (s *Service) RecordMeasure(ctx context.Context, a *nrm.Actor, personID string, in nrm.MeasureInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActMeasure, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if !p.IsChild() {
			return nrm.FieldError("kind", "error.measure_child_only")
		}
		by := "guardian"
		if s.consentFacts(&p.Person).OwnConsent() {
			by = "child"
		}
		interim := in.Consent == nrm.MeasureRefused
		org, role := a.OrgID, ""
		if interim {
			dir, err := s.orgDir(ctx, tx)
			if err != nil {
				return err
			}
			o, ok := dir.byID[in.InterimOrg]
			if !ok {
				return nrm.FieldError("interim_org", "error.unknown_org")
			}
			if o.Type != nrm.OrgSocialService && o.Type != nrm.OrgChildProtection {
				return nrm.FieldError("interim_org", "error.interim_org_type")
			}
			org, role = o.ID, strings.TrimSpace(in.InterimRole)
		}
		views, err := s.sealFor(ctx, tx, p, "measures", "child_views", id, in.ChildViews)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO measures (id, person_id, kind, consent_by, consent, child_views, interim, decided_by_role, decided_org, decided_at, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.Kind, by, in.Consent, views, store.Int(interim), role, org, store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		kind := TLMeasure
		if interim {
			kind = TLMeasureInterim
			if _, err := s.startDeadline(ctx, tx, p.ID, "court_ruling_request", org, id, tx.Now); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, org, p.ID, "interim_decision", id); err != nil {
				return err
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, kind, nrm.PartSummary, map[string]string{"measure": in.Kind, "consent": in.Consent}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActMeasure, subject: p.ID, fields: []string{"measure:" + in.Kind, "consent:" + in.Consent, "child_views"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordCourtRuling records the court's ruling on an interim decision and
// stops its clock.
func (s *Service) RecordCourtRuling(ctx context.Context, a *nrm.Actor, personID, measureID, outcome string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActCourtRuling, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if !slices.Contains(nrm.CourtOutcomes, outcome) {
			return nrm.FieldError("court_outcome", "error.unknown_value")
		}
		res, err := tx.Exec(ctx, `UPDATE measures SET court_ruled_at = ?, court_outcome = ? WHERE id = ? AND person_id = ? AND interim = 1 AND court_ruled_at = 0`,
			store.Micros(tx.Now), outcome, measureID, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nrm.FieldError("measure", "error.not_interim")
		}
		if err := s.meetDeadlines(ctx, tx, p.ID, "court_ruling_request", measureID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLCourtRuling, nrm.PartSummary, map[string]string{"ruling": outcome}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActCourtRuling, subject: p.ID, fields: []string{"measure:" + measureID, "outcome:" + outcome}})
	})
}

// measures reads a child's measures inside a transaction.
func (s *Service) measures(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool) ([]nrm.Measure, error) {
	type withCT struct {
		m  nrm.Measure
		ct []byte
	}
	rows, err := collect(ctx, tx, func(r *sql.Rows) (withCT, error) {
		var w withCT
		m := &w.m
		var interim, at, ruled int64
		err := r.Scan(&m.ID, &m.Kind, &m.ConsentBy, &m.Consent, &w.ct, &interim, &m.InterimRole, &m.DecidedOrg, &at, &ruled, &m.CourtOutcome)
		m.PersonID, m.Interim, m.DecidedAt, m.CourtRuledAt = p.ID, store.Bool(interim), store.Time(at), store.Time(ruled)
		return w, err
	}, `SELECT id, kind, consent_by, consent, child_views, interim, decided_by_role, decided_org, decided_at, court_ruled_at, court_outcome FROM measures WHERE person_id = ? ORDER BY decided_at`, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]nrm.Measure, 0, len(rows))
	for _, w := range rows {
		m := w.m
		m.DecidedOrgName = dir.byID[m.DecidedOrg].Name
		if m.Interim {
			if due, _, ok := s.profile.Due("court_ruling_request", m.DecidedAt); ok {
				m.CourtDue = due
			}
		}
		if narr {
			v, err := s.openFor(ctx, tx, p, "measures", "child_views", m.ID, w.ct)
			if err != nil {
				return nil, err
			}
			m.ChildViews = &v
		}
		out = append(out, m)
	}
	return out, nil
}
