package door_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/softkey"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// origin is the relying party's default origin (door.Settings).
const origin = "http://localhost:8080"

// passkeyWorld is a door over a fresh database with a settable clock and
// two organisations' users.
type passkeyWorld struct {
	*testenv.Env
	clock *testenv.Clock
}

func newPasskeyWorld(t *testing.T, engine string, set door.Settings) *passkeyWorld {
	e := testenv.DoorWith(t, engine, set)
	c := e.UseClock()
	e.Org(t, "org-a", nrm.OrgSocialService)
	return &passkeyWorld{Env: e, clock: c}
}

func (w *passkeyWorld) user(t *testing.T, name string, requireWebAuthn bool, roles ...nrm.Role) *nrm.User {
	t.Helper()
	u, err := w.Door.CreateUser(ctx, nrm.SystemActor("test"), door.UserInput{OrgID: "org-a", Username: name, DisplayName: name,
		Roles: roles, Password: testenv.TestPassword, RequireWebAuthn: requireWebAuthn})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *passkeyWorld) login(t *testing.T, name, wantStage string) string {
	t.Helper()
	tok, sess, err := w.Door.Login(ctx, name, testenv.TestPassword, "192.0.2.7")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	if sess.Stage != wantStage {
		t.Fatalf("login %s: stage %q, want %q", name, sess.Stage, wantStage)
	}
	return tok
}

// register runs a whole registration ceremony with key and returns the
// finish result.
func (w *passkeyWorld) register(t *testing.T, tok string, key *softkey.Authenticator) (string, error) {
	t.Helper()
	opts, err := w.Door.BeginPasskeyRegistration(ctx, tok)
	if err != nil {
		t.Fatalf("begin registration: %v", err)
	}
	resp, err := key.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	return w.Door.FinishPasskeyRegistration(ctx, tok, resp, "192.0.2.7")
}

