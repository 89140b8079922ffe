package door

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// denied is returned inside a transaction when the record is missing or out
// of the actor's scope. access turns it into one audit entry and ErrNotFound,
// the same answer in both cases.
type denied struct{ subject string }

func (d *denied) Error() string { return "denied" }

// access runs fn in a write transaction. A denial rolls fn back, then is
// recorded in its own transaction (so it is audited exactly once) and
// answered as nrm.ErrNotFound.
func (s *Service) access(ctx context.Context, a *nrm.Actor, action string, fn func(tx *store.Tx) error) error {
	err := s.db.Update(ctx, fn)
	var d *denied
	if !errors.As(err, &d) {
		return fail(err)
	}
	subject := d.subject
	if !validID(subject) {
		subject = "" // never store arbitrary client text in the audit
	}
	if err := s.db.Update(ctx, func(tx *store.Tx) error {
		return s.appendAudit(ctx, tx, a, event{action: action, subject: subject, outcome: "denied"})
	}); err != nil {
		return fail(err)
	}
	return nrm.ErrNotFound
}

// RequireScope is scoped for the web layer, which refuses every
// state-changing API request of a token without persons:write before it
// reads the body (the door methods check again).
func RequireScope(a *nrm.Actor, acc nrm.Access) error { return scoped(a, acc) }

// scoped checks an API token's scopes; sessions (Scopes nil) pass. Every
// door method that changes state asks for nrm.Write, whatever it reads.
func scoped(a *nrm.Actor, acc nrm.Access) error {
	if a.Scopes == nil {
		return nil
	}
	want := ScopeRead
	if acc == nrm.Write {
		want = ScopeWrite
	}
	for _, s := range a.Scopes {
		if s == want {
			return nil
		}
	}
	return nrm.Errorf(nrm.EForbidden, "error.scope")
}

// validID reports whether id has the shape of a record id.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// reveal decrypts the parts the reader may see and drops the rest.
func (s *Service) reveal(ctx context.Context, tx *store.Tx, p *personRow, parts []nrm.Part) error {
	p.Parts = parts
	showID, showNarr := hasPart(parts, nrm.PartIdentity), hasPart(parts, nrm.PartNarrative)
	if (!showID && !showNarr) || !p.ErasedAt.IsZero() {
		// An erased record has no identity or narrative left to show.
		return nil
	}
	d, err := s.dataKey(ctx, tx, p, false)
	if err != nil {
		return err // identity erased (shredded) or key missing: fail closed
	}
	open := func(col string) (string, error) {
		ct := p.cipher[col]
		if len(ct) == 0 {
			return "", nil
		}
		pt, err := d.Open(ct, "persons", col, p.ID)
		return string(pt), err
	}
	if showID {
		var id nrm.Identity
		var aliases string
		for col, dst := range map[string]*string{
			"given_name": &id.GivenName, "family_name": &id.FamilyName, "aliases": &aliases, "birth_date": &id.BirthDate,
			"doc_number": &id.DocNumber, "phone": &id.Phone, "address": &id.Address,
		} {
			v, err := open(col)
			if err != nil {
				return err
			}
			*dst = v
		}
		if aliases != "" {
			if err := json.Unmarshal([]byte(aliases), &id.Aliases); err != nil {
				return err
			}
		}
		p.Identity = &id
	}
	if showNarr {
		v, err := open("narrative")
		if err != nil {
			return err
		}
		p.Narrative = &v
	}
	return nil
}

// sealIdentity encrypts the given identity fields and narrative; absent
// fields are not in the map (stored as NULL).
func sealIdentity(d *vault.DEK, personID string, id *nrm.Identity, narrative *string) (map[string][]byte, error) {
	out := map[string][]byte{}
	seal := func(col, v string) error {
		if v == "" {
			out[col] = nil
			return nil
		}
		ct, err := d.Seal([]byte(v), "persons", col, personID)
		out[col] = ct
		return err
	}
	if id != nil {
		aliases := ""
		if len(id.Aliases) > 0 {
			b, _ := json.Marshal(id.Aliases)
			aliases = string(b)
		}
		for col, v := range map[string]string{
			"given_name": id.GivenName, "family_name": id.FamilyName, "aliases": aliases, "birth_date": id.BirthDate,
			"doc_number": id.DocNumber, "phone": id.Phone, "address": id.Address,
		} {
			if err := seal(col, v); err != nil {
				return nil, err
			}
		}
	}
	if narrative != nil {
		if err := seal("narrative", *narrative); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dupKey is what two records must share to be possibly the same person:
// normalised name, birth year and nationality (the duplicate index's input).
func dupKey(id *nrm.Identity, nationality string) string {
	if id == nil {
		return ""
	}
	return vault.Normalize(id.GivenName+" "+id.FamilyName) + "|" + nrm.BirthYear(id.BirthDate) + "|" + nationality
}

// Bounds of the duplicate check: candidates read from one bucket, links made.
const (
	maxDupCandidates = 500
	maxDupLinks      = 10
)

// blindIndexes computes the exact-match name index and the possible-duplicate
// index (normalised name, birth year, nationality). Nothing in clear.
func (s *Service) blindIndexes(id *nrm.Identity, nationality string) (name, dup string) {
	if id == nil {
		return "", ""
	}
	full := vault.Normalize(id.GivenName + " " + id.FamilyName)
	if full == "" {
		return "", ""
	}
	name = s.vault.BlindIndex("person.name", full)
	dup = s.vault.BlindIndex("person.dup", dupKey(id, nationality))
	return name, dup
}

func applyInput(p *nrm.Person, in nrm.PersonInput) {
	if in.Region != nil {
		p.Region = *in.Region
	}
	if in.Status != nil {
		p.Status = *in.Status
	}
	if in.AgeGroup != nil {
		p.AgeGroup = *in.AgeGroup
	}
	if in.PresumedChild != nil {
		p.PresumedChild = *in.PresumedChild
	}
	if in.Sex != nil {
		p.Sex = *in.Sex
	}
	if in.Nationality != nil {
		p.Nationality = *in.Nationality
	}
	// Age in doubt with a sign of a child: treated as a child.
	if p.AgeGroup == nrm.AgeChild {
		p.PresumedChild = false
	}
}

// inputFields names the fields an input sets, for the audit (names, never values).
func inputFields(in nrm.PersonInput) []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(in.Region != nil, "region")
	add(in.Status != nil, "status")
	add(in.AgeGroup != nil, "age_group")
	add(in.PresumedChild != nil, "presumed_child")
	add(in.Sex != nil, "sex")
	add(in.Nationality != nil, "nationality")
	add(in.Identity != nil, "identity")
	add(in.Narrative != nil, "narrative")
	return f
}

func partNames(ps []nrm.Part) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func hasPart(ps []nrm.Part, p nrm.Part) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
