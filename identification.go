package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Formal identification (process.md §5 T5–T6): an adult asks for it
// voluntarily; for a child the child protection system starts it. A joint
// panel (police and social services, plus child protection for a child)
// interviews and decides; the decision takes effect when every required
// side has signed. Protection never waited for it and never stops because
// of it without a recorded handover.

// Who asked for formal identification.
const (
	RequestedByPerson          = "person"           // the adult, voluntarily
	RequestedByChildProtection = "child_protection" // for a child
)

// Decision outcomes.
const (
	OutcomeIdentified    = "identified"
	OutcomeNotIdentified = "not_identified"
)

// How the person was told of a decision.
var ToldHow = []string{"in_person", "in_writing", "phone", "through_representative"}

// GuardianKinds are the people who stand with a child.
var GuardianKinds = []string{"guardian", "cpu_worker"}

// ReturnKinds are the removal and return steps the reflection period guards.
var ReturnKinds = []string{"removal_order", "return_planned", "return_executed", "voluntary_return", "family_reunification"}

// IdentificationRequest asks the panel to decide.
type IdentificationRequest struct {
	RequestedBy       string
	Explanation       string   // what the person was told of formal identification, in their words
	Language          string   // the language it was explained in
	PanelOrgs         []string // the organisations that sit on the panel
	ReconsiderationOf string   // a decision the person asks to be reconsidered
}

// Validate checks the request's shape.
func (r *IdentificationRequest) Validate() error {
	var es Errors
	switch r.RequestedBy {
	case RequestedByPerson, RequestedByChildProtection:
	case "":
		es = append(es, FieldError("requested_by", "error.required"))
	default:
		es = append(es, FieldError("requested_by", "error.unknown_value"))
	}
	if r.RequestedBy == RequestedByPerson && strings.TrimSpace(r.Explanation) == "" {
		es = append(es, FieldError("explanation", "error.required"))
	}
	if utf8.RuneCountInString(r.Explanation) > MaxNarrative {
		es = append(es, FieldError("explanation", "error.too_long", MaxNarrative))
	}
	if r.Language != "" && !ValidLanguage(r.Language) {
		es = append(es, FieldError("language", "error.unknown_value"))
	}
	if len(r.PanelOrgs) == 0 {
		es = append(es, FieldError("panel_orgs", "error.required"))
	}
	if len(r.PanelOrgs) > 10 {
		es = append(es, FieldError("panel_orgs", "error.too_many_items"))
	}
	sortErrors(es)
	return es.Err()
}

// DecisionInput is the panel's decision after the joint interview.
type DecisionInput struct {
	Outcome           string
	Reasons           string
	InterviewOn       string // date of the joint interview
	InterviewerGender string
	GenderReason      string // why the person's preference could not be followed
	InterpreterLang   string // "" when no interpreter was needed
	ChildViews        string // the child's own views, required for a child
	Handover          string // for "not identified" while services run: how they are handed over
	ToldOn            string // when the person was told
	ToldHow           string
	ToldLang          string
}

// Validate checks the decision against the person it concerns.
func (d *DecisionInput) Validate(now time.Time, child bool, preferredGender string, servicesRunning bool) error {
	var es Errors
	switch d.Outcome {
	case OutcomeIdentified, OutcomeNotIdentified:
	case "":
		es = append(es, FieldError("outcome", "error.required"))
	default:
		es = append(es, FieldError("outcome", "error.unknown_value"))
	}
	if strings.TrimSpace(d.Reasons) == "" {
		es = append(es, FieldError("reasons", "error.required"))
	}
	if d.InterviewOn == "" {
		es = append(es, FieldError("interview_on", "error.required"))
	} else if e := validFullDate(d.InterviewOn, now); e != nil {
		es = append(es, FieldError("interview_on", e.Key, e.Args...))
	}
	es = append(es, interviewerErrors(d.InterviewerGender, d.GenderReason, d.InterpreterLang, preferredGender)...)
	if child && strings.TrimSpace(d.ChildViews) == "" {
		es = append(es, FieldError("child_views", "error.child_views"))
	}
	if d.Outcome == OutcomeNotIdentified && servicesRunning && strings.TrimSpace(d.Handover) == "" {
		es = append(es, FieldError("handover", "error.handover"))
	}
	if d.ToldOn != "" {
		if e := validFullDate(d.ToldOn, now); e != nil {
			es = append(es, FieldError("told_on", e.Key, e.Args...))
		}
	}
	if d.ToldHow != "" && !slices.Contains(ToldHow, d.ToldHow) {
		es = append(es, FieldError("told_how", "error.unknown_value"))
	}
	if d.ToldLang != "" && !ValidLanguage(d.ToldLang) {
		es = append(es, FieldError("told_lang", "error.unknown_value"))
	}
	for f, v := range map[string]string{"reasons": d.Reasons, "gender_reason": d.GenderReason, "child_views": d.ChildViews, "handover": d.Handover} {
		if utf8.RuneCountInString(v) > MaxNarrative {
			es = append(es, FieldError(f, "error.too_long", MaxNarrative))
		}
	}
	sortErrors(es)
	return es.Err()
}

