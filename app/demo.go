package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
	"github.com/pquerna/otp/totp"
)

// DemoPassword is every demo user's password. Demo data is fictional.
const DemoPassword = "Demo-Kalim-Provë-2026" // #nosec G101 -- the demo password is printed to whoever runs the demo; fictional data only

// DemoLogin is one printed demo login.
type DemoLogin struct {
	Role       nrm.Role
	Username   string
	Org        string
	TOTPSecret string
	Passkey    bool // the policy requires a passkey: registered at first sign-in
}

// demoOrgs are Albania's NRM members as the demo shows them (names are the
// institutions' own; every person and user in the demo is fictional).
var demoOrgs = []nrm.Org{
	{ID: "org-police-at", Name: "Policia e Shtetit — Sektori kundër trafikimit", Type: nrm.OrgPolice, Regions: nrm.Regions},
	{ID: "org-border", Name: "Policia Kufitare dhe e Migracionit — Kakavijë", Type: nrm.OrgBorderPolice, Regions: []string{"gjirokaster"}},
	{ID: "org-sss-tirane", Name: "Shërbimi Social Shtetëror — Drejtoria Rajonale Tiranë", Type: nrm.OrgSocialService, Regions: []string{"tirane"}},
	{ID: "org-sss-vlore", Name: "Shërbimi Social Shtetëror — Drejtoria Rajonale Vlorë", Type: nrm.OrgSocialService, Regions: []string{"vlore"}},
	{ID: "org-cpu-tirane", Name: "Njësia e Mbrojtjes së Fëmijës — Bashkia Tiranë", Type: nrm.OrgChildProtection, Regions: []string{"tirane"}},
	{ID: "org-cpu-vlore", Name: "Njësia e Mbrojtjes së Fëmijës — Bashkia Vlorë", Type: nrm.OrgChildProtection, Regions: []string{"vlore"}},
	{ID: "org-labour", Name: "Inspektorati Shtetëror i Punës dhe Shërbimeve Shoqërore", Type: nrm.OrgLabourInspectorate, Regions: nrm.Regions},
	{ID: "org-prosecution", Name: "Prokuroria e Rrethit Gjyqësor Tiranë", Type: nrm.OrgProsecution, Regions: []string{"tirane"}},
	{ID: "org-nrc", Name: "Qendra Kombëtare e Pritjes për Viktimat e Trafikimit", Type: nrm.OrgNGOShelter, Regions: nrm.Regions},
	{ID: "org-shelter-a", Name: "Strehëz OJF A (e trilluar)", Type: nrm.OrgNGOShelter, Regions: []string{"vlore", "fier"}},
	{ID: "org-shelter-b", Name: "Strehëz OJF B (e trilluar)", Type: nrm.OrgNGOShelter, Regions: []string{"tirane", "durres"}},
	{ID: "org-legal-aid", Name: "Drejtoria e Ndihmës Juridike Falas", Type: nrm.OrgLegalAid, Regions: nrm.Regions},
	{ID: "org-health", Name: "Spitali Rajonal Vlorë", Type: nrm.OrgHealth, Regions: []string{"vlore"}},
	{ID: "org-ra", Name: "Autoriteti Përgjegjës", Type: nrm.OrgResponsibleAuthority, Regions: nrm.Regions},
	{ID: "org-moi", Name: "Ministria e Brendshme — Struktura kundër trafikimit (Sekretariati Teknik)", Type: nrm.OrgSecretariat, Regions: nrm.Regions},
	{ID: "org-it", Name: "Administrimi i sistemit", Type: nrm.OrgMinistry, Regions: nrm.Regions},
}

