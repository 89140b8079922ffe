package rules

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionShipped(t *testing.T) {
	for _, code := range Codes() {
		p := mustLoad(t, code)
		for _, k := range RetentionKinds {
			r, ok := p.Retention(k)
			if !ok {
				t.Fatalf("%s: no retention period for %s", code, k)
			}
			if !r.Verified && !strings.HasPrefix(r.Note, "unverified: ") {
				t.Errorf("%s: %s is unverified without saying why", code, k)
			}
		}
	}
	al := mustLoad(t, "AL")
	if r, _ := al.Retention(RetainDraft); r.Value != 30 || r.Unit != Days {
		t.Errorf("AL draft retention %v", r)
	}
	now := time.Date(2036, 5, 1, 12, 0, 0, 0, time.UTC)
	if got := (Period{Value: 10, Unit: Years}).Before(now); !got.Equal(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("10 years before %v = %v", now, got)
	}
	if got := (Period{Value: 2, Unit: Months}).Before(now); !got.Equal(time.Date(2036, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("2 months before = %v", got)
	}
}

func TestRetentionValidateNamesEveryBadField(t *testing.T) {
	p := mustLoad(t, "AL")
	p.RetentionPeriods = map[string]Period{
		RetainPerson:    {Value: 0, Unit: "fortnights", LegalRef: " "},
		RetainAnonymous: {Value: 101, Unit: Years, LegalRef: "x", Verified: true},
		"forever":       {Value: 1, Unit: Days, LegalRef: "x", Verified: true},
	}
	err := p.Validate()
	for _, field := range []string{"retention.person_after_last_activity.value", "retention.person_after_last_activity.unit",
		"retention.person_after_last_activity.legal_ref", "retention.person_after_last_activity.note",
		"retention.anonymous_notification.value", "retention.draft", "retention.forever"} {
		if err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("Validate() = %v; want it to name %s", err, field)
		}
	}
	// No retention object: valid, and nothing is erased.
	p.RetentionPeriods = nil
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Retention(RetainPerson); ok {
		t.Fatal("a profile without retention must not erase")
	}
	// An operator file with a misspelt field is refused by name.
	b := testProfile(t, func(m map[string]any) {
		m["retention"] = map[string]any{RetainDraft: map[string]any{"value": 1, "unit": "days", "legal_ref": "x", "verified": true, "period": 3}}
	})
	if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), "period") {
		t.Fatalf("Parse = %v, want the unknown field named", err)
	}
}
