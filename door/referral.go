package door

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// ReferralResult is what a referral set in motion, at once.
type ReferralResult struct {
	Person         *nrm.Person
	ReferralID     string
	Recommendation rules.Recommendation
	Tasks          []nrm.Task
	Deadlines      []nrm.Deadline
	// Duplicate says the person may already be on record elsewhere. The
	// referrer learns only that; the Responsible Authority sees which records.
	Duplicate bool
}

// Refer records a referral into the NRM (process.md §5 T1–T4, T7–T8). In one
// transaction: the person's record (identity encrypted, or none for an
// anonymous notification), the referral with its structured indicator
// answers, the threshold recommendation, and — when the threshold is met or
// the referrer judges so with a reason — potential-victim status from that
// moment. Immediate needs become open tasks for named organisations at once;
// a child (or a person whose age is in doubt with any sign of a child) is
// notified to the region's child protection unit; a foreign national's
// recovery and reflection period starts; clocks from the jurisdiction
// profile start; a possible duplicate is flagged by blind index. Nothing
// waits for formal identification.
func (s *Service) Refer(ctx context.Context, a *nrm.Actor, in nrm.ReferralInput) (*ReferralResult, error) {
	if !nrm.CanCreatePerson(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	now := s.Now()
	chk, err := s.checkReferral(&in, now)
	if err != nil {
		return nil, err
	}
	if err := chk.errs.Err(); err != nil {
		return nil, err
	}
	group, presumed, child, rec := chk.group, chk.presumed, chk.child, chk.rec

	var out *ReferralResult
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		region := in.Region
		if region == "" {
			region = in.MetRegion
		}
		// Resolve every need to a named organisation before writing anything.
		type need struct {
			kind nrm.Need
			org  nrm.Org
		}
		var needs []need
		for _, n := range in.Needs {
			if n.OrgID != "" {
				o, ok := dir.byID[n.OrgID]
				if !ok {
					return nrm.FieldError("needs", "error.unknown_org")
				}
				needs = append(needs, need{n.Need, o})
				continue
			}
			o, ok := dir.pick(region, nrm.NeedOrgTypes[n.Need]...)
			if !ok {
				return nrm.FieldError("needs", "error.no_org_for_need")
			}
			needs = append(needs, need{n.Need, o})
		}

		potential := rec.Meets || in.Judged
		p := &personRow{Person: nrm.Person{
			ID: newID(), OwnerOrgID: a.OrgID, Region: region, Status: nrm.StatusReferred, AgeGroup: group, PresumedChild: presumed,
			Sex: in.Sex, Gender: in.Gender, Nationalities: in.Nationalities, Languages: in.Languages, Interpreter: in.Interpreter,
			PreferredGender: in.PreferredGender, AgeBasis: in.AgeBasis, AgeYears: -1, CreatedBy: a.UserID, Version: 1,
			CreatedAt: tx.Now, UpdatedAt: tx.Now, FirstContactAt: s.firstContact(in.MetOn, tx.Now), Anonymous: in.Consent == nrm.ConsentRefused,
		}}
		if p.AgeBasis == "" {
			p.AgeBasis = nrm.AgeUncertain
		}
		if in.AgeYears != nil {
			p.AgeYears = *in.AgeYears
		}
		if len(in.Nationalities) > 0 {
			p.Nationality = in.Nationalities[0]
			p.Foreign = !slices.Contains(in.Nationalities, s.profile.Country)
		}
		for _, f := range rec.Forms {
			p.Forms = append(p.Forms, string(f))
		}
		if potential {
			p.Status, p.PotentialAt = nrm.StatusPotentialVictim, tx.Now
			if p.Foreign {
				if end, _, ok := s.profile.Due("reflection_period", tx.Now); ok {
					p.ReflectionStart, p.ReflectionEnd = tx.Now, end
				}
			}
		}
		ident := in.Identity
		if p.Anonymous {
			ident = nil
		}
		if err := s.insertRow(ctx, tx, p, ident); err != nil {
			return err
		}

		refID := newID()
		seal := func(col, v string) ([]byte, error) { return s.sealFor(ctx, tx, p, "referrals", col, refID, v) }
		var cts [5][]byte
		for i, v := range []struct{ col, val string }{
			{"referrer_outside", in.ReferrerOutside}, {"met_place", in.MetPlace}, {"safety_note", in.SafetyNote},
			{"judged_reason", in.JudgedReason}, {"account", in.Account},
		} {
			if cts[i], err = seal(v.col, v.val); err != nil {
				return err
			}
		}
		refType := in.ReferrerType
		if refType == "" {
			refType = string(a.OrgType)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO referrals (id, person_id, org_id, user_id, referrer_type, referrer_outside, met_on, met_region, met_place, met_how,
			consent, safety, safety_note, indicators, catalogue, profile, threshold_met, judged, judged_reason, account, created_at,
			channel, scope, online_platform, recruit_country, recruit_region, exploit_country, exploit_region, suspected_forms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			refID, p.ID, a.OrgID, a.UserID, refType, cts[0], in.MetOn, in.MetRegion, cts[1], in.MetHow,
			in.Consent, strings.Join(in.Safety, ","), cts[2], strings.Join(dedupe(in.Indicators), ","), s.cat.Version, s.profile.Code,
			store.Int(rec.Meets), store.Int(in.Judged), cts[3], cts[4], store.Micros(tx.Now),
			in.Channel, strings.Join(in.Scope, ","), in.OnlinePlatform, in.RecruitCountry, in.RecruitRegion, in.ExploitCountry, in.ExploitRegion,
			strings.Join(dedupe(in.SuspectedForms), ",")); err != nil {
			return err
		}
		out = &ReferralResult{ReferralID: refID, Recommendation: rec}
		org := dir.byID[a.OrgID]
		if err := s.tl(ctx, tx, a, p.ID, TLReferred, nrm.PartSummary, map[string]string{"org": org.Name, "referrer": refType}); err != nil {
			return err
		}
		reason := ""
		if in.Judged && !rec.Meets {
			reason = in.JudgedReason
		}
		if potential {
			p.Status = nrm.StatusReferred
			if err := s.changeStatus(ctx, tx, a, p, nrm.StatusPotentialVictim, reason, refID); err != nil {
				return err
			}
			if p.Foreign && !p.ReflectionStart.IsZero() {
				if err := s.tl(ctx, tx, a, p.ID, TLReflection, nrm.PartSummary, map[string]string{"until": p.ReflectionEnd.Format("2006-01-02")}); err != nil {
					return err
				}
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO status_changes (id, person_id, from_status, to_status, at, user_id, org_id, ref) VALUES (?, ?, '', ?, ?, ?, ?, ?)`,
			newID(), p.ID, string(p.Status), store.Micros(tx.Now), a.UserID, a.OrgID, refID); err != nil {
			return err
		}

		// Who may see what: a task's organisation sees what it needs to act.
		// An adult who agreed to the referral: the referral consent in the
		// ledger (consent.go), withdrawable like any other. A child: child
		// protection by law. An anonymous notification: the summary only,
		// for immediate protection.
		taskParts, basis, why := []nrm.Part{nrm.PartSummary, nrm.PartIdentity}, "", ""
		switch {
		case child:
			basis, why = "legal", "child protection"
		case p.Anonymous:
			taskParts, basis, why = []nrm.Part{nrm.PartSummary}, "legal", "immediate protection"
		}
		var consented []string
		for _, n := range needs {
			t := nrm.Task{ID: newID(), PersonID: p.ID, PersonCode: p.Code, Kind: string(n.kind), OrgID: n.org.ID, OrgName: n.org.Name, State: "open", CreatedAt: tx.Now, Version: 1}
			if _, err := tx.Exec(ctx, `INSERT INTO tasks (id, person_id, kind, org_id, state, created_at, created_by) VALUES (?, ?, ?, ?, 'open', ?, ?)`,
				t.ID, p.ID, t.Kind, t.OrgID, store.Micros(tx.Now), a.UserID); err != nil {
				return err
			}
			out.Tasks = append(out.Tasks, t)
			switch {
			case n.org.ID == a.OrgID:
			case basis == "":
				if !slices.Contains(consented, n.org.ID) {
					consented = append(consented, n.org.ID)
				}
			default:
				if err := s.grantTo(ctx, tx, a, p.ID, n.org.ID, taskParts, basis, why); err != nil {
					return err
				}
			}
			if err := s.notify(ctx, tx, n.org.ID, p.ID, "task", t.ID); err != nil {
				return err
			}
			if err := s.tl(ctx, tx, a, p.ID, TLTaskOpened, nrm.PartSummary, map[string]string{"need": t.Kind, "org": n.org.Name}); err != nil {
				return err
			}
			dl, err := s.startDeadline(ctx, tx, p.ID, "immediate_needs", n.org.ID, t.ID, tx.Now)
			if err != nil {
				return err
			}
			if dl != nil {
				out.Deadlines = append(out.Deadlines, *dl)
			}
		}
		if err := s.referralConsent(ctx, tx, a, p.ID, consented); err != nil {
			return err
		}
		if err := s.registrationDisclosure(ctx, tx, a, p, child, dir); err != nil {
			return err
		}
		// Every referral reaches the Responsible Authority's register.
		if ras := dir.ofType(nrm.OrgResponsibleAuthority); len(ras) > 0 {
			dl, err := s.startDeadline(ctx, tx, p.ID, "ra_registration", ras[0].ID, "", tx.Now)
			if err != nil {
				return err
			}
			if dl != nil {
				out.Deadlines = append(out.Deadlines, *dl)
			}
		}
		// Children first: the region's child protection unit, at once.
		if child {
			if err := s.tl(ctx, tx, a, p.ID, TLChild, nrm.PartSummary, nil); err != nil {
				return err
			}
			if cpu, ok := dir.pick(region, nrm.OrgChildProtection); ok {
				if cpu.ID != a.OrgID {
					if err := s.grantTo(ctx, tx, a, p.ID, cpu.ID, nrm.Parts, "legal", "child protection"); err != nil {
						return err
					}
				}
				if err := s.notify(ctx, tx, cpu.ID, p.ID, "child_referred", refID); err != nil {
					return err
				}
				if err := s.tl(ctx, tx, a, p.ID, TLCPUNotified, nrm.PartSummary, map[string]string{"org": cpu.Name}); err != nil {
					return err
				}
				for _, rule := range []string{"cpu_notification", "guardian_appointment"} {
					dl, err := s.startDeadline(ctx, tx, p.ID, rule, cpu.ID, "", tx.Now)
					if err != nil {
						return err
					}
					if dl != nil {
						out.Deadlines = append(out.Deadlines, *dl)
					}
				}
			}
		}
		// Possible duplicates: the blind index finds the bucket, the door
		// confirms inside it (dupKey) — no plaintext ever leaves the door.
		if _, dupIdx, tag := s.blindIndexes(ident, p.Nationality); dupIdx != "" {
			if _, err := s.flagDuplicates(ctx, tx, a, p, dupIdx, tag, dupKey(ident, p.Nationality), dir); err != nil {
				return err
			}
			out.Duplicate = p.Duplicate
		}
		p.Parts = nrm.Parts
		if ident != nil {
			cp := *ident
			p.Identity = &cp
		}
		out.Person = &p.Person
		fields := []string{"referral", "indicators:" + s.cat.Version}
		if ident != nil {
			fields = append(fields, "identity")
		}
		if in.Account != "" {
			fields = append(fields, "narrative")
		}
		return s.appendAudit(ctx, tx, a, event{action: ActRefer, subject: p.ID, fields: fields})
	})
	if err != nil {
		return nil, fail(err)
	}
	return out, nil
}

// referralCheck is what checkReferral found: the errors, and what the
// answers mean for the record.
type referralCheck struct {
	errs            nrm.Errors
	group           nrm.AgeGroup
	presumed, child bool
	rec             rules.Recommendation
}

// CheckReferral runs every check Refer makes before it writes anything, and
// returns the problems found (none: nil). The referral form calls it at each
// step and keeps the problems of that step's fields, so a step is refused
// with the very words the final send would use.
func (s *Service) CheckReferral(in nrm.ReferralInput) nrm.Errors {
	chk, err := s.checkReferral(&in, s.Now())
	if err != nil {
		return nrm.Errors{nrm.Internal(err)}
	}
	return chk.errs
}

// checkReferral checks the input's own rules (nrm.ReferralInput.Validate),
// the jurisdiction's (a child's consent; a region named for a place abroad)
// and the catalogue's (indicator and form codes). A region named without a
// country is at home: the country is filled in.
func (s *Service) checkReferral(in *nrm.ReferralInput, now time.Time) (*referralCheck, error) {
	chk := &referralCheck{}
	if err := in.Validate(now); err != nil {
		if !errors.As(err, &chk.errs) {
			return nil, err
		}
	}
	chk.group, chk.presumed = in.AgeOutcome(now, s.profile.ChildAge)
	chk.child = chk.group == nrm.AgeChild || chk.presumed
	if in.Consent == nrm.ConsentChild && !chk.child {
		chk.errs = append(chk.errs, nrm.FieldError("consent", "error.consent_child_adult"))
	}
	for _, p := range []struct {
		field           string
		country, region *string
	}{{"recruit_region", &in.RecruitCountry, &in.RecruitRegion}, {"exploit_region", &in.ExploitCountry, &in.ExploitRegion}} {
		switch {
		case *p.region == "":
		case *p.country == "":
			*p.country = s.profile.Country
		case *p.country != s.profile.Country && s.profile.Country != "":
			chk.errs = append(chk.errs, nrm.FieldError(p.field, "error.region_abroad"))
		}
	}
	for _, f := range in.SuspectedForms {
		if f != nrm.FormsUnsure && !rules.Form(f).Exploitation() {
			chk.errs = append(chk.errs, nrm.FieldError("suspected_forms", "error.unknown_value"))
			break
		}
	}
	var err error
	chk.rec, err = s.profile.Recommend(s.cat, in.Indicators, chk.child)
	var ce *rules.CodeError
	if errors.As(err, &ce) {
		chk.errs = append(chk.errs, nrm.FieldError("indicators", "error.unknown_indicator", ce.Code))
	} else if err != nil {
		return nil, err
	}
	return chk, nil
}

// insertRow stores a new person row with its code, encrypted identity and
// blind indexes.
func (s *Service) insertRow(ctx context.Context, tx *store.Tx, p *personRow, ident *nrm.Identity) error {
	d, err := s.dataKey(ctx, tx, p, true)
	if err != nil {
		return err
	}
	cts, err := sealIdentity(d, p.ID, ident, nil)
	if err != nil {
		return err
	}
	nameIdx, dupIdx, dupTag := s.blindIndexes(ident, p.Nationality)
	for range 5 {
		p.Code = newCode()
		args := append(personVals(&p.Person), cts["given_name"], cts["family_name"], cts["aliases"], cts["birth_date"], cts["doc_number"], cts["phone"], cts["address"],
			nameIdx, dupIdx, dupTag)
		_, err = tx.Exec(ctx, `INSERT INTO persons (`+personCols+`, given_name, family_name, aliases, birth_date, doc_number, phone, address, name_bidx, dup_bidx, dup_tag)
			VALUES (`+personPlaceholders+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if err == nil || !store.IsUniqueViolation(err) {
			break
		}
	}
	return err
}

// flagDuplicates links a new record to earlier ones that are possibly the
// same person, and tells the Responsible Authority. The duplicate blind
// index is deliberately coarse (vault.DefaultIndexBits: at a million
// records a bucket holds about fifteen unrelated people, so that an index
// value never singles anyone out); inside the bucket the duplicate tag (a
// keyed HMAC of key, vault.BlindTag) picks the matches in SQL, so no
// candidate is decrypted. A row written before the tag existed (its tag
// empty, until BackfillDupTags reaches it) is decrypted here, in memory, and
// flagged when its normalised name, birth year and nationality equal key.
// Nothing in clear is stored, logged or compared in SQL.
func (s *Service) flagDuplicates(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, dupIdx, tag, key string, dir *orgDir) ([]string, error) {
	cands, err := collect(ctx, tx, func(r *sql.Rows) (dupHit, error) {
		var h dupHit
		return h, r.Scan(&h.id, &h.code, &h.nationality, &h.tag, &h.given, &h.family, &h.birth)
	}, `SELECT id, code, nationality, dup_tag, `+untaggedOnly("given_name")+`, `+untaggedOnly("family_name")+`, `+untaggedOnly("birth_date")+`
		FROM persons WHERE dup_bidx = ? AND (dup_tag = ? OR dup_tag = '') AND id <> ? AND merged_into = '' ORDER BY created_at LIMIT ?`,
		dupIdx, tag, p.ID, maxDupCandidates)
	if err != nil {
		return nil, err
	}
	var hits []dupHit
	for _, h := range cands {
		if len(hits) == maxDupLinks {
			break
		}
		match := h.tag != ""
		if !match {
			if match, err = s.untaggedDupMatch(ctx, tx, h, key); err != nil {
				return nil, err
			}
		}
		if match {
			hits = append(hits, h)
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	var codes []string
	for _, h := range hits {
		if _, err := tx.Exec(ctx, `INSERT INTO duplicate_links (a, b, state, created_at) VALUES (?, ?, 'possible', ?)`, h.id, p.ID, store.Micros(tx.Now)); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE persons SET duplicate = 1 WHERE id IN (?, ?)`, h.id, p.ID); err != nil {
			return nil, err
		}
		for _, id := range []string{h.id, p.ID} {
			if err := s.tl(ctx, tx, a, id, TLDuplicate, nrm.PartSummary, nil); err != nil {
				return nil, err
			}
		}
		codes = append(codes, h.code)
	}
	p.Duplicate = true
	for _, ra := range dir.ofType(nrm.OrgResponsibleAuthority) {
		if err := s.notify(ctx, tx, ra.ID, p.ID, "duplicate", hits[0].id); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
