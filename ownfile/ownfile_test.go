package ownfile

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
)

const guardianName = "Mira Gjoni-Kastrati"

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// sample is a realistic own file: a child with identity and an account,
// a guardian's consent in force and her own consent withdrawn, a decision,
// two services and four lines of the disclosure log (one of an action the
// renderer does not know).
func sample(lang string) *nrm.OwnFile {
	account := strings.Repeat("Më premtuan punë në një restorant jashtë vendit. Kur mbërrita, më morën pasaportën dhe më detyruan të punoja pa pagesë. ", 40) +
		"\n\nNjë fjalë shumë e gjatë pa hapësira: " + strings.Repeat("ëç", 120)
	return &nrm.OwnFile{
		Code:       "AL-2025-0042",
		Lang:       lang,
		ProducedAt: at("2025-06-02 10:30"),
		ProducedBy: "Shërbimi Social Shtetëror, Shkodër",
		Person: &nrm.Person{
			Code: "AL-2025-0042", Region: "shkoder", Status: nrm.StatusPotentialVictim,
			AgeGroup: nrm.AgeChild, AgeYears: 16, AgeAssessedAt: at("2025-03-04 09:00"),
			Sex: "female", Nationality: "ALB", Nationalities: []string{"ALB", "XKX"}, Languages: []string{"sq", "it"},
			FirstContactAt: at("2025-03-03 18:20"),
			Identity: &nrm.Identity{
				GivenName: "Ëngjëllushe", FamilyName: "Çela", Aliases: []string{"Lushe"},
				BirthDate: "2009-03", DocNumber: "BA1234567", Phone: "+355 69 123 4567",
				Address: "Rruga e Dibrës 12, Tiranë",
			},
			Narrative: &account,
		},
		Consents: []nrm.Consent{{
			ID: "c1", Chain: "c1", Version: 1, Purpose: nrm.PurposeServices, Scope: nrm.ConsentFull,
			RecipientOrgs: []string{"org-tv"}, RecipientNames: []string{"Qendra Tjetër Vizion"},
			RecipientTypes: []nrm.OrgType{nrm.OrgHealth},
			GivenBy:        nrm.GivenByGuardian, GuardianName: ptr(guardianName), ChildAssent: "agrees",
			How: "written", Interpreter: true, Language: "it", Explained: nrm.ExplainedPoints,
			GivenAt: at("2025-03-04 11:00"), RecordedBy: "Shërbimi Social Shtetëror, Shkodër",
		}, {
			ID: "c2", Chain: "c2", Version: 1, Purpose: nrm.PurposePolice, Scope: nrm.ConsentSummary,
			RecipientTypes: []nrm.OrgType{nrm.OrgPolice}, GivenBy: nrm.GivenByChild, How: "oral",
			Explained: nrm.ExplainedPoints, GivenAt: at("2025-03-05 12:00"), RecordedBy: "Qendra Tjetër Vizion",
			WithdrawnAt: at("2025-04-20 16:45"), WithdrawnNote: "Nuk dua më",
		}},
		Decisions: []nrm.OwnDecision{{
			At: at("2025-04-09 14:00"), Outcome: nrm.OutcomeIdentified,
			Reasons: "Tregues të qartë të shfrytëzimit në punë dhe të kufizimit të lirisë.", ToldOn: "2025-04-10",
		}},
		Services: []nrm.OwnService{
			{Kind: "shelter", OrgName: "Qendra Tjetër Vizion", State: "open", Opened: at("2025-03-04 12:00")},
			{Kind: "medical", OrgName: "Spitali Rajonal Shkodër", State: "done", Opened: at("2025-03-05 08:00"), Done: at("2025-03-20 17:00")},
		},
		Disclosures: []nrm.Disclosure{
			{Seq: 10, At: at("2025-03-04 09:15"), OrgName: "Policia e Shtetit, Drejtoria Shkodër", Role: nrm.RoleJusticeOfficer,
				Action: door.ActPersonRead, Parts: []nrm.Part{nrm.PartSummary, nrm.PartIdentity}},
			{Seq: 11, At: at("2025-03-06 10:05"), OrgName: "Shërbimi Social Shtetëror, Shkodër", Role: nrm.RoleCaseManager,
				Action: door.ActCaseRead},
			{Seq: 12, At: at("2025-03-07 23:40"), OrgName: "Spitali Rajonal Shkodër", Role: nrm.RoleServiceProvider,
				Action: door.ActBreakGlass, Glass: true},
			{Seq: 13, At: at("2025-03-08 08:00"), OrgName: "Zyra e Koordinatorit Kombëtar", Role: nrm.RoleCoordinator,
				Action: "something.new"},
		},
	}
}

// render writes the sample in lang with the real catalogue and returns the
// text extracted from the PDF, page by page.
func render(t *testing.T, f *nrm.OwnFile) []string {
	t.Helper()
	cat := i18n.MustLoad()
	var buf bytes.Buffer
	if err := Render(&buf, f, func(key string, args ...any) string { return cat.T(f.Lang, key, args...) }); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(20, buf.Len())])
	}
	return extract(t, buf.Bytes())
}

