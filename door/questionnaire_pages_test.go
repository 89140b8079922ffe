package door_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
)

// TestQuestionnaireToAnswer: the answer form's campaign is found by the
// organisations asked only, with the version it sent and whether it is open.
func TestQuestionnaireToAnswer(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		txt := map[string]string{"sq": "Në kohë?", "en": "On time?"}
		if _, err := w.Door.SaveQuestionnaire(ctx, w.ra, nrm.Questionnaire{Sections: map[string][]nrm.Question{"timeliness": {{Key: "on_time", Text: txt}}}}, ""); err != nil {
			t.Fatal(err)
		}
		now := w.Door.Now().In(w.Door.Profile().Location())
		today, later := now.Format(time.DateOnly), now.AddDate(0, 0, 10).Format(time.DateOnly)
		open, err := w.Door.CreateQuestionnaireCampaign(ctx, w.ra, nrm.QuestionnaireCampaign{Title: "Now", OpensOn: today, ClosesOn: today, Orgs: []string{"org-a"}})
		if err != nil {
			t.Fatal(err)
		}
		future, err := w.Door.CreateQuestionnaireCampaign(ctx, w.ra, nrm.QuestionnaireCampaign{Title: "Later", OpensOn: later, ClosesOn: later, Orgs: []string{"org-a"}})
		if err != nil {
			t.Fatal(err)
		}
		c, q, isOpen, err := w.Door.QuestionnaireToAnswer(ctx, w.cm, open.ID)
		if err != nil || !isOpen || c.Title != "Now" || c.Version != 1 || q.Sections["timeliness"][0].Key != "on_time" {
			t.Fatalf("asked organisation: %v %v %+v %+v", err, isOpen, c, q)
		}
		if _, _, isOpen, err := w.Door.QuestionnaireToAnswer(ctx, w.fr, future.ID); err != nil || isOpen {
			t.Errorf("future campaign: open %v, %v", isOpen, err)
		}
		for _, a := range []*nrm.Actor{w.cmB, w.ra, w.mon} {
			if _, _, _, err := w.Door.QuestionnaireToAnswer(ctx, a, open.ID); !errors.Is(err, nrm.ErrNotFound) {
				t.Errorf("%s of %s finds the campaign: %v", a.UserID, a.OrgID, err)
			}
		}
		if _, _, _, err := w.Door.QuestionnaireToAnswer(ctx, w.cm, "not-an-id"); !errors.Is(err, nrm.ErrNotFound) {
			t.Errorf("bad id: %v", err)
		}
	})
}
