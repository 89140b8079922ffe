package door

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// The person's own view (guide-digest §III): who saw their data, and their
// own file. Both are read through the door by someone who works the record,
// and both readings are themselves audited.

// DisclosureLog returns, from the audit trail, every access to the
// person's record that succeeded: which organisation and role, when, what
// they did and which parts it concerned. It is exactly the audit's entries
// for the record, oldest first.
func (s *Service) DisclosureLog(ctx context.Context, a *nrm.Actor, personID string) ([]nrm.Disclosure, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out []nrm.Disclosure
	err := s.access(ctx, a, ActDisclosureLog, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if out, err = s.disclosures(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActDisclosureLog, subject: p.ID})
	})
	return out, err
}

func (s *Service) disclosures(ctx context.Context, tx *store.Tx, personID string) ([]nrm.Disclosure, error) {
	return collect(ctx, tx, func(r *sql.Rows) (nrm.Disclosure, error) {
		var d nrm.Disclosure
		var at, glass int64
		var fields, typ string
		err := r.Scan(&d.Seq, &at, &d.OrgID, &d.OrgName, &typ, &d.Role, &d.Action, &fields, &glass)
		d.At, d.OrgType, d.Glass = store.Time(at), nrm.OrgType(typ), store.Bool(glass)
		for f := range strings.SplitSeq(fields, ",") {
			if pt := nrm.Part(f); slices.Contains(nrm.Parts, pt) && !slices.Contains(d.Parts, pt) {
				d.Parts = append(d.Parts, pt)
			}
		}
		return d, err
	}, `SELECT l.seq, l.at, l.actor_org, COALESCE(o.name, ''), COALESCE(o.type, ''), l.actor_role, l.action, l.fields, l.break_glass
		FROM audit_log l LEFT JOIN orgs o ON o.id = l.actor_org
		WHERE l.subject = ? AND l.outcome = 'ok' ORDER BY l.seq`, personID)
}

// OwnFile gathers the person's own file, in lang: what the producer may
// see of their record, their consents, the decisions about them, the
// services and the disclosure log. Other people's data is left out: no
// guardian names, no staff names, only organisations.
func (s *Service) OwnFile(ctx context.Context, a *nrm.Actor, personID, lang string) (*nrm.OwnFile, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var f *nrm.OwnFile
	err := s.access(ctx, a, ActOwnFile, func(tx *store.Tx) error {
		p, err := s.worker(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		parts := nrm.Decide(a, p.rel, nrm.Read)
		if err := s.reveal(ctx, tx, p, parts); err != nil {
			return err
		}
		p.JusticeNote = nil
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		f = &nrm.OwnFile{Code: p.Code, Lang: lang, ProducedAt: tx.Now, ProducedBy: dir.byID[a.OrgID].Name, Person: &p.Person,
			Location: s.profile.Location(), Zone: s.profile.ZoneName(lang)}
		if f.Consents, err = s.consents(ctx, tx, p, dir, false); err != nil {
			return err
		}
		narr := hasPart(parts, nrm.PartNarrative)
		var cells []sealed
		if f.Decisions, err = collect(ctx, tx, func(r *sql.Rows) (nrm.OwnDecision, error) {
			var d nrm.OwnDecision
			var id, state string
			var ct []byte
			var at, eff int64
			err := r.Scan(&id, &d.Outcome, &ct, &d.ToldOn, &state, &at, &eff)
			d.At, d.Pending = store.Time(at), state == "signing"
			if eff != 0 {
				d.At = store.Time(eff)
			}
			if narr && err == nil {
				cells = append(cells, sealed{"decisions", "reasons", id, ct, nil})
			}
			return d, err
		}, `SELECT id, outcome, reasons, told_on, state, created_at, effective_at FROM decisions WHERE person_id = ? ORDER BY created_at`, p.ID); err != nil {
			return err
		}
		for i := range cells {
			cells[i].dst = &f.Decisions[i].Reasons
		}
		if err := s.openAll(ctx, tx, p, cells); err != nil {
			return err
		}
		if f.Services, err = collect(ctx, tx, func(r *sql.Rows) (nrm.OwnService, error) {
			var sv nrm.OwnService
			var org string
			var at, done int64
			err := r.Scan(&sv.Kind, &org, &sv.State, &at, &done)
			sv.OrgName, sv.Opened, sv.Done = dir.byID[org].Name, store.Time(at), store.Time(done)
			return sv, err
		}, `SELECT kind, org_id, state, created_at, done_at FROM tasks WHERE person_id = ? ORDER BY created_at`, p.ID); err != nil {
			return err
		}
		if f.Disclosures, err = s.disclosures(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActOwnFile, subject: p.ID, fields: append(partNames(parts), "lang:"+lang)})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