// assertion begins a passkey sign-in and has key answer it.
func (w *passkeyWorld) assertion(t *testing.T, tok string, key *softkey.Authenticator) []byte {
	t.Helper()
	opts, err := w.Door.BeginPasskeyLogin(ctx, tok)
	if err != nil {
		t.Fatalf("begin passkey login: %v", err)
	}
	resp, err := key.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (w *passkeyWorld) audits(t *testing.T, action, outcome string) int {
	t.Helper()
	var n int
	if err := w.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = ?`, action, outcome).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantKey(t *testing.T, what string, err error, key string) {
	t.Helper()
	if err == nil || nrm.ErrorOf(err).Key != key {
		t.Fatalf("%s: got %v, want %s", what, err, key)
	}
}

func wantDead(t *testing.T, w *passkeyWorld, what, tok string) {
	t.Helper()
	if _, err := w.Door.SessionInfo(ctx, tok); nrm.ErrorCode(err) != nrm.EUnauthorized {
		t.Fatalf("%s: the old session token must be dead: %v", what, err)
	}
}

// TestPasskeyRegisterAndSignIn: a case manager enrols a passkey at first
// sign-in (no TOTP), then signs in with password and passkey. Each step
// replaces the session token; the sign count and last use are stored.
func TestPasskeyRegisterAndSignIn(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newPasskeyWorld(t, engine, door.Settings{})
		w.user(t, "cm.passkey", false, nrm.RoleCaseManager)
		key := softkey.New(origin)

		tok := w.login(t, "cm.passkey", door.StageEnrol)
		full, err := w.register(t, tok, key)
		if err != nil || full == "" || full == tok {
			t.Fatalf("registration at enrolment must give a new full session: %q %v", full, err)
		}
		wantDead(t, w, "after registration", tok)
		if _, _, err := w.Door.Authenticate(ctx, full, "192.0.2.7", "r1"); err != nil {
			t.Fatal(err)
		}
		ps, err := w.Door.Passkeys(ctx, full)
		if err != nil || len(ps) != 1 || ps[0].ID != key.CredentialID() || !ps[0].LastUsedAt.IsZero() {
			t.Fatalf("passkeys after registration: %+v %v", ps, err)
		}
		if n := w.audits(t, door.ActPasskeyRegister, "ok"); n != 1 {
			t.Fatalf("registration audited %d times", n)
		}
		// The same authenticator is excluded from registering again.
		if opts, err := w.Door.BeginPasskeyRegistration(ctx, full); err != nil {
			t.Fatal(err)
		} else if _, err := key.Create(opts); err == nil {
			t.Fatal("the registered passkey must be in excludeCredentials")
		}
		if err := w.Door.Logout(ctx, full, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}

		// Password, then the passkey.
		w.clock.Advance(time.Minute)
		tok = w.login(t, "cm.passkey", door.StagePassword)
		if _, _, err := w.Door.Authenticate(ctx, tok, "192.0.2.7", "r2"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("the password alone reaches nothing: %v", err)
		}
		f, err := w.Door.Factors(ctx, tok)
		if err != nil || f.Passkeys != 1 || f.TOTP || f.PasskeyOnly {
			t.Fatalf("factors: %+v %v", f, err)
		}
		full, err = w.Door.FinishPasskeyLogin(ctx, tok, w.assertion(t, tok, key), "192.0.2.7")
		if err != nil || full == "" || full == tok {
			t.Fatalf("passkey sign-in: %q %v", full, err)
		}
		wantDead(t, w, "after passkey sign-in", tok)
		a, _, err := w.Door.Authenticate(ctx, full, "192.0.2.7", "r3")
		if err != nil || !a.FreshMFA(w.Door.Now(), time.Minute) {
			t.Fatalf("full session with a fresh second factor: %+v %v", a, err)
		}
		ps, _ = w.Door.Passkeys(ctx, full)
		if len(ps) != 1 || !ps[0].LastUsedAt.Equal(w.Door.Now().Truncate(time.Microsecond)) {
			t.Fatalf("last use recorded: %+v", ps)
		}
		if n := w.audits(t, door.ActLoginPasskey, "ok"); n != 1 {
			t.Fatalf("passkey sign-in audited %d times", n)
		}
		// A full session proves the passkey again for step-up.
		w.clock.Advance(10 * time.Minute)
		if a, _, _ := w.Door.Authenticate(ctx, full, "192.0.2.7", "r4"); a.FreshMFA(w.Door.Now(), 5*time.Minute) {
			t.Fatal("the second factor should be stale now")
		}
		opts, err := w.Door.BeginPasskeyStepUp(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := key.Get(opts)
		if err := w.Door.FinishPasskeyStepUp(ctx, full, resp, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if a, _, _ := w.Door.Authenticate(ctx, full, "192.0.2.7", "r5"); !a.FreshMFA(w.Door.Now(), time.Second) {
			t.Fatal("step-up with a passkey must refresh the second factor")
		}
		if n := w.audits(t, door.ActStepUp, "ok"); n != 1 {
			t.Fatalf("step-up audited %d times", n)
		}
		// A session at the password stage cannot start registration (the
		// password alone never adds a factor), nor a step-up.
		tok = w.login(t, "cm.passkey", door.StagePassword)
		if _, err := w.Door.BeginPasskeyRegistration(ctx, tok); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("registration from the password stage: %v", err)
		}
		if _, err := w.Door.BeginPasskeyStepUp(ctx, tok); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("step-up from the password stage: %v", err)
		}
	})
}

// TestPasskeyAssertionReplayAndCounter: an assertion is good for its one
// challenge; sent again (with or without a new ceremony) it is refused,
// and so is one whose sign counter went backwards.
func TestPasskeyAssertionReplayAndCounter(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newPasskeyWorld(t, engine, door.Settings{})
		w.user(t, "cm.replay", false, nrm.RoleCaseManager)
		key := softkey.New(origin)
		if _, err := w.register(t, w.login(t, "cm.replay", door.StageEnrol), key); err != nil {
			t.Fatal(err)
		}
		tok := w.login(t, "cm.replay", door.StagePassword)
		used := w.assertion(t, tok, key)
		if _, err := w.Door.FinishPasskeyLogin(ctx, tok, used, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}

		tok = w.login(t, "cm.replay", door.StagePassword)
		// Without a ceremony: nothing to answer.
		_, err := w.Door.FinishPasskeyLogin(ctx, tok, used, "192.0.2.7")
		wantKey(t, "replay without a ceremony", err, "error.passkey_no_ceremony")
		// With a new ceremony: the old assertion signs the old challenge.
		_ = w.assertion(t, tok, key)
		_, err = w.Door.FinishPasskeyLogin(ctx, tok, used, "192.0.2.7")
		wantKey(t, "replayed assertion", err, "error.passkey_failed")
		// The failure used the ceremony up; a new one works.
		good := w.assertion(t, tok, key)
		if _, err := w.Door.FinishPasskeyLogin(ctx, tok, good, "192.0.2.7"); err != nil {
			t.Fatalf("a fresh ceremony works: %v", err)
		}
		if _, err := w.Door.FinishPasskeyLogin(ctx, tok, good, "192.0.2.7"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("the promoted session's old token is dead: %v", err)
		}

		// A sign counter that does not increase: a cloned authenticator.
		tok = w.login(t, "cm.replay", door.StagePassword)
		opts, err := w.Door.BeginPasskeyLogin(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		key.Counter = 1 // the server has seen 3
		clone, _ := key.Get(opts)
		_, err = w.Door.FinishPasskeyLogin(ctx, tok, clone, "192.0.2.7")
		wantKey(t, "sign counter went back", err, "error.passkey_failed")
		var n int
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = 'denied' AND fields = 'sign_count'`, door.ActLoginPasskey).Scan(&n)
		}); err != nil || n != 1 {
			t.Fatalf("the clone is audited as such: %d %v", n, err)
		}
		if got := w.audits(t, door.ActLoginPasskey, "denied"); got != 2 {
			t.Fatalf("refused assertions audited %d times, want 2", got)
		}
	})
}

