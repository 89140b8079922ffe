package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Return and reintegration (issue #5, section 5; guide-digest III): a
// return is organised only on the person's own request and after a
// recorded risk assessment, never during the reflection period unless the
// person asks; for a child a family and social assessment and a
// best-interests decision by the child protection structure, with the
// child's views, come before any return or reunification. Family members
// and dependants at risk are recorded as linked persons who may be
// referred as records of their own.

// ReturnRiskOutcomes are the outcomes of a return risk assessment.
var ReturnRiskOutcomes = []string{"low", "medium", "high"}

// Child return assessment kinds.
const (
	ChildFamilyAssessment = "family_social"  // the family and social assessment
	ChildBestInterests    = "best_interests" // the best-interests decision
)

// ChildAssessmentKinds lists the kinds.
var ChildAssessmentKinds = []string{ChildFamilyAssessment, ChildBestInterests}

// Best-interests decisions on a return or reunification.
const (
	BestInterestsReturn   = "return"    // a return or reunification is in the child's best interests
	BestInterestsNoReturn = "no_return" // it is not
)

// BestInterestsDecisions lists them.
var BestInterestsDecisions = []string{BestInterestsReturn, BestInterestsNoReturn}

// LinkRelationships are how a linked person stands to the person.
var LinkRelationships = []string{"child", "partner", "parent", "sibling", "other_dependant"}

// ReturnOrganising reports whether a return kind organises or carries out
// a return (every kind but the authority's removal order, which is recorded
// as a fact so that it can be answered).
func ReturnOrganising(kind string) bool { return kind != "removal_order" }

// ReturnRiskAssessment is a risk assessment before a return.
type ReturnRiskAssessment struct {
	On      string // date
	Outcome string // low, medium, high
	Note    string // encrypted
}

// Validate checks the assessment.
func (r *ReturnRiskAssessment) Validate(now time.Time) error {
	var es Errors
	es = append(es, dateErrors("on", r.On, now, true)...)
	es = append(es, codeErrors("outcome", r.Outcome, ReturnRiskOutcomes)...)
	es = append(es, lenErrors("note", r.Note, MaxNarrative)...)
	sortErrors(es)
	return es.Err()
}

// ChildReturnAssessment is a child's family and social assessment or a
// best-interests decision on a return or reunification.
type ChildReturnAssessment struct {
	Kind       string
	On         string
	Decision   string // best interests only: return or no_return
	ChildViews string // best interests only, required: the child's own views (encrypted)
	Note       string // encrypted
}

// Validate checks the assessment.
func (c *ChildReturnAssessment) Validate(now time.Time) error {
	var es Errors
	es = append(es, codeErrors("kind", c.Kind, ChildAssessmentKinds)...)
	es = append(es, dateErrors("on", c.On, now, true)...)
	if c.Kind == ChildBestInterests {
		es = append(es, codeErrors("decision", c.Decision, BestInterestsDecisions)...)
		if strings.TrimSpace(c.ChildViews) == "" {
			es = append(es, FieldError("child_views", "error.child_views"))
		}
	}
	if c.Kind == ChildFamilyAssessment && strings.TrimSpace(c.Note) == "" {
		es = append(es, FieldError("note", "error.required"))
	}
	es = append(es, lenErrors("child_views", c.ChildViews, MaxNarrative)...)
	es = append(es, lenErrors("note", c.Note, MaxNarrative)...)
	sortErrors(es)
	return es.Err()
}

// ReceivingContact is a contact in the country of return.
type ReceivingContact struct {
	Organisation string // the receiving organisation (not personal)
	Country      string // ISO 3166-1 alpha-3
	Contact      string // a named person, phone or address: encrypted
}

// Validate checks the contact.
func (c *ReceivingContact) Validate() error {
	var es Errors
	if strings.TrimSpace(c.Organisation) == "" {
		es = append(es, FieldError("organisation", "error.required"))
	}
	es = append(es, lenErrors("organisation", c.Organisation, MaxShortText)...)
	if c.Country == "" {
		es = append(es, FieldError("country", "error.required"))
	} else if !ValidCountry(c.Country) {
		es = append(es, FieldError("country", "error.unknown_value"))
	}
	es = append(es, lenErrors("contact", c.Contact, MaxShortText)...)
	sortErrors(es)
	return es.Err()
}

// LinkInput records a family member or dependant of the person.
type LinkInput struct {
	Relationship string
	AtRisk       bool
	Name         string // identity-level, encrypted with the person's key
	Note         string // narrative-level, encrypted
}

// Validate checks the link.
func (l *LinkInput) Validate() error {
	var es Errors
	es = append(es, codeErrors("relationship", l.Relationship, LinkRelationships)...)
	es = append(es, lenErrors("name", l.Name, MaxShortText)...)
	es = append(es, lenErrors("note", l.Note, MaxNarrative)...)
	sortErrors(es)
	return es.Err()
}

// codeErrors requires a value from a code list.
func codeErrors(field, v string, list []string) Errors {
	switch {
	case v == "":
		return Errors{FieldError(field, "error.required")}
	case !slices.Contains(list, v):
		return Errors{FieldError(field, "error.unknown_value")}
	}
	return nil
}

// dateErrors checks a YYYY-MM-DD date; past dates only unless future is allowed.
func dateErrors(field, v string, now time.Time, required bool) Errors {
	if v == "" {
		if required {
			return Errors{FieldError(field, "error.required")}
		}
		return nil
	}
	if e := validFullDate(v, now); e != nil {
		return Errors{FieldError(field, e.Key, e.Args...)}
	}
	return nil
}

// anyDateErrors checks a YYYY-MM-DD date that may lie in the future.
func anyDateErrors(field, v string, required bool) Errors {
	if v == "" {
		if required {
			return Errors{FieldError(field, "error.required")}
		}
		return nil
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		return Errors{FieldError(field, "error.date_format")}
	}
	return nil
}

func lenErrors(field, v string, max int) Errors {
	if utf8.RuneCountInString(v) > max {
		return Errors{FieldError(field, "error.too_long", max)}
	}
	return nil
}
