package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Tell it once (guide-digest §V–VI): every interview of a person is
// recorded — when, what for, who asked (and whether the interviewer was of
// the gender the person prefers), with what interpreter — so that the
// number of interviews shows, and a statement the person agreed to share
// can travel to the next organisation instead of a new interview.

// InterviewPurposes are what an interview is for.
var InterviewPurposes = []string{"identification", "investigation", "needs_assessment", "service_intake", "other"}

// MaxShareable bounds InterviewInput.ShareableWith.
const MaxShareable = 20

// InterviewInput records one interview of a person.
type InterviewInput struct {
	On                string // date of the interview
	Purpose           string // one of InterviewPurposes
	InterviewerGender string
	GenderReason      string // why the person's preferred gender could not be followed (encrypted)
	InterpreterLang   string // "" when no interpreter was needed
	Statement         string // what the person said, in free text (encrypted with the person's key)
	// ShareableWith names the organisations the person agreed may reuse the
	// statement instead of asking again. The statement still travels only
	// to an organisation currently allowed the narrative part of the record.
	ShareableWith []string
}

// Validate checks the interview against the person's preferred gender.
func (in *InterviewInput) Validate(now time.Time, preferredGender string) error {
	var es Errors
	if in.On == "" {
		es = append(es, FieldError("on", "error.required"))
	} else if e := validFullDate(in.On, now); e != nil {
		es = append(es, FieldError("on", e.Key, e.Args...))
	}
	switch {
	case in.Purpose == "":
		es = append(es, FieldError("purpose", "error.required"))
	case !slices.Contains(InterviewPurposes, in.Purpose):
		es = append(es, FieldError("purpose", "error.unknown_value"))
	}
	es = append(es, interviewerErrors(in.InterviewerGender, in.GenderReason, in.InterpreterLang, preferredGender)...)
	for f, v := range map[string]string{"statement": in.Statement, "gender_reason": in.GenderReason} {
		if utf8.RuneCountInString(v) > MaxNarrative {
			es = append(es, FieldError(f, "error.too_long", MaxNarrative))
		}
	}
	if len(in.ShareableWith) > MaxShareable {
		es = append(es, FieldError("shareable_with", "error.too_many_items"))
	}
	sortErrors(es)
	return es.Err()
}

// interviewerErrors checks who interviewed and in what language: the
// interviewer's gender must be known, and differ from the person's
// preference only with a recorded reason. Decisions and interviews share it.
func interviewerErrors(gender, reason, interpreterLang, preferredGender string) Errors {
	var es Errors
	if gender != "" && !slices.Contains(Genders, gender) {
		es = append(es, FieldError("interviewer_gender", "error.unknown_value"))
	}
	if GenderMismatch(gender, preferredGender) && strings.TrimSpace(reason) == "" {
		es = append(es, FieldError("gender_reason", "error.gender_reason"))
	}
	if interpreterLang != "" && !ValidLanguage(interpreterLang) {
		es = append(es, FieldError("interpreter_lang", "error.unknown_value"))
	}
	return es
}

// GenderMismatch reports whether an interviewer's gender departs from the
// person's stated preference.
func GenderMismatch(interviewer, preferred string) bool {
	return preferred != "" && preferred != "unknown" && interviewer != preferred
}
