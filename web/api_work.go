package web

import (
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
)

// The organisation's work list, the Responsible Authority's register, and
// the rules in force (indicator catalogue and jurisdiction profile).

type notificationJSON struct {
	ID         string     `json:"id"`
	PersonID   string     `json:"person_id"`
	PersonCode string     `json:"person_code"`
	Kind       string     `json:"kind"`
	Ref        string     `json:"ref"`
	Detail     string     `json:"detail"` // for a notice about a task: the task's kind
	CreatedAt  *time.Time `json:"created_at"`
	ReadAt     *time.Time `json:"read_at"`
}

type workJSON struct {
	Tasks         []taskJSON         `json:"tasks"`
	Deadlines     []deadlineJSON     `json:"deadlines"`
	Notifications []notificationJSON `json:"notifications"`
}

func (s *Server) apiWork(w http.ResponseWriter, r *http.Request, st *reqState) {
	wl, err := s.door.Work(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := workJSON{Tasks: toTasks(wl.Tasks), Deadlines: toDeadlines(wl.Deadlines, s.door.Now()), Notifications: []notificationJSON{}}
	for _, n := range wl.Notifications {
		out.Notifications = append(out.Notifications, notificationJSON{ID: n.ID, PersonID: n.PersonID, PersonCode: n.PersonCode, Kind: n.Kind,
			Ref: n.Ref, Detail: n.Detail, CreatedAt: tjson(n.CreatedAt), ReadAt: tjson(n.ReadAt)})
	}
	writeJSON(w, http.StatusOK, out)
}

type registerRowJSON struct {
	PersonID           string     `json:"person_id"`
	Code               string     `json:"code"`
	Status             string     `json:"status"`
	AgeGroup           string     `json:"age_group"`
	PresumedChild      bool       `json:"presumed_child"`
	Sex                string     `json:"sex"`
	Nationality        string     `json:"nationality"`
	Region             string     `json:"region"`
	OwnerOrg           string     `json:"owner_org"`
	FirstContactAt     *time.Time `json:"first_contact_at"`
	PotentialAt        *time.Time `json:"potential_at"`
	DecidedAt          *time.Time `json:"decided_at"`
	RegisteredAt       *time.Time `json:"registered_at"`
	ReferredAt         *time.Time `json:"referred_at"`
	ReflectionEnd      *time.Time `json:"reflection_end"`
	Duplicate          bool       `json:"duplicate"`
	Foreign            bool       `json:"foreign"`
	NonPunishment      bool       `json:"non_punishment"`
	OpenDeadlineMissed bool       `json:"open_deadline_missed"`
}

type registerJSON struct {
	Rows       []registerRowJSON `json:"rows"`
	NextBefore *string           `json:"next_before"`
}

// boolParam reads a query flag: absent, "true"/"1" or "false"/"0".
func boolParam(q map[string][]string, name string) (bool, error) {
	vs := q[name]
	if len(vs) == 0 {
		return false, nil
	}
	switch vs[0] {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, nrm.FieldError(name, "error.unknown_value")
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.RegisterFilter{Before: q.Get("before")}
	var es nrm.Errors
	var err error
	if f.Limit, err = limitParam(q.Get("limit"), 50); err != nil {
		s.failJSON(w, r, err)
		return
	}
	if v := q.Get("status"); v != "" {
		if !nrm.Status(v).Valid() {
			es = append(es, nrm.FieldError("status", "error.unknown_value"))
		}
		f.Status = nrm.Status(v)
	}
	if v := q.Get("region"); v != "" {
		if !nrm.ValidRegion(v) {
			es = append(es, nrm.FieldError("region", "error.unknown_value"))
		}
		f.Region = v
	}
	if f.Children, err = boolParam(q, "children"); err != nil {
		es = append(es, nrm.ErrorOf(err))
	}
	if f.Missed, err = boolParam(q, "missed"); err != nil {
		es = append(es, nrm.ErrorOf(err))
	}
	if len(f.Before) > 64 {
		es = append(es, nrm.FieldError("before", "error.unknown_value"))
	}
	if err := es.Err(); err != nil {
		s.failJSON(w, r, err)
		return
	}
	rows, err := s.door.Register(r.Context(), st.actor, f)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := registerJSON{Rows: make([]registerRowJSON, 0, len(rows))}
	for _, x := range rows {
		out.Rows = append(out.Rows, registerRowJSON{PersonID: x.PersonID, Code: x.Code, Status: string(x.Status), AgeGroup: string(x.AgeGroup),
			PresumedChild: x.PresumedChild, Sex: x.Sex, Nationality: x.Nationality, Region: x.Region, OwnerOrg: x.OwnerOrg,
			FirstContactAt: tjson(x.FirstContactAt), PotentialAt: tjson(x.PotentialAt), DecidedAt: tjson(x.DecidedAt),
			RegisteredAt: tjson(x.RegisteredAt), ReferredAt: tjson(x.ReferredAt), ReflectionEnd: tjson(x.ReflectionEnd), Duplicate: x.Duplicate,
			Foreign: x.Foreign, NonPunishment: x.NonPunishment, OpenDeadlineMissed: x.OpenDeadlineMissed})
	}
	if len(rows) == f.Limit && len(rows) > 0 {
		out.NextBefore = ptr(rows[len(rows)-1].PersonID)
	}
	writeJSON(w, http.StatusOK, out)
}

type labelled struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

type sectionJSON struct {
	Code     string `json:"code"`
	Label    string `json:"label"`
	Verified bool   `json:"verified"`
}

type indicatorJSON struct {
	Code    string   `json:"code"`
	Section string   `json:"section"`
	Forms   []string `json:"forms"`
	Label   string   `json:"label"`
}

type catalogueJSON struct {
	Version    string          `json:"version"`
	Lang       string          `json:"lang"`
	Sections   []sectionJSON   `json:"sections"`
	Forms      []labelled      `json:"forms"`
	Indicators []indicatorJSON `json:"indicators"`
}

// label picks a label in lang, else Albanian, else English.
func label(m map[string]string, lang string) string {
	for _, l := range []string{lang, "sq", "en"} {
		if v := m[l]; v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) apiIndicators(w http.ResponseWriter, r *http.Request, st *reqState) {
	c := s.door.Catalogue()
	out := catalogueJSON{Version: c.Version, Lang: st.lang, Sections: []sectionJSON{}, Forms: []labelled{}, Indicators: make([]indicatorJSON, 0, len(c.Indicators))}
	for _, sec := range c.Sections {
		out.Sections = append(out.Sections, sectionJSON{Code: sec.Code, Label: label(sec.Label, st.lang), Verified: sec.Verified})
	}
	for _, f := range rulesForms() {
		out.Forms = append(out.Forms, labelled{Code: string(f), Label: formLabel(f, st.lang)})
	}
	for _, ind := range c.Indicators {
		ij := indicatorJSON{Code: ind.Code, Section: ind.Section, Forms: []string{}, Label: label(ind.Label, st.lang)}
		for _, f := range ind.Forms {
			ij.Forms = append(ij.Forms, string(f))
		}
		out.Indicators = append(out.Indicators, ij)
	}
	writeJSON(w, http.StatusOK, out)
}

type profileDeadlineJSON struct {
	Key           string `json:"key"`
	Label         string `json:"label"`
	Value         int    `json:"value"`
	Unit          string `json:"unit"`
	LegalRef      string `json:"legal_ref"`
	EffectiveFrom string `json:"effective_from"`
	Verified      bool   `json:"verified"`
}

type profileJSON struct {
	Code      string                `json:"code"`
	Name      string                `json:"name"`
	Country   string                `json:"country"`
	TimeZone  string                `json:"time_zone"`
	ChildAge  int                   `json:"child_age"`
	Deadlines []profileDeadlineJSON `json:"deadlines"`
	Threshold struct {
		Adult []string `json:"adult"`
		Child []string `json:"child"`
	} `json:"threshold"`
	Panel struct {
		Required      [][]string `json:"required"`
		ChildRequired [][]string `json:"child_required"`
	} `json:"panel"`
}

func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request, st *reqState) {
	p := s.door.Profile()
	out := profileJSON{Code: p.Code, Name: label(p.Name, st.lang), Country: p.Country, TimeZone: p.TimeZone, ChildAge: p.ChildAge,
		Deadlines: make([]profileDeadlineJSON, 0, len(p.Deadlines))}
	for _, d := range p.Deadlines {
		out.Deadlines = append(out.Deadlines, profileDeadlineJSON{Key: d.Key, Label: label(p.DeadlineLabels[d.Key], st.lang), Value: d.Value,
			Unit: string(d.Unit), LegalRef: d.LegalRef, EffectiveFrom: d.EffectiveFrom, Verified: d.Verified})
	}
	out.Threshold.Adult, out.Threshold.Child = orEmpty(p.Threshold.Adult), orEmpty(p.Threshold.Child)
	out.Panel.Required, out.Panel.ChildRequired = groups(p.Panel.Required), groups(p.Panel.ChildRequired)
	writeJSON(w, http.StatusOK, out)
}

func groups(gs [][]string) [][]string {
	out := make([][]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, orEmpty(g))
	}
	return out
}

func rulesForms() []rules.Form { return rules.Forms() }

func formLabel(f rules.Form, lang string) string { return rules.FormLabel(f, lang) }
