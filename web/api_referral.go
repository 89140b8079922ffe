package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// POST /api/v1/referrals: a referral into the NRM, through door.Refer. The
// body mirrors nrm.ReferralInput in snake_case; the answer is what the
// referral set in motion at once.

type needJSON struct {
	Need  string `json:"need"`
	OrgID string `json:"org_id"`
}

type referralInputJSON struct {
	ReferrerType    string             `json:"referrer_type"`
	ReferrerOutside string             `json:"referrer_outside"`
	MetOn           string             `json:"met_on"`
	MetRegion       string             `json:"met_region"`
	MetPlace        string             `json:"met_place"`
	MetHow          string             `json:"met_how"`
	Region          string             `json:"region"`
	Identity        *identityInputJSON `json:"identity"`
	Sex             string             `json:"sex"`
	Gender          string             `json:"gender"`
	Nationalities   []string           `json:"nationalities"`
	Languages       []string           `json:"languages"`
	Interpreter     bool               `json:"interpreter"`
	PreferredGender string             `json:"preferred_gender"`
	AgeBasis        string             `json:"age_basis"`
	AgeYears        *int               `json:"age_years"`
	ChildSigns      bool               `json:"child_signs"`
	Safety          []string           `json:"safety"`
	SafetyNote      string             `json:"safety_note"`
	Needs           []needJSON         `json:"needs"`
	Indicators      []string           `json:"indicators"`
	Judged          bool               `json:"judged"`
	JudgedReason    string             `json:"judged_reason"`
	Account         string             `json:"account"`
	Consent         string             `json:"consent"`
	referralPlaceJSON
}

// referralPlaceJSON is how a referral came and where it happened, in a
// referral's input and in the case file alike.
type referralPlaceJSON struct {
	Channel        string   `json:"channel"`
	Scope          []string `json:"trafficking_scope"`
	OnlinePlatform string   `json:"online_platform"`
	RecruitCountry string   `json:"recruit_country"`
	RecruitRegion  string   `json:"recruit_region"`
	ExploitCountry string   `json:"exploit_country"`
	ExploitRegion  string   `json:"exploit_region"`
	SuspectedForms []string `json:"suspected_forms"`
}

func (v *referralInputJSON) input() nrm.ReferralInput {
	in := nrm.ReferralInput{
		ReferrerType: v.ReferrerType, ReferrerOutside: v.ReferrerOutside, MetOn: v.MetOn, MetRegion: v.MetRegion, MetPlace: v.MetPlace,
		MetHow: v.MetHow, Region: v.Region, Sex: v.Sex, Gender: v.Gender, Nationalities: v.Nationalities, Languages: v.Languages,
		Interpreter: v.Interpreter, PreferredGender: v.PreferredGender, AgeBasis: v.AgeBasis, AgeYears: v.AgeYears, ChildSigns: v.ChildSigns,
		Safety: v.Safety, SafetyNote: v.SafetyNote, Indicators: v.Indicators, Judged: v.Judged, JudgedReason: v.JudgedReason,
		Account: v.Account, Consent: v.Consent, Channel: v.Channel, Scope: v.Scope, OnlinePlatform: v.OnlinePlatform,
		RecruitCountry: v.RecruitCountry, RecruitRegion: v.RecruitRegion, ExploitCountry: v.ExploitCountry, ExploitRegion: v.ExploitRegion,
		SuspectedForms: v.SuspectedForms,
	}
	if id := v.Identity; id != nil {
		in.Identity = &nrm.Identity{GivenName: id.GivenName, FamilyName: id.FamilyName, Aliases: id.Aliases, BirthDate: id.BirthDate,
			DocNumber: id.DocNumber, Phone: id.Phone, Address: id.Address}
	}
	for _, n := range v.Needs {
		in.Needs = append(in.Needs, nrm.NeedRequest{Need: nrm.Need(n.Need), OrgID: n.OrgID})
	}
	return in
}

// referredPersonJSON is the summary of the person a referral recorded.
type referredPersonJSON struct {
	ID            string     `json:"id"`
	Code          string     `json:"code"`
	Status        string     `json:"status"`
	AgeGroup      string     `json:"age_group"`
	PresumedChild bool       `json:"presumed_child"`
	Foreign       bool       `json:"foreign"`
	Anonymous     bool       `json:"anonymous"`
	Region        string     `json:"region"`
	PotentialAt   *time.Time `json:"potential_at"`
	ReflectionEnd *time.Time `json:"reflection_end"`
	Version       int64      `json:"version"`
}

type recommendationJSON struct {
	Meets            bool           `json:"meets"`
	Child            bool           `json:"child"`
	Sections         map[string]int `json:"sections"`
	Missing          []string       `json:"missing"`
	Forms            []string       `json:"forms"`
	Profile          string         `json:"profile"`
	CatalogueVersion string         `json:"catalogue_version"`
}

