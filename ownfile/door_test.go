package ownfile

import (
	"context"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
)

// TestOwnFileThroughTheDoor: the file a case manager produces through the
// door, rendered in Albanian and in English, holds the person's data, their
// consent (without the guardian's name), their services and the shelter's
// reading of the record in the disclosure log.
func TestOwnFileThroughTheDoor(t *testing.T) {
	ctx := context.Background()
	e := testenv.Door(t, "sqlite")
	e.Org(t, "org-a", nrm.OrgSocialService)
	e.Org(t, "org-b", nrm.OrgNGOShelter)
	cm := e.User(t, "case.manager", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
	sp := e.User(t, "shelter.worker", "org-b", nrm.OrgNGOShelter, nrm.RoleServiceProvider)
	region, sex, nat, grp, story := "tirane", "female", "ALB", nrm.AgeAdult, "Më morën pasaportën."
	p, err := e.Door.CreatePerson(ctx, cm, nrm.PersonInput{Region: &region, Sex: &sex, Nationality: &nat, AgeGroup: &grp,
		Identity: &nrm.Identity{GivenName: "Drita", FamilyName: "Çela", BirthDate: "1998"}, Narrative: &story})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Door.RecordConsent(ctx, cm, p.ID, nrm.ConsentInput{Purpose: nrm.PurposeShare, Scope: nrm.ConsentIdentity, RecipientOrgs: []string{"org-b"},
		GivenBy: nrm.GivenByPerson, How: "written", Language: "sq", TextVersion: "2026.1", Explained: nrm.ExplainedPoints}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Door.GetPerson(ctx, sp, p.ID); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"sq": {"Të dhënat tuaja", "Pëlqimet tuaja", "Kush i pa të dhënat tuaja", "Drita", "Çela", "Org org-b", "Pa të dhënat tuaja."},
		"en": {"Your details", "Your consents", "Who saw your information", "Drita", "Çela", "Org org-b", "Looked at your information."},
	} {
		f, err := e.Door.OwnFile(ctx, cm, p.ID, lang)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(render(t, f), " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the own file lacks %q", lang, w)
			}
		}
	}
}