// TestPasskeyWrongOriginAndNoUV: an answer made for another origin, or
// without user verification, is refused at registration and at sign-in.
func TestPasskeyWrongOriginAndNoUV(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newPasskeyWorld(t, engine, door.Settings{})
		w.user(t, "cm.origin", false, nrm.RoleCaseManager)
		tok := w.login(t, "cm.origin", door.StageEnrol)

		evil := softkey.New("https://nrm.example.evil")
		_, err := w.register(t, tok, evil)
		wantKey(t, "registration from another origin", err, "error.passkey_failed")
		noUV := softkey.New(origin)
		noUV.UserVerified = false
		_, err = w.register(t, tok, noUV)
		wantKey(t, "registration without user verification", err, "error.passkey_failed")
		if info, err := w.Door.SessionInfo(ctx, tok); err != nil || info.Stage != door.StageEnrol {
			t.Fatalf("a refused registration leaves the session at enrolment: %+v %v", info, err)
		}

		key := softkey.New(origin)
		if _, err := w.register(t, tok, key); err != nil {
			t.Fatal(err)
		}
		tok = w.login(t, "cm.origin", door.StagePassword)
		key.Origin = "https://nrm.example.evil"
		_, err = w.Door.FinishPasskeyLogin(ctx, tok, w.assertion(t, tok, key), "192.0.2.7")
		wantKey(t, "assertion for another origin", err, "error.passkey_failed")
		key.Origin, key.UserVerified = origin, false
		_, err = w.Door.FinishPasskeyLogin(ctx, tok, w.assertion(t, tok, key), "192.0.2.7")
		wantKey(t, "assertion without user verification", err, "error.passkey_failed")
		// Another passkey (not registered to this user) is not accepted either.
		other := softkey.New(origin)
		opts, _ := w.Door.BeginPasskeyLogin(ctx, tok)
		if _, err := other.Get(opts); err == nil {
			t.Fatal("the options must allow only the user's own passkeys")
		}
		if info, _ := w.Door.SessionInfo(ctx, tok); info == nil || info.Stage != door.StagePassword {
			t.Fatalf("refused assertions leave the session at the password stage: %+v", info)
		}
		if n := w.audits(t, door.ActPasskeyRegister, "denied"); n != 2 {
			t.Fatalf("refused registrations audited %d times, want 2", n)
		}
	})
}

