package door

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// identity columns, each encrypted with AAD (persons, column, person id).
var identityCols = []string{"given_name", "family_name", "aliases", "birth_date", "doc_number", "phone", "address"}

const personCols = `id, code, owner_org, region, status, age_group, presumed_child, sex, nationality, created_by, created_at, updated_at, version,
	age_basis, age_years, age_assessed_at, age_method, gender, nationalities, languages, interpreter, preferred_gender, foreign_national, anonymous,
	first_contact_at, potential_at, decided_at, reflection_start, reflection_end, guardian_at, forms, non_punishment, duplicate, merged_into, registered_at,
	legal_hold, erased_at`

// personVals are the values of personCols for an INSERT, in order.
func personVals(p *nrm.Person) []any {
	return []any{p.ID, p.Code, p.OwnerOrgID, p.Region, p.Status, p.AgeGroup, store.Int(p.PresumedChild), p.Sex, p.Nationality,
		p.CreatedBy, store.Micros(p.CreatedAt), store.Micros(p.UpdatedAt), p.Version,
		p.AgeBasis, p.AgeYears, store.Micros(p.AgeAssessedAt), p.AgeMethod, p.Gender, strings.Join(p.Nationalities, ","), strings.Join(p.Languages, ","),
		store.Int(p.Interpreter), p.PreferredGender, store.Int(p.Foreign), store.Int(p.Anonymous),
		store.Micros(p.FirstContactAt), store.Micros(p.PotentialAt), store.Micros(p.DecidedAt), store.Micros(p.ReflectionStart), store.Micros(p.ReflectionEnd),
		store.Micros(p.GuardianAt), strings.Join(p.Forms, ","), store.Int(p.NonPunishment), store.Int(p.Duplicate), p.MergedInto, store.Micros(p.RegisteredAt),
		store.Int(p.LegalHold), store.Micros(p.ErasedAt)}
}

// personPlaceholders is "?, ?, …" for personCols.
var personPlaceholders = strings.TrimSuffix(strings.Repeat("?, ", strings.Count(personCols, ",")+1), ", ")

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type personRow struct {
	nrm.Person
	cipher map[string][]byte
	glass  bool         // visible only through break-glass
	rel    nrm.Relation // how the reader stands to the record, worked out once by load
	key    *vault.DEK   // the person's data key, fetched at most once per access
}

// dataKey returns the person's data key, fetching it once per access.
func (s *Service) dataKey(ctx context.Context, tx *store.Tx, p *personRow, create bool) (*vault.DEK, error) {
	if create && !p.ErasedAt.IsZero() {
		// An erased record stays erased: no new key, so no new identity or
		// free text under its code.
		return nil, nrm.Errorf(nrm.EConflict, "error.erased")
	}
	if p.key == nil {
		d, err := s.dek(ctx, tx, p.ID, create)
		if err != nil {
			return nil, err
		}
		p.key = d
	}
	return p.key, nil
}

