package web

import (
	"net/http"
	"strconv"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// planAction adds a goal to the individual plan, one goal per page
// (door.RecordPlan): the new version keeps the current goals, adds this
// one, and records the support level, the review date and the person's
// agreement to the whole plan again. Every version stays.
var planAction = &personAction{
	name: "plan", title: "action.plan",
	fields: []string{"goal_area", "goal_text", "goal_action", "responsible_org", "due_on", "support_level", "agreed", "agreed_on", "agreed_how",
		"agreed_lang", "review_on", "revises"},
	may:      works,
	relevant: supportOpen,
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		lang := pg.Lang
		pg.Options["goal_area"] = s.options(lang, "goalarea", nrm.GoalAreas, false)
		pg.Options["support_level"] = s.options(lang, "supportlevel", nrm.SupportLevels, false)
		pg.Options["agreed_how"] = s.options(lang, "consenthow", nrm.ConsentHow, false)
		pg.Options["responsible_org"] = s.orgOptions(r, lang, true)
		pg.Support = cf.Support
		if pg.Values == nil {
			pg.Values = map[string]string{"revises": "0"}
			if sv := cf.Support; sv != nil && len(sv.Plans) > 0 {
				cur := sv.Plans[0]
				pg.Values["revises"] = strconv.Itoa(cur.Version)
				pg.Values["support_level"], pg.Values["review_on"] = cur.SupportLevel, cur.Review
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		revises, _ := strconv.Atoi(text(r, "revises"))
		in := nrm.PlanInput{Revises: revises, SupportLevel: text(r, "support_level"), Agreed: text(r, "agreed") == "1", AgreedOn: text(r, "agreed_on"),
			AgreedHow: text(r, "agreed_how"), AgreedLang: text(r, "agreed_lang"), ReviewOn: text(r, "review_on")}
		if revises > 0 {
			sv, err := s.door.Support(r.Context(), st.actor, id)
			if err != nil {
				return err
			}
			if len(sv.Plans) == 0 || sv.Plans[0].Version != revises || !sv.TextShown {
				return nrm.Errorf(nrm.EConflict, "error.conflict")
			}
			for _, g := range sv.Plans[0].Goals {
				in.Goals = append(in.Goals, nrm.GoalInput{Area: g.Area, Text: g.Text, Action: g.Action, ResponsibleOrg: g.ResponsibleOrg, DueOn: g.DueOn})
			}
		}
		in.Goals = append(in.Goals, nrm.GoalInput{Area: text(r, "goal_area"), Text: text(r, "goal_text"), Action: text(r, "goal_action"),
			ResponsibleOrg: text(r, "responsible_org"), DueOn: text(r, "due_on")})
		_, err := s.door.RecordPlan(r.Context(), st.actor, id, in)
		return err
	},
}
