package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The case file and the identification and protection actions on a record.
// Every answer carries only what door.Case (or the action) disclosed: a
// field of the identity or narrative part that the reader may not see is
// absent from the JSON, exactly as it is absent from the HTML page.

type casePersonJSON struct {
	personJSON
	AgeBasis        string     `json:"age_basis"`
	AgeYears        *int       `json:"age_years"`
	AgeAssessedAt   *time.Time `json:"age_assessed_at"`
	AgeMethod       string     `json:"age_method"`
	Gender          string     `json:"gender"`
	Nationalities   []string   `json:"nationalities"`
	Languages       []string   `json:"languages"`
	Interpreter     bool       `json:"interpreter"`
	PreferredGender string     `json:"preferred_gender"`
	Foreign         bool       `json:"foreign"`
	Anonymous       bool       `json:"anonymous"`
	FirstContactAt  *time.Time `json:"first_contact_at"`
	PotentialAt     *time.Time `json:"potential_at"`
	DecidedAt       *time.Time `json:"decided_at"`
	ReflectionStart *time.Time `json:"reflection_start"`
	ReflectionEnd   *time.Time `json:"reflection_end"`
	GuardianAt      *time.Time `json:"guardian_at"`
	Forms           []string   `json:"forms"`
	NonPunishment   bool       `json:"non_punishment"`
	JusticeNote     *string    `json:"justice_note,omitempty"`
	Duplicate       bool       `json:"duplicate"`
	MergedInto      string     `json:"merged_into"`
	RegisteredAt    *time.Time `json:"registered_at"`
}

func toCasePersonJSON(p *nrm.Person) casePersonJSON {
	out := casePersonJSON{personJSON: toPersonJSON(p), AgeBasis: p.AgeBasis, AgeAssessedAt: tjson(p.AgeAssessedAt), AgeMethod: p.AgeMethod,
		Gender: p.Gender, Nationalities: orEmpty(p.Nationalities), Languages: orEmpty(p.Languages), Interpreter: p.Interpreter,
		PreferredGender: p.PreferredGender, Foreign: p.Foreign, Anonymous: p.Anonymous, FirstContactAt: tjson(p.FirstContactAt),
		PotentialAt: tjson(p.PotentialAt), DecidedAt: tjson(p.DecidedAt), ReflectionStart: tjson(p.ReflectionStart),
		ReflectionEnd: tjson(p.ReflectionEnd), GuardianAt: tjson(p.GuardianAt), Forms: orEmpty(p.Forms), NonPunishment: p.NonPunishment,
		JusticeNote: p.JusticeNote, Duplicate: p.Duplicate, MergedInto: p.MergedInto, RegisteredAt: tjson(p.RegisteredAt)}
	if p.AgeYears >= 0 {
		out.AgeYears = ptr(p.AgeYears)
	}
	return out
}

type caseReferralJSON struct {
	ID           string     `json:"id"`
	OrgName      string     `json:"org_name"`
	ReferrerType string     `json:"referrer_type"`
	MetOn        string     `json:"met_on"`
	MetRegion    string     `json:"met_region"`
	MetHow       string     `json:"met_how"`
	Consent      string     `json:"consent"`
	Safety       []string   `json:"safety"`
	Indicators   []string   `json:"indicators"`
	ThresholdMet bool       `json:"threshold_met"`
	Judged       bool       `json:"judged"`
	Catalogue    string     `json:"catalogue"`
	Profile      string     `json:"profile"`
	CreatedAt    *time.Time `json:"created_at"`
	referralPlaceJSON
	ReferrerOutside *string `json:"referrer_outside,omitempty"`
	MetPlace        *string `json:"met_place,omitempty"`
	SafetyNote      *string `json:"safety_note,omitempty"`
	JudgedReason    *string `json:"judged_reason,omitempty"`
	Account         *string `json:"account,omitempty"`
	// The evidence (api_evidence.go): absent name where the policy does
	// not show it.
	IndicatorGroups []indicatorGroupJSON `json:"indicator_groups"`
	Screening       recommendationJSON   `json:"screening"`
	ReferrerName    *string              `json:"referrer_name,omitempty"`
}