// TestWebAuthnRequired: a role the policy requires passkeys of enrols a
// passkey only; TOTP does not sign such a user in. A flagged user who
// already had TOTP proves it once, then must register a passkey.
func TestWebAuthnRequired(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newPasskeyWorld(t, engine, door.Settings{WebAuthnRequired: []nrm.Role{nrm.RoleJusticeOfficer, nrm.RoleSysAdmin}})
		w.user(t, "jo.passkey", false, nrm.RoleJusticeOfficer)
		w.user(t, "admin.passkey", false, nrm.RoleSysAdmin)
		cm := w.user(t, "cm.totp", false, nrm.RoleCaseManager)

		// By role: enrolment offers only a passkey.
		tok := w.login(t, "jo.passkey", door.StageEnrol)
		_, _, err := w.Door.BeginTOTPEnrolment(ctx, tok)
		wantKey(t, "TOTP enrolment for a passkey-only role", err, "error.passkey_required")
		if f, err := w.Door.Factors(ctx, tok); err != nil || !f.PasskeyOnly {
			t.Fatalf("factors: %+v %v", f, err)
		}
		key := softkey.New(origin)
		if _, err := w.register(t, tok, key); err != nil {
			t.Fatal(err)
		}
		// An administrator reads no case data, but the policy names the role:
		// the password alone is not enough.
		w.login(t, "admin.passkey", door.StageEnrol)

		// By account: a case manager with TOTP is then flagged.
		tok = w.login(t, "cm.totp", door.StageEnrol)
		secret, _, err := w.Door.BeginTOTPEnrolment(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(secret, w.Door.Now())
		if _, _, err := w.Door.ConfirmTOTPEnrolment(ctx, tok, code, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SetRequireWebAuthn(ctx, nrm.SystemActor("test"), cm.ID, true); err != nil {
			t.Fatal(err)
		}
		if u, _ := w.Door.UserByName(ctx, "cm.totp"); u == nil || !u.RequireWebAuthn {
			t.Fatalf("flag not stored: %+v", u)
		}
		w.clock.Advance(30 * time.Second)
		tok = w.login(t, "cm.totp", door.StagePassword)
		code, _ = totp.GenerateCode(secret, w.Door.Now())
		upgraded, err := w.Door.VerifySecondFactor(ctx, tok, code, "192.0.2.7")
		if err != nil {
			t.Fatal(err)
		}
		info, err := w.Door.SessionInfo(ctx, upgraded)
		if err != nil || info.Stage != door.StageEnrol {
			t.Fatalf("TOTP only leads on to passkey registration: %+v %v", info, err)
		}
		if _, _, err := w.Door.Authenticate(ctx, upgraded, "192.0.2.7", "r1"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("TOTP must not give a full session: %v", err)
		}
		wantDead(t, w, "after the TOTP step", tok)
		cmKey := softkey.New(origin)
		full, err := w.register(t, upgraded, cmKey)
		if err != nil || full == "" {
			t.Fatalf("registration after TOTP: %v", err)
		}
		// TOTP is refused from now on, at sign-in and for step-up, with a clear error.
		w.clock.Advance(30 * time.Second)
		code, _ = totp.GenerateCode(secret, w.Door.Now())
		err = w.Door.StepUp(ctx, full, code)
		wantKey(t, "TOTP step-up", err, "error.passkey_required")
		tok = w.login(t, "cm.totp", door.StagePassword)
		_, err = w.Door.VerifySecondFactor(ctx, tok, code, "192.0.2.7")
		wantKey(t, "TOTP sign-in", err, "error.passkey_required")
		if nrm.ErrorOf(err).Field != "code" {
			t.Fatalf("the refusal names the code field: %+v", nrm.ErrorOf(err))
		}
		if info, _ := w.Door.SessionInfo(ctx, tok); info == nil || info.Stage != door.StagePassword {
			t.Fatalf("a refused code changes nothing: %+v", info)
		}
		if _, err := w.Door.FinishPasskeyLogin(ctx, tok, w.assertion(t, tok, cmKey), "192.0.2.7"); err != nil {
			t.Fatalf("the passkey signs in: %v", err)
		}
		// Lifting the flag brings TOTP back.
		if err := w.Door.SetRequireWebAuthn(ctx, nrm.SystemActor("test"), cm.ID, false); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(30 * time.Second)
		tok = w.login(t, "cm.totp", door.StagePassword)
		code, _ = totp.GenerateCode(secret, w.Door.Now())
		if _, err := w.Door.VerifySecondFactor(ctx, tok, code, "192.0.2.7"); err != nil {
			t.Fatalf("TOTP once the flag is off: %v", err)
		}
	})
}

