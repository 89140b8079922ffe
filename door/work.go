package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// Worklist is what an organisation has to do now: open tasks, clocks near or
// past their deadline, and unread notifications. Codes only, never names.
type Worklist struct {
	Tasks         []nrm.Task
	Deadlines     []nrm.Deadline
	Notifications []nrm.Notification
}

// NearWindow is how close a deadline must be to show as near.
const NearWindow = 48 * time.Hour

// Work lists the actor's organisation's open work. The Responsible Authority
// also sees every missed deadline, wherever it runs: missed clocks escalate
// to it.
func (s *Service) Work(ctx context.Context, a *nrm.Actor) (*Worklist, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if a.OrgID == "" || !a.HasAny(nrm.RoleFirstResponder, nrm.RoleCaseManager, nrm.RoleRAOfficer, nrm.RolePanelMember, nrm.RoleServiceProvider, nrm.RoleJusticeOfficer) {
		return &Worklist{}, nil
	}
	w := &Worklist{}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		// Work whose access ended (a consent expired since the last run of
		// the job) ends before it is listed (access_end.go).
		if err := s.sweepLostAccess(ctx, tx, "", a.OrgID); err != nil {
			return err
		}
		now := store.Micros(tx.Now)
		var err error
		if w.Tasks, err = collect(ctx, tx, scanTask, `SELECT `+taskCols+` FROM tasks t JOIN persons p ON p.id = t.person_id JOIN orgs o ON o.id = t.org_id
			WHERE t.org_id = ? AND t.state = 'open' ORDER BY t.created_at LIMIT 200`, a.OrgID); err != nil {
			return err
		}
		q := `SELECT ` + deadlineCols + ` FROM deadlines d JOIN persons p ON p.id = d.person_id JOIN orgs o ON o.id = d.org_id
			WHERE d.met_at = 0 AND ((d.org_id = ? AND d.due_at <= ?)`
		args := []any{a.OrgID, now + NearWindow.Microseconds()}
		if a.Has(nrm.RoleRAOfficer) {
			q += ` OR d.due_at < ?`
			args = append(args, now)
		}
		q += `) ORDER BY d.due_at LIMIT 200`
		if w.Deadlines, err = collect(ctx, tx, scanDeadline, q, args...); err != nil {
			return err
		}
		if w.Notifications, err = collect(ctx, tx, func(rows *sql.Rows) (nrm.Notification, error) {
			var n nrm.Notification
			var ca int64
			err := rows.Scan(&n.ID, &n.PersonID, &n.PersonCode, &n.Kind, &n.Ref, &n.Detail, &ca)
			n.CreatedAt = store.Time(ca)
			return n, err
		}, `SELECT n.id, n.person_id, p.code, n.kind, n.ref, COALESCE((SELECT t.kind FROM tasks t WHERE t.id = n.ref), ''), n.created_at
			FROM notifications n JOIN persons p ON p.id = n.person_id
			WHERE n.org_id = ? AND n.read_at = 0 ORDER BY n.created_at DESC LIMIT 100`, a.OrgID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActWorkList, fields: []string{"summary"}})
	})
	return w, fail(err)
}

const deadlineCols = `d.id, d.person_id, p.code, d.rule, d.org_id, o.name, d.started_at, d.due_at, d.met_at, d.escalated_at, d.legal_ref, d.spec, d.ended_at`

func scanDeadline(rows *sql.Rows) (nrm.Deadline, error) {
	var d nrm.Deadline
	var st, due, met, esc, end int64
	err := rows.Scan(&d.ID, &d.PersonID, &d.PersonCode, &d.Rule, &d.OrgID, &d.OrgName, &st, &due, &met, &esc, &d.LegalRef, &d.Spec, &end)
	d.StartedAt, d.DueAt, d.MetAt, d.EscalatedAt, d.EndedAt = store.Time(st), store.Time(due), store.Time(met), store.Time(esc), store.Time(end)
	return d, err
}

const taskCols = `t.id, t.person_id, p.code, t.kind, t.org_id, o.name, t.state, t.created_at, t.done_at, t.version, t.ended_at, t.ended_why, t.fulfilled_by`