type guardianJSON struct {
	Kind       string     `json:"kind"`
	OrgID      string     `json:"org_id"`
	Name       *string    `json:"name,omitempty"`
	Contact    *string    `json:"contact,omitempty"`
	RecordedAt *time.Time `json:"recorded_at"`
}

type signatureJSON struct {
	UserID   string     `json:"user_id"`
	OrgID    string     `json:"org_id"`
	OrgType  string     `json:"org_type"`
	SignedAt *time.Time `json:"signed_at"`
	Name     string     `json:"name"`
	OrgName  string     `json:"org_name"`
}

type decisionJSON struct {
	ID                string          `json:"id"`
	Outcome           string          `json:"outcome"`
	State             string          `json:"state"`
	InterviewOn       string          `json:"interview_on"`
	InterviewerGender string          `json:"interviewer_gender"`
	InterpreterLang   string          `json:"interpreter_lang"`
	ToldOn            string          `json:"told_on"`
	ToldHow           string          `json:"told_how"`
	ToldLang          string          `json:"told_lang"`
	Reasons           *string         `json:"reasons,omitempty"`
	GenderReason      *string         `json:"gender_reason,omitempty"`
	ChildViews        *string         `json:"child_views,omitempty"`
	Handover          *string         `json:"handover,omitempty"`
	Signatures        []signatureJSON `json:"signatures"`
	CreatedAt         *time.Time      `json:"created_at"`
	EffectiveAt       *time.Time      `json:"effective_at"`
	DecidedBy         string          `json:"decided_by"`
	DecidedByOrg      string          `json:"decided_by_org"`
}

type requestJSON struct {
	ID                string         `json:"id"`
	RequestedBy       string         `json:"requested_by"`
	Language          string         `json:"language"`
	State             string         `json:"state"`
	ReconsiderationOf string         `json:"reconsideration_of"`
	PanelOrgs         []string       `json:"panel_orgs"`
	CreatedAt         *time.Time     `json:"created_at"`
	Explanation       *string        `json:"explanation,omitempty"`
	Decisions         []decisionJSON `json:"decisions"`
}

type returnJSON struct {
	Kind       string     `json:"kind"`
	OwnRequest bool       `json:"own_request"`
	Note       *string    `json:"note,omitempty"`
	At         *time.Time `json:"at"`
}

type statusChangeJSON struct {
	From    string     `json:"from"`
	To      string     `json:"to"`
	At      *time.Time `json:"at"`
	UserID  string     `json:"user_id"`
	OrgName string     `json:"org_name"`
	Reason  *string    `json:"reason,omitempty"`
	Ref     string     `json:"ref"`
}

type timelineJSON struct {
	At      *time.Time        `json:"at"`
	Kind    string            `json:"kind"`
	Part    string            `json:"part"`
	OrgName string            `json:"org_name"`
	Args    map[string]string `json:"args"`
}

type duplicateJSON struct {
	OtherID   string `json:"other_id"`
	OtherCode string `json:"other_code"`
	State     string `json:"state"`
}

type caseJSON struct {
	Person     casePersonJSON     `json:"person"`
	Referrals  []caseReferralJSON `json:"referrals"`
	Tasks      []taskJSON         `json:"tasks"`
	Deadlines  []deadlineJSON     `json:"deadlines"`
	Guardians  []guardianJSON     `json:"guardians"`
	Requests   []requestJSON      `json:"requests"`
	Returns    []returnJSON       `json:"returns"`
	History    []statusChangeJSON `json:"history"`
	Timeline   []timelineJSON     `json:"timeline"`
	Duplicates []duplicateJSON    `json:"duplicates"`
	CanWrite   bool               `json:"can_write"`
	CanDecide  []string           `json:"can_decide"`
	CanSign    []string           `json:"can_sign"`
	// Tell it once: how many interviews, and each (its statement only where
	// the door shows it to the reader).
	InterviewCount int             `json:"interview_count"`
	Interviews     []interviewJSON `json:"interviews"`
	// ServiceReferrals are the referrals to services (api_services.go).
	ServiceReferrals []serviceReferralJSON `json:"service_referrals"`
	Support          *supportJSON          `json:"support,omitempty"`
	// Which parts of the record the reader does not see, and why (null when
	// every part is shown); whether an emergency opening is offered.
	Withheld   *withheldJSON `json:"withheld"`
	GlassOffer bool          `json:"glass_offer"`
}