// TestPasskeyListAndRemove: only one's own passkeys, only with a fresh
// second factor, never the last second factor.
func TestPasskeyListAndRemove(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newPasskeyWorld(t, engine, door.Settings{})
		w.user(t, "cm.remove", false, nrm.RoleCaseManager)
		w.user(t, "cm.other", false, nrm.RoleCaseManager)
		k1, k2, kOther := softkey.New(origin), softkey.New(origin), softkey.New(origin)
		full, err := w.register(t, w.login(t, "cm.remove", door.StageEnrol), k1)
		if err != nil {
			t.Fatal(err)
		}
		otherFull, err := w.register(t, w.login(t, "cm.other", door.StageEnrol), kOther)
		if err != nil {
			t.Fatal(err)
		}
		// Another user's passkey answers as a missing one.
		if err := w.Door.RemovePasskey(ctx, full, kOther.CredentialID(), "192.0.2.7"); nrm.ErrorCode(err) != nrm.ENotFound {
			t.Fatalf("another user's passkey: %v", err)
		}
		if ps, _ := w.Door.Passkeys(ctx, otherFull); len(ps) != 1 {
			t.Fatalf("the other user's passkey must stay: %+v", ps)
		}
		// The only second factor stays.
		err = w.Door.RemovePasskey(ctx, full, k1.CredentialID(), "192.0.2.7")
		wantKey(t, "last passkey", err, "error.passkey_last")
		// A second one, then the first can go.
		if _, err := w.register(t, full, k2); err != nil {
			t.Fatal(err)
		}
		// Not with a stale second factor (past Settings.StepUp, within the idle time).
		w.clock.Advance(6 * time.Minute)
		err = w.Door.RemovePasskey(ctx, full, k1.CredentialID(), "192.0.2.7")
		wantKey(t, "stale second factor", err, "error.reauth_required")
		_, err = w.Door.BeginPasskeyRegistration(ctx, full)
		wantKey(t, "adding with a stale second factor", err, "error.reauth_required")
		opts, err := w.Door.BeginPasskeyStepUp(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := k2.Get(opts)
		if err := w.Door.FinishPasskeyStepUp(ctx, full, resp, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if err := w.Door.RemovePasskey(ctx, full, k1.CredentialID(), "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		ps, err := w.Door.Passkeys(ctx, full)
		if err != nil || len(ps) != 1 || ps[0].ID != k2.CredentialID() {
			t.Fatalf("after removal: %+v %v", ps, err)
		}
		if n := w.audits(t, door.ActPasskeyRemove, "ok"); n != 1 {
			t.Fatalf("removal audited %d times", n)
		}
		// The removed passkey no longer signs in.
		tok := w.login(t, "cm.remove", door.StagePassword)
		opts, _ = w.Door.BeginPasskeyLogin(ctx, tok)
		if _, err := k1.Get(opts); err == nil {
			t.Fatal("a removed passkey must not be offered")
		}
		// An administrator's reset removes passkeys too: enrolment again.
		u, _ := w.Door.UserByName(ctx, "cm.remove")
		if err := w.Door.ResetSecondFactor(ctx, nrm.SystemActor("test"), u.ID); err != nil {
			t.Fatal(err)
		}
		w.login(t, "cm.remove", door.StageEnrol)
	})
}

// TestEnrolmentKeepsTOTPWhilePasskeyTried: the enrolment page shows a TOTP
// key and offers a passkey; starting (and abandoning) a passkey ceremony
// does not lose the key shown.
func TestEnrolmentKeepsTOTPWhilePasskeyTried(t *testing.T) {
	w := newPasskeyWorld(t, store.SQLite, door.Settings{})
	w.user(t, "cm.both", false, nrm.RoleCaseManager)
	tok := w.login(t, "cm.both", door.StageEnrol)
	secret, _, err := w.Door.BeginTOTPEnrolment(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Door.BeginPasskeyRegistration(ctx, tok); err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(secret, w.Door.Now())
	full, codes, err := w.Door.ConfirmTOTPEnrolment(ctx, tok, code, "192.0.2.7")
	if err != nil || full == "" || len(codes) != 10 {
		t.Fatalf("TOTP after an abandoned passkey ceremony: %v", err)
	}
}
