package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// measureAction records a protection measure for a child
// (door.RecordMeasure): the child's (or guardian's) answer and the child's
// own views. A refusal makes it an interim decision of the head of a
// social-services or child protection structure, until a court rules.
var measureAction = &personAction{
	name: "measure", title: "action.measure", fields: []string{"kind", "consent", "child_views", "interim_org", "interim_role"},
	may:      writes,
	relevant: func(cf *door.CaseFile) bool { return cf.Person.IsChild() },
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["kind"] = s.options(pg.Lang, "measure", nrm.MeasureKinds, false)
		pg.Options["consent"] = s.options(pg.Lang, "measureconsent", []string{nrm.MeasureGiven, nrm.MeasureRefused}, false)
		pg.Options["interim_org"] = []Option{{Value: "", Label: s.cat.T(pg.Lang, "common.not_recorded")}}
		if orgs, err := s.door.Orgs(r.Context()); err == nil {
			for _, o := range orgs {
				if o.Type == nrm.OrgSocialService || o.Type == nrm.OrgChildProtection {
					pg.Options["interim_org"] = append(pg.Options["interim_org"], Option{Value: o.ID, Label: o.Name})
				}
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RecordMeasure(r.Context(), st.actor, id, nrm.MeasureInput{Kind: text(r, "kind"), Consent: text(r, "consent"),
			ChildViews: text(r, "child_views"), InterimOrg: text(r, "interim_org"), InterimRole: text(r, "interim_role")})
		return err
	},
}
