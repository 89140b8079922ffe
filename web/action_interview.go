package web

import (
	"net/http"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// interviewAction records an interview (door.RecordInterview). Before the
// form the page asks the door what was said already (door.PlanInterview):
// how many interviews there were and the earlier statements the person
// agreed the reader's organisation may read instead of asking again.
var interviewAction = &personAction{
	name: "interview", title: "action.interview",
	fields: []string{"on", "purpose", "interviewer_gender", "gender_reason", "interpreter_lang", "statement", "shareable_with"},
	may:    func(_ *door.CaseFile, a *nrm.Actor) bool { return nrm.CanInterview(a) },
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		lang := pg.Lang
		pg.Options["purpose"] = s.options(lang, "purpose", nrm.InterviewPurposes, false)
		pg.Options["interviewer_gender"] = s.options(lang, "gender", nrm.Genders, false)
		if orgs, err := s.door.Orgs(r.Context()); err == nil {
			for _, o := range orgs {
				pg.Options["shareable_with"] = append(pg.Options["shareable_with"], Option{Value: o.ID, Label: o.Name})
			}
		}
		purpose := pg.Val("purpose")
		if !slices.Contains(nrm.InterviewPurposes, purpose) {
			purpose = r.URL.Query().Get("purpose")
		}
		if !slices.Contains(nrm.InterviewPurposes, purpose) {
			purpose = nrm.InterviewPurposes[0]
		}
		if plan, err := s.door.PlanInterview(r.Context(), pg.actor, cf.Person.ID, purpose); err == nil {
			pg.Plan = &interviewPlanView{Earlier: plan.Earlier}
			for _, o := range plan.Offered {
				pg.Plan.Offered = append(pg.Plan.Offered, interviewRow{On: o.On, Purpose: s.label(lang, "purpose", o.Purpose), Org: o.OrgName,
					Statement: o.Statement})
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RecordInterview(r.Context(), st.actor, id, nrm.InterviewInput{On: text(r, "on"), Purpose: text(r, "purpose"),
			InterviewerGender: text(r, "interviewer_gender"), GenderReason: text(r, "gender_reason"), InterpreterLang: text(r, "interpreter_lang"),
			Statement: text(r, "statement"), ShareableWith: r.PostForm["shareable_with"]})
		return err
	},
}

// interviewPlanView is what the interview page says before the form.
type interviewPlanView struct {
	Earlier int
	Offered []interviewRow
}

// interviewRow is one interview as the record page lists it.
type interviewRow struct {
	On, Purpose, Org, Gender, Interpreter, Statement string
	GenderMatched                                    bool
}

// caseInterviews fills the record page's interview count and list: the
// statement only where the door showed it to the reader.
func (s *Server) caseInterviews(v *caseView, lang string, cf *door.CaseFile) {
	v.InterviewCount = cf.InterviewCount
	for _, iv := range cf.Interviews {
		row := interviewRow{On: iv.On, Purpose: s.label(lang, "purpose", iv.Purpose), Org: iv.OrgName,
			Gender: s.label(lang, "gender", iv.InterviewerGender), Interpreter: iv.InterpreterLang, GenderMatched: iv.GenderMatched}
		if iv.StatementShown {
			row.Statement = iv.Statement
		}
		v.Interviews = append(v.Interviews, row)
	}
}
