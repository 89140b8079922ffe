package door

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Individual support (issue #5 §3–4): the adult's independent advocate, the
// needs assessment, the individual plan and the safety plan. Each write is
// a new version; the earlier ones stay and are read back as history. Who
// works the record (own organisation or assigned) writes; a closed record
// takes no new plan or assessment until it is reopened (closure.go).

// RuleSafetyReview is the deadline that runs to a safety plan's next review.
const RuleSafetyReview = "safety_plan_review"

// SupportView is the support side of a record as the reader may see it.
// Free text (goals, notes, the safety plan) is in it only where the reader
// may see the narrative part; codes, levels and dates are summary.
type SupportView struct {
	Child     bool           // the support professional is the child's guardian (CaseFile.Guardians)
	Advocates []AdvocateView // an adult's independent advocates, oldest first
	Needs     []NeedsView    // every needs assessment, newest first
	Plans     []PlanView     // every plan version, newest first
	Safety    []SafetyView   // every safety plan version, newest first
	Closures  []ClosureView  // closure periods, oldest first
	FollowUps []FollowUpView // follow-up contacts after closure, oldest first
	Closed    bool           // the record is closed now
	// ReviewOverdue: the current safety plan's review date has passed.
	ReviewOverdue bool
	// HTCDSStatus is the record's HTCDS cas_Status (Active, FollowUp, Closed, ClosedReferred).
	HTCDSStatus string
	TextShown   bool // free text was shown
}

// AdvocateView is a recorded advocate.
type AdvocateView struct {
	OrgID, OrgName, UserID, Role string
	Name, Contact                string // identity part only
	RecordedAt                   time.Time
}

// NeedsView is one version of the needs assessment.
type NeedsView struct {
	ID, On, OrgName string
	Version         int
	Needs           []NeedView
	CreatedAt       time.Time
}

// NeedView is one area of a needs assessment.
type NeedView struct {
	Area, Level, Note string
}

// PlanView is one version of the individual plan.
type PlanView struct {
	ID, SupportLevel, OrgName               string
	Version                                 int
	Agreed                                  bool
	AgreedOn, AgreedHow, AgreedLang, Review string
	Goals                                   []GoalView
	CreatedAt                               time.Time
}

// GoalView is one goal of a plan.
type GoalView struct {
	Area, Text, Action, ResponsibleOrg, ResponsibleName, DueOn string
}

// SafetyView is one version of the risk assessment and safety plan.
type SafetyView struct {
	ID, RiskLevel, Measures, ReviewOn, OrgName string
	Version                                    int
	Risks                                      []string
	CreatedAt                                  time.Time
}

// supportWriter loads a record for a support write: the actor works it, it
// is not erased and not closed.
func (s *Service) supportWriter(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) (*personRow, error) {
	p, err := s.worker(ctx, tx, a, personID)
	if err != nil {
		return nil, err
	}
	if !p.ErasedAt.IsZero() {
		return nil, nrm.Errorf(nrm.EConflict, "error.erased")
	}
	closed, err := s.openClosure(ctx, tx, p.ID)
	if err != nil {
		return nil, err
	}
	if closed != "" {
		return nil, nrm.Errorf(nrm.EConflict, "error.record_closed")
	}
	return p, nil
}

// RecordAdvocate records the independent advocate of an adult. A child's
// support professional is the guardian (RecordGuardian): asked for a child,
// it answers with a field error pointing there.
func (s *Service) RecordAdvocate(ctx context.Context, a *nrm.Actor, personID string, in nrm.AdvocateInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActAdvocate, func(tx *store.Tx) error {
		p, err := s.supportWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p.IsChild() {
			return nrm.FieldError("name", "error.child_has_guardian")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if in.OrgID != "" {
			dir, err := s.orgDir(ctx, tx)
			if err != nil {
				return err
			}
			if _, ok := dir.byID[in.OrgID]; !ok {
				return nrm.FieldError("org_id", "error.unknown_org")
			}
		}
		if in.UserID != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, in.UserID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return nrm.FieldError("user_id", "error.unknown_value")
			}
		}
		name, err := s.sealFor(ctx, tx, p, "advocates", "name", id, strings.TrimSpace(in.Name))
		if err != nil {
			return err
		}
		contact, err := s.sealFor(ctx, tx, p, "advocates", "contact", id, strings.TrimSpace(in.Contact))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO advocates (id, person_id, org_id, user_id, role, name, contact, recorded_by, recorded_org, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, in.OrgID, in.UserID, strings.TrimSpace(in.Role), name, contact, a.UserID, a.OrgID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.tl(ctx, tx, a, p.ID, TLAdvocate, nrm.PartSummary, nil); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAdvocate, subject: p.ID, fields: []string{"advocate", "identity"}})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordNeeds records a needs assessment, a new version of the last one.
func (s *Service) RecordNeeds(ctx context.Context, a *nrm.Actor, personID string, in nrm.NeedsInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActNeeds, func(tx *store.Tx) error {
		p, err := s.supportWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		v, err := nextVersion(ctx, tx, "needs_assessments", p.ID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO needs_assessments (id, person_id, version, assessed_on, org_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, v, in.On, a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		fields := []string{"needs"}
		for _, n := range in.Needs {
			note, err := s.sealFor(ctx, tx, p, "needs", "note", id+":"+n.Area, strings.TrimSpace(n.Note))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO needs (assessment_id, person_id, area, level, note) VALUES (?, ?, ?, ?, ?)`, id, p.ID, n.Area, n.Level, note); err != nil {
				return err
			}
			fields = append(fields, "need:"+n.Area)
		}
		if err := s.tl(ctx, tx, a, p.ID, TLNeeds, nrm.PartSummary, map[string]string{"version": strconv.Itoa(v)}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActNeeds, subject: p.ID, fields: fields})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordPlan records a version of the individual plan. in.Revises must be
// the current version (0 for the first plan): a plan revised meanwhile by
// someone else is a conflict, not a silent overwrite.
func (s *Service) RecordPlan(ctx context.Context, a *nrm.Actor, personID string, in nrm.PlanInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActPlan, func(tx *store.Tx) error {
		p, err := s.supportWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		v, err := nextVersion(ctx, tx, "support_plans", p.ID)
		if err != nil {
			return err
		}
		if in.Revises != v-1 {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		for _, g := range in.Goals {
			if _, ok := dir.byID[g.ResponsibleOrg]; g.ResponsibleOrg != "" && !ok {
				return nrm.FieldError("responsible_org", "error.unknown_org")
			}
		}
		agreedOn, how, lang := "", "", ""
		if in.Agreed {
			agreedOn, how, lang = in.AgreedOn, in.AgreedHow, in.AgreedLang
		}
		if _, err := tx.Exec(ctx, `INSERT INTO support_plans (id, person_id, version, support_level, agreed, agreed_on, agreed_how, agreed_lang, review_on, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, v, in.SupportLevel, store.Int(in.Agreed), agreedOn, how, lang, in.ReviewOn,
			a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		fields := []string{"plan", "support_level:" + in.SupportLevel}
		for i, g := range in.Goals {
			gid := newID()
			text, err := s.sealFor(ctx, tx, p, "plan_goals", "text", gid, strings.TrimSpace(g.Text))
			if err != nil {
				return err
			}
			act, err := s.sealFor(ctx, tx, p, "plan_goals", "action", gid, strings.TrimSpace(g.Action))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO plan_goals (id, plan_id, person_id, seq, area, text, action, responsible_org, due_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				gid, id, p.ID, i+1, g.Area, text, act, g.ResponsibleOrg, g.DueOn); err != nil {
				return err
			}
			fields = append(fields, "goal:"+g.Area)
		}
		args := map[string]string{"version": strconv.Itoa(v), "support_level": in.SupportLevel, "agreed": "no"}
		if in.Agreed {
			args["agreed"] = "yes"
		}
		if err := s.tl(ctx, tx, a, p.ID, TLPlan, nrm.PartSummary, args); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActPlan, subject: p.ID, fields: fields})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RecordSafetyPlan records a version of the risk assessment and safety
// plan. The previous review clock is met and a new one runs to ReviewOn,
// so an overdue review shows on the worklist and escalates like any clock.
func (s *Service) RecordSafetyPlan(ctx context.Context, a *nrm.Actor, personID string, in nrm.SafetyInput) (string, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return "", err
	}
	id := newID()
	err := s.access(ctx, a, ActSafetyPlan, func(tx *store.Tx) error {
		p, err := s.supportWriter(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if err := in.Validate(tx.Now.In(s.profile.Location())); err != nil {
			return err
		}
		v, err := nextVersion(ctx, tx, "safety_plans", p.ID)
		if err != nil {
			return err
		}
		if in.Revises != v-1 {
			return nrm.Errorf(nrm.EConflict, "error.conflict")
		}
		measures, err := s.sealFor(ctx, tx, p, "safety_plans", "measures", id, strings.TrimSpace(in.Measures))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO safety_plans (id, person_id, version, risk_level, risks, measures, review_on, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, v, in.RiskLevel, strings.Join(in.Risks, ","), measures, in.ReviewOn,
			a.OrgID, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		if err := s.meetDeadlines(ctx, tx, p.ID, RuleSafetyReview, ""); err != nil {
			return err
		}
		dl, err := s.startDeadline(ctx, tx, p.ID, RuleSafetyReview, a.OrgID, id, tx.Now)
		if err != nil {
			return err
		}
		if dl != nil {
			// The review is due at the end of the chosen day, in the
			// profile's time zone (the profile's period is the default the
			// rule documents; the worker's date is the one that runs).
			day, _ := time.ParseInLocation(time.DateOnly, in.ReviewOn, s.profile.Location())
			if _, err := tx.Exec(ctx, `UPDATE deadlines SET due_at = ? WHERE id = ?`, store.Micros(day.AddDate(0, 0, 1).Add(-time.Microsecond)), dl.ID); err != nil {
				return err
			}
		}
		if err := s.tl(ctx, tx, a, p.ID, TLSafetyPlan, nrm.PartSummary, map[string]string{"version": strconv.Itoa(v), "risk_level": in.RiskLevel}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActSafetyPlan, subject: p.ID, fields: []string{"safety_plan", "risk_level:" + in.RiskLevel}})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// Support reads the support side of a record: every version of every plan
// and assessment, the closures and follow-ups.
func (s *Service) Support(ctx context.Context, a *nrm.Actor, personID string) (*SupportView, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *SupportView
	err := s.access(ctx, a, ActSupportRead, func(tx *store.Tx) error {
		p, parts, err := s.load(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		p.Parts = parts
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if out, err = s.support(ctx, tx, p, dir); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActSupportRead, subject: p.ID, fields: append(partNames(parts), "support"), breakGlass: p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// caseSupport fills the case file's support side (p.Parts must be set).
func (s *Service) caseSupport(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, cf *CaseFile) error {
	v, err := s.support(ctx, tx, p, dir)
	cf.Support = v
	return err
}

// support reads the support side of a record (p.Parts must be set).
func (s *Service) support(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir) (*SupportView, error) {
	narr := hasPart(p.Parts, nrm.PartNarrative) && p.ErasedAt.IsZero()
	ident := hasPart(p.Parts, nrm.PartIdentity) && p.ErasedAt.IsZero()
	v := &SupportView{Child: p.IsChild(), TextShown: narr}
	var cells []sealed
	// Advocates.
	advs, err := collect(ctx, tx, func(rows *sql.Rows) (*AdvocateView, error) {
		x := &AdvocateView{}
		var id string
		var name, contact []byte
		var at int64
		err := rows.Scan(&id, &x.OrgID, &x.UserID, &x.Role, &name, &contact, &at)
		x.OrgName, x.RecordedAt = dir.byID[x.OrgID].Name, store.Time(at)
		if ident {
			cells = append(cells, sealed{"advocates", "name", id, name, &x.Name}, sealed{"advocates", "contact", id, contact, &x.Contact})
		}
		return x, err
	}, `SELECT id, org_id, user_id, role, name, contact, recorded_at FROM advocates WHERE person_id = ? ORDER BY recorded_at, id`, p.ID)
	if err != nil {
		return nil, err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return nil, err
	}
	for _, x := range advs {
		v.Advocates = append(v.Advocates, *x)
	}
	if err := s.supportNeeds(ctx, tx, p, dir, narr, v); err != nil {
		return nil, err
	}
	if err := s.supportPlans(ctx, tx, p, dir, narr, v); err != nil {
		return nil, err
	}
	// Safety plans.
	cells = nil
	sps, err := collect(ctx, tx, func(rows *sql.Rows) (*SafetyView, error) {
		x := &SafetyView{}
		var org, risks string
		var ms []byte
		var at int64
		err := rows.Scan(&x.ID, &x.Version, &x.RiskLevel, &risks, &ms, &x.ReviewOn, &org, &at)
		x.Risks, x.OrgName, x.CreatedAt = splitList(risks), dir.byID[org].Name, store.Time(at)
		if narr {
			cells = append(cells, sealed{"safety_plans", "measures", x.ID, ms, &x.Measures})
		}
		return x, err
	}, `SELECT id, version, risk_level, risks, measures, review_on, org_id, created_at FROM safety_plans WHERE person_id = ? ORDER BY version DESC`, p.ID)
	if err != nil {
		return nil, err
	}
	if err := s.openAll(ctx, tx, p, cells); err != nil {
		return nil, err
	}
	for _, x := range sps {
		v.Safety = append(v.Safety, *x)
	}
	if err := s.closureHistory(ctx, tx, p, dir, narr, v); err != nil {
		return nil, err
	}
	today := tx.Now.In(s.profile.Location()).Format(time.DateOnly)
	v.ReviewOverdue = !v.Closed && len(v.Safety) > 0 && v.Safety[0].ReviewOn < today
	return v, nil
}

func (s *Service) supportNeeds(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool, v *SupportView) error {
	as, err := collect(ctx, tx, func(rows *sql.Rows) (*NeedsView, error) {
		x := &NeedsView{}
		var org string
		var at int64
		err := rows.Scan(&x.ID, &x.Version, &x.On, &org, &at)
		x.OrgName, x.CreatedAt = dir.byID[org].Name, store.Time(at)
		return x, err
	}, `SELECT id, version, assessed_on, org_id, created_at FROM needs_assessments WHERE person_id = ? ORDER BY version DESC`, p.ID)
	if err != nil {
		return err
	}
	byID := map[string]*NeedsView{}
	for _, x := range as {
		byID[x.ID] = x
	}
	type need struct {
		assessment string
		NeedView
		ct []byte
	}
	ns, err := collect(ctx, tx, func(rows *sql.Rows) (*need, error) {
		n := &need{}
		err := rows.Scan(&n.assessment, &n.Area, &n.Level, &n.ct)
		return n, err
	}, `SELECT assessment_id, area, level, note FROM needs WHERE person_id = ?`, p.ID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if narr {
			if n.Note, err = s.openFor(ctx, tx, p, "needs", "note", n.assessment+":"+n.Area, n.ct); err != nil {
				return err
			}
		}
		if x := byID[n.assessment]; x != nil {
			x.Needs = append(x.Needs, n.NeedView)
		}
	}
	for _, x := range as {
		sortNeeds(x.Needs)
		v.Needs = append(v.Needs, *x)
	}
	return nil
}

// sortNeeds puts a needs assessment's areas in the order of nrm.NeedAreas.
func sortNeeds(ns []NeedView) {
	rank := func(a string) int {
		for i, x := range nrm.NeedAreas {
			if x == a {
				return i
			}
		}
		return len(nrm.NeedAreas)
	}
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && rank(ns[j].Area) < rank(ns[j-1].Area); j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
}

func (s *Service) supportPlans(ctx context.Context, tx *store.Tx, p *personRow, dir *orgDir, narr bool, v *SupportView) error {
	ps, err := collect(ctx, tx, func(rows *sql.Rows) (*PlanView, error) {
		x := &PlanView{}
		var org string
		var agreed, at int64
		err := rows.Scan(&x.ID, &x.Version, &x.SupportLevel, &agreed, &x.AgreedOn, &x.AgreedHow, &x.AgreedLang, &x.Review, &org, &at)
		x.Agreed, x.OrgName, x.CreatedAt = store.Bool(agreed), dir.byID[org].Name, store.Time(at)
		return x, err
	}, `SELECT id, version, support_level, agreed, agreed_on, agreed_how, agreed_lang, review_on, org_id, created_at FROM support_plans
		WHERE person_id = ? ORDER BY version DESC`, p.ID)
	if err != nil {
		return err
	}
	byID := map[string]*PlanView{}
	for _, x := range ps {
		byID[x.ID] = x
	}
	type goal struct {
		id, plan string
		GoalView
		text, action []byte
	}
	gs, err := collect(ctx, tx, func(rows *sql.Rows) (*goal, error) {
		g := &goal{}
		err := rows.Scan(&g.id, &g.plan, &g.Area, &g.text, &g.action, &g.ResponsibleOrg, &g.DueOn)
		g.ResponsibleName = dir.byID[g.ResponsibleOrg].Name
		return g, err
	}, `SELECT id, plan_id, area, text, action, responsible_org, due_on FROM plan_goals WHERE person_id = ? ORDER BY plan_id, seq`, p.ID)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if narr {
			if g.Text, err = s.openFor(ctx, tx, p, "plan_goals", "text", g.id, g.text); err != nil {
				return err
			}
			if g.Action, err = s.openFor(ctx, tx, p, "plan_goals", "action", g.id, g.action); err != nil {
				return err
			}
		}
		if x := byID[g.plan]; x != nil {
			x.Goals = append(x.Goals, g.GoalView)
		}
	}
	for _, x := range ps {
		v.Plans = append(v.Plans, *x)
	}
	return nil
}

// nextVersion is the next version number of a person's rows in a versioned table.
func nextVersion(ctx context.Context, tx *store.Tx, table, personID string) (int, error) {
	var v int
	err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+table+` WHERE person_id = ?`, personID).Scan(&v)
	return v + 1, err
}
