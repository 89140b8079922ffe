package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// expect is what one role must (and must not) get from one route.
type expect struct {
	status  int
	must    []string // substrings that must appear in the body
	mustNot []string // substrings that must not appear
}

// matrixWorld: one person referred by the case manager of organisation A,
// seen by one user of every role.
type matrixWorld struct {
	srv       *Server
	door      *door.Service
	cookies   map[nrm.Role]*http.Cookie
	csrf      map[nrm.Role]string
	person    *nrm.Person
	name, acc string // identity and account canaries
}

var matrixOrg = map[nrm.Role]string{
	nrm.RoleFirstResponder: "org-a", nrm.RoleCaseManager: "org-a",
	nrm.RoleRAOfficer: "org-ra", nrm.RoleCoordinator: "org-ra", nrm.RoleMonitor: "org-ra", nrm.RoleDPO: "org-ra", nrm.RoleSysAdmin: "org-ra",
	nrm.RolePanelMember: "org-b", nrm.RoleServiceProvider: "org-b", nrm.RoleJusticeOfficer: "org-b",
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(vault.Config{KeyDir: dir + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.LoadOrCreateSigner(dir + "/audit.key")
	if err != nil {
		t.Fatal(err)
	}
	d, err := door.New(ctx, db, v, signer, door.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Addr: "127.0.0.1:0"}, d, cat, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sys := nrm.SystemActor("matrix")
	for id, typ := range map[string]nrm.OrgType{"org-a": nrm.OrgSocialService, "org-b": nrm.OrgNGOShelter, "org-ra": nrm.OrgResponsibleAuthority} {
		if err := d.CreateOrg(ctx, sys, &nrm.Org{ID: id, Name: "Org " + id, Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	w := &matrixWorld{srv: srv, door: d, cookies: map[nrm.Role]*http.Cookie{}, csrf: map[nrm.Role]string{},
		name: "Matrixgiven" + fmt.Sprint(time.Now().UnixNano()%1e6), acc: "Matrixaccount-story"}
	pw := "Lumi Drini rrjedh ngadalë 2026"
	var cmActor *nrm.Actor
	for _, role := range nrm.Roles {
		username := "m." + string(role)
		u, err := d.CreateUser(ctx, sys, door.UserInput{OrgID: matrixOrg[role], Username: username, DisplayName: "M " + string(role), Roles: []nrm.Role{role}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		w.cookies[role], w.csrf[role] = signInSeat(t, d, username, pw)
		if role == nrm.RoleCaseManager {
			cmActor = &nrm.Actor{UserID: u.ID, OrgID: "org-a", Roles: u.Roles}
		}
	}
	narr := w.acc
	w.person, err = d.CreatePerson(ctx, cmActor, nrm.PersonInput{Identity: &nrm.Identity{GivenName: w.name}, Narrative: &narr})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Bodies of the passkey ceremony steps: a start, and a well-formed
// credential that no authenticator made.
const (
	passkeyBegin  = `{"csrf":"{csrf}"}`
	passkeyForged = `{"csrf":"{csrf}","credential":{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}}`
)

// TestAuthorizationMatrix runs every role against every route. Each route
// must have rows; each row says what must and what must not appear.
func TestAuthorizationMatrix(t *testing.T) {
	skipnote.Short(t, "the matrix creates ten users (argon2id)")
	w := newMatrixWorld(t)
	id, code := w.person.ID, w.person.Code
	full := expect{200, []string{code, w.name, w.acc}, nil}
	summary := expect{200, []string{code}, []string{w.name, w.acc}}
	missing := expect{404, nil, []string{code, w.name, w.acc}}
	forbidden := expect{403, nil, []string{code, w.name, w.acc}}
	listing := expect{200, []string{code}, []string{w.name, w.acc}}
	emptyList := expect{200, nil, []string{code, w.name, w.acc}}
	all := func(e expect) map[nrm.Role]expect {
		m := map[nrm.Role]expect{}
		for _, r := range nrm.Roles {
			m[r] = e
		}
		return m
	}
	byRole := func(def expect, over map[nrm.Role]expect) map[nrm.Role]expect {
		m := all(def)
		for r, e := range over {
			m[r] = e
		}
		return m
	}
	own := map[nrm.Role]expect{nrm.RoleFirstResponder: full, nrm.RoleCaseManager: full, nrm.RoleRAOfficer: summary, nrm.RoleCoordinator: summary}
	lists := map[nrm.Role]expect{
		nrm.RoleFirstResponder: listing, nrm.RoleCaseManager: listing, nrm.RoleRAOfficer: listing, nrm.RoleCoordinator: listing,
		nrm.RolePanelMember: emptyList, nrm.RoleServiceProvider: emptyList, nrm.RoleJusticeOfficer: emptyList,
	}
	creators := map[nrm.Role]expect{nrm.RoleFirstResponder: {200, nil, nil}, nrm.RoleCaseManager: {200, nil, nil}, nrm.RoleRAOfficer: {200, nil, nil}}
	created := map[nrm.Role]expect{nrm.RoleFirstResponder: {303, nil, nil}, nrm.RoleCaseManager: {303, nil, nil}, nrm.RoleRAOfficer: {303, nil, nil}}
	apiCreated := map[nrm.Role]expect{nrm.RoleFirstResponder: {201, nil, nil}, nrm.RoleCaseManager: {201, nil, nil}, nrm.RoleRAOfficer: {201, nil, nil}}
	editors := map[nrm.Role]expect{nrm.RoleFirstResponder: {200, []string{w.name}, nil}, nrm.RoleCaseManager: {200, []string{w.name}, nil}}
	noData := expect{200, nil, []string{code, w.name, w.acc}}
	// The register's edit form carries the summary only (the RA may change a
	// status; identity is never on it). The coordinator's save is refused.
	summaryForm := expect{200, nil, []string{w.name, w.acc}}
	redirect := expect{303, nil, []string{code, w.name, w.acc}}

	// writers: the owning organisation acts; the register may change the
	// summary (never identity, so no canary appears); the coordinator may not.
	writers := func(status int) map[nrm.Role]expect {
		return map[nrm.Role]expect{nrm.RoleFirstResponder: {status, nil, nil}, nrm.RoleCaseManager: {status, nil, nil},
			nrm.RoleRAOfficer: {status, nil, []string{w.name, w.acc}}, nrm.RoleCoordinator: {403, nil, []string{w.name, w.acc}}}
	}

	emptyExport := expect{200, []string{"code,status"}, []string{code, w.name, w.acc}}

	// workers: those who work the record (its organisation), not the register.
	workers := func(status int) map[nrm.Role]expect {
		return map[nrm.Role]expect{nrm.RoleFirstResponder: {status, nil, []string{w.acc}}, nrm.RoleCaseManager: {status, nil, []string{w.acc}},
			nrm.RoleRAOfficer: {403, nil, []string{w.name, w.acc}}, nrm.RoleCoordinator: {403, nil, []string{w.name, w.acc}}}
	}
	// interviewers: the owning organisation records and plans; the other
	// interviewing roles, with no sight of the record, find it missing.
	interviewers := func(status int) map[nrm.Role]expect {
		own := expect{status, nil, []string{w.name, w.acc}}
		return map[nrm.Role]expect{nrm.RoleFirstResponder: own, nrm.RoleCaseManager: own,
			nrm.RolePanelMember: missing, nrm.RoleServiceProvider: missing, nrm.RoleJusticeOfficer: missing}
	}

	type row struct {
		method, path, body string
		json               bool
		want               map[nrm.Role]expect
		mutates            bool          // runs last, on a fresh version each time
		bodyFn             func() string // builds the body at run time, when set
	}
	rows := map[string]row{
		"GET /healthz":             {method: "GET", path: "/healthz", want: all(noData)},
		"GET /readyz":              {method: "GET", path: "/readyz", want: all(noData)},
		"GET /static/":             {method: "GET", path: "/static/app.css", want: all(noData)},
		"GET /login":               {method: "GET", path: "/login", want: all(expect{303, nil, nil})},
		"POST /login":              {method: "POST", path: "/login", body: "username=x&password=y", want: all(expect{401, nil, []string{code, w.name}})},
		"GET /login/code":          {method: "GET", path: "/login/code", want: all(redirect)},
		"POST /login/code":         {method: "POST", path: "/login/code", body: "code=000000", want: all(redirect)},
		"GET /login/enrol":         {method: "GET", path: "/login/enrol", want: all(redirect)},
		"POST /login/enrol":        {method: "POST", path: "/login/enrol", body: "code=000000", want: all(redirect)},
		"POST /lang":               {method: "POST", path: "/lang", body: "lang=en&next=/", want: all(redirect)},
		"GET /{$}":                 {method: "GET", path: "/", want: byRole(noData, map[nrm.Role]expect{nrm.RoleFirstResponder: listing, nrm.RoleCaseManager: listing, nrm.RoleRAOfficer: listing, nrm.RoleCoordinator: listing})},
		"GET /persons":             {method: "GET", path: "/persons", want: byRole(forbidden, lists)},
		"GET /persons/new":         {method: "GET", path: "/persons/new", want: byRole(forbidden, creators)},
		"POST /persons":            {method: "POST", path: "/persons", body: "region=tirane", want: byRole(forbidden, created), mutates: true},
		"GET /persons/{id}":        {method: "GET", path: "/persons/" + id, want: byRole(missing, own)},
		"GET /persons/{id}/edit":   {method: "GET", path: "/persons/" + id + "/edit", want: byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: editors[nrm.RoleFirstResponder], nrm.RoleCaseManager: editors[nrm.RoleCaseManager], nrm.RoleRAOfficer: summaryForm, nrm.RoleCoordinator: summaryForm})},
		"GET /api/v1/openapi.json": {method: "GET", path: "/api/v1/openapi.json", want: all(noData)},
		"GET /api/v1/me":           {method: "GET", path: "/api/v1/me", json: true, want: all(noData)},
		"GET /api/v1/persons":      {method: "GET", path: "/api/v1/persons", json: true, want: byRole(forbidden, lists)},
		"POST /api/v1/persons":     {method: "POST", path: "/api/v1/persons", json: true, body: `{"region":"tirane"}`, want: byRole(forbidden, apiCreated), mutates: true},
		"GET /api/v1/persons/{id}": {method: "GET", path: "/api/v1/persons/" + id, json: true, want: byRole(missing, own)},
		"/api/":                    {method: "GET", path: "/api/v1/nothing-here", json: true, want: all(missing)},
		"/":                        {method: "GET", path: "/nothing-here", want: all(missing)},
		// Writes to the existing record: only the owning organisation may;
		// the register (RA, coordinator) sees it but may not edit identity;
		// everyone else gets the same 404 as for a missing record.
		"POST /persons/{id}/edit": {method: "POST", path: "/persons/" + id + "/edit", body: "given_name=" + w.name + "&narrative=" + w.acc, mutates: true,
			want: byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {303, nil, nil}, nrm.RoleCaseManager: {303, nil, nil}, nrm.RoleRAOfficer: {303, nil, nil}, nrm.RoleCoordinator: {403, nil, []string{w.name, w.acc}}})},
		"PATCH /api/v1/persons/{id}": {method: "PATCH", path: "/api/v1/persons/" + id, json: true, mutates: true,
			body: `{"version":%d,"narrative":"` + w.acc + `"}`,
			want: byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {200, []string{w.acc}, nil}, nrm.RoleCaseManager: {200, []string{w.acc}, nil}, nrm.RoleRAOfficer: {403, nil, []string{w.name, w.acc}}, nrm.RoleCoordinator: {403, nil, []string{w.name, w.acc}}})},
		// Break-glass without a reason is refused for roles that may break glass, forbidden for the rest.
		"POST /persons/{id}/breakglass": {method: "POST", path: "/persons/" + id + "/breakglass", body: "reason=&code=", mutates: true,
			want: byRole(forbidden, map[nrm.Role]expect{
				nrm.RoleFirstResponder: {422, nil, []string{w.acc}}, nrm.RoleCaseManager: {422, nil, []string{w.acc}}, nrm.RoleRAOfficer: {422, nil, []string{w.name, w.acc}},
				nrm.RolePanelMember: {422, nil, []string{w.name, w.acc}}, nrm.RoleServiceProvider: {422, nil, []string{w.name, w.acc}}, nrm.RoleJusticeOfficer: {422, nil, []string{w.name, w.acc}}})},
		"POST /logout": {method: "POST", path: "/logout", want: all(redirect), mutates: true},

		// Passkeys. Every session here is full: the sign-in steps refuse
		// (the page sends it home; the JSON steps say forbidden).
		// Registration is open to every role (each has just proven its
		// second factor, or has none); a forged answer is refused. No one
		// has a passkey, so a passkey step-up has nothing to ask for, and
		// removing one finds nothing.
		"GET /login/passkey":                 {method: "GET", path: "/login/passkey", want: all(redirect)},
		"POST /login/passkey/begin":          {method: "POST", path: "/login/passkey/begin", json: true, body: passkeyBegin, want: all(forbidden)},
		"POST /login/passkey/finish":         {method: "POST", path: "/login/passkey/finish", json: true, body: passkeyForged, want: all(forbidden)},
		"POST /account/passkeys/begin":       {method: "POST", path: "/account/passkeys/begin", json: true, body: passkeyBegin, want: all(expect{200, []string{`"publicKey"`, `"challenge"`}, []string{code, w.name, w.acc}})},
		"POST /account/passkeys/finish":      {method: "POST", path: "/account/passkeys/finish", json: true, body: passkeyForged, want: all(expect{400, []string{"invalid"}, []string{code, w.name, w.acc}})},
		"POST /stepup/passkey/begin":         {method: "POST", path: "/stepup/passkey/begin", json: true, body: passkeyBegin, want: all(forbidden)},
		"POST /stepup/passkey/finish":        {method: "POST", path: "/stepup/passkey/finish", json: true, body: passkeyForged, want: all(expect{400, []string{"invalid"}, []string{code, w.name, w.acc}})},
		"GET /account":                       {method: "GET", path: "/account", want: all(expect{200, []string{`data-testid="account-heading"`, `data-testid="passkeys-empty"`}, []string{code, w.name, w.acc}})},
		"POST /account/passkeys/{id}/remove": {method: "POST", path: "/account/passkeys/AAAAAAAA/remove", want: all(missing)},
		"POST /account/stepup":               {method: "POST", path: "/account/stepup", body: "code=000000", want: all(expect{422, []string{`data-testid="error-summary"`}, []string{code, w.name, w.acc}})},
		// Identification and protection. Each row's body is chosen so that
		// who may act gets past the door's checks to a known answer, and the
		// rest get the same 404 as for a missing record (or 403 for a role
		// the action is never for).
		"POST /api/v1/referrals": {method: "POST", path: "/api/v1/referrals", json: true, body: `{}`,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleFirstResponder: {400, nil, nil}, nrm.RoleCaseManager: {400, nil, nil}, nrm.RoleRAOfficer: {400, nil, nil}})},
		"GET /api/v1/persons/{id}/case": {method: "GET", path: "/api/v1/persons/" + id + "/case", json: true, want: byRole(missing, own)},
		"POST /api/v1/persons/{id}/guardian": {method: "POST", path: "/api/v1/persons/" + id + "/guardian", json: true, body: `{"kind":"guardian","name":"Matrix guardian"}`,
			want: byRole(missing, writers(201))},
		"POST /api/v1/persons/{id}/age-assessment": {method: "POST", path: "/api/v1/persons/" + id + "/age-assessment", json: true,
			body: `{"on":"2025-01-01","method":"documents","years":30}`, want: byRole(missing, writers(200))},
		"POST /api/v1/persons/{id}/status": {method: "POST", path: "/api/v1/persons/" + id + "/status", json: true,
			body: `{"version":999999,"status":"at_risk","reason":"matrix"}`, want: byRole(missing, writers(409))},
		"POST /api/v1/persons/{id}/identification-requests": {method: "POST", path: "/api/v1/persons/" + id + "/identification-requests", json: true,
			body: `{"requested_by":"person","explanation":"matrix","panel_orgs":["org-b"]}`, want: byRole(missing, writers(400))},
		"POST /api/v1/persons/{id}/return-steps": {method: "POST", path: "/api/v1/persons/" + id + "/return-steps", json: true,
			body: `{"kind":"removal_order","own_request":true}`, want: byRole(missing, writers(400))},
		"POST /api/v1/persons/{id}/non-punishment": {method: "POST", path: "/api/v1/persons/" + id + "/non-punishment", json: true,
			body: `{"note":"matrix"}`, want: byRole(missing, writers(200))},
		"POST /api/v1/persons/{id}/register": {method: "POST", path: "/api/v1/persons/" + id + "/register", json: true,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: {200, nil, []string{w.name, w.acc}}})},
		"POST /api/v1/identification-requests/{id}/decisions": {method: "POST", path: "/api/v1/identification-requests/" + strings.Repeat("0", 32) + "/decisions", json: true,
			body: `{}`, want: byRole(forbidden, map[nrm.Role]expect{nrm.RolePanelMember: missing})},
		"POST /api/v1/decisions/{id}/signatures": {method: "POST", path: "/api/v1/decisions/" + strings.Repeat("0", 32) + "/signatures", json: true,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RolePanelMember: missing})},
		"POST /api/v1/tasks/{id}/done":         {method: "POST", path: "/api/v1/tasks/" + strings.Repeat("0", 32) + "/done", json: true, want: all(missing)},
		"POST /api/v1/notifications/{id}/read": {method: "POST", path: "/api/v1/notifications/" + strings.Repeat("0", 32) + "/read", json: true, want: all(missing)},
		"POST /api/v1/duplicates": {method: "POST", path: "/api/v1/duplicates", json: true, body: `{"keep":"` + id + `","other":"` + id + `","state":"linked"}`,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: {400, nil, []string{w.name, w.acc}}})},
		// The export: what the organisation may take away, as a page would show it.
		"GET /persons/export.csv": {method: "GET", path: "/persons/export.csv", want: byRole(forbidden, map[nrm.Role]expect{
			nrm.RoleFirstResponder: {200, []string{code, w.name, w.acc}, nil}, nrm.RoleCaseManager: {200, []string{code, w.name, w.acc}, nil},
			nrm.RoleRAOfficer: emptyExport, nrm.RoleCoordinator: forbidden, nrm.RolePanelMember: emptyExport, nrm.RoleServiceProvider: emptyExport, nrm.RoleJusticeOfficer: emptyExport})},
		// Bulk reassignment: the case workers of the organisation; an empty
		// form is refused naming its fields, any other role is refused.
		"GET /persons/reassign": {method: "GET", path: "/persons/reassign", want: byRole(forbidden, map[nrm.Role]expect{
			nrm.RoleFirstResponder: {200, []string{`data-testid="reassign-form"`}, []string{code, w.name, w.acc}},
			nrm.RoleCaseManager:    {200, []string{`data-testid="reassign-form"`}, []string{code, w.name, w.acc}}})},
		"POST /persons/reassign": {method: "POST", path: "/persons/reassign", body: "from_user=&to_user=", want: byRole(forbidden, map[nrm.Role]expect{
			nrm.RoleFirstResponder: {422, []string{"error-summary"}, []string{code, w.name, w.acc}},
			nrm.RoleCaseManager:    {422, []string{"error-summary"}, []string{code, w.name, w.acc}}})},
		"POST /api/v1/assignments/reassign": {method: "POST", path: "/api/v1/assignments/reassign", json: true, body: `{"to_user":""}`,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleFirstResponder: {400, nil, []string{w.name, w.acc}}, nrm.RoleCaseManager: {400, nil, []string{w.name, w.acc}}})},
		// Consent ledger, children's measures, disclosure log (issue #4):
		// only those who work the record (own organisation or assigned).
		"GET /api/v1/persons/{id}/consents": {method: "GET", path: "/api/v1/persons/" + id + "/consents", json: true,
			want: byRole(missing, map[nrm.Role]expect{nrm.RoleFirstResponder: {200, nil, nil}, nrm.RoleCaseManager: {200, nil, nil},
				nrm.RoleRAOfficer: {200, nil, []string{w.name, w.acc}}, nrm.RoleCoordinator: {200, nil, []string{w.name, w.acc}}})},
		"POST /api/v1/persons/{id}/consents": {method: "POST", path: "/api/v1/persons/" + id + "/consents", json: true, body: `{}`,
			want: byRole(missing, workers(400))},
		"POST /api/v1/persons/{id}/consents/{consent}/withdrawal": {method: "POST", path: "/api/v1/persons/" + id + "/consents/" + strings.Repeat("0", 32) + "/withdrawal", json: true,
			body: `{"how":"oral"}`, want: byRole(missing, workers(400))},
		"POST /api/v1/persons/{id}/measures": {method: "POST", path: "/api/v1/persons/" + id + "/measures", json: true, body: `{}`,
			want: byRole(missing, writers(400))},
		"POST /api/v1/persons/{id}/measures/{measure}/court-ruling": {method: "POST", path: "/api/v1/persons/" + id + "/measures/" + strings.Repeat("0", 32) + "/court-ruling", json: true,
			body: `{"court_outcome":"confirmed"}`, want: byRole(missing, writers(400))},
		"GET /api/v1/persons/{id}/disclosures": {method: "GET", path: "/api/v1/persons/" + id + "/disclosures", json: true,
			want: byRole(missing, workers(200))},
		"GET /persons/{id}/disclosures": {method: "GET", path: "/persons/" + id + "/disclosures", want: byRole(missing, workers(200))},
		"GET /persons/{id}/own-file":    {method: "GET", path: "/persons/" + id + "/own-file?lang=en", want: byRole(missing, workers(200))},
		"GET /api/v1/work":              {method: "GET", path: "/api/v1/work", json: true, want: all(noData)},
		"GET /api/v1/register":          {method: "GET", path: "/api/v1/register", json: true, want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: listing, nrm.RoleCoordinator: listing})},
		"GET /api/v1/indicators":        {method: "GET", path: "/api/v1/indicators", json: true, want: all(noData)},
		"GET /api/v1/profile":           {method: "GET", path: "/api/v1/profile", json: true, want: all(noData)},
		// Tell it once: who interviews records and plans on the records they
		// may see; a hold is the Responsible Authority's or the DPO's, and
		// needs no sight of the record.
		"POST /api/v1/persons/{id}/interviews": {method: "POST", path: "/api/v1/persons/" + id + "/interviews", json: true,
			body: `{"on":"2025-01-01","purpose":"service_intake","statement":"Matrixstatement"}`, want: byRole(forbidden, interviewers(201))},
		"GET /api/v1/persons/{id}/interviews/plan": {method: "GET", path: "/api/v1/persons/" + id + "/interviews/plan?purpose=investigation", json: true,
			want: byRole(forbidden, interviewers(200))},
		"POST /api/v1/persons/{id}/legal-hold": {method: "POST", path: "/api/v1/persons/" + id + "/legal-hold", json: true, body: `{"on":false}`,
			want: byRole(forbidden, map[nrm.Role]expect{nrm.RoleRAOfficer: {200, nil, []string{w.name, w.acc}}, nrm.RoleDPO: {200, nil, []string{w.name, w.acc}}})},
	}
	referralRows(t, w, rows, func(method, path, body string, want map[nrm.Role]expect, mutates bool, bodyFn func() string) row {
		return row{method: method, path: path, body: body, want: want, mutates: mutates, bodyFn: bodyFn}
	}, byRole, forbidden, missing, summary)
	actionRows(w, rows, func(method, path, body string, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, want: want}
	}, byRole, forbidden, missing)
	serviceRows(t, w, rows, func(method, path, body string, json bool, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, json: json, want: want}
	}, byRole, forbidden, missing)
	supportRows(w, rows, func(method, path, body string, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, json: true, want: want}
	}, byRole, missing)
	justiceRows(w, rows, func(method, path, body string, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, want: want, json: true}
	}, byRole, forbidden, missing)
	voiceRows(t, w, rows, func(method, path, body string, json bool, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, json: json, want: want}
	}, byRole, forbidden, missing)
	statisticsRows(rows, func(method, path, body string, json bool, want map[nrm.Role]expect) row {
		return row{method: method, path: path, body: body, json: json, want: want}
	}, byRole, forbidden)
	// Every registered route has rows; every row names a registered route.
	for _, p := range w.srv.patterns {
		if _, ok := rows[p]; !ok {
			t.Errorf("route %q has no rows in the authorization matrix", p)
		}
	}
	for p := range rows {
		found := false
		for _, q := range w.srv.patterns {
			found = found || p == q
		}
		if !found {
			t.Errorf("matrix row for %q names no registered route", p)
		}
	}
	cells := 0
	run := func(name string, rw row) {
		for _, role := range nrm.Roles {
			want, ok := rw.want[role]
			if !ok {
				t.Errorf("%s: no row for role %s", name, role)
				continue
			}
			body := strings.ReplaceAll(rw.body, "{csrf}", w.csrf[role])
			if rw.bodyFn != nil {
				body = rw.bodyFn()
			}
			if name == "POST /login" {
				body = strings.Replace(body, "username=x", "username=x-"+string(role), 1)
			}
			if strings.Contains(body, "%d") {
				p, err := w.door.GetPerson(context.Background(), &nrm.Actor{UserID: "matrix", OrgID: w.person.OwnerOrgID, Roles: []nrm.Role{nrm.RoleCaseManager}}, w.person.ID)
				if err != nil {
					t.Fatal(err)
				}
				body = fmt.Sprintf(body, p.Version)
			}
			if !rw.json && rw.method == "POST" {
				vals, _ := url.ParseQuery(body)
				vals.Set("csrf", w.csrf[role])
				if strings.HasSuffix(rw.path, "/edit") {
					p, _ := w.door.GetPerson(context.Background(), &nrm.Actor{UserID: "matrix", OrgID: w.person.OwnerOrgID, Roles: []nrm.Role{nrm.RoleCaseManager}}, w.person.ID)
					vals.Set("version", fmt.Sprint(p.Version))
				}
				body = vals.Encode()
			}
			req := httptest.NewRequest(rw.method, strings.ReplaceAll(rw.path, "{csrf}", w.csrf[role]), strings.NewReader(body))
			req.RemoteAddr = "192.0.2.60:1234"
			if name == "POST /login" { // distinct client and account per role, so the throttle stays out of the matrix
				for i, r := range nrm.Roles {
					if r == role {
						req.RemoteAddr = fmt.Sprintf("198.51.100.%d:1", 10+i)
					}
				}
			}
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if rw.json {
				req.Header.Set("Accept", "application/json")
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
			} else if body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if name != "POST /login" && name != "GET /login" || role != "" {
				req.AddCookie(w.cookies[role])
			}
			rec := httptest.NewRecorder()
			w.srv.ServeHTTP(rec, req)
			cells++
			got := rec.Body.String()
			if rec.Code != want.status {
				t.Errorf("%s as %s: status %d, want %d", name, role, rec.Code, want.status)
			}
			for _, s := range want.must {
				if !strings.Contains(got, s) {
					t.Errorf("%s as %s: body lacks %q", name, role, s)
				}
			}
			for _, s := range want.mustNot {
				if strings.Contains(got, s) {
					t.Errorf("%s as %s: body must not contain %q", name, role, s)
				}
			}
		}
	}
	for name, rw := range rows {
		if !rw.mutates {
			run(name, rw)
		}
	}
	for _, name := range []string{"POST /persons", "POST /api/v1/persons", "POST /persons/{id}/edit", "PATCH /api/v1/persons/{id}", "POST /persons/{id}/breakglass",
		"POST /refer/{draft}/{step}", "POST /refer/{draft}/discard", "POST /logout"} {
		run(name, rows[name])
	}
	fmt.Fprintf(os.Stderr, "authorization matrix: %d routes × %d roles = %d cells\n", len(rows), len(nrm.Roles), cells)
}