var demoUsers = []struct {
	role     nrm.Role
	username string
	name     string
	org      string
}{
	{nrm.RoleFirstResponder, "policia.kufi", "Arben Hoxha (demo)", "org-border"},
	{nrm.RoleCaseManager, "punonjese.sociale", "Elira Daci (demo)", "org-sss-vlore"},
	{nrm.RoleRAOfficer, "autoriteti", "Mira Leka (demo)", "org-ra"},
	{nrm.RolePanelMember, "paneli.policia", "Gentian Shehu (demo)", "org-police-at"},
	{nrm.RoleServiceProvider, "strehez.a", "Ana Kola (demo)", "org-shelter-a"},
	{nrm.RoleJusticeOfficer, "prokurori", "Besnik Gjoni (demo)", "org-prosecution"},
	{nrm.RoleCoordinator, "koordinatori", "Drita Malaj (demo)", "org-moi"},
	{nrm.RoleMonitor, "monitoruesi", "Sokol Berisha (demo)", "org-moi"},
	{nrm.RoleDPO, "mbrojtja.te.dhenave", "Lule Prifti (demo)", "org-moi"},
	{nrm.RoleSysAdmin, "administratori", "Ilir Dervishi (demo)", "org-it"},
	// The other seats the identification scenarios need.
	{nrm.RolePanelMember, "paneli.sociale", "Vjollca Marku (demo)", "org-sss-vlore"},
	{nrm.RoleCaseManager, "mbrojtja.femijes", "Eda Kelmendi (demo)", "org-cpu-vlore"},
	{nrm.RoleFirstResponder, "ojf.terren", "Genta Bregu (demo)", "org-shelter-a"},
}