func toCaseJSON(cf *door.CaseFile, now time.Time) caseJSON {
	p := cf.Person
	ident := slices.Contains(p.Parts, nrm.PartIdentity)
	narr := slices.Contains(p.Parts, nrm.PartNarrative)
	out := caseJSON{Person: toCasePersonJSON(p), Referrals: []caseReferralJSON{}, Tasks: toTasks(cf.Tasks), Deadlines: toDeadlines(cf.Deadlines, now),
		Guardians: []guardianJSON{}, Requests: []requestJSON{}, Returns: []returnJSON{}, History: []statusChangeJSON{}, Timeline: []timelineJSON{},
		Duplicates: []duplicateJSON{}, CanWrite: cf.CanWrite, CanDecide: orEmpty(cf.CanDecide), CanSign: orEmpty(cf.CanSign),
		InterviewCount: cf.InterviewCount, Interviews: toInterviewsJSON(cf.Interviews)}
	for _, r := range cf.Referrals {
		out.Referrals = append(out.Referrals, caseReferralJSON{ID: r.ID, OrgName: r.OrgName, ReferrerType: r.ReferrerType, MetOn: r.MetOn,
			MetRegion: r.MetRegion, MetHow: r.MetHow, Consent: r.Consent, Safety: orEmpty(r.Safety), Indicators: orEmpty(r.Indicators),
			ThresholdMet: r.ThresholdMet, Judged: r.Judged, Catalogue: r.Catalogue, Profile: r.Profile, CreatedAt: tjson(r.CreatedAt),
			ReferrerOutside: opt(narr, r.ReferrerOutside), MetPlace: opt(narr, r.MetPlace), SafetyNote: opt(narr, r.SafetyNote),
			JudgedReason: opt(narr, r.JudgedReason), Account: opt(narr, r.Account),
			referralPlaceJSON: referralPlaceJSON{Channel: r.Channel, Scope: orEmpty(r.Scope), OnlinePlatform: r.OnlinePlatform,
				RecruitCountry: r.RecruitCountry, RecruitRegion: r.RecruitRegion, ExploitCountry: r.ExploitCountry, ExploitRegion: r.ExploitRegion,
				SuspectedForms: orEmpty(r.SuspectedForms)},
			IndicatorGroups: toIndicatorGroupsJSON(r.IndicatorGroups), Screening: toRecommendationJSON(r.Screening), ReferrerName: opt(r.ReferrerName != "", r.ReferrerName)})
	}
	for _, g := range cf.Guardians {
		out.Guardians = append(out.Guardians, guardianJSON{Kind: g.Kind, OrgID: g.OrgID, Name: opt(ident, g.Name), Contact: opt(ident, g.Contact),
			RecordedAt: tjson(g.RecordedAt)})
	}
	for _, r := range cf.Requests {
		rj := requestJSON{ID: r.ID, RequestedBy: r.RequestedBy, Language: r.Language, State: r.State, ReconsiderationOf: r.ReconsiderationOf,
			PanelOrgs: orEmpty(r.PanelOrgs), CreatedAt: tjson(r.CreatedAt), Explanation: opt(narr, r.Explanation), Decisions: []decisionJSON{}}
		for _, d := range r.Decisions {
			dj := decisionJSON{ID: d.ID, Outcome: d.Outcome, State: d.State, InterviewOn: d.InterviewOn, InterviewerGender: d.InterviewerGender,
				InterpreterLang: d.InterpreterLang, ToldOn: d.ToldOn, ToldHow: d.ToldHow, ToldLang: d.ToldLang, Reasons: opt(narr, d.Reasons),
				GenderReason: opt(narr, d.GenderReason), ChildViews: opt(narr, d.ChildViews), Handover: opt(narr, d.Handover),
				Signatures: []signatureJSON{}, CreatedAt: tjson(d.CreatedAt), EffectiveAt: tjson(d.EffectiveAt), DecidedBy: d.DecidedBy, DecidedByOrg: d.DecidedByOrg}
			for _, sg := range d.Signatures {
				dj.Signatures = append(dj.Signatures, signatureJSON{UserID: sg.UserID, OrgID: sg.OrgID, OrgType: sg.OrgType, SignedAt: tjson(sg.SignedAt),
					Name: sg.Name, OrgName: sg.OrgName})
			}
			rj.Decisions = append(rj.Decisions, dj)
		}
		out.Requests = append(out.Requests, rj)
	}
	for _, r := range cf.Returns {
		out.Returns = append(out.Returns, returnJSON{Kind: r.Kind, OwnRequest: r.OwnRequest, Note: opt(narr, r.Note), At: tjson(r.At)})
	}
	for _, h := range cf.History {
		var reason *string
		if narr && h.Reason != "" {
			reason = ptr(h.Reason)
		}
		out.History = append(out.History, statusChangeJSON{From: string(h.From), To: string(h.To), At: tjson(h.At), UserID: h.UserID,
			OrgName: h.OrgName, Reason: reason, Ref: h.Ref})
	}
	for _, e := range cf.Timeline {
		args := e.Args
		if args == nil {
			args = map[string]string{}
		}
		out.Timeline = append(out.Timeline, timelineJSON{At: tjson(e.At), Kind: e.Kind, Part: string(e.Part), OrgName: e.OrgName, Args: args})
	}
	for _, d := range cf.Duplicates {
		out.Duplicates = append(out.Duplicates, duplicateJSON{OtherID: d.OtherID, OtherCode: d.OtherCode, State: d.State})
	}
	out.ServiceReferrals = toServiceReferralsJSON(cf.ServiceReferrals)
	out.Support = toSupportJSON(cf.Support)
	out.Withheld, out.GlassOffer = toWithheldJSON(cf.Withheld), cf.GlassOffer
	return out
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request, st *reqState) {
	cf, err := s.door.Case(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCaseJSON(cf, s.door.Now()))
}

