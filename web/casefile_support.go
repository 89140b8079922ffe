package web

import (
	"fmt"
	"strings"

	"github.com/nrm-org/nrm/door"
)

// supportSection is the record page's block on individual support and
// closure: the current version of each plan and assessment, with the
// earlier versions and the closure periods listed below it.
type supportSection struct {
	Closed, Child, Overdue, TextShown bool
	Status                            string      // HTCDS case status
	Advocates                         []answerRow // name, organisation and role
	Needs                             []answerRow // current assessment: area, level and note
	NeedsOn                           string
	Plan                              []answerRow // current plan: level, agreement, review
	Goals                             []answerRow // current plan's goals
	Safety                            []answerRow // current safety plan
	Versions                          []string    // earlier versions of plans and safety plans, one line each
	Closures                          []answerRow // closure periods, oldest first
	FollowUps                         []answerRow
	Empty                             bool
}

// caseSupport builds the support block from the case file.
func (s *Server) caseSupport(lang string, cf *door.CaseFile) *supportSection {
	sv := cf.Support
	if sv == nil {
		return nil
	}
	v := &supportSection{Closed: sv.Closed, Child: sv.Child, Overdue: sv.ReviewOverdue, TextShown: sv.TextShown, Status: sv.HTCDSStatus,
		Empty: len(sv.Advocates)+len(sv.Needs)+len(sv.Plans)+len(sv.Safety)+len(sv.Closures) == 0}
	join := func(xs ...string) string {
		var out []string
		for _, x := range xs {
			if strings.TrimSpace(x) != "" {
				out = append(out, x)
			}
		}
		return strings.Join(out, " · ")
	}
	for _, a := range sv.Advocates {
		v.Advocates = append(v.Advocates, answerRow{Label: join(a.Name, a.Role), Value: join(a.OrgName, a.Contact)})
	}
	if len(sv.Needs) > 0 {
		cur := sv.Needs[0]
		v.NeedsOn = s.cat.T(lang, "support.version", cur.Version, cur.On)
		for _, n := range cur.Needs {
			v.Needs = append(v.Needs, answerRow{Label: s.label(lang, "needarea", n.Area), Value: join(s.label(lang, "needlevel", n.Level), n.Note)})
		}
	}
	if len(sv.Plans) > 0 {
		p := sv.Plans[0]
		agreed := s.cat.T(lang, "support.not_agreed")
		if p.Agreed {
			agreed = s.cat.T(lang, "support.agreed_on", p.AgreedOn, s.label(lang, "consenthow", p.AgreedHow), p.AgreedLang)
		}
		v.Plan = []answerRow{
			{Label: s.cat.T(lang, "field.support_level"), Value: join(s.label(lang, "supportlevel", p.SupportLevel), s.cat.T(lang, "support.version", p.Version, s.day(p.CreatedAt)))},
			{Label: s.cat.T(lang, "support.agreement"), Value: agreed},
			{Label: s.cat.T(lang, "field.review_on"), Value: p.Review},
		}
		for _, g := range p.Goals {
			v.Goals = append(v.Goals, answerRow{Label: s.label(lang, "goalarea", g.Area), Value: join(g.Text, g.Action, g.ResponsibleName, g.DueOn)})
		}
		for _, old := range sv.Plans[1:] {
			v.Versions = append(v.Versions, fmt.Sprintf("%s %d · %s · %s", s.cat.T(lang, "support.plan_version"), old.Version, s.day(old.CreatedAt),
				s.label(lang, "supportlevel", old.SupportLevel)))
		}
	}
	if len(sv.Safety) > 0 {
		x := sv.Safety[0]
		var risks []string
		for _, r := range x.Risks {
			risks = append(risks, s.label(lang, "risk", r))
		}
		v.Safety = []answerRow{
			{Label: s.cat.T(lang, "field.risk_level"), Value: join(s.label(lang, "risklevel", x.RiskLevel), s.cat.T(lang, "support.version", x.Version, s.day(x.CreatedAt)))},
			{Label: s.cat.T(lang, "field.risks"), Value: strings.Join(risks, ", ")},
			{Label: s.cat.T(lang, "field.measures"), Value: x.Measures},
			{Label: s.cat.T(lang, "field.review_on"), Value: x.ReviewOn},
		}
		for _, old := range sv.Safety[1:] {
			v.Versions = append(v.Versions, fmt.Sprintf("%s %d · %s · %s", s.cat.T(lang, "support.safety_version"), old.Version, s.day(old.CreatedAt),
				s.label(lang, "risklevel", old.RiskLevel)))
		}
	}
	for _, c := range sv.Closures {
		val := join(s.label(lang, "closurereason", c.Reason), c.Note, c.OrgName, strings.Join(c.FollowUpOn, ", "))
		if !c.ReopenedAt.IsZero() {
			val = join(val, s.cat.T(lang, "support.reopened", s.day(c.ReopenedAt), s.label(lang, "reopenreason", c.ReopenReason)), c.ReopenNote)
		}
		v.Closures = append(v.Closures, answerRow{Label: c.ClosedOn, Value: val})
	}
	for _, f := range sv.FollowUps {
		v.FollowUps = append(v.FollowUps, answerRow{Label: f.On, Value: join(s.label(lang, "followuphow", f.How), f.Note, f.OrgName)})
	}
	return v
}

// The timeline arguments of the support entries, turned into words.
func init() {
	for arg, prefix := range map[string]string{"support_level": "supportlevel", "risk_level": "risklevel", "agreed": "planagreed",
		"closure_reason": "closurereason", "reopen_reason": "reopenreason", "follow_up_how": "followuphow"} {
		argLabels[arg] = prefix
	}
}
