package i18n

import (
	"github.com/nrm-org/nrm/rules"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/stats"
)

// repoRoot is the module root: the directory above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod above i18n: %v", err)
	}
	return root
}

var (
	// T "key" in templates (also T "key" args…, with or without a dot).
	tmplKeyRe = regexp.MustCompile(`\bT\s+"([^"]+)"`)
	// "error.x" literals in Go code, as the domain errors name them.
	goErrorKeyRe = regexp.MustCompile(`"(error\.[a-z_.]+)"`)
	// Any "ns.key" literal in the web layer's Go code.
	goKeyRe = regexp.MustCompile(`"([a-z]+(?:\.[a-z0-9_]+)+)"`)
	// Field names of errors (labelled "field.<name>" in error summaries) and
	// of JSON input (named in decoding errors).
	goFieldRe = regexp.MustCompile(`(?:FieldError\(|Field:\s*)"([a-z_]+)"|json:"([a-z_]+)[,"]`)
)

// usedKeys walks the repository and returns every catalogue key found in
// templates and Go code, with where it was found.
func usedKeys(t *testing.T, c *Catalog) map[string]string {
	t.Helper()
	root := repoRoot(t)
	namespaces := map[string]bool{}
	for _, k := range c.Keys(Default) {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	used := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(path, ".html") && strings.Contains(rel, "templates"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmplKeyRe.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = rel
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range goFieldRe.FindAllStringSubmatch(string(b), -1) {
				name := m[1] + m[2]
				if m[2] == "" || strings.HasSuffix(rel, "decode.go") {
					used["field."+name] = rel
				}
			}
			for _, m := range goErrorKeyRe.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], ".") { // "error." + code is checked below
					used[m[1]] = rel
				}
			}
			// The web layer names keys of every namespace.
			if strings.HasPrefix(rel, "web"+string(filepath.Separator)) {
				for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
					ns, _, _ := strings.Cut(m[1], ".")
					if namespaces[ns] {
						used[m[1]] = rel
					}
				}
			}
			// The mail package names the keys of its message.
			if strings.HasPrefix(rel, "mail"+string(filepath.Separator)) {
				for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
					if strings.HasPrefix(m[1], "mail.") {
						used[m[1]] = rel
					}
				}
			}
			// The own-file renderer names its own keys; its other literals
			// are domain values (audit actions such as "person.read").
			if strings.HasPrefix(rel, "ownfile"+string(filepath.Separator)) {
				for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
					if strings.HasPrefix(m[1], "ownfile.") {
						used[m[1]] = rel
					}
				}
			}
			// Every audit action of the door has its words in the DPO's
			// audit view (web/audit_words.go): "words.audit.act." + action.
			if strings.HasPrefix(rel, "door"+string(filepath.Separator)) {
				for _, m := range auditActRe.FindAllStringSubmatch(string(b), -1) {
					used["words.audit.act."+m[1]] = rel
				}
			}
			// Times, words and languages (issue 14 part 5) name their keys
			// "words.*" in any package.
			for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
				if strings.HasPrefix(m[1], "words.") {
					used[m[1]] = rel
				}
			}
			// So does the periodic report's (report.*; its figure.* and kpi.* keys
			// are made from the report's ids).
			if strings.HasPrefix(rel, "report"+string(filepath.Separator)) {
				for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
					if strings.HasPrefix(m[1], "report.") {
						used[m[1]] = rel
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}

// TestEveryKeyExistsInEveryLanguage is the guard of the catalogues: every
// key used anywhere exists in both languages, and they have the same keys.
func TestEveryKeyExistsInEveryLanguage(t *testing.T) {
	c := MustLoad()
	if !slices.Equal(c.Langs(), []string{"sq", "en"}) {
		t.Fatalf("languages %v, want [sq en]", c.Langs())
	}
	used := usedKeys(t, c)
	if len(used) < 100 {
		t.Fatalf("only %d keys found in use: is the walk broken?", len(used))
	}
	// Keys made at run time from domain values: each value needs one.
	dyn := func(prefix string, values ...string) {
		for _, v := range values {
			used[prefix+v] = "(domain values)"
		}
	}
	for _, s := range nrm.Statuses {
		dyn("status.", string(s))
	}
	dyn("agegroup.", string(nrm.AgeAdult), string(nrm.AgeChild), string(nrm.AgeUnknown))
	dyn("sex.", nrm.Sexes...)
	dyn("region.", nrm.Regions...)
	for _, r := range nrm.Roles {
		dyn("role.", string(r))
	}
	// The referral form and the worklist (web/refer.go, web/work.go).
	dyn("methow.", nrm.MetHow...)
	dyn("consent.", nrm.ConsentGiven, nrm.ConsentRefused, nrm.ConsentChild)
	dyn("gender.", nrm.Genders...)
	dyn("agebasis.", nrm.AgeDeclared, nrm.AgeAssessed, nrm.AgeUncertain)
	dyn("safety.", nrm.SafetyFlags...)
	for _, n := range nrm.Needs {
		dyn("need.", string(n))
	}
	dyn("notification.", "task", "child_referred", "duplicate", "deadline_missed", "identification_requested", "decision")
	dyn("timeline.", door.TimelineKinds...)
	// The action pages, the record's panel section and the timeline's
	// sentences (web/action_*.go, web/casefile_panel.go, web/timeline.go).
	dyn("story.", door.TimelineKinds...)
	dyn("agemethod.", nrm.AgeMethods...)
	dyn("guardiankind.", nrm.GuardianKinds...)
	dyn("returnkind.", nrm.ReturnKinds...)
	dyn("toldhow.", nrm.ToldHow...)
	dyn("outcome.", nrm.OutcomeIdentified, nrm.OutcomeNotIdentified)
	dyn("requestedby.", nrm.RequestedByPerson, nrm.RequestedByChildProtection)
	dyn("dupstate.", "possible", "linked", "merged", "distinct")
	dyn("purpose.", append(slices.Clone(nrm.ConsentPurposes), nrm.InterviewPurposes...)...)
	dyn("datascope.", nrm.ConsentScopes...)
	dyn("measure.", nrm.MeasureKinds...)
	dyn("measureconsent.", nrm.MeasureGiven, nrm.MeasureRefused)
	dyn("ruling.", nrm.CourtOutcomes...)
	dyn("hold.", "on", "off")
	dyn("givenby.", nrm.GivenByPerson, nrm.GivenByGuardian, nrm.GivenByChild, nrm.GivenByReferral)
	dyn("assent.", nrm.Assents...)
	dyn("consenthow.", nrm.ConsentHow...)
	dyn("consentstate.", "active", "withdrawn", "superseded", "expired")
	dyn("explained.", nrm.ExplainedPoints...)
	dyn("requeststate.", "open", "decided")
	dyn("decisionstate.", "signing", "effective", "reconsidered")
	for _, t := range nrm.OrgTypes {
		dyn("orgtype.", string(t))
	}
	dyn("needarea.", nrm.NeedAreas...)
	dyn("needlevel.", nrm.NeedLevels...)
	dyn("goalarea.", nrm.GoalAreas...)
	dyn("supportlevel.", nrm.SupportLevels...)
	dyn("risklevel.", nrm.RiskLevels...)
	dyn("risk.", nrm.RiskFactors...)
	dyn("closurereason.", nrm.ClosureReasons...)
	dyn("reopenreason.", nrm.ReopenReasons...)
	dyn("followuphow.", nrm.FollowUpHow...)
	dyn("planagreed.", "yes", "no")
	dyn("refer.step.", "meeting", "consent", "person", "age", "place", "safety", "forms", "indicators", "account", "check")
	// Where and how it happened (issue 15): the form's choices and the dashboard's figures.
	dyn("channel.", nrm.ReferralChannels...)
	dyn("scope.", nrm.Scopes...)
	dyn("platform.", nrm.OnlinePlatforms...)
	dyn("figure.", "channel", "scope", "platform", "recruit_c", "recruit_r", "exploit_c", "exploit_r")
	dyn("errpage.", nrm.EInvalid, nrm.ENotFound, nrm.EConflict, nrm.EUnauthorized, nrm.EForbidden, nrm.ETooMany, nrm.ETooLarge, nrm.EInternal, nrm.EStorageFull)
	// Support services (issue #5): directory, referral loop, emergency.
	dyn("servicekind.", nrm.ServiceKinds...)
	dyn("forwhom.", nrm.ServiceGroups...)
	dyn("srstate.", nrm.ServiceReferralStates...)
	dyn("srmove.", nrm.ServiceReferralStates[1:]...)
	dyn("deliverymode.", nrm.DeliveryModes...)
	dyn("notification.", "service_referral", "service_referral_step")
	// Return, linked persons, justice (issue #5 §5–6).
	dyn("returnrisk.", nrm.ReturnRiskOutcomes...)
	dyn("childassessment.", nrm.ChildAssessmentKinds...)
	dyn("bestinterests.", nrm.BestInterestsDecisions...)
	dyn("relationship.", nrm.LinkRelationships...)
	dyn("yesno.", "yes", "no")
	dyn("justicestage.", nrm.JusticeStages...)
	dyn("protective.", nrm.ProtectiveMeasures...)
	dyn("protectivestate.", nrm.ProtectiveStates...)
	dyn("compensationroute.", nrm.CompensationRoutes...)
	dyn("compensationoutcome.", nrm.CompensationOutcomes...)
	dyn("permitkind.", nrm.PermitKinds...)
	dyn("permitstatus.", nrm.PermitStatuses...)
	dyn("voice.q.", nrm.FeedbackQuestions...)
	dyn("voice.theme.", nrm.AdvisoryThemes...)
	dyn("voice.status.", nrm.AdvisoryStatuses...)
	dyn("voice.section.", nrm.QuestionnaireSections...)
	// Statistics (web/statistics.go): form labels, who referred, the service figures.
	for _, f := range rules.Forms() {
		dyn("form.", string(f))
	}
	dyn("orgtype.", nrm.ReferrerMIU, nrm.ReferrerOutside)
	dyn("figure.", "svc_ref", "svc_done")
	dyn("stats.source.", "nrm", "ctdc", "htcds")
	// Statistics reports (web/report_view.go): figures, indicators with their
	// definitions, age bands and units.
	dyn("figure.", "status", "form", "by", "region", "nation", "sex_age", "trend", "perp_sex", "perp_age")
	dyn("kpi.", stats.KPIIDs...)
	for _, id := range stats.KPIIDs {
		used["kpi."+id+".def"] = "(domain values)"
	}
	dyn("age_band.", stats.AgeBands...)
	dyn("unit.", "days", "working_days", "share", "persons")
	// door/account.go makes "error." + auth code for password rules.
	for _, code := range []string{auth.CodePasswordTooShort, auth.CodePasswordTooLong, auth.CodePasswordInvalid,
		auth.CodePasswordCommon, auth.CodePasswordContext} {
		used["error."+code] = "(auth codes)"
	}
	for _, k := range []string{"error.required", "error.login_failed", "error.too_many", "error.code_wrong", "error.password.context"} {
		if _, ok := used[k]; !ok {
			t.Errorf("the walk missed %s", k)
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, lang := range c.Langs() {
		for _, k := range keys {
			if msg, ok := c.Lookup(lang, k); !ok || strings.TrimSpace(msg) == "" {
				t.Errorf("%s: key %q (used in %s) is missing", lang, k, used[k])
			}
		}
	}
	sq, en := c.Keys("sq"), c.Keys("en")
	for _, k := range sq {
		if _, ok := c.Lookup("en", k); !ok {
			t.Errorf("key %q is in sq but not en", k)
		}
	}
	for _, k := range en {
		if _, ok := c.Lookup("sq", k); !ok {
			t.Errorf("key %q is in en but not sq", k)
		}
	}
	// Unused keys rot: every catalogue key is used somewhere.
	for _, k := range sq {
		if _, ok := used[k]; !ok {
			t.Errorf("key %q is not used anywhere", k)
		}
	}
}

// auditActRe finds the door's audit action constants (ActPersonRead = "person.read").
var auditActRe = regexp.MustCompile(`(?m)^\s*Act[A-Za-z0-9]*\s*=\s*"([a-z0-9_.]+)"`)

var verbRe = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// TestFormatsAgree: both languages take the same arguments for a key.
func TestFormatsAgree(t *testing.T) {
	c := MustLoad()
	for _, k := range c.Keys(Default) {
		sq, _ := c.Lookup("sq", k)
		en, _ := c.Lookup("en", k)
		vs, ve := verbRe.FindAllString(sq, -1), verbRe.FindAllString(en, -1)
		if !slices.Equal(vs, ve) {
			t.Errorf("%s: sq verbs %v, en verbs %v", k, vs, ve)
		}
	}
	if got := c.T("en", "error.too_long", 200); got != "Use 200 characters or fewer" {
		t.Errorf("T with an argument: %q", got)
	}
	// Password errors all carry the minimum length; only too_short shows it.
	if got := c.T("sq", "error.password.common", 12); strings.Contains(got, "%!") || strings.Contains(got, "12") {
		t.Errorf("extra argument leaks: %q", got)
	}
	if got := c.T("sq", "error.password.too_short", 12); !strings.Contains(got, "12") {
		t.Errorf("too_short: %q", got)
	}
}

// TestAlbanian spot-checks the Albanian wording, and that UI text never
// says "victim" outside the legal status names.
func TestAlbanian(t *testing.T) {
	c := MustLoad()
	for k, want := range map[string]string{
		"button.signin": "Hyr", "nav.signout": "Dil", "field.password": "Fjalëkalimi", "field.username": "Emri i përdoruesit",
		"field.code": "Kodi nga aplikacioni i autentikimit", "error.required": "Kjo fushë është e detyrueshme",
	} {
		if got := c.T("sq", k); got != want {
			t.Errorf("sq %s = %q, want %q", k, got, want)
		}
	}
	for _, lang := range c.Langs() {
		for _, k := range c.Keys(lang) {
			msg, _ := c.Lookup(lang, k)
			low := strings.ToLower(msg)
			if !strings.HasPrefix(k, "status.") && (strings.Contains(low, "victim") || strings.Contains(low, "viktim")) {
				t.Errorf("%s %s says victim: %q", lang, k, msg)
			}
		}
	}
}

func TestTAndFallback(t *testing.T) {
	c := MustLoad()
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
	if got, want := c.T("xx", "nav.signout"), c.T("sq", "nav.signout"); got != want {
		t.Errorf("unknown language: %q, want %q", got, want)
	}
	if got := c.T("en", "error.too_many"); !strings.Contains(got, "%d") {
		t.Errorf("no args leaves the verb in place: %q", got)
	}
}

func TestMatch(t *testing.T) {
	c := MustLoad()
	for in, want := range map[string]string{
		"":                           "sq",
		"en":                         "en",
		"en-GB,en;q=0.9":             "en",
		"sq-AL,sq;q=0.9,en;q=0.8":    "sq",
		"de-DE,de;q=0.9,en;q=0.5":    "en",
		"fr":                         "sq",
		"en;q=0.2,sq;q=0.8":          "sq",
		"en;q=0":                     "sq",
		"EN-us":                      "en",
		"*":                          "sq",
		"en;q=abc":                   "sq",
		strings.Repeat("x,", 10000):  "sq",
		"it;q=0.9, en ; q = 0.5 , *": "sq",
	} {
		if got := c.Match(in); got != want {
			t.Errorf("Match(%.40q) = %q, want %q", in, got, want)
		}
	}
}
