package web

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
)

// consentForm is a complete consent form: the police may have the summary
// and identity, every point explained.
func consentForm(extra ...string) url.Values {
	v := url.Values{"purpose": {nrm.PurposeShare}, "data_scope": {nrm.ConsentIdentity}, "recipient_orgs": {"org-pol"},
		"recipient_types": {string(nrm.OrgHealth)}, "given_by": {nrm.GivenByPerson}, "how": {"written"}, "interpreter": {"1"},
		"language": {"ar"}, "text_version": {"v2026-1"}, "explained": nrm.ExplainedPoints}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestConsentPages(t *testing.T) {
	w := newActWorld(t)
	adult := w.refer(t, "Amir", 32)
	rec := "/persons/" + adult.ID
	act := rec + "/actions/"
	ctx := context.Background()

	page := w.get(t, "border", rec)
	for _, s := range []string{`data-testid="action-consent"`, `data-testid="disclosures-link"`, `data-testid="own-file-form"`, `data-testid="consent-withdraw"`} {
		if !strings.Contains(page, s) {
			t.Errorf("the record lacks %s for the organisation that works it", s)
		}
	}
	for _, seat := range []string{"ra", "coord"} {
		if p := w.get(t, seat, rec); strings.Contains(p, `data-testid="action-consent"`) || strings.Contains(p, `data-testid="disclosures-link"`) {
			t.Errorf("%s does not work the record and must not be offered consent or the own view", seat)
		}
		wantStatus(t, w.send(t, seat, "GET", act+"consent", nil), 403)
	}
	// The RA officer may write the summary but does not work the record:
	// the door refuses the consent, and the page says so rather than crash.
	wantStatus(t, w.send(t, "ra", "POST", act+"consent", consentForm()), 403)

	t.Run("record", func(t *testing.T) {
		if p := w.get(t, "border", act+"consent"); !strings.Contains(p, `id="explained-why"`) || !strings.Contains(p, `id="recipient_orgs-org-pol"`) {
			t.Fatalf("the form lacks the checklist or the organisations:\n%s", p)
		}
		bad := consentForm("text_version", "v-kept")
		bad["explained"] = []string{"why", "storage"}
		wantForm(t, w.send(t, "border", "POST", act+"consent", bad), 422, []string{"explained"},
			`value="v-kept"`, `id="explained-why" name="explained" value="why" checked`, `value="org-pol" checked`, `value="share" checked`)
		wantRedirect(t, w.send(t, "border", "POST", act+"consent", consentForm()), rec)
		page := w.get(t, "border", rec)
		for _, s := range []string{w.t("purpose.share"), w.t("datascope.identity"), w.t("consenthow.written"), `data-consent-state="active"`} {
			if !strings.Contains(page, s) {
				t.Errorf("the record's consents lack %q", s)
			}
		}
		cs, err := w.door.Consents(ctx, w.actor["border"], adult.ID)
		if err != nil || len(cs) == 0 || cs[0].Purpose != nrm.PurposeShare {
			t.Fatalf("the consent is not in the ledger: %v %+v", err, cs)
		}
		// A change is a new version: the form starts from the old one.
		change := w.get(t, "border", act+"consent?replaces="+cs[0].ID)
		if !strings.Contains(change, `name="replaces" value="`+cs[0].ID+`"`) || !strings.Contains(change, `value="org-pol" checked`) {
			t.Fatalf("the change form does not start from the consent:\n%s", change)
		}
		wantRedirect(t, w.send(t, "border", "POST", act+"consent", consentForm("replaces", cs[0].ID, "data_scope", nrm.ConsentSummary)), rec)
		if p := w.get(t, "border", rec); !strings.Contains(p, `data-consent-state="superseded"`) {
			t.Error("the replaced version must be shown as superseded")
		}
	})
	t.Run("withdraw", func(t *testing.T) {
		cs, _ := w.door.Consents(ctx, w.actor["border"], adult.ID)
		cur := cs[0]
		if choose := w.get(t, "border", act+"withdraw-consent"); !strings.Contains(choose, `id="consent-`+cur.ID+`"`) || strings.Contains(choose, `data-testid="withdraw-confirm"`) {
			t.Fatalf("without a consent named, the page must offer the current ones:\n%s", choose)
		}
		confirm := w.get(t, "border", act+"withdraw-consent?consent="+cur.ID)
		if !strings.Contains(confirm, `data-testid="withdraw-confirm"`) || !strings.Contains(confirm, `name="consent" value="`+cur.ID+`"`) {
			t.Fatalf("no confirm page:\n%s", confirm)
		}
		wantForm(t, w.send(t, "border", "POST", act+"withdraw-consent", url.Values{"consent": {cur.ID}}), 422, []string{"how"})
		wantRedirect(t, w.send(t, "border", "POST", act+"withdraw-consent", url.Values{"consent": {cur.ID}, "how": {"oral"}}), rec)
		cs, _ = w.door.Consents(ctx, w.actor["border"], adult.ID)
		if i := slices.IndexFunc(cs, func(c nrm.Consent) bool { return c.ID == cur.ID }); i < 0 || cs[i].WithdrawnAt.IsZero() {
			t.Fatal("the consent was not withdrawn")
		}
		if p := w.get(t, "border", rec); !strings.Contains(p, `data-consent-state="withdrawn"`) {
			t.Error("the record must show the withdrawal")
		}
	})
	t.Run("measure", func(t *testing.T) {
		child := w.refer(t, "Sami", 15)
		cact := "/persons/" + child.ID + "/actions/measure"
		w.get(t, "border", cact)
		wantForm(t, w.send(t, "border", "POST", cact, url.Values{"kind": {"shelter_placement"}, "consent": {"refused"}, "child_views": {"Wants to stay with the aunt"}}),
			422, []string{"interim_org", "interim_role"}, "Wants to stay with the aunt")
		wantRedirect(t, w.send(t, "border", "POST", cact, url.Values{"kind": {"shelter_placement"}, "consent": {"refused"}, "child_views": {"Wants to stay with the aunt"},
			"interim_org": {"org-soc"}, "interim_role": {"Director of social services"}}), "/persons/"+child.ID)
		if p := w.get(t, "border", "/persons/"+child.ID); !strings.Contains(p, `data-testid="measure-court-due"`) || !strings.Contains(p, "Director of social services") {
			t.Errorf("the record must show the interim decision and its court deadline:\n%s", p)
		}
		// The court rules: its own page, offered while the ruling is awaited.
		ruling := "/persons/" + child.ID + "/actions/court-ruling"
		if p := w.get(t, "border", "/persons/"+child.ID); !strings.Contains(p, `data-testid="action-court-ruling"`) {
			t.Fatal("the record must offer the court's ruling while it is awaited")
		}
		form := w.get(t, "border", ruling)
		i := strings.Index(form, `name="measure" value="`)
		if i < 0 {
			t.Fatalf("the ruling page lists no interim measure:\n%s", form)
		}
		mid := form[i+len(`name="measure" value="`):]
		mid = mid[:strings.IndexByte(mid, '"')]
		wantForm(t, w.send(t, "border", "POST", ruling, url.Values{"measure": {mid}, "court_outcome": {"maybe"}}), 422, []string{"court_outcome"})
		wantRedirect(t, w.send(t, "border", "POST", ruling, url.Values{"measure": {mid}, "court_outcome": {"confirmed"}}), "/persons/"+child.ID)
		p := w.get(t, "border", "/persons/"+child.ID)
		if strings.Contains(p, `data-testid="measure-court-due"`) || !strings.Contains(p, w.t("ruling.confirmed")) || strings.Contains(p, `data-testid="action-court-ruling"`) {
			t.Errorf("after the ruling the record shows it, not the deadline, and offers no second ruling:\n%s", p)
		}
		wantForm(t, w.send(t, "border", "POST", ruling, url.Values{"measure": {mid}, "court_outcome": {"set_aside"}}), 422, []string{"measure"})
	})
	t.Run("interview", func(t *testing.T) {
		ia := act + "interview"
		if p := w.get(t, "border", ia); !strings.Contains(p, `data-testid="interview-earlier"`) || !strings.Contains(p, w.t("interview.none_offered")) {
			t.Fatalf("before the first interview the page says none was held and nothing is offered:\n%s", p)
		}
		good := url.Values{"on": {"2026-03-02"}, "purpose": {"needs_assessment"}, "interviewer_gender": {"female"},
			"statement": {"Worked in the kitchen, passport kept by the owner"}, "shareable_with": {w.actor["border"].OrgID}}
		bad := url.Values{"on": {"2026-03-02"}, "interviewer_gender": {"female"}, "statement": {"kept on error"}}
		wantForm(t, w.send(t, "border", "POST", ia, bad), 422, []string{"purpose"}, "kept on error")
		wantRedirect(t, w.send(t, "border", "POST", ia, good), rec)
		p := w.get(t, "border", ia)
		if !strings.Contains(p, `data-testid="interview-offered"`) || !strings.Contains(p, "passport kept by the owner") {
			t.Errorf("the earlier statement the person agreed to share must be offered:\n%s", p)
		}
		page := w.get(t, "border", rec)
		if !strings.Contains(page, `data-testid="case-interviews"`) || !strings.Contains(page, fmt.Sprintf(w.t("interview.count"), 1)) {
			t.Errorf("the record must count and list the interview:\n%s", page)
		}
		// The RA may not interview, nor read a statement not shared with it.
		wantStatus(t, w.send(t, "coord", "GET", ia, nil), 403)
		if p := w.get(t, "ra", rec); strings.Contains(p, "passport kept by the owner") {
			t.Error("a statement not shared with the reader's organisation leaked onto the record page")
		}
	})
	t.Run("own view", func(t *testing.T) {
		// The Responsible Authority reads the record: the log names it.
		if _, err := w.door.GetPerson(ctx, w.actor["ra"], adult.ID); err != nil {
			t.Fatal(err)
		}
		orgs, _ := w.door.Orgs(ctx)
		i := slices.IndexFunc(orgs, func(o nrm.Org) bool { return o.ID == "org-ra" })
		log := w.get(t, "border", rec+"/disclosures")
		if !strings.Contains(log, `<span data-testid="disclosure-org">`+orgs[i].Name+`</span>`) || !strings.Contains(log, w.t("role.ra_officer")) {
			t.Errorf("the disclosure log must list the organisation that read the record:\n%s", log)
		}
		wantStatus(t, w.send(t, "coord", "GET", rec+"/disclosures", nil), 403)
		for _, lang := range []string{"sq", "en"} {
			r := w.send(t, "border", "GET", rec+"/own-file?lang="+lang, nil)
			wantStatus(t, r, 200)
			h := r.Header()
			if h.Get("Content-Type") != "application/pdf" || h.Get("Cache-Control") != "no-store" ||
				h.Get("Content-Disposition") != `attachment; filename="`+adult.Code+`-`+lang+`.pdf"` {
				t.Errorf("%s: headers %v", lang, h)
			}
			if !bytes.HasPrefix(r.Body.Bytes(), []byte("%PDF")) {
				t.Errorf("%s: not a PDF", lang)
			}
		}
		wantStatus(t, w.send(t, "border", "GET", rec+"/own-file?lang=xx", nil), 400)
		wantStatus(t, w.send(t, "coord", "GET", rec+"/own-file?lang=en", nil), 403)
	})
}
