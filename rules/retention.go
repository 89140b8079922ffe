package rules

import (
	"fmt"
	"strings"
	"time"
)

// Retention (issue #4, point 5): how long each kind of record is kept
// before its personal data is erased. A profile without a "retention"
// object erases nothing; one with it must give every kind.

// Retention kinds.
const (
	// RetainPerson: a person's record, counted from its last activity.
	RetainPerson = "person_after_last_activity"
	// RetainAnonymous: a notification without identity (an adult refused consent).
	RetainAnonymous = "anonymous_notification"
	// RetainDraft: an unsent form draft, counted from its last save.
	RetainDraft = "draft"
)

// RetentionKinds lists every kind a retention object must give.
var RetentionKinds = []string{RetainPerson, RetainAnonymous, RetainDraft}

// Period units.
const (
	Days   Unit = "days"
	Months Unit = "months"
	Years  Unit = "years"
)

// MaxRetentionYears bounds a period, whatever its unit.
const MaxRetentionYears = 100

// Period is how long one kind of record is kept.
type Period struct {
	Value    int    `json:"value"`
	Unit     Unit   `json:"unit"`
	LegalRef string `json:"legal_ref"`
	Verified bool   `json:"verified"` // false where the period is a placeholder not read in the law
	Note     string `json:"note,omitempty"`
}

// days is the period's length in days, roughly, for bounds checks.
func (p Period) days() int {
	switch p.Unit {
	case Years:
		return p.Value * 366
	case Months:
		return p.Value * 31
	}
	return p.Value
}

// Before returns the cutoff: a record whose last activity is before it has
// been kept for the whole period at now.
func (p Period) Before(now time.Time) time.Time {
	switch p.Unit {
	case Years:
		return now.AddDate(-p.Value, 0, 0)
	case Months:
		return now.AddDate(0, -p.Value, 0)
	}
	return now.AddDate(0, 0, -p.Value)
}

// Retention returns the period of a kind; ok is false when the profile
// sets no retention (nothing is erased).
func (p *Profile) Retention(kind string) (Period, bool) {
	r, ok := p.RetentionPeriods[kind]
	return r, ok
}

func checkRetention(m map[string]Period, bad func(string, string, ...any)) {
	if m == nil {
		return
	}
	for _, k := range RetentionKinds {
		if _, ok := m[k]; !ok {
			bad("retention."+k, "missing (every kind needs a period once retention is set)")
		}
	}
	for _, k := range sortedKeys(m) {
		field := "retention." + k
		known := false
		for _, x := range RetentionKinds {
			known = known || x == k
		}
		if !known {
			bad(field, "unknown kind (use %s)", strings.Join(RetentionKinds, ", "))
			continue
		}
		r := m[k]
		switch r.Unit {
		case Days, Months, Years:
		default:
			bad(field+".unit", "unknown unit %q (use %q, %q or %q)", r.Unit, Days, Months, Years)
		}
		if r.Value < 1 {
			bad(field+".value", "must be at least 1, not %d", r.Value)
		} else if r.days() > MaxRetentionYears*366 {
			bad(field+".value", "%d %s is more than %d years", r.Value, r.Unit, MaxRetentionYears)
		}
		if strings.TrimSpace(r.LegalRef) == "" {
			bad(field+".legal_ref", `missing (write "none found" and explain in note if there is none)`)
		}
		if !r.Verified && !strings.HasPrefix(r.Note, "unverified: ") {
			bad(field+".note", `an unverified period needs a note starting "unverified: "`)
		}
	}
}

// String is the period as the report and the command line print it.
func (p Period) String() string { return fmt.Sprintf("%d %s", p.Value, p.Unit) }
