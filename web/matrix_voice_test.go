package web

import (
	"context"
	"testing"

	"github.com/nrm-org/nrm"
)

// voiceRows are the authorization matrix rows of the voices (issue #6
// points 5–7). The feedback form is public: every role, signed in or not,
// gets the same form (see TestFeedbackFormAnonymous for the logged-out run).
func voiceRows[R any](t *testing.T, w *matrixWorld, rows map[string]R, mk func(method, path, body string, json bool, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing expect) {
	ctx := context.Background()
	cm := &nrm.Actor{UserID: "matrix-cm", OrgID: "org-a", OrgType: nrm.OrgSocialService, Roles: []nrm.Role{nrm.RoleCaseManager}}
	ra := &nrm.Actor{UserID: "matrix-ra", OrgID: "org-ra", OrgType: nrm.OrgResponsibleAuthority, Roles: []nrm.Role{nrm.RoleRAOfficer}}
	c, err := w.door.CreateFeedbackCampaign(ctx, cm, "Matrix link")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := w.door.AddAdvisory(ctx, ra, nrm.AdvisoryInput{MeetingOn: "2025-01-10", Theme: "assistance", Body: "Matrix recommendation"})
	if err != nil {
		t.Fatal(err)
	}
	txt := map[string]string{"sq": "Pyetje", "en": "Question"}
	if _, err := w.door.SaveQuestionnaire(ctx, ra, nrm.Questionnaire{Sections: map[string][]nrm.Question{"timeliness": {{Key: "on_time", Text: txt}}}}, ""); err != nil {
		t.Fatal(err)
	}
	today := w.door.Now().In(w.door.Profile().Location()).Format("2006-01-02")
	qc, err := w.door.CreateQuestionnaireCampaign(ctx, ra, nrm.QuestionnaireCampaign{Title: "Matrix", OpensOn: today, ClosesOn: today, Orgs: []string{"org-a"}})
	if err != nil {
		t.Fatal(err)
	}
	ok := expect{200, nil, []string{w.name, w.acc}}
	set := func(e expect, roles ...nrm.Role) map[nrm.Role]expect {
		m := map[nrm.Role]expect{}
		for _, r := range roles {
			m[r] = e
		}
		return m
	}
	runners := []nrm.Role{nrm.RoleFirstResponder, nrm.RoleCaseManager, nrm.RoleServiceProvider, nrm.RoleRAOfficer, nrm.RoleCoordinator}
	readers := []nrm.Role{nrm.RoleRAOfficer, nrm.RoleCoordinator, nrm.RoleMonitor}
	keepers := []nrm.Role{nrm.RoleRAOfficer, nrm.RoleCoordinator}
	all := func(e expect) map[nrm.Role]expect { return byRole(e, nil) }
	listers := set(ok, append(runners, nrm.RoleMonitor)...)

	rows["GET /f/{code}"] = mk("GET", "/f/"+c.Code, "", false, all(expect{200, []string{`data-testid="fb-form"`}, []string{w.name, w.acc}}))
	rows["POST /f/{code}"] = mk("POST", "/f/"+c.Code, "safe=4", false, all(expect{303, nil, nil}))
	rows["GET /f/{code}/thanks"] = mk("GET", "/f/"+c.Code+"/thanks", "", false, all(expect{200, []string{`data-testid="fb-thanks"`}, nil}))
	rows["GET /feedback"] = mk("GET", "/feedback", "", false, byRole(forbidden, listers))
	rows["POST /feedback"] = mk("POST", "/feedback", "title=", false, byRole(forbidden, set(expect{422, []string{"error-summary"}, nil}, runners...)))
	rows["GET /feedback/{code}/qr.svg"] = mk("GET", "/feedback/"+c.Code+"/qr.svg", "", false, byRole(forbidden, set(expect{200, []string{"<svg"}, nil}, append(runners, nrm.RoleMonitor)...)))
	rows["GET /feedback/results"] = mk("GET", "/feedback/results?campaign="+c.ID, "", false, byRole(forbidden, set(expect{200, []string{`data-testid="fb-results"`}, nil}, readers...)))
	rows["GET /advisory"] = mk("GET", "/advisory", "", false, byRole(forbidden, set(expect{200, []string{"Matrix recommendation"}, nil}, readers...)))
	rows["POST /advisory"] = mk("POST", "/advisory", "meeting_on=", false, byRole(forbidden, set(expect{422, []string{"error-summary"}, nil}, keepers...)))
	rows["POST /advisory/{id}"] = mk("POST", "/advisory/"+rec.ID, "status=nope", false, byRole(forbidden, set(expect{422, []string{"error-summary"}, nil}, keepers...)))

	rows["GET /api/v1/feedback/campaigns"] = mk("GET", "/api/v1/feedback/campaigns", "", true, byRole(forbidden, listers))
	rows["POST /api/v1/feedback/campaigns"] = mk("POST", "/api/v1/feedback/campaigns", `{"title":""}`, true, byRole(forbidden, set(expect{400, nil, nil}, runners...)))
	rows["GET /api/v1/feedback/results"] = mk("GET", "/api/v1/feedback/results?campaign="+c.ID, "", true, byRole(forbidden, set(expect{200, []string{`"questions"`}, nil}, readers...)))
	rows["GET /api/v1/advisory"] = mk("GET", "/api/v1/advisory", "", true, byRole(forbidden, set(expect{200, []string{"Matrix recommendation"}, nil}, readers...)))
	rows["POST /api/v1/advisory"] = mk("POST", "/api/v1/advisory", `{}`, true, byRole(forbidden, set(expect{400, nil, nil}, keepers...)))
	rows["POST /api/v1/advisory/{id}/status"] = mk("POST", "/api/v1/advisory/"+rec.ID+"/status", `{"status":"nope"}`, true, byRole(forbidden, set(expect{400, nil, nil}, keepers...)))
	rows["GET /api/v1/questionnaire"] = mk("GET", "/api/v1/questionnaire", "", true, all(expect{200, []string{`"timeliness"`}, nil}))
	rows["POST /api/v1/questionnaire"] = mk("POST", "/api/v1/questionnaire", `{}`, true, byRole(forbidden, set(expect{400, nil, nil}, keepers...)))
	rows["GET /api/v1/questionnaire/campaigns"] = mk("GET", "/api/v1/questionnaire/campaigns", "", true, all(expect{200, nil, nil}))
	rows["POST /api/v1/questionnaire/campaigns"] = mk("POST", "/api/v1/questionnaire/campaigns", `{}`, true, byRole(forbidden, set(expect{400, nil, nil}, keepers...)))
	// Only the organisations asked may answer; the rest find no campaign.
	rows["POST /api/v1/questionnaire/campaigns/{id}/answers"] = mk("POST", "/api/v1/questionnaire/campaigns/"+qc.ID+"/answers", `{"answers":{}}`, true,
		byRole(missing, set(expect{400, nil, nil}, nrm.RoleFirstResponder, nrm.RoleCaseManager)))
	rows["GET /api/v1/questionnaire/campaigns/{id}/results"] = mk("GET", "/api/v1/questionnaire/campaigns/"+qc.ID+"/results", "", true,
		byRole(forbidden, set(expect{200, []string{`"results"`}, nil}, readers...)))

	// The questionnaire's pages (questionnaire_pages.go): the same door, so the
	// same answers as the API. Everyone reads the questions; only the
	// organisations asked are offered (and get) the answer form.
	asked := expect{200, []string{`data-testid="q-section-timeliness"`, `data-testid="q-answer-link"`}, []string{w.name, w.acc}}
	rows["GET /questionnaire"] = mk("GET", "/questionnaire", "", false, byRole(expect{200, []string{`data-testid="q-section-timeliness"`}, []string{`data-testid="q-answer-link"`, w.name, w.acc}},
		set(asked, nrm.RoleFirstResponder, nrm.RoleCaseManager)))
	rows["GET /questionnaire/edit"] = mk("GET", "/questionnaire/edit", "", false, byRole(forbidden, set(expect{200, []string{`data-testid="q-edit-sections"`}, nil}, keepers...)))
	rows["POST /questionnaire/edit"] = mk("POST", "/questionnaire/edit", "section=timeliness&rows=1&key-0=on_time&sq-0=&en-0=Question", false,
		byRole(forbidden, set(expect{422, []string{"error-summary", `href="#sq-0"`}, nil}, keepers...)))
	rows["GET /questionnaire/campaigns/new"] = mk("GET", "/questionnaire/campaigns/new", "", false, byRole(forbidden, set(expect{200, []string{`data-testid="q-campaign-form"`}, nil}, keepers...)))
	rows["POST /questionnaire/campaigns/new"] = mk("POST", "/questionnaire/campaigns/new", "title=", false, byRole(forbidden, set(expect{422, []string{"error-summary", `href="#title"`}, nil}, keepers...)))
	rows["GET /questionnaire/campaigns/{id}/answer"] = mk("GET", "/questionnaire/campaigns/"+qc.ID+"/answer", "", false,
		byRole(missing, set(expect{200, []string{`data-testid="q-answer-form"`}, nil}, nrm.RoleFirstResponder, nrm.RoleCaseManager)))
	rows["POST /questionnaire/campaigns/{id}/answer"] = mk("POST", "/questionnaire/campaigns/"+qc.ID+"/answer", "go=submit", false,
		byRole(missing, set(expect{422, []string{"error-summary"}, nil}, nrm.RoleFirstResponder, nrm.RoleCaseManager)))
	rows["GET /questionnaire/campaigns/{id}/results"] = mk("GET", "/questionnaire/campaigns/"+qc.ID+"/results", "", false,
		byRole(forbidden, set(expect{200, []string{`data-testid="q-results"`}, nil}, readers...)))
}
