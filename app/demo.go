package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
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
	var logins []DemoLogin
	actors := map[nrm.Role]*nrm.Actor{}
	for _, du := range demoUsers {
		u, err := d.CreateUser(ctx, sys, door.UserInput{OrgID: du.org, Username: du.username, DisplayName: du.name, Roles: []nrm.Role{du.role}, Password: DemoPassword})
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
		actors[du.role] = &nrm.Actor{UserID: u.ID, OrgID: du.org, Roles: u.Roles, Remote: "seed"}
	}
	rng := rand.New(rand.NewPCG(2026, 11)) // #nosec G404 -- fictional data needs a reproducible seed, not secrecy
	referrers := []*nrm.Actor{actors[nrm.RoleFirstResponder], actors[nrm.RoleCaseManager]}
	for i := range n {
		a := referrers[i%len(referrers)]
		in := FakePerson(rng, d.Now())
		p, err := d.CreatePerson(ctx, a, in)
		if err != nil {
			return nil, err
		}
		// The Vlorë social worker discloses some records to Shelter A under consent.
		if a == actors[nrm.RoleCaseManager] && i%3 == 1 {
			if _, err := d.Grant(ctx, a, p.ID, door.GrantInput{OrgID: "org-shelter-a", Parts: []nrm.Part{nrm.PartSummary, nrm.PartIdentity}, Basis: door.BasisConsent}); err != nil {
				return nil, err
			}
		}
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
		"Met during a labour inspection at a construction site; passport kept by the employer.",
		"Referred by outreach workers at a bus station; says she owes money for travel.",
		"Found begging with two younger children; an adult collects the money each evening.",
		"Came to the shelter's hotline; was promised work in a restaurant abroad.",
		"Stopped at the border crossing with documents that were not hers.",
	}
)

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
