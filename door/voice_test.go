package door_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

func TestFeedbackSuppressionBelowK(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		c, err := w.Door.CreateFeedbackCampaign(ctx, w.cm, "Shelter exit")
		if err != nil {
			t.Fatal(err)
		}
		if !nrm.ValidFeedbackCode(c.Code) {
			t.Fatalf("code %q", c.Code)
		}
		if _, err := w.Door.CreateFeedbackCampaign(ctx, w.mon, "x"); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("monitor creates a link: %v", err)
		}
		// Nothing answered: refused, with the field named.
		if err := w.Door.SubmitFeedback(ctx, c.Code, nrm.FeedbackInput{Lang: "en"}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("empty answer: %v", err)
		}
		if err := w.Door.SubmitFeedback(ctx, "nosuchcode", nrm.FeedbackInput{Lang: "en", Ratings: map[string]int{"safe": 3}}); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		// Four answers: below k, every distribution suppressed, no comment shown.
		for i := range 4 {
			in := nrm.FeedbackInput{Lang: "sq", Ratings: map[string]int{"safe": 5, "listened": 4}}
			if i == 0 {
				in.Comment = "Stafi ishte i sjellshëm"
			}
			if err := w.Door.SubmitFeedback(ctx, c.Code, in); err != nil {
				t.Fatal(err)
			}
		}
		res, err := w.Door.FeedbackResults(ctx, w.ra, door.FeedbackScope{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 4 || len(res.Comments) != 0 || len(res.Langs) != 0 {
			t.Fatalf("below k: %+v", res)
		}
		for _, q := range res.Questions {
			if !q.Suppressed || q.N != 0 || q.Counts != [5]int{} {
				t.Fatalf("below k shown: %+v", q)
			}
		}
		// The fifth answer reaches k for "safe"; "listened" still has 4.
		if err := w.Door.SubmitFeedback(ctx, c.Code, nrm.FeedbackInput{Lang: "en", Ratings: map[string]int{"safe": 2}}); err != nil {
			t.Fatal(err)
		}
		res, err = w.Door.FeedbackResults(ctx, w.mon, door.FeedbackScope{OrgID: "org-a"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]nrm.Distribution{}
		for _, q := range res.Questions {
			got[q.Key] = q
		}
		if s := got["safe"]; s.Suppressed || s.N != 5 || s.Counts != [5]int{0, 1, 0, 0, 4} || s.Mean != 4.4 {
			t.Fatalf("safe: %+v", s)
		}
		if !got["listened"].Suppressed || !got["helped"].Suppressed {
			t.Fatalf("listened/helped: %+v", got)
		}
		if len(res.Comments) != 1 || res.Comments[0] != "Stafi ishte i sjellshëm" || res.Langs["sq"] != 4 || res.Langs["en"] != 1 {
			t.Fatalf("at k: %+v", res)
		}
		// Only those who read results may; each read is audited.
		if _, err := w.Door.FeedbackResults(ctx, w.cm, door.FeedbackScope{CampaignID: c.ID}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("case manager reads results: %v", err)
		}
		if n := auditCount(t, w, c.ID, door.ActFeedbackRead, "ok"); n != 1 {
			t.Fatalf("audited reads of the campaign: %d", n)
		}
		// What is stored: date only, the comment sealed, and no audit entry of any answer.
		err = w.DB.View(ctx, func(tx *store.Tx) error {
			var day string
			var ct []byte
			if err := tx.QueryRow(ctx, `SELECT answered_on, comment FROM feedback_answers WHERE comment IS NOT NULL`).Scan(&day, &ct); err != nil {
				return err
			}
			if len(day) != 10 || strings.Contains(string(ct), "sjellshëm") {
				t.Errorf("stored day %q, comment in clear: %v", day, strings.Contains(string(ct), "sjellshëm"))
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'feedback.%' AND action <> 'feedback.results' AND action <> 'feedback.campaign'`).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("anonymous answers audited: %d", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAdvisoryStatusHistory(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		if _, err := w.Door.AddAdvisory(ctx, w.cm, nrm.AdvisoryInput{MeetingOn: "2025-03-01", Theme: "assistance", Body: "x"}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("case manager keeps the register: %v", err)
		}
		_, err := w.Door.AddAdvisory(ctx, w.ra, nrm.AdvisoryInput{MeetingOn: "2999-01-01", Theme: "nope", Body: ""})
		var es nrm.Errors
		if !errors.As(err, &es) || len(es) != 3 {
			t.Fatalf("validation: %v", err)
		}
		rec, err := w.Door.AddAdvisory(ctx, w.ra, nrm.AdvisoryInput{MeetingOn: "2025-03-01", Theme: "assistance", Body: "Shelters should allow phones."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.UpdateAdvisory(ctx, w.ra, rec.ID, nrm.AdvisoryUpdate{Status: nrm.AdvisoryPresented}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("presented without who and when: %v", err)
		}
		if _, err := w.Door.UpdateAdvisory(ctx, w.ra, rec.ID, nrm.AdvisoryUpdate{Status: nrm.AdvisoryPresented, PresentedBy: "Board members A and B", PresentedOn: "2025-04-10"}); err != nil {
			t.Fatal(err)
		}
		got, err := w.Door.UpdateAdvisory(ctx, w.ra, rec.ID, nrm.AdvisoryUpdate{Status: nrm.AdvisoryPartlyAccepted, Response: "Phones allowed after the first week.", Note: "Working group, April"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != nrm.AdvisoryPartlyAccepted || got.PresentedBy != "Board members A and B" || got.Response == "" {
			t.Fatalf("rec: %+v", got)
		}
		var sts []string
		for _, h := range got.History {
			sts = append(sts, h.Status)
		}
		if strings.Join(sts, ",") != "proposed,presented,partly_accepted" || got.History[2].Note != "Working group, April" {
			t.Fatalf("history: %+v", got.History)
		}
		list, err := w.Door.AdvisoryRecs(ctx, w.mon)
		if err != nil || len(list) != 1 || len(list[0].History) != 3 {
			t.Fatalf("list: %v %+v", err, list)
		}
		if _, err := w.Door.UpdateAdvisory(ctx, w.ra, strings.Repeat("ab", 16), nrm.AdvisoryUpdate{Status: nrm.AdvisoryRejected}); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if n := auditCount(t, w, rec.ID, door.ActAdvisoryUpdate, "ok"); n != 2 {
			t.Fatalf("audited updates: %d", n)
		}
	})
}

func TestQuestionnaireVersionsAndCampaign(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		txt := func(s string) map[string]string { return map[string]string{"sq": s, "en": s} }
		v1 := nrm.Questionnaire{Sections: map[string][]nrm.Question{
			"timeliness":          {{Key: "on_time", Text: txt("Referrals are handled on time")}},
			"training_capacity":   {{Key: "trained", Text: txt("Staff are trained")}, {Key: "materials", Text: txt("Materials")}},
			"initial_information": {{Key: "clear", Text: txt("Clear")}},
		}}
		if _, err := w.Door.SaveQuestionnaire(ctx, w.cm, v1, ""); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("case manager edits: %v", err)
		}
		q1, err := w.Door.SaveQuestionnaire(ctx, w.ra, v1, "first")
		if err != nil {
			t.Fatal(err)
		}
		v2 := v1
		v2.Sections = map[string][]nrm.Question{"timeliness": {{Key: "on_time", Text: txt("On time?")}}}
		q2, err := w.Door.SaveQuestionnaire(ctx, w.ra, v2, "shorter")
		if err != nil {
			t.Fatal(err)
		}
		if q1.Version != 1 || q2.Version != 2 {
			t.Fatalf("versions %d %d", q1.Version, q2.Version)
		}
		old, err := w.Door.Questionnaire(ctx, w.cm, 1)
		if err != nil || len(old.Sections) != 3 {
			t.Fatalf("version 1 kept: %v %+v", err, old)
		}
		today := w.Door.Now().In(w.Door.Profile().Location()).Format("2006-01-02")
		c, err := w.Door.CreateQuestionnaireCampaign(ctx, w.ra, nrm.QuestionnaireCampaign{Version: 1, Title: "2025", OpensOn: today, ClosesOn: today, Orgs: []string{"org-a", "org-b"}})
		if err != nil {
			t.Fatal(err)
		}
		ans := map[string]map[string]int{"timeliness": {"on_time": 2}, "training_capacity": {"trained": 4, "materials": 5}}
		// Five social-service users and one NGO user answer; one answers twice (replaced).
		for i := range 5 {
			u := w.cm
			if i > 0 {
				u = w.User(t, "ss"+string(rune('a'+i)), "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
			}
			if err := w.Door.AnswerQuestionnaire(ctx, u, c.ID, ans); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Door.AnswerQuestionnaire(ctx, w.cm, c.ID, map[string]map[string]int{"timeliness": {"on_time": 2}, "training_capacity": {"trained": 4, "materials": 5}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.AnswerQuestionnaire(ctx, w.sp, c.ID, map[string]map[string]int{"timeliness": {"on_time": 5}}); err != nil {
			t.Fatal(err)
		}
		// Not asked: answers as missing. Unknown question: refused.
		if err := w.Door.AnswerQuestionnaire(ctx, w.ra, c.ID, ans); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("organisation not asked: %v", err)
		}
		if err := w.Door.AnswerQuestionnaire(ctx, w.sp, c.ID, map[string]map[string]int{"timeliness": {"nope": 3}}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("unknown question: %v", err)
		}
		res, err := w.Door.QuestionnaireResults(ctx, w.mon, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]nrm.SectionResult{}
		for _, r := range res {
			got[r.Section+"/"+r.OrgType] = r
		}
		if r := got["timeliness/"]; r.Suppressed || r.N != 6 || r.Mean != 2.5 {
			t.Fatalf("timeliness all: %+v", r)
		}
		if r := got["timeliness/social_service"]; r.Suppressed || r.N != 5 || r.Mean != 2 {
			t.Fatalf("timeliness social service: %+v", r)
		}
		if r := got["timeliness/ngo_shelter"]; !r.Suppressed || r.N != 0 || r.Mean != 0 {
			t.Fatalf("a group of one is shown: %+v", r)
		}
		if r := got["training_capacity/social_service"]; r.N != 5 || r.Mean != 4.5 {
			t.Fatalf("training: %+v", r)
		}
		if r := got["recommendations/"]; r.N != 0 || r.Suppressed {
			t.Fatalf("unanswered section: %+v", r)
		}
		if _, err := w.Door.QuestionnaireResults(ctx, w.cm, c.ID); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("case manager reads results: %v", err)
		}
	})
}