// Seed fills an empty database with the demo organisations, one user per
// role (second factor enrolled through the real sign-in flow), and n
// fictional persons referred by the demo users. It is idempotent only in
// the sense that it refuses to seed twice.
func Seed(ctx context.Context, d *door.Service, n int) ([]DemoLogin, error) {
	sys := nrm.SystemActor("demo")
	orgs, err := d.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	if len(orgs) > 0 {
		return nil, fmt.Errorf("the database already holds data; the demo seeds only an empty one")
	}
	orgName := map[string]string{}
	for i := range demoOrgs {
		o := demoOrgs[i]
		if err := d.CreateOrg(ctx, sys, &o); err != nil {
			return nil, err
		}
		orgName[o.ID] = o.Name
	}
	// A few directory entries (fictitious), kept by the system actor on the
	// organisations' behalf: the directory is not personal data.
	dirActor := &nrm.Actor{UserID: "system:demo", Roles: []nrm.Role{nrm.RoleSysAdmin}}
	for _, sv := range []nrm.ServiceInput{
		{OrgID: "org-shelter-a", Kind: "shelter", Name: "Strehëz për gra dhe fëmijë (e trilluar)", Regions: []string{"vlore", "fier"}, Languages: []string{"sq", "en"}, ForWhom: []string{"women", "children"}, Capacity: 12},
		{OrgID: "org-legal-aid", Kind: "legal_counselling", Name: "Këshillim ligjor falas", Regions: nrm.Regions, Languages: []string{"sq"}, ForWhom: []string{"women", "men", "families"}},
		{OrgID: "org-health", Kind: "medical", Name: "Kujdes mjekësor i menjëhershëm", Regions: []string{"vlore"}, Languages: []string{"sq", "en", "it"}, ForWhom: []string{"women", "men", "children", "families"}},
	} {
		if _, err := d.SaveService(ctx, dirActor, "", sv); err != nil {
			return nil, fmt.Errorf("service %s: %w", sv.Name, err)
		}
	}
	var logins []DemoLogin
	for _, du := range demoUsers {
		_, err := d.CreateUser(ctx, sys, door.UserInput{OrgID: du.org, Username: du.username, DisplayName: du.name, Roles: []nrm.Role{du.role}, Password: DemoPassword})
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", du.username, err)
		}
		l := DemoLogin{Role: du.role, Username: du.username, Org: orgName[du.org]}
		tok, sess, err := d.Login(ctx, du.username, DemoPassword, "seed")
		if err != nil {
			return nil, err
		}
		f, err := d.Factors(ctx, tok)
		if err != nil {
			return nil, err
		}
		switch {
		case f.PasskeyOnly: // --webauthn-roles names the role: no TOTP to print
			l.Passkey = true
			_ = d.Logout(ctx, tok, "seed")
		case sess.Stage == door.StageEnrol:
			secret, _, err := d.BeginTOTPEnrolment(ctx, tok)
			if err != nil {
				return nil, err
			}
			code, err := totp.GenerateCode(secret, d.Now())
			if err != nil {
				return nil, err
			}
			full, _, err := d.ConfirmTOTPEnrolment(ctx, tok, code, "seed")
			if err != nil {
				return nil, err
			}
			_ = d.Logout(ctx, full, "seed")
			l.TOTPSecret = secret
		default:
			_ = d.Logout(ctx, tok, "seed")
		}
		logins = append(logins, l)
	}
	rng := rand.New(rand.NewPCG(2026, 11)) // #nosec G404 -- fictional data needs a reproducible seed, not secrecy
	byUser := map[string]*nrm.Actor{}
	for _, du := range demoUsers {
		u, err := d.UserByName(ctx, du.username)
		if err != nil {
			return nil, err
		}
		var typ nrm.OrgType
		for _, o := range demoOrgs {
			if o.ID == du.org {
				typ = o.Type
			}
		}
		byUser[du.username] = &nrm.Actor{UserID: u.ID, OrgID: du.org, OrgType: typ, Roles: u.Roles, Remote: "seed"}
	}
	// Every demo worker gets an address on the reserved .invalid domain, so
	// the mail job (with no --smtp-addr: nothing leaves) shows on each
	// account page what it would send.
	for _, du := range demoUsers {
		if err := d.SetMailSettings(ctx, byUser[du.username], door.MailSettings{Email: du.username + "@demo.invalid", Mode: door.NotifyImmediate}); err != nil {
			return nil, fmt.Errorf("demo mail settings: %w", err)
		}
	}
	referrers := []*nrm.Actor{byUser["policia.kufi"], byUser["punonjese.sociale"], byUser["ojf.terren"]}
	for i := range n {
		a := referrers[i%len(referrers)]
		res, err := d.Refer(ctx, a, FakeReferral(rng, d.Now(), d.Catalogue()))
		if err != nil {
			return nil, fmt.Errorf("demo referral %d: %w", i, err)
		}
		p := res.Person
		// Some adults ask for formal identification and the joint panel decides.
		if i%4 == 1 && p.Status == nrm.StatusPotentialVictim && !p.IsChild() {
			req, err := d.RequestIdentification(ctx, a, p.ID, nrm.IdentificationRequest{RequestedBy: nrm.RequestedByPerson,
				Explanation: "Shpjeguar me gojë, në shqip, me fletëpalosjen e informimit.", Language: "sq", PanelOrgs: []string{"org-police-at", "org-sss-vlore"}})
			if err != nil {
				return nil, fmt.Errorf("demo identification request: %w", err)
			}
			if i%8 == 1 {
				// Every signature is made with the second factor fresh.
				for _, u := range []string{"paneli.policia", "paneli.sociale"} {
					byUser[u].MFAAt = d.Now()
				}
				dec, err := d.Decide(ctx, byUser["paneli.policia"], req, nrm.DecisionInput{Outcome: nrm.OutcomeIdentified,
					Reasons: "Rrëfim i qëndrueshëm; tregues në çdo seksion.", InterviewOn: d.Now().Format("2006-01-02"), InterviewerGender: p.PreferredGender,
					ToldOn: d.Now().Format("2006-01-02"), ToldHow: "in_person", ToldLang: "sq"})
				if err != nil {
					return nil, fmt.Errorf("demo decision: %w", err)
				}
				if err := d.SignDecision(ctx, byUser["paneli.sociale"], dec); err != nil {
					return nil, fmt.Errorf("demo signature: %w", err)
				}
			}
		}
	}
	if _, err := d.EscalateDeadlines(ctx); err != nil {
		return nil, err
	}
	if _, err := d.Checkpoint(ctx, true); err != nil {
		return nil, err
	}
	return logins, nil
}

