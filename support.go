package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Individual support, social inclusion and closure (issue #5, sections 3
// and 4; guide-digest II.9–10, III). A person has one support professional
// beside them (for an adult an independent advocate, for a child the
// guardian already recorded), a needs assessment, an individual plan whose
// goals are the person's own words and carry their recorded agreement, and
// a risk assessment with a safety plan. Nothing is overwritten: every
// assessment and plan is a new version, and closing and reopening a record
// are rows, so the history stays readable.

// NeedAreas are the areas a needs assessment covers.
var NeedAreas = []string{"accommodation", "health", "psychological", "legal", "documents", "income", "education", "employment", "family", "safety", "other"}

// NeedLevels grade a need: how pressing it is.
var NeedLevels = []string{"none", "low", "medium", "high", "urgent"}

// GoalAreas are the areas a plan's goal belongs to, the social-inclusion
// ones (education, training, employment, housing) first.
var GoalAreas = []string{"education", "training", "employment", "housing", "health", "legal", "family", "safety", "other"}

// SupportLevels is how intensive support is; it tapers as independence grows.
var SupportLevels = []string{"intensive", "regular", "light", "follow_up"}

// RiskLevels grade a risk assessment.
var RiskLevels = []string{"low", "medium", "high"}

// RiskFactors are what a risk assessment may find.
var RiskFactors = []string{"contact_by_traffickers", "threats", "family_involvement", "debt_bondage", "re_trafficking", "self_harm", "health", "stigma", "other"}

// ClosureReasons are why a record is closed: the reasons named in issue #5
// §4. HTCDS v2.0 has no picklist for them: its field cas_ReasonForCaseClosure
// ("Reason for Case Closure") is Long Text, Custom, so these codes are ours;
// the note is that long text. HTCDS's case status picklist (cas_Status:
// Active, FollowUp, Closed, ClosedReferred) is what HTCDSCaseStatus maps to.
var ClosureReasons = []string{"reintegrated", "declined_services", "lost_contact", "transferred", "not_a_victim", "deceased"}

// ReopenReasons are why a closed record is opened again.
var ReopenReasons = []string{"re_trafficking", "new_needs", "person_request", "closed_in_error", "other"}

// FollowUpHow is how a follow-up contact after closure was made.
var FollowUpHow = []string{"in_person", "phone", "online", "through_other"}

// Limits of the support inputs.
const (
	MaxGoals       = 20
	MaxFollowUps   = 12
	MaxRiskFactors = 20
)

// HTCDSCaseStatus is the HTCDS cas_Status value of a record: Active while
// open, FollowUp while closed with follow-up still planned, ClosedReferred
// when closed by transfer to another organisation, Closed otherwise.
func HTCDSCaseStatus(closed bool, reason string, followUpPending bool) string {
	switch {
	case !closed:
		return "Active"
	case reason == "transferred":
		return "ClosedReferred"
	case followUpPending:
		return "FollowUp"
	}
	return "Closed"
}

// WorksRecord reports whether the actor works the record: its
// organisation, or assigned to it. Plans, assessments and follow-up are theirs.
func WorksRecord(rel Relation) bool { return rel.OwnOrg || rel.Assigned }

// CanCloseRecord reports whether the actor may close or reopen a record:
// those who work it, and the Responsible Authority, which keeps the register.
func CanCloseRecord(a *Actor, rel Relation) bool {
	return WorksRecord(rel) || a.Has(RoleRAOfficer)
}

// AdvocateInput records the independent advocate of an adult (for a child
// the guardian stands in this place: GuardianInput). Either a user of the
// system or a free-text name; the name and contact are encrypted.
type AdvocateInput struct {
	OrgID   string // the organisation they work for, if any
	UserID  string // the user, when the advocate has an account
	Role    string // their role, in short free text (not about the person)
	Name    string
	Contact string
}

// Validate checks the advocate's shape.
func (in *AdvocateInput) Validate() error {
	var es Errors
	if strings.TrimSpace(in.Name) == "" && in.UserID == "" {
		es = append(es, FieldError("name", "error.required"))
	}
	for f, v := range map[string]string{"name": in.Name, "contact": in.Contact, "role": in.Role} {
		if utf8.RuneCountInString(v) > MaxShortText {
			es = append(es, FieldError(f, "error.too_long", MaxShortText))
		}
	}
	sortErrors(es)
	return es.Err()
}

// NeedInput is one area of a needs assessment.
type NeedInput struct {
	Area  string
	Level string
	Note  string // encrypted with the person's key
}

// NeedsInput is a needs assessment: a new version each time.
type NeedsInput struct {
	On    string // the date of the assessment
	Needs []NeedInput
}

// Validate checks a needs assessment: known areas, each once, with a level.
func (in *NeedsInput) Validate(now time.Time) error {
	var es Errors
	if in.On == "" {
		es = append(es, FieldError("on", "error.required"))
	} else if e := validFullDate(in.On, now); e != nil {
		es = append(es, FieldError("on", e.Key, e.Args...))
	}
	if len(in.Needs) == 0 {
		es = append(es, FieldError("needs", "error.required"))
	}
	if len(in.Needs) > len(NeedAreas) {
		es = append(es, FieldError("needs", "error.too_many_items"))
	}
	seen := map[string]bool{}
	for _, n := range in.Needs {
		switch {
		case !slices.Contains(NeedAreas, n.Area):
			es = append(es, FieldError("area", "error.unknown_value"))
		case seen[n.Area]:
			es = append(es, FieldError("area", "error.duplicate_area"))
		}
		seen[n.Area] = true
		switch {
		case n.Level == "":
			es = append(es, FieldError("level", "error.required"))
		case !slices.Contains(NeedLevels, n.Level):
			es = append(es, FieldError("level", "error.unknown_value"))
		}
		if utf8.RuneCountInString(n.Note) > MaxNarrative {
			es = append(es, FieldError("note", "error.too_long", MaxNarrative))
		}
	}
	sortErrors(es)
	return es.Err()
}

// GoalInput is one goal of an individual plan, with the action that serves it.
type GoalInput struct {
	Area           string // one of GoalAreas
	Text           string // the goal in the person's own words (encrypted)
	Action         string // what is done towards it (encrypted)
	ResponsibleOrg string // the organisation responsible for the action
	DueOn          string // when the action is due
}

// PlanInput is a version of a person's individual plan.
type PlanInput struct {
	Revises      int // the version this one revises (0 for the first plan)
	SupportLevel string
	Goals        []GoalInput
	Agreed       bool   // the person agreed to the plan
	AgreedOn     string // when
	AgreedHow    string // written or oral
	AgreedLang   string // in what language it was explained and agreed
	ReviewOn     string // when the plan is to be reviewed
}

// Validate checks a plan version.
func (in *PlanInput) Validate(now time.Time) error {
	var es Errors
	switch {
	case in.SupportLevel == "":
		es = append(es, FieldError("support_level", "error.required"))
	case !slices.Contains(SupportLevels, in.SupportLevel):
		es = append(es, FieldError("support_level", "error.unknown_value"))
	}
	if len(in.Goals) == 0 {
		es = append(es, FieldError("goal_text", "error.required"))
	}
	if len(in.Goals) > MaxGoals {
		es = append(es, FieldError("goals", "error.too_many_items"))
	}
	for _, g := range in.Goals {
		if !slices.Contains(GoalAreas, g.Area) {
			es = append(es, FieldError("goal_area", "error.unknown_value"))
		}
		if strings.TrimSpace(g.Text) == "" {
			es = append(es, FieldError("goal_text", "error.required"))
		}
		for f, v := range map[string]string{"goal_text": g.Text, "goal_action": g.Action} {
			if utf8.RuneCountInString(v) > MaxNarrative {
				es = append(es, FieldError(f, "error.too_long", MaxNarrative))
			}
		}
		if g.DueOn != "" && !validDay(g.DueOn) {
			es = append(es, FieldError("due_on", "error.date_format"))
		}
	}
	if in.Agreed {
		if in.AgreedOn == "" {
			es = append(es, FieldError("agreed_on", "error.required"))
		} else if e := validFullDate(in.AgreedOn, now); e != nil {
			es = append(es, FieldError("agreed_on", e.Key, e.Args...))
		}
		if !slices.Contains(ConsentHow, in.AgreedHow) {
			es = append(es, FieldError("agreed_how", "error.required"))
		}
		if !ValidLanguage(in.AgreedLang) {
			es = append(es, FieldError("agreed_lang", "error.unknown_value"))
		}
	}
	switch {
	case in.ReviewOn == "":
		es = append(es, FieldError("review_on", "error.required"))
	case !validDay(in.ReviewOn):
		es = append(es, FieldError("review_on", "error.date_format"))
	}
	sortErrors(es)
	return es.Err()
}

// SafetyInput is a version of the risk assessment and safety plan.
type SafetyInput struct {
	Revises   int // the version this one revises (0 for the first)
	RiskLevel string
	Risks     []string // RiskFactors found
	Measures  string   // the safety plan itself (encrypted)
	ReviewOn  string   // the next review; a deadline runs to it
}

// Validate checks a safety plan version: the review is today or later.
func (in *SafetyInput) Validate(now time.Time) error {
	var es Errors
	switch {
	case in.RiskLevel == "":
		es = append(es, FieldError("risk_level", "error.required"))
	case !slices.Contains(RiskLevels, in.RiskLevel):
		es = append(es, FieldError("risk_level", "error.unknown_value"))
	}
	if len(in.Risks) > MaxRiskFactors {
		es = append(es, FieldError("risks", "error.too_many_items"))
	}
	for _, r := range in.Risks {
		if !slices.Contains(RiskFactors, r) {
			es = append(es, FieldError("risks", "error.unknown_value"))
			break
		}
	}
	if strings.TrimSpace(in.Measures) == "" {
		es = append(es, FieldError("measures", "error.required"))
	} else if utf8.RuneCountInString(in.Measures) > MaxNarrative {
		es = append(es, FieldError("measures", "error.too_long", MaxNarrative))
	}
	switch {
	case in.ReviewOn == "":
		es = append(es, FieldError("review_on", "error.required"))
	case !validDay(in.ReviewOn):
		es = append(es, FieldError("review_on", "error.date_format"))
	case in.ReviewOn < now.Format(time.DateOnly):
		es = append(es, FieldError("review_on", "error.date_not_past"))
	}
	sortErrors(es)
	return es.Err()
}

// CloseInput closes a record.
type CloseInput struct {
	Reason     string   // one of ClosureReasons
	On         string   // the date of closure
	Note       string   // HTCDS cas_ReasonForCaseClosure, free text (encrypted)
	FollowUpOn []string // planned follow-up dates
}

// Validate checks a closure.
func (in *CloseInput) Validate(now time.Time) error {
	var es Errors
	switch {
	case in.Reason == "":
		es = append(es, FieldError("closure_reason", "error.required"))
	case !slices.Contains(ClosureReasons, in.Reason):
		es = append(es, FieldError("closure_reason", "error.unknown_value"))
	}
	if in.On == "" {
		es = append(es, FieldError("closed_on", "error.required"))
	} else if e := validFullDate(in.On, now); e != nil {
		es = append(es, FieldError("closed_on", e.Key, e.Args...))
	}
	if utf8.RuneCountInString(in.Note) > MaxNarrative {
		es = append(es, FieldError("note", "error.too_long", MaxNarrative))
	}
	if len(in.FollowUpOn) > MaxFollowUps {
		es = append(es, FieldError("follow_up_on", "error.too_many_items"))
	}
	for _, d := range in.FollowUpOn {
		if !validDay(d) {
			es = append(es, FieldError("follow_up_on", "error.date_format"))
			break
		}
	}
	sortErrors(es)
	return es.Err()
}

// ReopenInput reopens a closed record.
type ReopenInput struct {
	Reason string // one of ReopenReasons
	Note   string // encrypted
}

// Validate checks a reopening.
func (in *ReopenInput) Validate() error {
	var es Errors
	switch {
	case in.Reason == "":
		es = append(es, FieldError("reopen_reason", "error.required"))
	case !slices.Contains(ReopenReasons, in.Reason):
		es = append(es, FieldError("reopen_reason", "error.unknown_value"))
	}
	if utf8.RuneCountInString(in.Note) > MaxNarrative {
		es = append(es, FieldError("note", "error.too_long", MaxNarrative))
	}
	sortErrors(es)
	return es.Err()
}

// FollowUpInput records a follow-up contact after closure.
type FollowUpInput struct {
	On   string
	How  string // one of FollowUpHow
	Note string // encrypted
}

// Validate checks a follow-up contact.
func (in *FollowUpInput) Validate(now time.Time) error {
	var es Errors
	if in.On == "" {
		es = append(es, FieldError("on", "error.required"))
	} else if e := validFullDate(in.On, now); e != nil {
		es = append(es, FieldError("on", e.Key, e.Args...))
	}
	switch {
	case in.How == "":
		es = append(es, FieldError("how", "error.required"))
	case !slices.Contains(FollowUpHow, in.How):
		es = append(es, FieldError("how", "error.unknown_value"))
	}
	if utf8.RuneCountInString(in.Note) > MaxNarrative {
		es = append(es, FieldError("note", "error.too_long", MaxNarrative))
	}
	sortErrors(es)
	return es.Err()
}

// validDay accepts a full date (YYYY-MM-DD), in the past or the future.
func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
