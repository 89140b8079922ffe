package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// Duplicates are resolved on a side-by-side comparison (issue 14 §3): the
// two records' fields, identity included, decrypted here for the
// Responsible Authority only (nrm.CanCompareDuplicates), only while the
// question is open, and the reading audited on both records. Each field
// says whether the two agree, differ, or cannot be compared because one
// side did not record it.

// DuplicateSide is one of the two records compared.
type DuplicateSide struct {
	ID, Code, OrgName string
	Status            nrm.Status
	ReferredAt        time.Time
}

// DuplicateField is one field of the comparison.
type DuplicateField struct {
	Field string // the field's name (labelled "field.<name>")
	A, B  string // the values; codes where Coded is set
	Coded string // the catalogue prefix that turns the codes into words ("sex", "region"…), "" for text
	Same  bool   // the two agree (names compared as the duplicate index compares them)
	// Unknown: one side (or both) did not record it, so it neither agrees
	// nor differs.
	Unknown bool
}

// DuplicateComparison is two possibly duplicate records side by side.
type DuplicateComparison struct {
	A, B   DuplicateSide
	State  string // of the link: possible until decided
	Fields []DuplicateField
}

// CompareDuplicate reads two records flagged as possibly the same person
// side by side, for the Responsible Authority.
func (s *Service) CompareDuplicate(ctx context.Context, a *nrm.Actor, id, otherID string) (*DuplicateComparison, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !nrm.CanCompareDuplicates(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out *DuplicateComparison
	err := s.access(ctx, a, ActDuplicateCompare, func(tx *store.Tx) error {
		p, _, err := s.load(ctx, tx, a, id, nrm.Read)
		if err != nil {
			return err
		}
		q, _, err := s.load(ctx, tx, a, otherID, nrm.Read)
		if err != nil {
			return err
		}
		var state string
		err = tx.QueryRow(ctx, `SELECT state FROM duplicate_links WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)`, p.ID, q.ID, q.ID, p.ID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.FieldError("other", "error.not_duplicate")
		} else if err != nil {
			return err
		}
		if state != "possible" {
			return nrm.Errorf(nrm.EConflict, "error.duplicate_decided")
		}
		out = &DuplicateComparison{State: state}
		sides := [2]*DuplicateSide{&out.A, &out.B}
		firsts := [2]firstReferral{}
		for i, x := range []*personRow{p, q} {
			// The policy's one exception to the parts the register reads:
			// identity, for this comparison (nrm.CanCompareDuplicates).
			if err := s.reveal(ctx, tx, x, []nrm.Part{nrm.PartSummary, nrm.PartIdentity}); err != nil {
				return err
			}
			if firsts[i], err = s.firstReferral(ctx, tx, x.ID); err != nil {
				return err
			}
			*sides[i] = DuplicateSide{ID: x.ID, Code: x.Code, OrgName: firsts[i].org, Status: x.Status, ReferredAt: x.CreatedAt}
		}
		out.Fields = compareFields(p, q, firsts)
		for _, x := range []*personRow{p, q} {
			other := q.ID
			if x == q {
				other = p.ID
			}
			if err := s.appendAudit(ctx, tx, a, event{action: ActDuplicateCompare, subject: x.ID, fields: []string{"summary", "identity", "other:" + other}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// firstReferral is what the first referral of a record says about where
// the person was met, and who referred.
type firstReferral struct{ org, metOn, metRegion string }

func (s *Service) firstReferral(ctx context.Context, tx *store.Tx, personID string) (firstReferral, error) {
	var f firstReferral
	err := tx.QueryRow(ctx, `SELECT COALESCE(o.name, ''), r.met_on, r.met_region FROM referrals r LEFT JOIN orgs o ON o.id = r.org_id
		WHERE r.person_id = ? ORDER BY r.created_at LIMIT 1`, personID).Scan(&f.org, &f.metOn, &f.metRegion)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	return f, err
}

// compareFields lays two records' fields side by side.
func compareFields(p, q *personRow, f [2]firstReferral) []DuplicateField {
	id := func(x *personRow) nrm.Identity {
		if x.Identity == nil {
			return nrm.Identity{}
		}
		return *x.Identity
	}
	ip, iq := id(p), id(q)
	var out []DuplicateField
	add := func(field, coded, a, b string, norm func(string) string) {
		d := DuplicateField{Field: field, A: a, B: b, Coded: coded}
		switch {
		case strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "":
			d.Unknown = true
		default:
			d.Same = norm(a) == norm(b)
		}
		out = append(out, d)
	}
	name := vault.Normalize
	plain := func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
	add("given_name", "", ip.GivenName, iq.GivenName, name)
	add("family_name", "", ip.FamilyName, iq.FamilyName, name)
	add("aliases", "", strings.Join(ip.Aliases, ", "), strings.Join(iq.Aliases, ", "), name)
	add("birth_date", "", ip.BirthDate, iq.BirthDate, plain)
	add("doc_number", "", ip.DocNumber, iq.DocNumber, func(v string) string { return strings.ReplaceAll(plain(v), " ", "") })
	add("sex", "sex", p.Sex, q.Sex, plain)
	add("nationalities", "", strings.Join(p.Nationalities, ", "), strings.Join(q.Nationalities, ", "), plain)
	add("languages", "", strings.Join(p.Languages, ", "), strings.Join(q.Languages, ", "), plain)
	add("age_group", "agegroup", string(p.AgeGroup), string(q.AgeGroup), plain)
	add("region", "region", p.Region, q.Region, plain)
	add("met_on", "", f[0].metOn, f[1].metOn, plain)
	add("met_region", "region", f[0].metRegion, f[1].metRegion, plain)
	add("referrer", "", f[0].org, f[1].org, plain)
	return out
}
