package web

import (
	"net/http"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// identificationAction asks the joint panel for formal identification
// (door.RequestIdentification). The door checks who may ask, the status,
// and that the chosen organisations make up a panel.
var identificationAction = &personAction{
	name: "identification", title: "action.identification", fields: []string{"requested_by", "explanation", "language", "panel_orgs"},
	may: writes,
	relevant: func(cf *door.CaseFile) bool {
		return !slices.ContainsFunc(cf.Requests, func(r door.RequestView) bool { return r.State == "open" })
	},
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		pg.Options["requested_by"] = s.options(pg.Lang, "requestedby", []string{nrm.RequestedByPerson, nrm.RequestedByChildProtection}, true)
		chosen := r.PostForm["panel_orgs"]
		for _, o := range s.orgOptions(r, pg.Lang, false) {
			pg.Checks = append(pg.Checks, checkOption{ID: "panel_orgs-" + o.Value, Value: o.Value, Label: o.Label, Checked: slices.Contains(chosen, o.Value)})
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.RequestIdentification(r.Context(), st.actor, id, nrm.IdentificationRequest{RequestedBy: text(r, "requested_by"),
			Explanation: text(r, "explanation"), Language: text(r, "language"), PanelOrgs: r.PostForm["panel_orgs"]})
		return err
	},
}
