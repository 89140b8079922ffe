package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The service directory, service referrals and the emergency protocol over
// JSON. The door decides and audits; these only translate.

type serviceJSON struct {
	ID              string     `json:"id"`
	OrgID           string     `json:"org"`
	OrgName         string     `json:"org_name"`
	Kind            string     `json:"kind"`
	Name            string     `json:"name"`
	Regions         []string   `json:"regions"`
	Languages       []string   `json:"languages"`
	ForWhom         []string   `json:"for_whom"`
	Capacity        int        `json:"capacity"`
	Taken           int        `json:"taken"`
	Free            *int       `json:"free"` // null when places are not counted
	Accreditation   string     `json:"accreditation"`
	AccreditedUntil string     `json:"accredited_until"`
	UpdatedAt       *time.Time `json:"updated_at"`
}

func toServiceJSON(sv nrm.Service) serviceJSON {
	out := serviceJSON{ID: sv.ID, OrgID: sv.OrgID, OrgName: sv.OrgName, Kind: sv.Kind, Name: sv.Name, Regions: nonNil(sv.Regions), Languages: nonNil(sv.Languages),
		ForWhom: nonNil(sv.ForWhom), Capacity: sv.Capacity, Taken: sv.Taken, Accreditation: sv.Accreditation, AccreditedUntil: sv.AccreditedUntil, UpdatedAt: tjson(sv.UpdatedAt)}
	if f := sv.Free(); f >= 0 {
		out.Free = &f
	}
	return out
}

type serviceStepOutJSON struct {
	State   string     `json:"state"`
	At      *time.Time `json:"at"`
	OrgID   string     `json:"org"`
	OrgName string     `json:"org_name"`
	Reason  string     `json:"reason,omitempty"`
	Mode    string     `json:"mode,omitempty"`
}

type serviceReferralJSON struct {
	ID              string               `json:"id"`
	PersonID        string               `json:"person_id"`
	PersonCode      string               `json:"person_code"`
	PersonName      *string              `json:"person_name,omitempty"` // only where the reader may see identity
	Region          string               `json:"region"`
	AgeGroup        string               `json:"age_group"`
	Sex             string               `json:"sex"`
	ServiceID       string               `json:"service"`
	ServiceName     string               `json:"service_name"`
	Kind            string               `json:"kind"`
	FromOrg         string               `json:"from_org"`
	FromOrgName     string               `json:"from_org_name"`
	ToOrg           string               `json:"to_org"`
	ToOrgName       string               `json:"to_org_name"`
	State           string               `json:"state"`
	Note            string               `json:"note"`
	Emergency       bool                 `json:"emergency"`
	DuringEmergency bool                 `json:"during_emergency"`
	Replaces        string               `json:"replaces"`
	ReplacedBy      string               `json:"replaced_by"`
	NeedsNew        bool                 `json:"needs_new_referral"`
	DeliveredOn     string               `json:"delivered_on"`
	DeliveryMode    string               `json:"delivery_mode"`
	SentAt          *time.Time           `json:"sent_at"`
	UpdatedAt       *time.Time           `json:"updated_at"`
	AckDue          *time.Time           `json:"acknowledgement_due"`
	Steps           []serviceStepOutJSON `json:"steps"`
}