// idJSON answers an action: the id of what it created, or of the record
// (or decision) it acted on.
type idJSON struct {
	ID string `json:"id"`
}

// action decodes a body into v and runs do; do answers the status and id.
func (s *Server) action(v any, optional bool, do func(r *http.Request, st *reqState) (int, any, error)) func(http.ResponseWriter, *http.Request, *reqState) {
	return func(w http.ResponseWriter, r *http.Request, st *reqState) {
		if v != nil {
			if err := decodeAction(r, v, optional); err != nil {
				s.failJSON(w, r, err)
				return
			}
		}
		status, out, err := do(r, st)
		if err != nil {
			s.failJSON(w, r, err)
			return
		}
		writeJSON(w, status, out)
	}
}

type guardianInputJSON struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
	OrgID   string `json:"org_id"`
}

func (s *Server) apiGuardian(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v guardianInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		err := s.door.RecordGuardian(r.Context(), st.actor, id, nrm.GuardianInput{Kind: v.Kind, Name: v.Name, Contact: v.Contact, OrgID: v.OrgID})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

type ageAssessmentJSON struct {
	On     string `json:"on"`
	Method string `json:"method"`
	Years  *int   `json:"years"`
}

func (s *Server) apiAgeAssessment(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v ageAssessmentJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		if v.Years == nil {
			return 0, nil, nrm.FieldError("years", "error.required")
		}
		p, err := s.door.AssessAge(r.Context(), st.actor, r.PathValue("id"), nrm.AgeAssessment{On: v.On, Method: v.Method, Years: *v.Years})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toPersonJSON(p), nil
	})(w, r, st)
}