// extract reads the text of every page through the fonts' ToUnicode maps,
// with runs of white space made one space.
func extract(t *testing.T, b []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		pages = append(pages, strings.Join(strings.Fields(s), " "))
	}
	return pages
}

func TestRender(t *testing.T) {
	cat := i18n.MustLoad()
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"sq", []string{
			"Dosja juaj — AL-2025-0042",
			"Për këtë dosje", "Të dhënat tuaja", "Pëlqimet tuaja", "Vendimet për ju", "Shërbimet dhe ndihma", "Kush i pa të dhënat tuaja",
			"Kjo kopje e dosjes suaj u përgatit nga Shërbimi Social Shtetëror, Shkodër më 2 qershor 2025, ora 10:30.",
			"Njiheni si person që mund të jetë trafikuar.",
			"16 vjeç (vlerësuar më 4 mars 2025)", "Shqipëri, Kosovë", "italisht", "Shkodër",
			"Ëngjëllushe", "Çela", "Lushe", "mars 2009", "BA1234567", "+355 69 123 4567", "Rruga e Dibrës 12, Tiranë",
			"Më premtuan punë në një restorant jashtë vendit.",
			"Pëlqimi për të marrë ndihmë dhe shërbime", "Në fuqi", "Qendra Tjetër Vizion",
			"çdo organizatë e këtij lloji: shërbimet shëndetësore",
			"Një prind ose kujdestar, për ju", "Ishit dakord", "Shpjeguar në italisht", "Me përkthyes",
			"Pëlqimi për të njoftuar policinë", "Tërhequr më 20 prill 2025", "Vetëm kodi juaj dhe të dhënat bazë",
			"Vendimi: u identifikuat zyrtarisht si person i trafikuar", "Tregues të qartë të shfrytëzimit", "10 prill 2025",
			"Një vend i sigurt për të qëndruar", "Në vazhdim", "Kujdes shëndetësor", "Spitali Rajonal Shkodër", "20 mars 2025",
			"4 mars 2025, ora 09:15", "Policia e Shtetit, Drejtoria Shkodër, zyrtar i policisë ose i drejtësisë",
			"Pa të dhënat tuaja.", "Kishte të bënte me të dhënat tuaja bazë, identitetin tuaj.",
			"koordinator i mbështetjes suaj", "Pa të gjithë dosjen tuaj.",
			"Hapi të dhënat tuaja në një situatë emergjente.", "hapje emergjente",
			"koordinator kombëtar", "Përdori të dhënat tuaja.",
		}},
		{"en", []string{
			"Your file — AL-2025-0042",
			"About this file", "Your details", "Your consents", "Decisions about you", "Services and help", "Who saw your information",
			"This copy of your file was made by Shërbimi Social Shtetëror, Shkodër on 2 June 2025 at 10:30.",
			"You are recognised as a person who may have been trafficked.",
			"16 years (assessed on 4 March 2025)", "Albania, Kosovo", "Italian",
			"Ëngjëllushe", "Çela", "March 2009", "Rruga e Dibrës 12, Tiranë",
			"Consent to receive help and services", "In force", "A parent or guardian, for you", "You agreed",
			"every organisation of this kind: health services", "Explained in Italian",
			"Consent to report to the police", "Withdrawn on 20 April 2025",
			"Decision: you were formally identified as a person who was trafficked", "10 April 2025",
			"A safe place to stay", "In progress", "Medical care", "Finished",
			"4 March 2025 at 09:15", "police or justice officer", "Looked at your information.",
			"It concerned your basic details, who you are.", "coordinator of your support", "Looked at your whole file.",
			"Opened your information in an emergency.", "Used your information.",
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			pages := render(t, sample(tc.lang))
			if len(pages) < 3 {
				t.Fatalf("%d pages: the long account should run over several", len(pages))
			}
			text := strings.Join(pages, " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q", w)
				}
			}
			for i, p := range pages {
				if want := cat.T(tc.lang, "ownfile.page", i+1, len(pages)); !strings.Contains(p, want) {
					t.Errorf("page %d has no %q", i+1, want)
				}
			}
			// Other people's data and the staff's notes stay out.
			for _, no := range []string{guardianName, "Mira", "Gjoni", "Nuk dua më", "org-tv"} {
				if strings.Contains(text, no) {
					t.Errorf("the file prints %q", no)
				}
			}
			// The catalogue key must never show instead of its words.
			if strings.Contains(text, "ownfile.") {
				t.Errorf("a key is printed as such: %s", text[strings.Index(text, "ownfile."):][:60])
			}
			// The long word is broken, not lost: all its letters are there.
			if n := strings.Count(text, "ëç"); n != 120 {
				t.Errorf("the long word is cut short: %d of its 120 letter pairs", n)
			}
			noBadWords(t, "extracted text", text)
		})
	}
}

// badWord finds the words the person must never read about themselves,
// anywhere in a word and in any case.
var badWord = regexp.MustCompile(`(?i)victim|viktim|case|rast`)