func scanPerson(sc interface{ Scan(...any) error }, withCipher bool) (*personRow, error) {
	var p personRow
	var pc, ca, ua, aa, fc, pa, da, rs, re, ga, ra, ea int64
	var interp, foreign, anon, np, dup, hold int64
	var nats, langs, forms string
	dest := []any{&p.ID, &p.Code, &p.OwnerOrgID, &p.Region, &p.Status, &p.AgeGroup, &pc, &p.Sex, &p.Nationality, &p.CreatedBy, &ca, &ua, &p.Version,
		&p.AgeBasis, &p.AgeYears, &aa, &p.AgeMethod, &p.Gender, &nats, &langs, &interp, &p.PreferredGender, &foreign, &anon,
		&fc, &pa, &da, &rs, &re, &ga, &forms, &np, &dup, &p.MergedInto, &ra, &hold, &ea}
	cts := make([][]byte, len(identityCols)+2)
	if withCipher {
		for i := range cts {
			dest = append(dest, &cts[i])
		}
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	p.PresumedChild, p.CreatedAt, p.UpdatedAt = store.Bool(pc), store.Time(ca), store.Time(ua)
	p.AgeAssessedAt, p.FirstContactAt, p.PotentialAt, p.DecidedAt = store.Time(aa), store.Time(fc), store.Time(pa), store.Time(da)
	p.ReflectionStart, p.ReflectionEnd, p.GuardianAt, p.RegisteredAt = store.Time(rs), store.Time(re), store.Time(ga), store.Time(ra)
	p.Interpreter, p.Foreign, p.Anonymous, p.NonPunishment, p.Duplicate = store.Bool(interp), store.Bool(foreign), store.Bool(anon), store.Bool(np), store.Bool(dup)
	p.Nationalities, p.Languages, p.Forms = splitList(nats), splitList(langs), splitList(forms)
	p.LegalHold, p.ErasedAt = store.Bool(hold), store.Time(ea)
	if withCipher {
		p.cipher = make(map[string][]byte, len(cts))
		for i, c := range identityCols {
			p.cipher[c] = cts[i]
		}
		p.cipher["narrative"] = cts[len(identityCols)]
		p.cipher["justice_note"] = cts[len(identityCols)+1]
	}
	return &p, nil
}

// relation works out, at the moment of access, how the actor stands to the record.
func (s *Service) relation(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *nrm.Person) (nrm.Relation, error) {
	rel := nrm.Relation{OwnOrg: a.OrgID != "" && a.OrgID == p.OwnerOrgID}
	if a.UserID == "" {
		return rel, nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assignments WHERE person_id = ? AND user_id = ?`, p.ID, a.UserID).Scan(&n); err != nil {
		return rel, err
	}
	rel.Assigned = n > 0
	now := store.Micros(tx.Now)
	// What was disclosed to the actor's organisation: legal-basis grants and
	// the scopes of active consents (consent.go), in one round trip.
	rows, err := tx.Query(ctx, disclosedParts, p.ID, a.OrgID, now, p.ID, a.OrgID, string(a.OrgType), now)
	if err != nil {
		return rel, err
	}
	for rows.Next() {
		var kind, parts string
		if err := rows.Scan(&kind, &parts); err != nil {
			rows.Close()
			return rel, err
		}
		granted := nrm.ScopeParts(parts)
		if kind == "g" {
			granted = nil
			for _, x := range strings.Split(parts, ",") {
				granted = append(granted, nrm.Part(x))
			}
		}
		for _, pt := range granted {
			if !slices.Contains(rel.Granted, pt) {
				rel.Granted = append(rel.Granted, pt)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rel, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM breakglass WHERE user_id = ? AND person_id = ? AND expires_at > ?`, a.UserID, p.ID, now).Scan(&n); err != nil {
		return rel, err
	}
	rel.Glass = n > 0
	return rel, nil
}

// CreatePerson records a referral of a person into the NRM. The referring
// organisation owns the record; the person gets a data key and a
// pseudonymous code.
func (s *Service) CreatePerson(ctx context.Context, a *nrm.Actor, in nrm.PersonInput) (*nrm.Person, error) {
	ps, err := s.CreatePersons(ctx, a, []nrm.PersonInput{in})
	if err != nil {
		var es nrm.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				e.Field = strings.TrimPrefix(e.Field, "0.")
			}
		}
		return nil, err
	}
	return ps[0], nil
}

