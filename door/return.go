package door

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Return and reintegration (issue #5, section 5). RecordReturnStep asks
// returnGuard before any step that organises or carries out a return: the
// adult's own request, a recorded risk assessment and, for a child, the
// family and social assessment and a best-interests decision in favour,
// taken by the child protection structure with the child's views.
// Family members and dependants at risk are linked persons; a linked person
// is referred as a record of their own through Refer, and the link reads
// from both records without disclosing either record to a reader who may
// not open it.

// ReturnFile is what the reader may see of a record's return and
// reintegration work.
type ReturnFile struct {
	Risks    []ReturnRiskView
	Child    []ChildAssessmentView
	Contacts []ContactView
	Links    []LinkView
}

// ReturnRiskView is a recorded return risk assessment.
type ReturnRiskView struct {
	ID, On, Outcome, OrgID, OrgName string
	Note                            string // narrative part only
	CreatedAt                       time.Time
}

// ChildAssessmentView is a child's family assessment or best-interests decision.
type ChildAssessmentView struct {
	ID, Kind, On, Decision, OrgID, OrgName string
	ChildViews, Note                       string // narrative part only
	CreatedAt                              time.Time
}

// ContactView is a receiving contact in the country of return.
type ContactView struct {
	ID, Organisation, Country string
	Contact                   string // identity part only
	CreatedAt                 time.Time
}

// LinkView is a family member or dependant, from either side of the link.
type LinkView struct {
	ID, Relationship string
	AtRisk           bool
	// Reverse: the link was recorded on the other record, which names this
	// record's person as its relation.
	Reverse bool
	// Name and Note are shown only on the recording side, to a reader with
	// the identity (name) or narrative (note) part.
	Name, Note string
	// Referred: the linked person has a record of their own. OtherID and
	// OtherCode are set only when the reader may open that record.
	Referred           bool
	OtherID, OtherCode string
	CreatedAt          time.Time
}

// returnGuard refuses a step that organises or carries out a return
// without what must come before it (called by RecordReturnStep).
func (s *Service) returnGuard(ctx context.Context, tx *store.Tx, p *personRow, rs nrm.ReturnStep) error {
	if !nrm.ReturnOrganising(rs.Kind) {
		return nil
	}
	if p.IsChild() {
		var fam int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM child_return_assessments WHERE person_id = ? AND kind = ?`,
			p.ID, nrm.ChildFamilyAssessment).Scan(&fam); err != nil {
			return err
		}
		if fam == 0 {
			return nrm.FieldError("kind", "error.return_family_assessment")
		}
		var decision string
		err := tx.QueryRow(ctx, `SELECT decision FROM child_return_assessments WHERE person_id = ? AND kind = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
			p.ID, nrm.ChildBestInterests).Scan(&decision)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.FieldError("kind", "error.return_best_interests")
		} else if err != nil {
			return err
		}
		if decision != nrm.BestInterestsReturn {
			return nrm.FieldError("kind", "error.return_best_interests_against")
		}
	} else if !rs.OwnRequest {
		return nrm.FieldError("own_request", "error.return_own_request")
	}
	var risks int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM return_risk_assessments WHERE person_id = ?`, p.ID).Scan(&risks); err != nil {
		return err
	}
	if risks == 0 {
		return nrm.FieldError("kind", "error.return_risk_assessment")
	}
	return nil
}

// RecordReturnRisk records a risk assessment before a return; the note is
// encrypted with the person's data key.
func (s *Service) RecordReturnRisk(ctx context.Context, a *nrm.Actor, personID string, in nrm.ReturnRiskAssessment) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActReturnRisk, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		note, err := s.sealFor(ctx, tx, p, "return_risk_assessments", "note", id, in.Note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO return_risk_assessments (id, person_id, assessed_on, outcome, org_id, user_id, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.On, in.Outcome, a.OrgID, a.UserID, note, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLReturnRisk, nrm.PartSummary, map[string]string{"risk": in.Outcome}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActReturnRisk, subject: p.ID, fields: []string{"outcome:" + in.Outcome, "note"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordChildAssessment records a child's family and social assessment, or
// the best-interests decision on a return or reunification, which only the
// child protection structure takes, with the child's views.
func (s *Service) RecordChildAssessment(ctx context.Context, a *nrm.Actor, personID string, in nrm.ChildReturnAssessment) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActChildAssessment, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		if !p.IsChild() {
			return nrm.FieldError("kind", "error.return_child_only")
		}
		if in.Kind == nrm.ChildBestInterests && a.OrgType != nrm.OrgChildProtection {
			return nrm.FieldError("kind", "error.best_interests_cpu")
		}
		if in.Kind != nrm.ChildBestInterests {
			in.Decision, in.ChildViews = "", ""
		}
		views, err := s.sealFor(ctx, tx, p, "child_return_assessments", "child_views", id, in.ChildViews)
		if err != nil {
			return err
		}
		note, err := s.sealFor(ctx, tx, p, "child_return_assessments", "note", id, in.Note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO child_return_assessments (id, person_id, kind, assessed_on, decision, child_views, note, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.Kind, in.On, in.Decision, views, note, a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLChildAssessment, nrm.PartSummary, map[string]string{"assessment": in.Kind, "decision": in.Decision}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActChildAssessment, subject: p.ID, fields: []string{"kind:" + in.Kind, "child_views", "note"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// AddReceivingContact records a contact in the country of return; the
// organisation and the contact are encrypted with the person's data key.
func (s *Service) AddReceivingContact(ctx context.Context, a *nrm.Actor, personID string, in nrm.ReceivingContact) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActReceivingContact, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		contact, err := s.sealFor(ctx, tx, p, "receiving_contacts", "contact", id, in.Contact)
		if err != nil {
			return err
		}
		org, err := s.sealFor(ctx, tx, p, "receiving_contacts", "organisation", id, in.Organisation)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO receiving_contacts (id, person_id, organisation, country, contact, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, org, in.Country, contact, a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLReceivingContact, nrm.PartSummary, map[string]string{"country": in.Country}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActReceivingContact, subject: p.ID, fields: []string{"country:" + in.Country, "contact"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// LinkPerson records a family member or dependant of the person; the name
// and note are encrypted with the person's data key.
func (s *Service) LinkPerson(ctx context.Context, a *nrm.Actor, personID string, in nrm.LinkInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActLink, func(tx *store.Tx) error {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		name, err := s.sealFor(ctx, tx, p, "person_links", "name", id, in.Name)
		if err != nil {
			return err
		}
		note, err := s.sealFor(ctx, tx, p, "person_links", "note", id, in.Note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO person_links (id, person_id, relationship, at_risk, name, note, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.Relationship, store.Int(in.AtRisk), name, note, a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLPersonLinked, nrm.PartSummary, map[string]string{"relationship": in.Relationship, "at_risk": boolStr(in.AtRisk)}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActLink, subject: p.ID, fields: []string{"relationship:" + in.Relationship, "name", "note"}, breakGlass: p.glass})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// ReferLinked refers a linked family member or dependant as a record of
// their own, through Refer (the one referral path, with its consent,
// threshold, tasks and clocks), and links the two records both ways. The
// link is checked first; should linking fail after the referral, the new
// record stands on its own (protection never waits for the link).
func (s *Service) ReferLinked(ctx context.Context, a *nrm.Actor, personID, linkID string, in nrm.ReferralInput) (*ReferralResult, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if !nrm.CanCreatePerson(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	check := func(tx *store.Tx) (*personRow, error) {
		p, err := s.mustWrite(ctx, tx, a, personID)
		if err != nil {
			return nil, err
		}
		var linked string
		err = tx.QueryRow(ctx, `SELECT linked_person_id FROM person_links WHERE id = ? AND person_id = ?`, linkID, p.ID).Scan(&linked)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nrm.ErrNotFound
		} else if err != nil {
			return nil, err
		}
		if linked != "" {
			return nil, nrm.Errorf(nrm.EConflict, "error.link_referred")
		}
		return p, nil
	}
	if err := s.access(ctx, a, ActLinkRefer, func(tx *store.Tx) error {
		p, err := check(tx)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActLinkRefer, subject: p.ID, fields: []string{"link:" + linkID, "check"}, breakGlass: p.glass})
	}); err != nil {
		return nil, err
	}
	res, err := s.Refer(ctx, a, in)
	if err != nil {
		return nil, err
	}
	err = s.access(ctx, a, ActLinkRefer, func(tx *store.Tx) error {
		p, err := check(tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE person_links SET linked_person_id = ?, linked_at = ? WHERE id = ? AND linked_person_id = ''`,
			res.Person.ID, store.Micros(tx.Now), linkID); err != nil {
			return err
		}
		for _, id := range []string{p.ID, res.Person.ID} {
			if err := s.tl(ctx, tx, a, id, TLLinkReferred, nrm.PartSummary, nil); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActLinkRefer, subject: p.ID, fields: []string{"link:" + linkID, "linked:" + res.Person.ID}, breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Reintegration reads a record's return and reintegration work.
func (s *Service) Reintegration(ctx context.Context, a *nrm.Actor, personID string) (*ReturnFile, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *ReturnFile
	err := s.access(ctx, a, ActReturnRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		p.Parts = parts
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if out, err = s.returnFile(ctx, tx, a, p, dir); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActReturnRead, subject: p.ID, fields: append(partNames(parts), "return"), breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// returnFile reads the return work of a record (p.Parts must be set).
func (s *Service) returnFile(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, dir *orgDir) (*ReturnFile, error) {
	rf := &ReturnFile{}
	narr := hasPart(p.Parts, nrm.PartNarrative) && p.ErasedAt.IsZero()
	ident := hasPart(p.Parts, nrm.PartIdentity) && p.ErasedAt.IsZero()
	var cells []sealed
	risks, err := collect(ctx, tx, func(rows *sql.Rows) (*ReturnRiskView, error) {
		v := &ReturnRiskView{}
		var ct []byte
		var ca int64
		err := rows.Scan(&v.ID, &v.On, &v.Outcome, &v.OrgID, &ct, &ca)
		v.OrgName, v.CreatedAt = dir.byID[v.OrgID].Name, store.Time(ca)
		if narr {
			cells = append(cells, sealed{"return_risk_assessments", "note", v.ID, ct, &v.Note})
		}
		return v, err
	}, `SELECT id, assessed_on, outcome, org_id, note, created_at FROM return_risk_assessments WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	child, err := collect(ctx, tx, func(rows *sql.Rows) (*ChildAssessmentView, error) {
		v := &ChildAssessmentView{}
		var views, note []byte
		var ca int64
		err := rows.Scan(&v.ID, &v.Kind, &v.On, &v.Decision, &v.OrgID, &views, &note, &ca)
		v.OrgName, v.CreatedAt = dir.byID[v.OrgID].Name, store.Time(ca)
		if narr {
			cells = append(cells, sealed{"child_return_assessments", "child_views", v.ID, views, &v.ChildViews},
				sealed{"child_return_assessments", "note", v.ID, note, &v.Note})
		}
		return v, err
	}, `SELECT id, kind, assessed_on, decision, org_id, child_views, note, created_at FROM child_return_assessments WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	contacts, err := collect(ctx, tx, func(rows *sql.Rows) (*ContactView, error) {
		v := &ContactView{}
		var org, ct []byte
		var ca int64
		err := rows.Scan(&v.ID, &org, &v.Country, &ct, &ca)
		v.CreatedAt = store.Time(ca)
		if p.ErasedAt.IsZero() { // shown to every reader of the return work, as before it was encrypted
			cells = append(cells, sealed{"receiving_contacts", "organisation", v.ID, org, &v.Organisation})
		}
		if ident {
			cells = append(cells, sealed{"receiving_contacts", "contact", v.ID, ct, &v.Contact})
		}
		return v, err
	}, `SELECT id, organisation, country, contact, created_at FROM receiving_contacts WHERE person_id = ? ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	links, err := collect(ctx, tx, func(rows *sql.Rows) (*LinkView, error) {
		v := &LinkView{}
		var owner string
		var risk, ca int64
		var name, note []byte
		err := rows.Scan(&v.ID, &owner, &v.Relationship, &risk, &name, &note, &v.OtherID, &ca)
		v.AtRisk, v.CreatedAt = store.Bool(risk), store.Time(ca)
		if owner != p.ID {
			// Recorded on the other record: nothing of it but the relationship.
			v.Reverse, v.OtherID = true, owner
			return v, err
		}
		if ident {
			cells = append(cells, sealed{"person_links", "name", v.ID, name, &v.Name})
		}
		if narr {
			cells = append(cells, sealed{"person_links", "note", v.ID, note, &v.Note})
		}
		return v, err
	}, `SELECT id, person_id, relationship, at_risk, name, note, linked_person_id, created_at FROM person_links
		WHERE person_id = ? OR linked_person_id = ? ORDER BY created_at, id`, p.ID, p.ID)
	if err != nil {
		return nil, err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return nil, err
	}
	for _, v := range risks {
		rf.Risks = append(rf.Risks, *v)
	}
	for _, v := range child {
		rf.Child = append(rf.Child, *v)
	}
	for _, v := range contacts {
		rf.Contacts = append(rf.Contacts, *v)
	}
	for _, v := range links {
		v.Referred = v.OtherID != ""
		if v.Referred {
			code, ok, err := s.codeIfVisible(ctx, tx, a, v.OtherID)
			if err != nil {
				return nil, err
			}
			if ok {
				v.OtherCode = code
			} else {
				v.OtherID = ""
			}
		}
		rf.Links = append(rf.Links, *v)
	}
	return rf, nil
}

// codeIfVisible returns another record's pseudonymous code when the reader
// may open that record, and nothing otherwise (the record is not disclosed
// by being linked).
func (s *Service) codeIfVisible(ctx context.Context, tx *store.Tx, a *nrm.Actor, id string) (string, bool, error) {
	o, _, err := s.load(ctx, tx, a, id, nrm.Read)
	var d *denied
	if errors.As(err, &d) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	return o.Code, true, nil
}
