package rules

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

func TestRecommendAlbanianRule(t *testing.T) {
	al := mustLoad(t, "AL")
	c := Indicators()
	const (
		a1 = "gen.deceived_job"        // A
		a2 = "ctl.false_promises"      // A
		b1 = "ctl.withholds_documents" // B
		c1 = "lab.no_or_low_pay"       // C
		c2 = "sex.forced_prostitution" // C
		v1 = "vul.poverty"             // no section
	)
	for _, tc := range []struct {
		name     string
		codes    []string
		child    bool
		meets    bool
		missing  []string
		sections map[string]int
		forms    []Form
		asChild  bool
	}{
		{"adult with A and C only", []string{a1, c1}, false, false, []string{"B"},
			map[string]int{"A": 1, "B": 0, "C": 1}, []Form{FormLabour}, false},
		{"adult with A, B and C", []string{a1, b1, c1}, false, true, nil,
			map[string]int{"A": 1, "B": 1, "C": 1}, []Form{FormLabour}, false},
		{"child with A and C", []string{a1, c1}, true, true, nil,
			map[string]int{"A": 1, "C": 1}, []Form{FormLabour}, true},
		{"child with C only", []string{c2}, true, false, []string{"A"},
			map[string]int{"A": 0, "C": 1}, []Form{FormSexual}, true},
		{"age uncertain: presumed child", []string{PresumedChild, a1, c1}, false, true, nil,
			map[string]int{"A": 1, "C": 1}, []Form{FormLabour}, true},
		{"duplicates count once", []string{a1, a1, a2, c1, c1, b1}, false, true, nil,
			map[string]int{"A": 2, "B": 1, "C": 1}, []Form{FormLabour}, false},
		{"vulnerabilities do not count", []string{v1, "vul.migration", "gnd.pregnancy"}, false, false, []string{"A", "B", "C"},
			map[string]int{"A": 0, "B": 0, "C": 0}, nil, false},
		{"nothing answered", nil, false, false, []string{"A", "B", "C"},
			map[string]int{"A": 0, "B": 0, "C": 0}, nil, false},
		{"several forms, control and general not listed", []string{a1, b1, c2, "beg.forced_begging", "ctl.takes_earnings"}, false, true, nil,
			map[string]int{"A": 1, "B": 1, "C": 3}, []Form{FormSexual, FormLabour, FormBegging}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := al.Recommend(c, tc.codes, tc.child)
			if err != nil {
				t.Fatal(err)
			}
			if r.Meets != tc.meets || r.Child != tc.asChild || !slices.Equal(r.Missing, tc.missing) ||
				!maps.Equal(r.Sections, tc.sections) || !slices.Equal(r.Forms, tc.forms) {
				t.Errorf("got %+v\nwant meets=%v child=%v missing=%v sections=%v forms=%v",
					r, tc.meets, tc.asChild, tc.missing, tc.sections, tc.forms)
			}
			if r.Profile != "AL" || r.CatalogueVersion != c.Version {
				t.Errorf("recommendation does not record profile and catalogue: %q %q", r.Profile, r.CatalogueVersion)
			}
		})
	}
}

func TestRecommendUnknownCode(t *testing.T) {
	al := mustLoad(t, "AL")
	_, err := al.Recommend(nil, []string{"gen.deceived_job", "gen.made_up"}, false)
	var ce *CodeError
	if !errors.As(err, &ce) || ce.Code != "gen.made_up" {
		t.Fatalf("error %v (%T), want *CodeError for gen.made_up", err, err)
	}
	if ce.Error() != `rules: unknown indicator code "gen.made_up"` {
		t.Errorf("message %q", ce.Error())
	}
}

func TestRecommendSectionWithoutIndicators(t *testing.T) {
	p, err := Parse(testProfile(t, func(m map[string]any) {
		m["threshold"] = map[string]any{"adult": []any{"A", "D"}, "child": []any{"A"}}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Recommend(Indicators(), []string{"gen.deceived_job"}, false); err == nil {
		t.Error("a rule needing section D, which no indicator answers, was accepted")
	}
	if r, err := p.Recommend(Indicators(), []string{"gen.deceived_job"}, true); err != nil || !r.Meets {
		t.Errorf("child rule A only: %+v, %v", r, err)
	}
}
