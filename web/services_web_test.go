package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
)

// The service pages: the shelter keeps its entry, the record offers
// "refer to a service" with free places, the shelter acts from its inbox
// one step per page, and the coordinator switches the emergency protocol.
func TestServicePages(t *testing.T) {
	w := newActWorld(t)
	ctx := context.Background()
	w.cookie["ngo"], w.csrf["ngo"] = signInSeat(t, w.door, "u.ngo", testenv.TestPassword)

	// The shelter adds its entry; a bad one comes back with the summary.
	if p := w.get(t, "ngo", "/services/new"); !strings.Contains(p, `id="regions-tirane"`) {
		t.Fatalf("the editor lacks the regions:\n%s", p)
	}
	wantForm(t, w.send(t, "ngo", "POST", "/services", url.Values{"name": {"Kept name"}, "capacity": {"-3"}}), 422, []string{"kind", "regions", "for_whom", "capacity"}, `value="Kept name"`)
	wantRedirect(t, w.send(t, "ngo", "POST", "/services", url.Values{"kind": {"shelter"}, "name": {"Shtëpia e Dritës"}, "regions": {"tirane"},
		"for_whom": {"women", "children"}, "languages": {"sq, en"}, "capacity": {"2"}}), "/services")
	dir := w.get(t, "border", "/services?kind=shelter&free=1")
	if !strings.Contains(dir, "Shtëpia e Dritës") || !strings.Contains(dir, w.t("servicekind.shelter")) {
		t.Fatalf("the directory lacks the shelter:\n%s", dir)
	}
	if strings.Contains(dir, `data-testid="service-edit"`) {
		t.Fatal("another organisation may not edit the entry")
	}
	svs, _ := w.door.Services(ctx, w.actor["border"], door.ServiceFilter{Kind: "shelter"})
	if len(svs) != 1 {
		t.Fatalf("services: %+v", svs)
	}
	wantStatus(t, w.send(t, "border", "GET", "/services/"+svs[0].ID+"/edit", nil), 403)

	// The record offers the action; the form lists the shelter with its places.
	p := w.refer(t, "Selim", 30)
	rec := "/persons/" + p.ID
	if page := w.get(t, "border", rec); !strings.Contains(page, `data-testid="action-refer-service"`) {
		t.Fatal("the record lacks 'refer to a service'")
	}
	form := w.get(t, "border", rec+"/actions/refer-service")
	if !strings.Contains(form, "Shtëpia e Dritës") || !strings.Contains(form, "2 ") {
		t.Fatalf("the form lacks the shelter and its places:\n%s", form)
	}
	wantForm(t, w.send(t, "border", "POST", rec+"/actions/refer-service", url.Values{"note": {"kept note"}}), 422, []string{"service"}, "kept note")
	wantRedirect(t, w.send(t, "border", "POST", rec+"/actions/refer-service", url.Values{"service": {svs[0].ID}, "note": {"arrives by bus"}}), rec)
	if page := w.get(t, "border", rec); !strings.Contains(page, `data-testid="service-referral"`) || !strings.Contains(page, w.t("srstate.sent")) {
		t.Fatal("the record lacks the service referral")
	}

	// The shelter's inbox, one page per step.
	inbox := w.get(t, "ngo", "/service-referrals")
	if !strings.Contains(inbox, p.Code) || !strings.Contains(inbox, "arrives by bus") || !strings.Contains(inbox, `data-testid="move-declined"`) {
		t.Fatalf("inbox:\n%s", inbox)
	}
	rs, _ := w.door.ServiceReferrals(ctx, w.actor["border"], p.ID)
	step := "/service-referrals/" + rs[0].ID + "/step"
	if pg := w.get(t, "ngo", step+"?state=declined"); !strings.Contains(pg, `name="reason"`) {
		t.Fatalf("the decline page asks for a reason:\n%s", pg)
	}
	wantForm(t, w.send(t, "ngo", "POST", step, url.Values{"state": {"declined"}}), 422, []string{"reason"})
	wantForm(t, w.send(t, "ngo", "POST", step, url.Values{"state": {"delivered"}}), 422, []string{"state"})
	wantRedirect(t, w.send(t, "ngo", "POST", step, url.Values{"state": {"declined"}, "reason": {"no bed for a man"}}), "/service-referrals")
	if page := w.get(t, "border", rec); !strings.Contains(page, `data-testid="re-refer"`) || !strings.Contains(page, "no bed for a man") {
		t.Fatal("a declined referral offers a new one")
	}
	wantRedirect(t, w.send(t, "border", "POST", rec+"/actions/refer-service", url.Values{"service": {svs[0].ID}, "replaces": {rs[0].ID}}), rec)

	// The coordinator's switch.
	wantStatus(t, w.send(t, "ra", "GET", "/emergency", nil), 403)
	wantForm(t, w.send(t, "coord", "POST", "/emergency", url.Values{"on": {"1"}}), 422, []string{"reason"})
	wantRedirect(t, w.send(t, "coord", "POST", "/emergency", url.Values{"on": {"1"}, "reason": {"floods"}}), "/emergency")
	if pg := w.get(t, "coord", "/emergency"); !strings.Contains(pg, w.t("emergency.switch_off")) || !strings.Contains(pg, "floods") {
		t.Fatalf("the protocol is on:\n%s", pg)
	}
	if form := w.get(t, "border", rec+"/actions/refer-service"); !strings.Contains(form, `data-testid="emergency"`) {
		t.Fatal("during an emergency a referral may be marked as one")
	}
}