func validFullDate(s string, now time.Time) *Error {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return FieldError("", "error.date_format")
	}
	if t.After(now) {
		return FieldError("", "error.date_future")
	}
	return nil
}

// GuardianInput records the guardian or child-protection worker of a child.
type GuardianInput struct {
	Kind    string
	Name    string // encrypted
	Contact string // encrypted
	OrgID   string // the organisation they work for, if any
}

// Validate checks the guardian's shape.
func (g *GuardianInput) Validate() error {
	var es Errors
	if !slices.Contains(GuardianKinds, g.Kind) {
		es = append(es, FieldError("kind", "error.unknown_value"))
	}
	if strings.TrimSpace(g.Name) == "" {
		es = append(es, FieldError("name", "error.required"))
	}
	if utf8.RuneCountInString(g.Name) > MaxShortText {
		es = append(es, FieldError("name", "error.too_long", MaxShortText))
	}
	if utf8.RuneCountInString(g.Contact) > MaxShortText {
		es = append(es, FieldError("contact", "error.too_long", MaxShortText))
	}
	return es.Err()
}

// AgeAssessment records an assessment that decides a person's age.
type AgeAssessment struct {
	On     string // date
	Method string
	Years  int
}

// Validate checks the assessment.
func (a *AgeAssessment) Validate(now time.Time) error {
	var es Errors
	if a.On == "" {
		es = append(es, FieldError("on", "error.required"))
	} else if e := validFullDate(a.On, now); e != nil {
		es = append(es, FieldError("on", e.Key, e.Args...))
	}
	if !slices.Contains(AgeMethods, a.Method) {
		es = append(es, FieldError("method", "error.unknown_value"))
	}
	if a.Years < 0 || a.Years > 120 {
		es = append(es, FieldError("years", "error.out_of_range", 0, 120))
	}
	return es.Err()
}

// ReturnStep is a removal or return step for a foreign national.
type ReturnStep struct {
	Kind       string
	OwnRequest bool   // the person asked for it themselves
	Note       string // encrypted
}

// Task is an open piece of work for a named organisation.
type Task struct {
	ID, PersonID, PersonCode string
	Kind                     string
	OrgID, OrgName           string
	State                    string // open, done, ended
	CreatedAt, DoneAt        time.Time
	Version                  int64
	// EndedAt and EndedWhy: the task ended without being done, because its
	// organisation lost access to the record or the record was closed
	// (door/access_end.go). FulfilledBy is the service referral that met
	// the need.
	EndedAt     time.Time
	EndedWhy    string
	FulfilledBy string
}

// Deadline is one clock running on a record.
type Deadline struct {
	ID, PersonID, PersonCode string
	Rule                     string // the profile's deadline key
	OrgID, OrgName           string
	StartedAt, DueAt, MetAt  time.Time
	EscalatedAt              time.Time
	EndedAt                  time.Time // the clock stopped because its work ended, neither met nor missed
	LegalRef                 string
	Spec                     string // value and unit, e.g. "30 calendar_days"
}

// Missed reports whether the deadline passed without being met.
func (d *Deadline) Missed(now time.Time) bool { return d.MetAt.IsZero() && now.After(d.DueAt) }

// Near reports whether an open deadline falls due within the window.
func (d *Deadline) Near(now time.Time, window time.Duration) bool {
	return d.MetAt.IsZero() && !d.Missed(now) && d.DueAt.Sub(now) <= window
}

// Notification tells an organisation something about a record.
type Notification struct {
	ID, PersonID, PersonCode string
	Kind                     string // child_referred, deadline_missed, duplicate, identification_requested, decision
	Ref                      string
	Detail                   string // for a notification about a task: the task's kind
	CreatedAt, ReadAt        time.Time
}

// TimelineEntry is one thing that happened to a record, in codes the reader's
// language turns into words.
type TimelineEntry struct {
	At      time.Time
	Kind    string
	Part    Part
	OrgName string
	Args    map[string]string
}

// StatusChange is one change of identification status.
type StatusChange struct {
	From, To Status
	At       time.Time
	UserID   string
	OrgName  string
	Reason   string // "" unless the reader may see the narrative
	Ref      string
}

// RegisterRow is one line of the Responsible Authority's register:
// pseudonymous, never an identity.
type RegisterRow struct {
	PersonID, Code     string
	Status             Status
	AgeGroup           AgeGroup
	PresumedChild      bool
	Sex                string
	Nationality        string
	Region             string
	OwnerOrg           string
	FirstContactAt     time.Time
	PotentialAt        time.Time
	DecidedAt          time.Time
	RegisteredAt       time.Time
	Duplicate          bool
	Foreign            bool
	ReflectionEnd      time.Time
	NonPunishment      bool
	ReferredAt         time.Time
	OpenDeadlineMissed bool
}
