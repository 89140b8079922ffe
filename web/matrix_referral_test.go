package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// referralRows adds the authorization matrix rows of the referral form, the
// worklist and the register. Drafts belong to the first responder who
// started them: the other referrers get the same 404 as for a missing one.
func referralRows[R any](t *testing.T, w *matrixWorld, rows map[string]R,
	mk func(method, path, body string, want map[nrm.Role]expect, mutates bool, bodyFn func() string) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, forbidden, missing, summary expect) {
	t.Helper()
	ctx := context.Background()
	fr, _, err := w.door.Authenticate(ctx, w.cookies[nrm.RoleFirstResponder].Value, "192.0.2.61", "matrix")
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.door.SaveDraft(ctx, fr, door.Draft{Kind: "referral", Step: "meeting", Data: []byte(`{"met_place":["Matrixplace"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := w.door.SaveDraft(ctx, fr, door.Draft{Kind: "referral", Step: "meeting", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	years := 30
	sent, err := w.door.Refer(ctx, fr, nrm.ReferralInput{MetRegion: "tirane", MetHow: "outreach", Region: "tirane", Sex: "female",
		AgeBasis: nrm.AgeDeclared, AgeYears: &years, Consent: nrm.ConsentRefused})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(status int, must ...string) expect { return expect{status, must, []string{w.name, w.acc}} }
	referrers := func(fr, others expect) map[nrm.Role]expect {
		return map[nrm.Role]expect{nrm.RoleFirstResponder: fr, nrm.RoleCaseManager: others, nrm.RoleRAOfficer: others}
	}
	notMine := expect{404, nil, []string{"Matrixplace", w.name, w.acc}}
	version := func() string {
		cur, err := w.door.GetDraft(ctx, fr, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("met_place=Matrixplace&version=%d", cur.Version)
	}
	rows["GET /refer"] = mk("GET", "/refer", "", byRole(forbidden, referrers(ok(200, `data-testid="refer-start"`), ok(200, `data-testid="refer-start"`))), false, nil)
	rows["POST /refer"] = mk("POST", "/refer", "", byRole(forbidden, referrers(ok(303), ok(303))), false, nil)
	rows["GET /refer/{draft}/{step}"] = mk("GET", "/refer/"+d.ID+"/meeting", "", byRole(forbidden, referrers(ok(200, "Matrixplace"), notMine)), false, nil)
	rows["POST /refer/{draft}/{step}"] = mk("POST", "/refer/"+d.ID+"/meeting", "", byRole(forbidden, referrers(ok(303), notMine)), true, version)
	// An empty referral lacks consent: the check page again, with the error.
	rows["POST /refer/{draft}/send"] = mk("POST", "/refer/"+d.ID+"/send", "", byRole(forbidden, referrers(ok(422, `href="/refer/`+d.ID+`/consent?change=1&amp;check=1#consent"`), notMine)), false, nil)
	// The receipt is its sender's alone: anyone else gets a 404.
	rows["GET /refer/receipt/{referral}"] = mk("GET", "/refer/receipt/"+sent.ReferralID, "", byRole(forbidden, referrers(ok(200, sent.Person.Code), notMine)), false, nil)
	rows["GET /refer/receipt/{referral}/text"] = mk("GET", "/refer/receipt/"+sent.ReferralID+"/text", "", byRole(forbidden, referrers(ok(200, sent.Person.Code), notMine)), false, nil)
	rows["POST /refer/{draft}/discard"] = mk("POST", "/refer/"+gone.ID+"/discard", "", byRole(forbidden, referrers(ok(303), ok(404))), true, nil)
	rows["GET /register"] = mk("GET", "/register", "", byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: summary, nrm.RoleCoordinator: summary}), false, nil)
	rows["POST /notifications/{id}/read"] = mk("POST", "/notifications/nothing/read", "", byRole(missing, nil), false, nil)
	rows["POST /tasks/{id}/done"] = mk("POST", "/tasks/nothing/done", "", byRole(missing, nil), false, nil)
}