// CreatePersons records many referrals in one transaction (imports, bulk
// intake, synthetic data): all or none. Each record gets its own data key
// and its own audit entry. Field errors are named "<index>.<field>".
func (s *Service) CreatePersons(ctx context.Context, a *nrm.Actor, ins []nrm.PersonInput) ([]*nrm.Person, error) {
	if !nrm.CanCreatePerson(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	now := s.Now()
	var es nrm.Errors
	for i := range ins {
		if err := ins[i].Validate(now); err != nil {
			var fe nrm.Errors
			if errors.As(err, &fe) {
				for _, e := range fe {
					e.Field = strconv.Itoa(i) + "." + e.Field
				}
				es = append(es, fe...)
			}
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	out := make([]*nrm.Person, len(ins))
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		for i, in := range ins {
			p, err := s.insertPerson(ctx, tx, a, in)
			if err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, fail(err)
	}
	return out, nil
}

func (s *Service) insertPerson(ctx context.Context, tx *store.Tx, a *nrm.Actor, in nrm.PersonInput) (*nrm.Person, error) {
	p := &nrm.Person{
		ID: newID(), OwnerOrgID: a.OrgID, Status: nrm.StatusReferred, AgeGroup: nrm.AgeUnknown, CreatedBy: a.UserID, Version: 1,
		CreatedAt: tx.Now, UpdatedAt: tx.Now, FirstContactAt: tx.Now, AgeBasis: nrm.AgeUncertain, AgeYears: -1,
	}
	applyInput(p, in)
	d, err := s.dek(ctx, tx, p.ID, true)
	if err != nil {
		return nil, err
	}
	cts, err := sealIdentity(d, p.ID, in.Identity, in.Narrative)
	if err != nil {
		return nil, err
	}
	nameIdx, dupIdx := s.blindIndexes(in.Identity, p.Nationality)
	for range 5 {
		p.Code = newCode()
		args := append(personVals(p), cts["given_name"], cts["family_name"], cts["aliases"], cts["birth_date"], cts["doc_number"], cts["phone"], cts["address"], cts["narrative"],
			nameIdx, dupIdx)
		_, err = tx.Exec(ctx, `INSERT INTO persons (`+personCols+`, given_name, family_name, aliases, birth_date, doc_number, phone, address, narrative, name_bidx, dup_bidx)
			VALUES (`+personPlaceholders+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if err == nil || !store.IsUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if in.Identity != nil {
		cp := *in.Identity
		p.Identity = &cp
	}
	if in.Narrative != nil {
		n := *in.Narrative
		p.Narrative = &n
	}
	p.Parts = nrm.Parts
	return p, s.appendAudit(ctx, tx, a, event{action: ActPersonCreate, subject: p.ID, fields: inputFields(in)})
}

// GetPerson reads a person's record, with only the parts the actor may see.
// Out of scope answers exactly as missing: nrm.ErrNotFound.
func (s *Service) GetPerson(ctx context.Context, a *nrm.Actor, id string) (*nrm.Person, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *nrm.Person
	err := s.access(ctx, a, ActPersonRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, id, nrm.Read)
		if err != nil {
			return err
		}
		if err := s.reveal(ctx, tx, p, parts); err != nil {
			return err
		}
		out = &p.Person
		return s.appendAudit(ctx, tx, a, event{action: ActPersonRead, subject: p.ID, fields: partNames(parts), breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// load reads the row and decides; a denial is audited and looks like a miss.
func (s *Service) load(ctx context.Context, tx *store.Tx, a *nrm.Actor, id string, acc nrm.Access) (*personRow, []nrm.Part, error) {
	row := tx.QueryRow(ctx, `SELECT `+personCols+`, given_name, family_name, aliases, birth_date, doc_number, phone, address, narrative, justice_note FROM persons WHERE id = ?`, id)
	p, err := scanPerson(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, &denied{subject: id}
	} else if err != nil {
		return nil, nil, err
	}
	rel, err := s.relation(ctx, tx, a, &p.Person)
	if err != nil {
		return nil, nil, err
	}
	parts := nrm.Decide(a, rel, acc)
	if len(parts) == 0 {
		return nil, nil, &denied{subject: p.ID}
	}
	p.rel = rel
	p.glass = rel.Glass && !rel.OwnOrg && !rel.Assigned && len(rel.Granted) == 0
	return p, parts, nil
}

// partsTouched says which parts of a record an input writes.
func partsTouched(in nrm.PersonInput) []nrm.Part {
	var ps []nrm.Part
	if in.Region != nil || in.Status != nil || in.AgeGroup != nil || in.PresumedChild != nil || in.Sex != nil || in.Nationality != nil {
		ps = append(ps, nrm.PartSummary)
	}
	if in.Identity != nil {
		ps = append(ps, nrm.PartIdentity)
	}
	if in.Narrative != nil {
		ps = append(ps, nrm.PartNarrative)
	}
	return ps
}

// UpdatePerson changes a record. version is the version the editor started
// from: if someone else saved first, the answer is a conflict, never a
// silent overwrite.
func (s *Service) UpdatePerson(ctx context.Context, a *nrm.Actor, id string, version int64, in nrm.PersonInput) (*nrm.Person, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if err := in.Validate(s.Now()); err != nil {
		return nil, err
	}
	var out *nrm.Person
	err := s.access(ctx, a, ActPersonUpdate, func(tx *store.Tx) error {
		p, readParts, err := s.load(ctx, tx, a, id, nrm.Read)
		if err != nil {
			return err
		}
		writable := nrm.Decide(a, p.rel, nrm.Write)
		for _, pt := range partsTouched(in) {
			if !hasPart(writable, pt) {
				return nrm.Errorf(nrm.EForbidden, "error.forbidden")
			}
		}
		if p.Version != version {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		applyInput(&p.Person, in)
		d, err := s.dataKey(ctx, tx, p, true)
		if err != nil {
			return err
		}
		set := []string{"region = ?", "status = ?", "age_group = ?", "presumed_child = ?", "sex = ?", "nationality = ?", "updated_at = ?", "version = version + 1"}
		args := []any{p.Region, p.Status, p.AgeGroup, store.Int(p.PresumedChild), p.Sex, p.Nationality, store.Micros(tx.Now)}
		cts, err := sealIdentity(d, p.ID, in.Identity, in.Narrative)
		if err != nil {
			return err
		}
		for _, col := range append(slices.Clone(identityCols), "narrative") {
			if ct, ok := cts[col]; ok {
				set = append(set, col+" = ?")
				args = append(args, ct)
			}
		}
		if in.Identity != nil || in.Nationality != nil {
			ident := in.Identity
			if ident == nil {
				if err := s.reveal(ctx, tx, p, []nrm.Part{nrm.PartIdentity}); err != nil {
					return err
				}
				ident = p.Identity
			}
			name, dup := s.blindIndexes(ident, p.Nationality)
			set = append(set, "name_bidx = ?", "dup_bidx = ?")
			args = append(args, name, dup)
		}
		args = append(args, p.ID, version)
		res, err := tx.Exec(ctx, `UPDATE persons SET `+strings.Join(set, ", ")+` WHERE id = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		p.Version, p.UpdatedAt = version+1, tx.Now
		p.Identity, p.Narrative = nil, nil
		if err := s.reveal(ctx, tx, p, readParts); err != nil {
			return err
		}
		out = &p.Person
		return s.appendAudit(ctx, tx, a, event{action: ActPersonUpdate, subject: p.ID, fields: inputFields(in), breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PersonFilter selects persons for a list.
type PersonFilter struct {
	Status nrm.Status
	Region string
	Before string // cursor: the id of the last row of the previous page
	Limit  int
}

// ListPersons lists the summaries (pseudonymous code, status, region…) of
// the persons the actor may see. Identity never appears in a list.
func (s *Service) ListPersons(ctx context.Context, a *nrm.Actor, f PersonFilter) ([]nrm.Person, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	register := false
	for _, r := range a.Roles {
		register = register || nrm.Allows(r, nrm.ScopeRegister, nrm.PartSummary, nrm.Read)
	}
	if !register && !readsRecords(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []nrm.Person
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		q := `SELECT ` + personCols + ` FROM persons p WHERE 1=1`
		var args []any
		if !register {
			q += ` AND (p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?) OR ` + disclosedTo + `)`
			args = append(args, a.OrgID, a.UserID)
			args = append(args, disclosedArgs(a, tx.Now)...)
		}
		q, args = statusRegion(q, args, f.Status, f.Region)
		if f.Before != "" {
			q += ` AND (p.updated_at, p.id) < (SELECT updated_at, id FROM persons WHERE id = ?)`
			args = append(args, f.Before)
		}
		q += ` ORDER BY p.updated_at DESC, p.id DESC LIMIT ?`
		args = append(args, f.Limit)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			p, err := scanPerson(rows, false)
			if err != nil {
				rows.Close()
				return err
			}
			p.Parts = []nrm.Part{nrm.PartSummary}
			out = append(out, p.Person)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActPersonList, fields: []string{"summary"}})
	})
	return out, fail(err)
}

// statusRegion narrows a query on persons p by status and region when set.
func statusRegion(q string, args []any, status nrm.Status, region string) (string, []any) {
	if status != "" {
		q += ` AND p.status = ?`
		args = append(args, status)
	}
	if region != "" {
		q += ` AND p.region = ?`
		args = append(args, region)
	}
	return q, args
}

// readsRecords reports whether any of the actor's roles reads records of
// its own organisation or disclosed to it (monitors, the DPO and
// administrators do not).
func readsRecords(a *nrm.Actor) bool {
	for _, r := range a.Roles {
		if nrm.Allows(r, nrm.ScopeOwn, nrm.PartSummary, nrm.Read) || nrm.Allows(r, nrm.ScopeGranted, nrm.PartSummary, nrm.Read) {
			return true
		}
	}
	return false
}

// PossibleDuplicates returns the ids of other records whose duplicate blind
// index (normalised name, birth year, nationality) equals this one's. Only
// the index is compared, never plaintext.
func (s *Service) PossibleDuplicates(ctx context.Context, a *nrm.Actor, id string) ([]string, error) {
	var out []string
	err := s.access(ctx, a, ActPersonSearch, func(tx *store.Tx) error {
		if _, _, err := s.load(ctx, tx, a, id, nrm.Read); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT q.id FROM persons p JOIN persons q ON q.dup_bidx = p.dup_bidx AND q.id <> p.id WHERE p.id = ? AND p.dup_bidx <> '' ORDER BY q.created_at`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			out = append(out, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActPersonSearch, subject: id, fields: []string{"dup_bidx"}})
	})
	return out, err
}

// Grant bases. A grant is a disclosure under a recorded legal basis; a
// disclosure by consent is a consent in the ledger (RecordConsent), so that
// withdrawal and expiry govern it. BasisConsent is refused here.
const (
	BasisConsent = "consent"
	BasisLegal   = "legal"
)

// GrantInput discloses parts of a record to another organisation.
type GrantInput struct {
	OrgID     string
	Parts     []nrm.Part
	Basis     string // consent or legal
	Reason    string // required for a legal basis
	ExpiresAt int64  // Unix microseconds, 0 for none
}

// Grant discloses parts of a person's record to another organisation under
// a recorded legal basis (for example child protection by law), with its
// reason. Only those who work the record
// (own organisation or assigned, with write access) may grant.
func (s *Service) Grant(ctx context.Context, a *nrm.Actor, personID string, g GrantInput) (string, error) {
	var es nrm.Errors
	switch g.Basis {
	case BasisLegal:
	case BasisConsent:
		es = append(es, nrm.FieldError("basis", "error.consent_via_ledger"))
	default:
		es = append(es, nrm.FieldError("basis", "error.unknown_value"))
	}
	if g.Basis == BasisLegal && strings.TrimSpace(g.Reason) == "" {
		es = append(es, nrm.FieldError("reason", "error.required"))
	}
	if len(g.Parts) == 0 {
		es = append(es, nrm.FieldError("parts", "error.required"))
	}
	for _, p := range g.Parts {
		if !slices.Contains(nrm.Parts, p) {
			es = append(es, nrm.FieldError("parts", "error.unknown_value"))
			break
		}
	}
	if len(g.Reason) > nrm.MaxShortText*5 {
		es = append(es, nrm.FieldError("reason", "error.too_long", nrm.MaxShortText*5))
	}
	if err := es.Err(); err != nil {
		return "", err
	}
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActGrant, func(tx *store.Tx) error {
		p, _, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		rel := p.rel
		if !(rel.OwnOrg || rel.Assigned) || !hasPart(nrm.Decide(a, rel, nrm.Write), nrm.PartSummary) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, g.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nrm.FieldError("org", "error.unknown_value")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO grants (id, person_id, org_id, parts, basis, reason, granted_by, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, personID, g.OrgID, strings.Join(partNames(g.Parts), ","), g.Basis, g.Reason, a.UserID, store.Micros(tx.Now), g.ExpiresAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActGrant, subject: personID, fields: append([]string{"org:" + g.OrgID, "basis:" + g.Basis}, partNames(g.Parts)...)})
	})
	return id, err
}

// RevokeGrant ends a disclosure; it takes effect on the very next request.
func (s *Service) RevokeGrant(ctx context.Context, a *nrm.Actor, personID, grantID string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActGrantRevoke, func(tx *store.Tx) error {
		p, _, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		rel := p.rel
		if !(rel.OwnOrg || rel.Assigned) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		res, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = ? WHERE id = ? AND person_id = ? AND revoked_at = 0`, store.Micros(tx.Now), grantID, personID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nrm.ErrNotFound
		}
		return s.appendAudit(ctx, tx, a, event{action: ActGrantRevoke, subject: personID, fields: []string{"grant:" + grantID}})
	})
}

// Assign puts a user on a record (own organisation only).
func (s *Service) Assign(ctx context.Context, a *nrm.Actor, personID, userID string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	return s.access(ctx, a, ActPersonUpdate, func(tx *store.Tx) error {
		p, _, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		if p.OwnerOrgID != a.OrgID || !nrm.WorksCases(a) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO assignments (person_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (person_id, user_id) DO NOTHING`, personID, userID, store.Micros(tx.Now)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActPersonUpdate, subject: personID, fields: []string{"assign:" + userID}})
	})
}

// BreakGlass opens a record outside the actor's scope, read-only, for a
// limited time. It needs a stated reason and a second factor proven within
// the step-up window; it is flagged in the audit and listed for the DPO.
func (s *Service) BreakGlass(ctx context.Context, a *nrm.Actor, personID, reason string) error {
	if !nrm.CanBreakGlass(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) < 10 {
		return nrm.FieldError("reason", "error.reason_short", 10)
	}
	if len(reason) > 2000 {
		return nrm.FieldError("reason", "error.too_long", 2000)
	}
	if !a.FreshMFA(s.Now(), s.set.StepUp) {
		return nrm.Errorf(nrm.EUnauthorized, "error.stepup_required")
	}
	return s.access(ctx, a, ActBreakGlass, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE id = ?`, personID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &denied{subject: personID}
		}
		enc, err := s.sealSystem(ctx, tx, "breakglass", "reason", personID+"|"+a.UserID, []byte(reason))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO breakglass (id, user_id, person_id, reason, opened_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			newID(), a.UserID, personID, enc, store.Micros(tx.Now), store.Micros(tx.Now.Add(s.set.BreakGlassFor))); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActBreakGlass, subject: personID, breakGlass: true, reason: reason})
	})
}
