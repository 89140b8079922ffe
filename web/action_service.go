package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// serviceReferAction refers the person to a service of the directory
// (door.ReferService), showing the free places of each. Those who work the
// record refer; ?replaces= names a declined referral this one replaces.
// While the emergency protocol is on, the referral may be marked an
// emergency one (a shorter acknowledgement deadline).
var serviceReferAction = &personAction{
	name: "refer-service", title: "action.refer_service", fields: []string{"service", "note", "emergency", "replaces"},
	may: func(cf *door.CaseFile, a *nrm.Actor) bool {
		return cf.CanWrite && nrm.WorksCases(a)
	},
	prepare: func(s *Server, r *http.Request, pg *actionPage, _ *door.CaseFile) {
		if pg.Values == nil || pg.Values["replaces"] == "" {
			if pg.Values == nil {
				pg.Values = map[string]string{}
			}
			pg.Values["replaces"] = r.URL.Query().Get("replaces")
		}
		if l, err := s.door.Services(r.Context(), state(r).actor, door.ServiceFilter{}); err == nil {
			for _, sv := range l {
				pg.Options["service"] = append(pg.Options["service"], Option{Value: sv.ID,
					Label: sv.Name + " — " + sv.OrgName + " (" + s.label(pg.Lang, "servicekind", sv.Kind) + "; " + s.placesText(pg.Lang, sv) + ")"})
			}
		}
		if es, err := s.door.Emergencies(r.Context(), state(r).actor); err == nil && len(es) > 0 && es[0].EndedAt.IsZero() {
			pg.Options["emergency"] = []Option{{Value: "1"}}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.ReferService(r.Context(), st.actor, id, nrm.ServiceReferralInput{ServiceID: text(r, "service"), Note: text(r, "note"),
			Emergency: text(r, "emergency") == "1", Replaces: text(r, "replaces")})
		return err
	},
}