func scanTask(rows *sql.Rows) (nrm.Task, error) {
	var t nrm.Task
	var ca, da, ea int64
	err := rows.Scan(&t.ID, &t.PersonID, &t.PersonCode, &t.Kind, &t.OrgID, &t.OrgName, &t.State, &ca, &da, &t.Version, &ea, &t.EndedWhy, &t.FulfilledBy)
	t.CreatedAt, t.DoneAt, t.EndedAt = store.Time(ca), store.Time(da), store.Time(ea)
	return t, err
}

// CompleteTask closes an open task of the actor's organisation and stops its
// clock.
func (s *Service) CompleteTask(ctx context.Context, a *nrm.Actor, taskID, note string) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if len(note) > nrm.MaxNarrative {
		return nrm.FieldError("note", "error.too_long", nrm.MaxNarrative)
	}
	return s.access(ctx, a, ActTaskDone, func(tx *store.Tx) error {
		var personID, orgID, state, kind string
		err := tx.QueryRow(ctx, `SELECT person_id, org_id, state, kind FROM tasks WHERE id = ?`, taskID).Scan(&personID, &orgID, &state, &kind)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && orgID != a.OrgID) {
			return &denied{subject: taskID}
		} else if err != nil {
			return err
		}
		p, _, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		if state != "open" {
			return nil
		}
		ct, err := s.sealFor(ctx, tx, p, "tasks", "note", taskID, note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'done', done_at = ?, done_by = ?, note = ?, version = version + 1 WHERE id = ? AND state = 'open'`,
			store.Micros(tx.Now), a.UserID, ct, taskID); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, personID, "immediate_needs", taskID); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, personID, TLTaskDone, nrm.PartSummary, map[string]string{"need": kind}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActTaskDone, subject: personID, fields: []string{"task:" + kind}})
	})
}

// ReadNotification marks a notification of the actor's organisation read. A
// child-protection unit reading its child referral stops that clock.
func (s *Service) ReadNotification(ctx context.Context, a *nrm.Actor, id string) error {
	if err := scoped(a, nrm.Write); err != nil { // it changes state: a read stops the child's clock
		return err
	}
	return s.access(ctx, a, ActNotice, func(tx *store.Tx) error {
		var personID, orgID, kind string
		var readAt int64
		err := tx.QueryRow(ctx, `SELECT person_id, org_id, kind, read_at FROM notifications WHERE id = ?`, id).Scan(&personID, &orgID, &kind, &readAt)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && orgID != a.OrgID) {
			return &denied{subject: id}
		} else if err != nil {
			return err
		}
		if readAt != 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ?, read_by = ? WHERE id = ?`, store.Micros(tx.Now), a.UserID, id); err != nil {
			return err
		}
		if kind == "child_referred" {
			if _, err := tx.Exec(ctx, `UPDATE deadlines SET met_at = ? WHERE person_id = ? AND rule = 'cpu_notification' AND org_id = ? AND met_at = 0`,
				store.Micros(tx.Now), personID, orgID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActNotice, subject: personID, fields: []string{"notification:" + kind}})
	})
}

