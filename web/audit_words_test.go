package web

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
)

// TestDPOAuditReadsAsSentences: the DPO's audit view says who did what to
// which record code, and when, in words: the Responsible Authority's
// reading of a record is "<name> (<role>, <organisation>) hapi dosjen —
// dosja <code>"; no raw action code and no hex id anywhere in it.
func TestDPOAuditReadsAsSentences(t *testing.T) {
	w := newActWorld(t)
	ctx := context.Background()
	p := w.refer(t, "Amir", 32)
	if _, err := w.door.CreateUser(ctx, nrm.SystemActor("test"), door.UserInput{OrgID: "org-ra", Username: "u.dpo", DisplayName: "Lule Prifti",
		Roles: []nrm.Role{nrm.RoleDPO}, Password: testenv.TestPassword}); err != nil {
		t.Fatal(err)
	}
	w.cookie["dpo"], w.csrf["dpo"] = signInSeat(t, w.door, "u.dpo", testenv.TestPassword)
	dpo, _, err := w.door.Authenticate(ctx, w.cookie["dpo"].Value, "192.0.2.80", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.door.GetPerson(ctx, w.actor["ra"], p.ID); err != nil {
		t.Fatal(err)
	}
	es, err := w.door.ListAudit(ctx, dpo, door.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var read *auditRow
	for _, e := range es {
		if e.Action == "person.read" && e.ActorUser == w.actor["ra"].UserID {
			r := w.srv.auditSentence("sq", e)
			read = &r
			break
		}
	}
	if read == nil {
		t.Fatal("no audit entry of the RA's reading")
	}
	if !strings.Contains(read.Sentence, w.t("words.audit.act.person.read")) || !strings.Contains(read.Sentence, p.Code) ||
		!strings.Contains(read.Sentence, w.t("role.ra_officer")) {
		t.Errorf("the RA's reading reads %q", read.Sentence)
	}
	page := w.get(t, "dpo", "/")
	i := strings.Index(page, `data-testid="section-audit"`)
	if i < 0 {
		t.Fatalf("no audit section on the DPO's home:\n%s", page)
	}
	section := page[i:]
	section = section[:strings.Index(section, "</section>")]
	if !strings.Contains(section, p.Code) {
		t.Errorf("the audit view does not name the record code %s", p.Code)
	}
	if m := regexp.MustCompile(`\b(person|login|mfa|audit|referral|consent|breakglass|user|permission|token)\.[a-z_]+\b|\b[0-9a-f]{12,}\b`).FindString(section); m != "" {
		t.Errorf("the audit view shows a raw code or id %q:\n%s", m, section)
	}
}