var (
	givenF  = []string{"Elona", "Arta", "Blerina", "Drita", "Ermira", "Fatjona", "Klea", "Lindita", "Mimoza", "Rozafa", "Teuta", "Valbona", "Olena", "Maria", "Amina", "Joy"}
	givenM  = []string{"Altin", "Besart", "Dritan", "Endrit", "Gëzim", "Ilir", "Klodian", "Luan", "Mërgim", "Ardit", "Taras", "Samuel", "Omar", "Karim"}
	family  = []string{"Hoxha", "Shehu", "Leka", "Gjoni", "Kola", "Çela", "Dervishi", "Prifti", "Malaj", "Berisha", "Kelmendi", "Dushku", "Marku", "Zeqiri", "Bregu", "Koci"}
	nations = []string{"ALB", "ALB", "ALB", "ALB", "ALB", "ALB", "XKX", "MKD", "UKR", "SYR", "NGA", "BGD", "PHL", "TUR"}
	stories = []string{
		"U takua gjatë një inspektimi pune në një kantier ndërtimi; pasaportën e mban punëdhënësi.",
		"U referua nga punonjësit në terren në një stacion autobusi; thotë se ka borxh për udhëtimin.",
		"U gjet duke lypur me dy fëmijë më të vegjël; një i rritur mbledh paratë çdo mbrëmje.",
		"Telefonoi linjën e strehëzës; i ishte premtuar punë në një restorant jashtë vendit.",
		"U ndal në pikën kufitare me dokumente që nuk ishin të sajat.",
	}
)

// FakeReferral makes one fictional referral as a first responder would
// record it: partial, with indicators from the catalogue in force.
func FakeReferral(rng *rand.Rand, now time.Time, cat *rules.Catalogue) nrm.ReferralInput {
	p := FakePerson(rng, now)
	in := nrm.ReferralInput{
		MetOn: now.AddDate(0, 0, -rng.IntN(5)).Format("2006-01-02"), MetRegion: *p.Region, Region: *p.Region,
		MetHow: nrm.MetHow[rng.IntN(len(nrm.MetHow)-1)], Sex: *p.Sex, Nationalities: []string{*p.Nationality},
		Identity: p.Identity, Account: *p.Narrative, Consent: nrm.ConsentGiven, AgeBasis: nrm.AgeDeclared,
	}
	if in.Nationalities[0] != "ALB" {
		in.Interpreter = true
		in.Needs = append(in.Needs, nrm.NeedRequest{Need: nrm.NeedInterpreter})
	}
	switch {
	case *p.AgeGroup == nrm.AgeChild:
		in.Consent = nrm.ConsentChild
		in.AgeYears = ptrInt(now.Year() - mustYear(p.Identity.BirthDate))
	case *p.PresumedChild:
		in.Consent, in.AgeBasis, in.ChildSigns = nrm.ConsentChild, nrm.AgeUncertain, true
	default:
		in.AgeYears = ptrInt(now.Year() - mustYear(p.Identity.BirthDate))
		if rng.IntN(6) == 0 {
			in.Consent, in.Identity = nrm.ConsentRefused, nil
		}
	}
	if rng.IntN(2) == 0 {
		in.Needs = append(in.Needs, nrm.NeedRequest{Need: nrm.NeedShelter})
	}
	if rng.IntN(4) == 0 {
		in.Needs = append(in.Needs, nrm.NeedRequest{Need: nrm.NeedMedical})
	}
	// Indicators: most referrals meet the threshold, some do not yet.
	forms := []rules.Form{"sexual", "labour", "begging", "domestic_servitude", "forced_criminality"}
	form := forms[rng.IntN(len(forms))]
	sections := []string{"A", "B", "C"}
	if rng.IntN(5) == 0 {
		sections = []string{"A"}
	}
	for _, sec := range sections {
		var pick []string
		for _, ind := range cat.Indicators {
			if ind.Section == sec && (slices.Contains(ind.Forms, form) || slices.Contains(ind.Forms, "general")) {
				pick = append(pick, ind.Code)
			}
		}
		if len(pick) > 0 {
			in.Indicators = append(in.Indicators, pick[rng.IntN(len(pick))])
		}
	}
	return in
}

