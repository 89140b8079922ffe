package nrm

import (
	"time"
	"unicode/utf8"
)

// Status is where a person stands in identification (process.md §4, dimension 1).
type Status string

// Identification statuses.
const (
	StatusReferred        Status = "referred"          // referred, screening not yet conclusive
	StatusAtRisk          Status = "at_risk"           // person at risk of trafficking
	StatusPotentialVictim Status = "potential_victim"  // VMT: protection at once, no conditions
	StatusIdentified      Status = "identified_victim" // VT: formally identified by the joint panel
	StatusNotIdentified   Status = "not_identified"    // the panel decided otherwise; services continue until handover
)

// Statuses lists every status.
var Statuses = []Status{StatusReferred, StatusAtRisk, StatusPotentialVictim, StatusIdentified, StatusNotIdentified}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// AgeGroup is adult, child, or unknown. Unknown with any sign of a child is
// treated as a child (PresumedChild).
type AgeGroup string

// Age groups.
const (
	AgeAdult   AgeGroup = "adult"
	AgeChild   AgeGroup = "child"
	AgeUnknown AgeGroup = "unknown"
)

// Part is a part of a person's record that the policy decides on separately.
type Part string

// Parts of a record, from least to most sensitive.
const (
	PartSummary   Part = "summary"   // pseudonymous code, status, age group, sex, nationality, region
	PartIdentity  Part = "identity"  // names, aliases, birth date, documents, contact, address
	PartNarrative Part = "narrative" // the account of what happened
)

// Parts lists every part.
var Parts = []Part{PartSummary, PartIdentity, PartNarrative}

// Person is the record of someone referred into the NRM. Summary fields are
// stored in clear for the register and statistics; Identity and Narrative
// are encrypted per field and present only when the reader may see them.
type Person struct {
	ID            string
	Code          string // pseudonymous register code shown everywhere instead of a name
	OwnerOrgID    string
	Region        string
	Status        Status
	AgeGroup      AgeGroup
	PresumedChild bool // age in doubt with a sign of a child: treated as a child
	Sex           string
	Nationality   string
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64

	// Identification and protection (summary part: codes and times, never identity).
	AgeBasis        string // declared, assessed, uncertain
	AgeYears        int    // -1 when unknown
	AgeAssessedAt   time.Time
	AgeMethod       string
	Gender          string
	Nationalities   []string
	Languages       []string
	Interpreter     bool
	PreferredGender string
	Foreign         bool // a foreign national: the reflection period applies
	Anonymous       bool // an adult refused consent: a notification without identity
	FirstContactAt  time.Time
	PotentialAt     time.Time // when the person became a potential victim
	DecidedAt       time.Time // when the panel's decision took effect
	ReflectionStart time.Time
	ReflectionEnd   time.Time
	GuardianAt      time.Time // when a guardian or child-protection worker was recorded
	Forms           []string  // forms of exploitation the screening suggested
	NonPunishment   bool      // offences linked to the trafficking situation are flagged
	JusticeNote     *string   // the non-punishment note, for justice roles only
	Duplicate       bool      // flagged as a possible duplicate at intake
	MergedInto      string
	RegisteredAt    time.Time // registered by the Responsible Authority

	// Retention (summary part).
	LegalHold bool      // erasure is stopped (a legal hold by the Responsible Authority or the DPO)
	ErasedAt  time.Time // when identity and narrative were crypto-shredded; zero while kept

	Identity  *Identity // nil when not disclosed to the reader
	Narrative *string   // nil when not disclosed to the reader
	Parts     []Part    // what the reader was shown
}

// ReflectionRunning reports whether the recovery and reflection period runs at t.
func (p *Person) ReflectionRunning(t time.Time) bool {
	return !p.ReflectionStart.IsZero() && t.Before(p.ReflectionEnd)
}

// IsChild reports whether the person is treated as a child.
func (p *Person) IsChild() bool { return p.AgeGroup == AgeChild || p.PresumedChild }