type referralJSON struct {
	Person         referredPersonJSON `json:"person"`
	ReferralID     string             `json:"referral_id"`
	Recommendation recommendationJSON `json:"recommendation"`
	Tasks          []taskJSON         `json:"tasks"`
	Deadlines      []deadlineJSON     `json:"deadlines"`
	Duplicate      bool               `json:"duplicate"`
}

type taskJSON struct {
	ID         string     `json:"id"`
	PersonID   string     `json:"person_id"`
	PersonCode string     `json:"person_code"`
	Kind       string     `json:"kind"`
	OrgID      string     `json:"org_id"`
	OrgName    string     `json:"org_name"`
	State      string     `json:"state"`
	CreatedAt  *time.Time `json:"created_at"`
	DoneAt     *time.Time `json:"done_at"`
	Version    int64      `json:"version"`
	// A task that ended with its organisation's access, or met by a
	// service referral (issue 14).
	EndedAt     *time.Time `json:"ended_at"`
	EndedWhy    string     `json:"ended_why"`
	FulfilledBy string     `json:"fulfilled_by"`
}

func toTaskJSON(t nrm.Task) taskJSON {
	return taskJSON{ID: t.ID, PersonID: t.PersonID, PersonCode: t.PersonCode, Kind: t.Kind, OrgID: t.OrgID, OrgName: t.OrgName, State: t.State,
		CreatedAt: tjson(t.CreatedAt), DoneAt: tjson(t.DoneAt), Version: t.Version, EndedAt: tjson(t.EndedAt), EndedWhy: t.EndedWhy, FulfilledBy: t.FulfilledBy}
}

type deadlineJSON struct {
	ID          string     `json:"id"`
	PersonID    string     `json:"person_id"`
	PersonCode  string     `json:"person_code"`
	Rule        string     `json:"rule"`
	OrgID       string     `json:"org_id"`
	OrgName     string     `json:"org_name"`
	StartedAt   *time.Time `json:"started_at"`
	DueAt       *time.Time `json:"due_at"`
	MetAt       *time.Time `json:"met_at"`
	EscalatedAt *time.Time `json:"escalated_at"`
	Missed      bool       `json:"missed"`
	EndedAt     *time.Time `json:"ended_at"` // the clock stopped with its work: neither met nor missed
	LegalRef    string     `json:"legal_ref"`
	Value       int        `json:"value"`
	Unit        string     `json:"unit"`
}

func toDeadlineJSON(d nrm.Deadline, now time.Time) deadlineJSON {
	out := deadlineJSON{ID: d.ID, PersonID: d.PersonID, PersonCode: d.PersonCode, Rule: d.Rule, OrgID: d.OrgID, OrgName: d.OrgName,
		StartedAt: tjson(d.StartedAt), DueAt: tjson(d.DueAt), MetAt: tjson(d.MetAt), EscalatedAt: tjson(d.EscalatedAt), Missed: d.Missed(now),
		EndedAt: tjson(d.EndedAt), LegalRef: d.LegalRef}
	var spec struct {
		Value int    `json:"value"`
		Unit  string `json:"unit"`
	}
	if json.Unmarshal([]byte(d.Spec), &spec) == nil {
		out.Value, out.Unit = spec.Value, spec.Unit
	}
	return out
}

func toDeadlines(ds []nrm.Deadline, now time.Time) []deadlineJSON {
	out := make([]deadlineJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDeadlineJSON(d, now))
	}
	return out
}

func toTasks(ts []nrm.Task) []taskJSON {
	out := make([]taskJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, toTaskJSON(t))
	}
	return out
}

func toReferralJSON(res *door.ReferralResult, now time.Time) referralJSON {
	p := res.Person
	rec := res.Recommendation
	out := referralJSON{
		Person: referredPersonJSON{ID: p.ID, Code: p.Code, Status: string(p.Status), AgeGroup: string(p.AgeGroup), PresumedChild: p.PresumedChild,
			Foreign: p.Foreign, Anonymous: p.Anonymous, Region: p.Region, PotentialAt: tjson(p.PotentialAt), ReflectionEnd: tjson(p.ReflectionEnd),
			Version: p.Version},
		ReferralID:     res.ReferralID,
		Recommendation: toRecommendationJSON(rec),
		Tasks:          toTasks(res.Tasks), Deadlines: toDeadlines(res.Deadlines, now), Duplicate: res.Duplicate,
	}
	for i := range out.Tasks {
		if out.Tasks[i].PersonCode == "" {
			out.Tasks[i].PersonCode = p.Code
		}
	}
	for i := range out.Deadlines {
		if out.Deadlines[i].PersonCode == "" {
			out.Deadlines[i].PersonCode = p.Code
		}
	}
	return out
}

func (s *Server) apiRefer(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v referralInputJSON
	if err := decodeAction(r, &v, false); err != nil {
		s.failJSON(w, r, err)
		return
	}
	res, err := s.door.Refer(r.Context(), st.actor, v.input())
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+res.Person.ID+"/case")
	writeJSON(w, http.StatusCreated, toReferralJSON(res, s.door.Now()))
}