func ptrInt(v int) *int { return &v }

func mustYear(birth string) int {
	y, _ := strconv.Atoi(nrm.BirthYear(birth))
	return y
}

// FakePerson makes one fictional referral.
func FakePerson(rng *rand.Rand, now time.Time) nrm.PersonInput {
	sex := "female"
	given := givenF[rng.IntN(len(givenF))]
	if rng.IntN(10) < 3 {
		sex, given = "male", givenM[rng.IntN(len(givenM))]
	}
	age := nrm.AgeAdult
	child := false
	year := now.Year() - 19 - rng.IntN(30)
	switch r := rng.IntN(10); {
	case r < 2:
		age, year = nrm.AgeChild, now.Year()-11-rng.IntN(7)
	case r < 3:
		age, child = nrm.AgeUnknown, true
		year = now.Year() - 16 - rng.IntN(3)
	}
	status := []nrm.Status{nrm.StatusReferred, nrm.StatusPotentialVictim, nrm.StatusPotentialVictim, nrm.StatusIdentified}[rng.IntN(4)]
	region := nrm.Regions[rng.IntN(len(nrm.Regions))]
	nat := nations[rng.IntN(len(nations))]
	birth := fmt.Sprintf("%04d", year)
	if rng.IntN(2) == 0 {
		birth = fmt.Sprintf("%04d-%02d-%02d", year, 1+rng.IntN(12), 1+rng.IntN(28))
	}
	story := stories[rng.IntN(len(stories))]
	return nrm.PersonInput{
		Region: &region, Status: &status, AgeGroup: &age, PresumedChild: &child, Sex: &sex, Nationality: &nat,
		Identity: &nrm.Identity{GivenName: given, FamilyName: family[rng.IntN(len(family))], BirthDate: birth,
			Phone: fmt.Sprintf("+355 6%d %03d %04d", 7+rng.IntN(3), rng.IntN(1000), rng.IntN(10000))},
		Narrative: &story,
	}
}

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := flags("gen", stderr, "")
	cases := fs.Int("cases", 1000, "how many fictional persons to add")
	batch := fs.Int("batch", 500, "persons per transaction")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg.Migrate = true
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	orgs, err := a.Door.Orgs(ctx)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		if _, err := Seed(ctx, a.Door, 0); err != nil {
			return err
		}
	}
	u, err := a.Door.UserByName(ctx, "punonjese.sociale")
	if err != nil {
		return fmt.Errorf("gen needs the demo organisations and users (seeded on an empty database)")
	}
	actor := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, Roles: u.Roles, Remote: "gen"}
	return Generate(ctx, a.Door, actor, *cases, *batch, *seed, stdout)
}

// Generate adds n fictional persons through the door in batches, reporting progress.
func Generate(ctx context.Context, d *door.Service, a *nrm.Actor, n, batch int, seed uint64, w io.Writer) error {
	if batch <= 0 {
		batch = 500
	}
	rng := rand.New(rand.NewPCG(seed, 7)) // #nosec G404 -- fictional data needs a reproducible seed, not secrecy
	start := time.Now()
	for done := 0; done < n; {
		k := min(batch, n-done)
		ins := make([]nrm.PersonInput, k)
		for i := range ins {
			ins[i] = FakePerson(rng, d.Now())
		}
		if _, err := d.CreatePersons(ctx, a, ins); err != nil {
			return err
		}
		done += k
		if w != nil && (done%(batch*20) == 0 || done == n) {
			el := time.Since(start)
			fmt.Fprintf(w, "%d persons in %s (%.0f/s)\n", done, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
	_, err := d.Checkpoint(ctx, true)
	return err
}

var _ = flag.ErrHelp