// Identity holds the fields that identify a person. Every one is optional.
type Identity struct {
	GivenName  string
	FamilyName string
	Aliases    []string
	BirthDate  string // YYYY, YYYY-MM or YYYY-MM-DD: partial dates are the norm
	DocNumber  string
	Phone      string
	Address    string
}

// Sexes known to the record (HTCDS vic_Gender picklist, simplified).
var Sexes = []string{"female", "male", "other", "unknown"}

// PersonInput is what a referral or an edit may set. Nil means unchanged.
type PersonInput struct {
	Region        *string
	Status        *Status
	AgeGroup      *AgeGroup
	PresumedChild *bool
	Sex           *string
	Nationality   *string
	Identity      *Identity
	Narrative     *string
}

// Limits on free text, so a hostile client cannot fill the disk through a field.
const (
	MaxShortText = 200
	MaxNarrative = 20000
)

// Validate checks the input against the clock now, naming every field at fault.
func (in *PersonInput) Validate(now time.Time) error {
	var es Errors
	if in.Region != nil && *in.Region != "" && !ValidRegion(*in.Region) {
		es = append(es, FieldError("region", "error.unknown_value"))
	}
	if in.Status != nil && !in.Status.Valid() {
		es = append(es, FieldError("status", "error.unknown_value"))
	}
	if in.AgeGroup != nil {
		switch *in.AgeGroup {
		case AgeAdult, AgeChild, AgeUnknown:
		default:
			es = append(es, FieldError("age_group", "error.unknown_value"))
		}
	}
	if in.Sex != nil && *in.Sex != "" {
		ok := false
		for _, s := range Sexes {
			ok = ok || s == *in.Sex
		}
		if !ok {
			es = append(es, FieldError("sex", "error.unknown_value"))
		}
	}
	if in.Nationality != nil && *in.Nationality != "" && !ValidCountry(*in.Nationality) {
		es = append(es, FieldError("nationality", "error.unknown_value"))
	}
	if id := in.Identity; id != nil {
		for field, v := range map[string]string{
			"given_name": id.GivenName, "family_name": id.FamilyName, "doc_number": id.DocNumber,
			"phone": id.Phone, "address": id.Address,
		} {
			if utf8.RuneCountInString(v) > MaxShortText || !utf8.ValidString(v) {
				es = append(es, FieldError(field, "error.too_long", MaxShortText))
			}
		}
		if len(id.Aliases) > 20 {
			es = append(es, FieldError("aliases", "error.too_many"))
		}
		for _, a := range id.Aliases {
			if utf8.RuneCountInString(a) > MaxShortText || !utf8.ValidString(a) {
				es = append(es, FieldError("aliases", "error.too_long", MaxShortText))
				break
			}
		}
		if id.BirthDate != "" {
			if err := ValidatePartialDate(id.BirthDate, now); err != nil {
				err.Field = "birth_date"
				es = append(es, err)
			}
		}
	}
	if in.Narrative != nil && (utf8.RuneCountInString(*in.Narrative) > MaxNarrative || !utf8.ValidString(*in.Narrative)) {
		es = append(es, FieldError("narrative", "error.too_long", MaxNarrative))
	}
	// Sort for a stable error summary (map iteration above is random).
	sortErrors(es)
	return es.Err()
}

// ValidatePartialDate accepts YYYY, YYYY-MM or YYYY-MM-DD, not in the future
// and not before 1900.
func ValidatePartialDate(s string, now time.Time) *Error {
	layouts := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}
	layout, ok := layouts[len(s)]
	if !ok {
		return FieldError("", "error.date_format")
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return FieldError("", "error.date_format")
	}
	if t.After(now) {
		return FieldError("", "error.date_future")
	}
	if t.Year() < 1900 {
		return FieldError("", "error.date_past")
	}
	return nil
}

// BirthYear returns the year of a partial date, or "".
func BirthYear(partial string) string {
	if len(partial) >= 4 {
		return partial[:4]
	}
	return ""
}

func sortErrors(es Errors) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Field < es[j-1].Field; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