func toServiceReferralsJSON(rs []nrm.ServiceReferral) []serviceReferralJSON {
	out := make([]serviceReferralJSON, 0, len(rs))
	for _, r := range rs {
		j := serviceReferralJSON{ID: r.ID, PersonID: r.PersonID, PersonCode: r.PersonCode, Region: r.Region, AgeGroup: r.AgeGroup, Sex: r.Sex,
			ServiceID: r.ServiceID, ServiceName: r.ServiceName, Kind: r.Kind, FromOrg: r.FromOrg, FromOrgName: r.FromOrgName, ToOrg: r.ToOrg, ToOrgName: r.ToOrgName,
			State: r.State, Note: r.Note, Emergency: r.Emergency, DuringEmergency: r.DuringEmergency, Replaces: r.Replaces, ReplacedBy: r.ReplacedBy,
			NeedsNew: r.NeedsNew, DeliveredOn: r.DeliveredOn, DeliveryMode: r.DeliveryMode, SentAt: tjson(r.SentAt), UpdatedAt: tjson(r.UpdatedAt),
			AckDue: tjson(r.AckDue), Steps: []serviceStepOutJSON{}}
		if r.PersonName != "" {
			j.PersonName = ptr(r.PersonName)
		}
		for _, st := range r.Steps {
			j.Steps = append(j.Steps, serviceStepOutJSON{State: st.State, At: tjson(st.At), OrgID: st.OrgID, OrgName: st.OrgName, Reason: st.Reason, Mode: st.Mode})
		}
		out = append(out, j)
	}
	return out
}

// serviceFilter reads the directory's filters from the query.
func serviceFilter(r *http.Request) door.ServiceFilter {
	q := r.URL.Query()
	return door.ServiceFilter{Kind: q.Get("kind"), Region: q.Get("region"), Language: q.Get("language"), ForWhom: q.Get("for_whom"),
		OrgID: q.Get("org"), FreeOnly: q.Get("free") == "1" || q.Get("free") == "true"}
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request, st *reqState) {
	l, err := s.door.Services(r.Context(), st.actor, serviceFilter(r))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]serviceJSON, 0, len(l))
	for _, sv := range l {
		out = append(out, toServiceJSON(sv))
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
}

func (s *Server) apiSaveService(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v serviceInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.SaveService(r.Context(), st.actor, r.PathValue("id"), v.input())
		status := http.StatusOK
		if r.PathValue("id") == "" {
			status = http.StatusCreated
		}
		return status, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiPersonServiceReferrals(w http.ResponseWriter, r *http.Request, st *reqState) {
	rs, err := s.door.ServiceReferrals(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_referrals": toServiceReferralsJSON(rs)})
}

func (s *Server) apiReferService(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v serviceReferralInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.ReferService(r.Context(), st.actor, r.PathValue("id"), nrm.ServiceReferralInput{ServiceID: v.ServiceID, Note: v.Note,
			Emergency: v.Emergency, Replaces: v.Replaces})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiServiceStep(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v serviceStepJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		err := s.door.StepServiceReferral(r.Context(), st.actor, r.PathValue("id"), nrm.ServiceStepInput{State: v.State, Reason: v.Reason, On: v.On, Mode: v.Mode})
		return http.StatusOK, idJSON{r.PathValue("id")}, err
	})(w, r, st)
}

func (s *Server) apiServiceInbox(w http.ResponseWriter, r *http.Request, st *reqState) {
	rs, err := s.door.ServiceReferralInbox(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_referrals": toServiceReferralsJSON(rs)})
}

type emergencyJSON struct {
	ID        string     `json:"id"`
	StartedAt *time.Time `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	OrgName   string     `json:"org_name"`
	Reason    string     `json:"reason"`
	EndNote   string     `json:"end_note"`
}

func (s *Server) apiEmergency(w http.ResponseWriter, r *http.Request, st *reqState) {
	es, err := s.door.Emergencies(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := make([]emergencyJSON, 0, len(es))
	on := false
	for _, e := range es {
		on = on || e.EndedAt.IsZero()
		out = append(out, emergencyJSON{ID: e.ID, StartedAt: tjson(e.StartedAt), EndedAt: tjson(e.EndedAt), OrgName: e.StartedByOrgName, Reason: e.Reason, EndNote: e.EndNote})
	}
	writeJSON(w, http.StatusOK, map[string]any{"on": on, "periods": out})
}

func (s *Server) apiSetEmergency(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v emergencyInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		err := s.door.SetEmergency(r.Context(), st.actor, v.On, v.Reason)
		return http.StatusOK, map[string]bool{"on": v.On}, err
	})(w, r, st)
}