func noBadWords(t *testing.T, where, text string) {
	t.Helper()
	for _, m := range badWord.FindAllStringIndex(text, -1) {
		t.Errorf("%s says %q: …%s…", where, text[m[0]:m[1]], text[max(0, m[0]-30):min(len(text), m[1]+30)])
	}
}

func TestCatalogueWords(t *testing.T) {
	cat := i18n.MustLoad()
	n := 0
	for _, lang := range cat.Langs() {
		for _, k := range cat.Keys(lang) {
			if strings.HasPrefix(k, "ownfile.") {
				msg, _ := cat.Lookup(lang, k)
				noBadWords(t, lang+" "+k, msg)
				n++
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d ownfile keys in the catalogues", n)
	}
	// Every key the renderer names through its tables is in both languages.
	tables := []map[string]string{actionKeys, statusKeys, ageGroupKeys, sexKeys, purposeKeys, scopeKeys,
		givenByKeys, assentKeys, howKeys, explainedKeys, orgTypeKeys, outcomeKeys, serviceKeys, serviceStateKeys, roleKeys, partKeys}
	keys := append([]string{"ownfile.action.other"}, months[:]...)
	for _, tb := range tables {
		for _, k := range tb {
			keys = append(keys, k)
		}
	}
	for _, lang := range cat.Langs() {
		for _, k := range keys {
			if _, ok := cat.Lookup(lang, k); !ok {
				t.Errorf("%s: no %s", lang, k)
			}
		}
	}
}

// TestDomainValues: every value of the domain has its words, so the file
// never falls back to showing a code.
func TestDomainValues(t *testing.T) {
	check := func(name string, tb map[string]string, values ...string) {
		for _, v := range values {
			if _, ok := tb[v]; !ok {
				t.Errorf("%s %q has no key", name, v)
			}
		}
	}
	for _, s := range nrm.Statuses {
		check("status", statusKeys, string(s))
	}
	check("age group", ageGroupKeys, string(nrm.AgeAdult), string(nrm.AgeChild), string(nrm.AgeUnknown))
	check("sex", sexKeys, nrm.Sexes...)
	check("purpose", purposeKeys, nrm.ConsentPurposes...)
	check("scope", scopeKeys, nrm.ConsentScopes...)
	check("given by", givenByKeys, nrm.GivenByPerson, nrm.GivenByGuardian, nrm.GivenByChild, nrm.GivenByReferral)
	check("assent", assentKeys, nrm.Assents...)
	check("how", howKeys, nrm.ConsentHow...)
	check("explained", explainedKeys, nrm.ExplainedPoints...)
	for _, o := range nrm.OrgTypes {
		check("org type", orgTypeKeys, string(o))
	}
	check("outcome", outcomeKeys, nrm.OutcomeIdentified, nrm.OutcomeNotIdentified)
	for _, n := range nrm.Needs {
		check("service", serviceKeys, string(n))
	}
	for _, r := range nrm.Roles {
		check("role", roleKeys, string(r))
	}
	for _, p := range nrm.Parts {
		check("part", partKeys, string(p))
	}
	// The audit actions that concern one person have a plain sentence.
	check("action", actionKeys, door.ActPersonCreate, door.ActPersonRead, door.ActPersonUpdate, door.ActGrant,
		door.ActGrantRevoke, door.ActBreakGlass, door.ActExport, door.ActRefer, door.ActGuardian, door.ActAgeAssess,
		door.ActStatus, door.ActIDRequest, door.ActDecide, door.ActSign, door.ActReturn, door.ActNonPunish,
		door.ActRegister, door.ActRegisterRead, door.ActDuplicate, door.ActTaskDone, door.ActEscalate, door.ActCaseRead,
		door.ActConsent, door.ActConsentWithdraw, door.ActConsentRead, door.ActMeasure, door.ActCourtRuling, door.ActDisclosureLog,
		door.ActOwnFile, door.ActLegalHold, door.ActErase, door.ActInterview, door.ActInterviewPlan,
		door.ActAttachmentAdd, door.ActAttachmentList, door.ActAttachmentDownload)
}

// TestSparse: a file without identity, account or anything else still
// renders every section, saying what is not there.
func TestSparse(t *testing.T) {
	f := &nrm.OwnFile{Code: "AL-2025-0007", Lang: "en", ProducedAt: at("2025-06-02 10:30"), ProducedBy: "Qendra Tjetër Vizion",
		Person: &nrm.Person{Code: "AL-2025-0007", Status: nrm.StatusReferred, AgeGroup: nrm.AgeAdult, AgeYears: -1}}
	pages := render(t, f)
	text := strings.Join(pages, " ")
	for _, w := range []string{
		"Your name, documents and contact details are not part of this copy.",
		"Your own account of what happened is not part of this copy.",
		"No consent is recorded.", "No formal decision has been made about you yet.",
		"No service is recorded yet.", "No one has seen your information yet.",
		fmt.Sprintf("Page %d of %d", len(pages), len(pages)),
	} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in %q", w, text)
		}
	}
	noBadWords(t, "extracted text", text)
}