// EscalateDeadlines is the background job that escalates every missed clock
// to the Responsible Authority, once. It runs as the system and is audited.
func (s *Service) EscalateDeadlines(ctx context.Context) (int, error) {
	a := nrm.SystemActor("deadlines")
	n := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		ds, err := collect(ctx, tx, scanDeadline, `SELECT `+deadlineCols+` FROM deadlines d JOIN persons p ON p.id = d.person_id JOIN orgs o ON o.id = d.org_id
			WHERE d.met_at = 0 AND d.escalated_at = 0 AND d.due_at < ? ORDER BY d.due_at LIMIT 500`, now)
		if err != nil || len(ds) == 0 {
			return err
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		ras := dir.ofType(nrm.OrgResponsibleAuthority)
		for _, d := range ds {
			if _, err := tx.Exec(ctx, `UPDATE deadlines SET escalated_at = ? WHERE id = ?`, now, d.ID); err != nil {
				return err
			}
			for _, ra := range ras {
				if err := s.notify(ctx, tx, ra.ID, d.PersonID, "deadline_missed", d.ID); err != nil {
					return err
				}
			}
			if err := s.tl(ctx, tx, a, d.PersonID, TLDeadlineMissed, nrm.PartSummary, map[string]string{"rule": d.Rule, "org": d.OrgName}); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, a, event{action: ActEscalate, subject: d.PersonID, fields: []string{"deadline:" + d.Rule}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, fail(err)
}

// RegisterFilter selects lines of the register.
type RegisterFilter struct {
	Status   nrm.Status
	Region   string
	Children bool // only children (and presumed children)
	Missed   bool // only records with a missed deadline
	Before   string
	Limit    int
}

// Register lists the Responsible Authority's register: every referred and
// identified person under a pseudonymous code, never an identity.
func (s *Service) Register(ctx context.Context, a *nrm.Actor, f RegisterFilter) ([]nrm.RegisterRow, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !readsRegister(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []nrm.RegisterRow
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		q := ` WHERE p.merged_into = ''`
		var args []any
		q, args = statusRegion(q, args, f.Status, f.Region)
		if f.Children {
			q += ` AND (p.age_group = 'child' OR p.presumed_child = 1)`
		}
		if f.Missed {
			q += ` AND EXISTS (SELECT 1 FROM deadlines d WHERE d.person_id = p.id AND +d.met_at = 0 AND d.due_at < ?)`
			args = append(args, now)
		}
		if f.Before != "" {
			q += ` AND (p.created_at, p.id) < (SELECT created_at, id FROM persons WHERE id = ?)`
			args = append(args, f.Before)
		}
		q += ` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`
		args = append(args, f.Limit)
		var err error
		if out, err = s.registerRows(ctx, tx, q, args...); err != nil {
			return err
		}
		fields := []string{"summary"}
		if f.Status != "" {
			fields = append(fields, "status:"+string(f.Status))
		}
		return s.appendAudit(ctx, tx, a, event{action: ActRegisterRead, fields: fields})
	})
	return out, fail(err)
}

// registerRows reads register lines: persons p (with their owner o) after
// the given WHERE clause and its arguments.
func (s *Service) registerRows(ctx context.Context, tx *store.Tx, where string, args ...any) ([]nrm.RegisterRow, error) {
	q := `SELECT p.id, p.code, p.status, p.age_group, p.presumed_child, p.sex, p.nationality, p.region, o.name, p.first_contact_at, p.potential_at,
		p.decided_at, p.registered_at, p.duplicate, p.foreign_national, p.reflection_end, p.non_punishment, p.created_at,
		EXISTS (SELECT 1 FROM deadlines d WHERE d.person_id = p.id AND +d.met_at = 0 AND d.due_at < ?)
		FROM persons p JOIN orgs o ON o.id = p.owner_org` + where
	return collect(ctx, tx, func(rows *sql.Rows) (nrm.RegisterRow, error) {
		var r nrm.RegisterRow
		var pc, fc, pa, da, ra, dup, fn, re, np, ca int64
		var missed bool
		err := rows.Scan(&r.PersonID, &r.Code, &r.Status, &r.AgeGroup, &pc, &r.Sex, &r.Nationality, &r.Region, &r.OwnerOrg, &fc, &pa, &da, &ra,
			&dup, &fn, &re, &np, &ca, &missed)
		r.PresumedChild, r.Duplicate, r.Foreign, r.NonPunishment = store.Bool(pc), store.Bool(dup), store.Bool(fn), store.Bool(np)
		r.FirstContactAt, r.PotentialAt, r.DecidedAt, r.RegisteredAt = store.Time(fc), store.Time(pa), store.Time(da), store.Time(ra)
		r.ReflectionEnd, r.ReferredAt, r.OpenDeadlineMissed = store.Time(re), store.Time(ca), missed
		return r, err
	}, q, append([]any{store.Micros(tx.Now)}, args...)...)
}

// CaseFile is everything about one record that the reader may see.
type CaseFile struct {
	Person      *nrm.Person
	Referrals   []ReferralView
	Tasks       []nrm.Task
	Deadlines   []nrm.Deadline
	Guardians   []GuardianView
	Requests    []RequestView
	Returns     []ReturnView
	History     []nrm.StatusChange
	Timeline    []nrm.TimelineEntry
	Duplicates  []DuplicateView // only for the Responsible Authority
	CanWrite    bool            // the reader may change the summary
	CanDecide   []string        // open request ids the reader's organisation sits on
	CanSign     []string        // decision ids awaiting the reader's signature
	JusticeNote bool            // the justice note was shown
	Consents    []nrm.Consent   // the consent ledger, every version, newest first
	Measures    []nrm.Measure   // protection measures for a child
	// Interviews are every recorded interview (count and list); a statement
	// is in it only where the reader may see it (InterviewView.StatementShown).
	Interviews     []InterviewView
	InterviewCount int
	// ServiceReferrals are the referrals to services, with their steps (door/services.go).
	ServiceReferrals []nrm.ServiceReferral
	// Support is the advocate, needs, plans, safety plans and closures
	// (support.go, closure.go), every version.
	Support *SupportView
	// Return and reintegration work and the justice track (door/return.go,
	// door/justice.go), as the reader may see them.
	Reintegration *ReturnFile
	Justice       *JusticeFile
	// Withheld names the parts of the record the reader does not see and
	// why (evidence.go); nil when every part is shown. GlassOffer says
	// whether an emergency opening is offered to this reader here
	// (access_end.go).
	Withheld   *Withheld
	GlassOffer bool
}

// ReferralView is a referral as the reader may see it.
type ReferralView struct {
	ID, OrgName, ReferrerType, MetOn, MetRegion, MetHow, Consent string
	Safety, Indicators                                           []string
	ThresholdMet, Judged                                         bool
	Catalogue, Profile                                           string
	CreatedAt                                                    time.Time
	// How it came and where it happened (codes, summary part).
	Channel, OnlinePlatform, RecruitCountry, RecruitRegion, ExploitCountry, ExploitRegion string
	Scope, SuspectedForms                                                                 []string
	// Narrative part only:
	ReferrerOutside, MetPlace, SafetyNote, JudgedReason, Account string
	// The evidence as the record page shows it (evidence.go): the
	// indicators by form, the screening result under the profile's
	// threshold, and the referrer's name where the policy allows.
	IndicatorGroups []IndicatorGroup
	Screening       rules.Recommendation
	ReferrerName    string
}

// GuardianView is a guardian as the reader may see them.
type GuardianView struct {
	Kind, OrgID, Name, Contact string
	RecordedAt                 time.Time
}

// RequestView is a formal identification request with its decisions.
type RequestView struct {
	ID, RequestedBy, Language, State, ReconsiderationOf string
	PanelOrgs                                           []string
	CreatedAt                                           time.Time
	Explanation                                         string
	Decisions                                           []DecisionView
}

// DecisionView is a panel decision with its signatures.
type DecisionView struct {
	ID, Outcome, State, InterviewOn, InterviewerGender, InterpreterLang, ToldOn, ToldHow, ToldLang string
	Reasons, GenderReason, ChildViews, Handover                                                    string
	Signatures                                                                                     []Signature
	CreatedAt, EffectiveAt                                                                         time.Time
	DecidedBy, DecidedByOrg                                                                        string // who drafted it (evidence.go)
}

// Signature is one panel member's signature.
type Signature struct {
	UserID, OrgID, OrgType string
	SignedAt               time.Time
	Name, OrgName          string // the signer and their organisation (evidence.go)
}

// ReturnView is a recorded return step.
type ReturnView struct {
	Kind       string
	OwnRequest bool
	Note       string
	At         time.Time
}

// DuplicateView is a possible duplicate link.
type DuplicateView struct {
	OtherID, OtherCode, State string
}

// Case reads one record as a whole, with only what the reader may see, in
// one audited access.
func (s *Service) Case(ctx context.Context, a *nrm.Actor, id string) (*CaseFile, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	cf := &CaseFile{}
	err := s.access(ctx, a, ActCaseRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, id, nrm.Read)
		if err != nil {
			return err
		}
		if err := s.reveal(ctx, tx, p, parts); err != nil {
			return err
		}
		narr := hasPart(parts, nrm.PartNarrative)
		ident := hasPart(parts, nrm.PartIdentity)
		if p.NonPunishment && (a.Has(nrm.RoleJusticeOfficer) || p.rel.OwnOrg) && narr {
			v, err := s.openFor(ctx, tx, p, "persons", "justice_note", p.ID, p.cipher["justice_note"])
			if err != nil {
				return err
			}
			p.JusticeNote, cf.JusticeNote = &v, true
		}
		cf.Person = &p.Person
		cf.CanWrite = hasPart(nrm.Decide(a, p.rel, nrm.Write), nrm.PartSummary)
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.caseReferrals(ctx, tx, p, dir, narr, cf); err != nil {
			return err
		}
		if err := s.referralEvidence(ctx, tx, a, p, cf); err != nil {
			return err
		}
		if cf.Withheld, err = s.withheld(ctx, tx, a, p, parts); err != nil {
			return err
		}
		cf.GlassOffer = glassOffer(a, p, cf.Withheld)
		if err := s.caseWork(ctx, tx, p, cf); err != nil {
			return err
		}
		if err := s.caseGuardians(ctx, tx, p, ident, cf); err != nil {
			return err
		}
		if err := s.caseRequests(ctx, tx, a, p, narr, cf); err != nil {
			return err
		}
		if err := s.decisionPeople(ctx, tx, p, dir, cf); err != nil {
			return err
		}
		if err := s.caseHistory(ctx, tx, p, dir, narr, parts, cf); err != nil {
			return err
		}
		if cf.Consents, err = s.consents(ctx, tx, p, dir, ident); err != nil {
			return err
		}
		if cf.Measures, err = s.measures(ctx, tx, p, dir, narr); err != nil {
			return err
		}
		if cf.Interviews, err = s.interviews(ctx, tx, a, p, dir); err != nil {
			return err
		}
		cf.InterviewCount = len(cf.Interviews)
		if cf.ServiceReferrals, err = s.serviceReferralsOf(ctx, tx, p, ""); err != nil {
			return err
		}
		if err := s.caseSupport(ctx, tx, p, dir, cf); err != nil {
			return err
		}
		if err := s.caseJustice(ctx, tx, a, p, dir, cf); err != nil {
			return err
		}
		if a.Has(nrm.RoleRAOfficer) {
			if cf.Duplicates, err = collect(ctx, tx, func(rows *sql.Rows) (DuplicateView, error) {
				var x, y, st, cx, cy string
				err := rows.Scan(&x, &y, &st, &cx, &cy)
				if x == p.ID {
					return DuplicateView{y, cy, st}, err
				}
				return DuplicateView{x, cx, st}, err
			}, `SELECT l.a, l.b, l.state, pa.code, pb.code FROM duplicate_links l JOIN persons pa ON pa.id = l.a JOIN persons pb ON pb.id = l.b
				WHERE l.a = ? OR l.b = ?`, p.ID, p.ID); err != nil {
				return err
			}
		}
		fields := append(partNames(parts), "case")
		if cf.JusticeNote {
			fields = append(fields, "justice_note")
		}
		return s.appendAudit(ctx, tx, a, event{action: ActCaseRead, subject: p.ID, fields: fields, breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return cf, nil
}

// sealed is one encrypted cell: the row it belongs to, its column, the
// ciphertext and where its plaintext goes.
type sealed struct {
	table, column, row string
	ct                 []byte
	dst                *string
}

// openAll decrypts cells after their rows are closed.
func (s *Service) openAll(ctx context.Context, tx *store.Tx, p *personRow, cells []sealed) error {
	for _, c := range cells {
		v, err := s.openFor(ctx, tx, p, c.table, c.column, c.row, c.ct)
		if err != nil {
			return err
		}
		*c.dst = v
	}
	return nil
}

func (s *Service) caseReferrals(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool, cf *CaseFile) error {
	var cells []sealed
	refs, err := collect(ctx, tx, func(rows *sql.Rows) (*ReferralView, error) {
		v := &ReferralView{}
		var org, safety, inds, scope, forms string
		var tm, jd, ca int64
		var cts [5][]byte
		if err := rows.Scan(&v.ID, &org, &v.ReferrerType, &cts[0], &v.MetOn, &v.MetRegion, &cts[1], &v.MetHow, &v.Consent, &safety, &cts[2],
			&inds, &v.Catalogue, &v.Profile, &tm, &jd, &cts[3], &cts[4], &ca,
			&v.Channel, &scope, &v.OnlinePlatform, &v.RecruitCountry, &v.RecruitRegion, &v.ExploitCountry, &v.ExploitRegion, &forms); err != nil {
			return nil, err
		}
		v.OrgName, v.Safety, v.Indicators = dir.byID[org].Name, splitList(safety), splitList(inds)
		v.Scope, v.SuspectedForms = splitList(scope), splitList(forms)
		v.ThresholdMet, v.Judged, v.CreatedAt = store.Bool(tm), store.Bool(jd), store.Time(ca)
		if narr {
			for i, f := range []struct {
				col string
				dst *string
			}{{"referrer_outside", &v.ReferrerOutside}, {"met_place", &v.MetPlace}, {"safety_note", &v.SafetyNote}, {"judged_reason", &v.JudgedReason}, {"account", &v.Account}} {
				cells = append(cells, sealed{"referrals", f.col, v.ID, cts[i], f.dst})
			}
		}
		return v, nil
	}, `SELECT id, org_id, referrer_type, referrer_outside, met_on, met_region, met_place, met_how, consent, safety, safety_note,
		indicators, catalogue, profile, threshold_met, judged, judged_reason, account, created_at,
		channel, scope, online_platform, recruit_country, recruit_region, exploit_country, exploit_region, suspected_forms
		FROM referrals WHERE person_id = ? ORDER BY created_at`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, r := range refs {
		cf.Referrals = append(cf.Referrals, *r)
	}
	return nil
}

func (s *Service) caseWork(ctx context.Context, tx *store.Tx, p *personRow, cf *CaseFile) error {
	var err error
	if cf.Tasks, err = collect(ctx, tx, scanTask, `SELECT `+taskCols+` FROM tasks t JOIN persons p ON p.id = t.person_id JOIN orgs o ON o.id = t.org_id
		WHERE t.person_id = ? ORDER BY t.created_at`, p.ID); err != nil {
		return err
	}
	if cf.Deadlines, err = collect(ctx, tx, scanDeadline, `SELECT `+deadlineCols+` FROM deadlines d JOIN persons p ON p.id = d.person_id JOIN orgs o ON o.id = d.org_id
		WHERE d.person_id = ? ORDER BY d.due_at`, p.ID); err != nil {
		return err
	}
	var cells []sealed
	rets, err := collect(ctx, tx, func(rows *sql.Rows) (*ReturnView, error) {
		v := &ReturnView{}
		var id string
		var own, at int64
		var ct []byte
		err := rows.Scan(&id, &v.Kind, &own, &ct, &at)
		v.OwnRequest, v.At = store.Bool(own), store.Time(at)
		if hasPart(p.Parts, nrm.PartNarrative) {
			cells = append(cells, sealed{"return_steps", "note", id, ct, &v.Note})
		}
		return v, err
	}, `SELECT id, kind, own_request, note, at FROM return_steps WHERE person_id = ? ORDER BY at`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, r := range rets {
		cf.Returns = append(cf.Returns, *r)
	}
	return nil
}

func (s *Service) caseGuardians(ctx context.Context, tx *store.Tx, p *personRow, ident bool, cf *CaseFile) error {
	var cells []sealed
	gs, err := collect(ctx, tx, func(rows *sql.Rows) (*GuardianView, error) {
		v := &GuardianView{}
		var id string
		var name, contact []byte
		var at int64
		err := rows.Scan(&id, &v.Kind, &v.OrgID, &name, &contact, &at)
		v.RecordedAt = store.Time(at)
		if ident {
			cells = append(cells, sealed{"guardians", "name", id, name, &v.Name}, sealed{"guardians", "contact", id, contact, &v.Contact})
		}
		return v, err
	}, `SELECT id, kind, org_id, name, contact, recorded_at FROM guardians WHERE person_id = ? ORDER BY recorded_at`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, g := range gs {
		cf.Guardians = append(cf.Guardians, *g)
	}
	return nil
}

func (s *Service) caseRequests(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, narr bool, cf *CaseFile) error {
	var cells []sealed
	reqs, err := collect(ctx, tx, func(rows *sql.Rows) (*RequestView, error) {
		v := &RequestView{}
		var orgs string
		var ca int64
		var ct []byte
		err := rows.Scan(&v.ID, &v.RequestedBy, &ct, &v.Language, &orgs, &v.ReconsiderationOf, &v.State, &ca)
		v.PanelOrgs, v.CreatedAt = splitList(orgs), store.Time(ca)
		if narr {
			cells = append(cells, sealed{"identification_requests", "explanation", v.ID, ct, &v.Explanation})
		}
		return v, err
	}, `SELECT id, requested_by, explanation, language, panel_orgs, reconsideration_of, state, created_at FROM identification_requests
		WHERE person_id = ? ORDER BY created_at`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, r := range reqs {
		onPanel := a.Has(nrm.RolePanelMember) && containsStr(r.PanelOrgs, a.OrgID)
		if err := s.caseDecisions(ctx, tx, a, p, narr, r, onPanel, cf); err != nil {
			return err
		}
		if onPanel && r.State == "open" {
			pending := false
			for _, d := range r.Decisions {
				pending = pending || d.State == "signing"
			}
			if !pending {
				cf.CanDecide = append(cf.CanDecide, r.ID)
			}
		}
		cf.Requests = append(cf.Requests, *r)
	}
	return nil
}

func (s *Service) caseDecisions(ctx context.Context, tx *store.Tx, a *nrm.Actor, p *personRow, narr bool, r *RequestView, onPanel bool, cf *CaseFile) error {
	var cells []sealed
	ds, err := collect(ctx, tx, func(rows *sql.Rows) (*DecisionView, error) {
		v := &DecisionView{}
		var ca, ea int64
		var cts [4][]byte
		err := rows.Scan(&v.ID, &v.Outcome, &cts[0], &v.InterviewOn, &v.InterviewerGender, &cts[1], &v.InterpreterLang, &cts[2], &cts[3],
			&v.ToldOn, &v.ToldHow, &v.ToldLang, &v.State, &ca, &ea)
		v.CreatedAt, v.EffectiveAt = store.Time(ca), store.Time(ea)
		if narr {
			for i, f := range []struct {
				col string
				dst *string
			}{{"reasons", &v.Reasons}, {"gender_reason", &v.GenderReason}, {"child_views", &v.ChildViews}, {"handover", &v.Handover}} {
				cells = append(cells, sealed{"decisions", f.col, v.ID, cts[i], f.dst})
			}
		}
		return v, err
	}, `SELECT id, outcome, reasons, interview_on, interviewer_gender, gender_reason, interpreter_lang, child_views, handover,
		told_on, told_how, told_lang, state, created_at, effective_at FROM decisions WHERE request_id = ? ORDER BY created_at`, r.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, d := range ds {
		if d.Signatures, err = collect(ctx, tx, func(rows *sql.Rows) (Signature, error) {
			var sg Signature
			var at int64
			err := rows.Scan(&sg.UserID, &sg.OrgID, &sg.OrgType, &at)
			sg.SignedAt = store.Time(at)
			return sg, err
		}, `SELECT user_id, org_id, org_type, signed_at FROM decision_signatures WHERE decision_id = ? ORDER BY signed_at`, d.ID); err != nil {
			return err
		}
		signed := false
		for _, sg := range d.Signatures {
			signed = signed || sg.UserID == a.UserID
		}
		if onPanel && d.State == "signing" && !signed {
			cf.CanSign = append(cf.CanSign, d.ID)
		}
		r.Decisions = append(r.Decisions, *d)
	}
	return nil
}

func (s *Service) caseHistory(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool, parts []nrm.Part, cf *CaseFile) error {
	var cells []sealed
	hs, err := collect(ctx, tx, func(rows *sql.Rows) (*nrm.StatusChange, error) {
		v := &nrm.StatusChange{}
		var id, org string
		var at int64
		var ct []byte
		err := rows.Scan(&id, &v.From, &v.To, &at, &v.UserID, &org, &ct, &v.Ref)
		v.At, v.OrgName = store.Time(at), dir.byID[org].Name
		if narr {
			cells = append(cells, sealed{"status_changes", "reason", id, ct, &v.Reason})
		}
		return v, err
	}, `SELECT id, from_status, to_status, at, user_id, org_id, reason, ref FROM status_changes WHERE person_id = ? ORDER BY at, id`, p.ID)
	if err != nil {
		return err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return err
	}
	for _, h := range hs {
		cf.History = append(cf.History, *h)
	}
	entries, err := collect(ctx, tx, func(rows *sql.Rows) (nrm.TimelineEntry, error) {
		var e nrm.TimelineEntry
		var at int64
		var part, org, args string
		if err := rows.Scan(&at, &e.Kind, &part, &org, &args); err != nil {
			return e, err
		}
		e.At, e.Part, e.OrgName = store.Time(at), nrm.Part(part), dir.byID[org].Name
		if args != "" {
			if err := jsonUnmarshal(args, &e.Args); err != nil {
				return e, err
			}
		}
		return e, nil
	}, `SELECT at, kind, part, org_id, args FROM timeline WHERE person_id = ? ORDER BY at, id`, p.ID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if hasPart(parts, e.Part) {
			cf.Timeline = append(cf.Timeline, e)
		}
	}
	return nil
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if strings.EqualFold(x, y) {
			return true
		}
	}
	return false
}