type statusInputJSON struct {
	Version *int64 `json:"version"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v statusInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		switch {
		case v.Version == nil:
			return 0, nil, nrm.FieldError("version", "error.required")
		case *v.Version < 1:
			return 0, nil, nrm.FieldError("version", "error.unknown_value")
		case v.Status == "":
			return 0, nil, nrm.FieldError("status", "error.required")
		case !nrm.Status(v.Status).Valid():
			return 0, nil, nrm.FieldError("status", "error.unknown_value")
		}
		p, err := s.door.ChangeStatus(r.Context(), st.actor, r.PathValue("id"), *v.Version, nrm.Status(v.Status), v.Reason)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toPersonJSON(p), nil
	})(w, r, st)
}

type idRequestJSON struct {
	RequestedBy       string   `json:"requested_by"`
	Explanation       string   `json:"explanation"`
	Language          string   `json:"language"`
	PanelOrgs         []string `json:"panel_orgs"`
	ReconsiderationOf string   `json:"reconsideration_of"`
}

func (s *Server) apiRequestIdentification(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v idRequestJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.RequestIdentification(r.Context(), st.actor, r.PathValue("id"), nrm.IdentificationRequest{RequestedBy: v.RequestedBy,
			Explanation: v.Explanation, Language: v.Language, PanelOrgs: v.PanelOrgs, ReconsiderationOf: v.ReconsiderationOf})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

type returnStepJSON struct {
	Kind       string `json:"kind"`
	OwnRequest bool   `json:"own_request"`
	Note       string `json:"note"`
}

func (s *Server) apiReturnStep(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v returnStepJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		err := s.door.RecordReturnStep(r.Context(), st.actor, id, nrm.ReturnStep{Kind: v.Kind, OwnRequest: v.OwnRequest, Note: v.Note})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

type noteJSON struct {
	Note string `json:"note"`
}

func (s *Server) apiNonPunishment(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v noteJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		return http.StatusOK, idJSON{id}, s.door.FlagNonPunishment(r.Context(), st.actor, id, v.Note)
	})(w, r, st)
}

type emptyJSON struct{}

func (s *Server) apiRegisterPerson(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v emptyJSON
	s.action(&v, true, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		return http.StatusOK, idJSON{id}, s.door.RegisterPerson(r.Context(), st.actor, id)
	})(w, r, st)
}

type decisionInputJSON struct {
	Outcome           string `json:"outcome"`
	Reasons           string `json:"reasons"`
	InterviewOn       string `json:"interview_on"`
	InterviewerGender string `json:"interviewer_gender"`
	GenderReason      string `json:"gender_reason"`
	InterpreterLang   string `json:"interpreter_lang"`
	ChildViews        string `json:"child_views"`
	Handover          string `json:"handover"`
	ToldOn            string `json:"told_on"`
	ToldHow           string `json:"told_how"`
	ToldLang          string `json:"told_lang"`
}

func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v decisionInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		id, err := s.door.Decide(r.Context(), st.actor, r.PathValue("id"), nrm.DecisionInput{Outcome: v.Outcome, Reasons: v.Reasons,
			InterviewOn: v.InterviewOn, InterviewerGender: v.InterviewerGender, GenderReason: v.GenderReason, InterpreterLang: v.InterpreterLang,
			ChildViews: v.ChildViews, Handover: v.Handover, ToldOn: v.ToldOn, ToldHow: v.ToldHow, ToldLang: v.ToldLang})
		return http.StatusCreated, idJSON{id}, err
	})(w, r, st)
}

func (s *Server) apiSign(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v emptyJSON
	s.action(&v, true, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		return http.StatusCreated, idJSON{id}, s.door.SignDecision(r.Context(), st.actor, id)
	})(w, r, st)
}

func (s *Server) apiTaskDone(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v noteJSON
	s.action(&v, true, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		return http.StatusOK, idJSON{id}, s.door.CompleteTask(r.Context(), st.actor, id, v.Note)
	})(w, r, st)
}

func (s *Server) apiNotificationRead(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v emptyJSON
	s.action(&v, true, func(r *http.Request, st *reqState) (int, any, error) {
		id := r.PathValue("id")
		return http.StatusOK, idJSON{id}, s.door.ReadNotification(r.Context(), st.actor, id)
	})(w, r, st)
}

type duplicateInputJSON struct {
	Keep  string `json:"keep"`
	Other string `json:"other"`
	State string `json:"state"`
}

func (s *Server) apiDuplicate(w http.ResponseWriter, r *http.Request, st *reqState) {
	var v duplicateInputJSON
	s.action(&v, false, func(r *http.Request, st *reqState) (int, any, error) {
		// An empty keep is a record that does not exist: the door answers 404.
		var es nrm.Errors
		if v.Other == "" {
			es = append(es, nrm.FieldError("other", "error.required"))
		}
		if v.State == "" {
			es = append(es, nrm.FieldError("state", "error.required"))
		}
		if err := es.Err(); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, idJSON{v.Keep}, s.door.ResolveDuplicate(r.Context(), st.actor, v.Keep, v.Other, v.State)
	})(w, r, st)
}
