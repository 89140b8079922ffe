package ownfile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
)

// TestOwnFileTimesAreTiranaTime: a file produced at 23:30 UTC on 6 December
// is 00:30 on 7 December in Tirana; the file prints the jurisdiction's time,
// not UTC as if it were local, and says which time it is.
func TestOwnFileTimesAreTiranaTime(t *testing.T) {
	ctx := context.Background()
	e := testenv.Door(t, "sqlite")
	clock := e.UseClock()
	clock.Advance(time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC).Sub(clock.Now()))
	e.Org(t, "org-a", nrm.OrgSocialService)
	cm := e.User(t, "case.manager", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
	region, sex, nat, grp := "tirane", "female", "ALB", nrm.AgeAdult
	p, err := e.Door.CreatePerson(ctx, cm, nrm.PersonInput{Region: &region, Sex: &sex, Nationality: &nat, AgeGroup: &grp})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"sq": {"7 dhjetor 2026, ora 00:30", "ora e Shqipërisë"},
		"en": {"7 December 2026 at 00:30", "Albanian time"},
	} {
		f, err := e.Door.OwnFile(ctx, cm, p.ID, lang)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(render(t, f), " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the own file lacks %q:\n%s", lang, w, text)
			}
		}
		if strings.Contains(text, "23:30") {
			t.Errorf("%s: the own file prints UTC (23:30) as if it were local", lang)
		}
	}
}
