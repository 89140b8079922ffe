package door

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/store"
)

// Passkeys (WebAuthn) as a second factor beside TOTP, and as the only one
// for users the policy requires them of (Settings.WebAuthnRequired by role,
// users.require_webauthn by account).
//
// Every ceremony has two steps. Begin makes a fresh challenge and keeps the
// ceremony's SessionData in the server-side session row (sessions.pending,
// sealed with the system key and bound to the user and the session), never
// in the browser. Finish takes it out again under a row lock — whatever
// the outcome — so one challenge answers one assertion: a replayed or
// concurrent second answer finds no ceremony. The relying party requires
// user verification, so a passkey is itself two factors (possession and a
// PIN or biometric). A sign counter that does not increase is refused as a
// possibly cloned authenticator.

// Audit actions of passkeys.
const (
	ActPasskeyRegister     = "passkey.register"
	ActPasskeyRemove       = "passkey.remove"
	ActLoginPasskey        = "login.passkey"
	ActStepUp              = "mfa.stepup"
	ActUserRequireWebAuthn = "user.require_webauthn"
)

// Ceremony kinds kept in a session between Begin and Finish.
const (
	ceremonyRegister = "register"
	ceremonyLogin    = "login"
	ceremonyStepUp   = "stepup"
)

// Passkey is one registered WebAuthn credential as its owner sees it.
type Passkey struct {
	ID         string // the credential id, base64url
	CreatedAt  time.Time
	LastUsedAt time.Time // zero if never used
}

// Factors says what second factors a session's user has, and which the
// policy lets them use.
type Factors struct {
	TOTP        bool // an authenticator app is set up
	Recovery    int  // unused recovery codes
	Passkeys    int  // registered passkeys
	PasskeyOnly bool // only a passkey is accepted as the second factor
	Fresh       bool // the second factor was proven within Settings.StepUp
}

var (
	errPasskeyFailed    = nrm.Errorf(nrm.EInvalid, "error.passkey_failed")
	errPasskeyCeremony  = nrm.Errorf(nrm.EInvalid, "error.passkey_no_ceremony")
	errPasskeyNone      = nrm.Errorf(nrm.EForbidden, "error.passkey_none")
	errReauthRequired   = nrm.Errorf(nrm.EForbidden, "error.reauth_required")
	errPasskeyLast      = nrm.Errorf(nrm.EConflict, "error.passkey_last")
	errPasskeyDuplicate = nrm.Errorf(nrm.EConflict, "error.passkey_exists")
)

// mustWebAuthn reports whether the policy accepts only a passkey from u.
func (s *Service) mustWebAuthn(u *nrm.User) bool {
	if u.RequireWebAuthn {
		return true
	}
	for _, r := range u.Roles {
		if slices.Contains(s.set.WebAuthnRequired, r) {
			return true
		}
	}
	return false
}

// firstStage is the stage of a session just after the password. Every
// role proves a second factor — the administrator and the monitor too: an
// administrator's account changes roles and factors, and a monitor's reads
// the statistics. One who has none yet enrols one. A user who must use a
// passkey but has only TOTP proves TOTP once more at the password stage and
// is then sent to register a passkey (see VerifySecondFactor): a password
// alone never adds a factor to an account that has one.
func (s *Service) firstStage(u *nrm.User, passkeys int) string {
	if passkeys > 0 || u.HasTOTP {
		return StagePassword
	}
	return StageEnrol
}

func (s *Service) passkeyCount(ctx context.Context, tx *store.Tx, userID string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM webauthn_credentials WHERE user_id = ?`, userID).Scan(&n)
	return n, err
}

// fresh reports whether the session proved its second factor recently
// enough for a sensitive change.
func (s *Service) fresh(tx *store.Tx, r *sessionRow) bool {
	return !r.mfaAt.IsZero() && tx.Now.Sub(r.mfaAt) <= s.set.StepUp
}

// pendingState is what a session keeps between two steps: a TOTP secret
// awaiting its first code, and one WebAuthn ceremony. It is sealed as one
// value, so starting a passkey ceremony on the enrolment page does not
// lose the TOTP secret shown on it.
type pendingState struct {
	TOTP     string          `json:"totp,omitempty"`
	Ceremony string          `json:"ceremony,omitempty"`
	WebAuthn json.RawMessage `json:"webauthn,omitempty"`
}

// pendingRecord binds the sealed value to its user and session.
func pendingRecord(r *sessionRow) string { return r.user.ID + "/" + hex.EncodeToString(r.hash) }

// readPending opens the session's pending value. One that does not open
// (written by an older version, or not this session's) counts as nothing
// pending.
func (s *Service) readPending(ctx context.Context, tx *store.Tx, r *sessionRow) (pendingState, error) {
	var p pendingState
	if len(r.pending) == 0 {
		return p, nil
	}
	d, err := s.dek(ctx, tx, "sys:users", false)
	if err != nil {
		return p, err
	}
	b, err := d.Open(r.pending, "users", "pending", pendingRecord(r))
	if err != nil {
		return p, nil
	}
	if json.Unmarshal(b, &p) != nil {
		return pendingState{}, nil
	}
	return p, nil
}

func (s *Service) writePending(ctx context.Context, tx *store.Tx, r *sessionRow, p pendingState) error {
	var enc any
	if p.TOTP != "" || p.Ceremony != "" {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		ct, err := s.sealSystem(ctx, tx, "users", "pending", pendingRecord(r), b)
		if err != nil {
			return err
		}
		enc, r.pending = ct, ct
	} else {
		r.pending = nil
	}
	_, err := tx.Exec(ctx, `UPDATE sessions SET pending = ? WHERE id_hash = ?`, enc, r.hash)
	return err
}

// startCeremony keeps a ceremony's SessionData in the session (replacing
// any earlier unfinished one).
func (s *Service) startCeremony(ctx context.Context, tx *store.Tx, r *sessionRow, kind string, sd *webauthn.SessionData) error {
	b, err := auth.MarshalSessionData(sd)
	if err != nil {
		return err
	}
	p, err := s.readPending(ctx, tx, r)
	if err != nil {
		return err
	}
	p.Ceremony, p.WebAuthn = kind, b
	return s.writePending(ctx, tx, r, p)
}

// takeCeremony locks the session row, takes the pending ceremony out of it
// and returns its SessionData if it is of kind; nil if there is none. The
// ceremony is gone afterwards whatever the caller decides, so a challenge
// is answered at most once.
func (s *Service) takeCeremony(ctx context.Context, tx *store.Tx, r *sessionRow, kind string) (*webauthn.SessionData, error) {
	if err := tx.QueryRow(ctx, `SELECT pending FROM sessions WHERE id_hash = ?`+tx.ForUpdate(), r.hash).Scan(&r.pending); err != nil {
		return nil, err
	}
	p, err := s.readPending(ctx, tx, r)
	if err != nil || p.Ceremony == "" {
		return nil, err
	}
	got, raw := p.Ceremony, p.WebAuthn
	p.Ceremony, p.WebAuthn = "", nil
	if err := s.writePending(ctx, tx, r, p); err != nil {
		return nil, err
	}
	if got != kind {
		return nil, nil
	}
	sd, err := auth.UnmarshalSessionData(raw)
	if err != nil {
		return nil, nil
	}
	return sd, nil // its expiry is checked by the relying party
}

// storedPasskey is one row of webauthn_credentials.
type storedPasskey struct {
	id       string
	cred     *webauthn.Credential
	created  time.Time
	lastUsed time.Time
}

func (s *Service) loadPasskeys(ctx context.Context, tx *store.Tx, userID string) ([]storedPasskey, error) {
	rows, err := tx.Query(ctx, `SELECT id, credential, created_at, last_used_at FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedPasskey
	for rows.Next() {
		var p storedPasskey
		var blob []byte
		var ca, lu int64
		if err := rows.Scan(&p.id, &blob, &ca, &lu); err != nil {
			return nil, err
		}
		if p.cred, err = auth.UnmarshalCredential(blob); err != nil {
			return nil, err
		}
		p.created, p.lastUsed = store.Time(ca), store.Time(lu)
		out = append(out, p)
	}
	return out, rows.Err()
}

// webauthnUser is the account as the relying party sees it. The user
// handle is the account's random id: it carries nothing personal, and it
// never changes.
func webauthnUser(u *nrm.User, ps []storedPasskey) auth.User {
	creds := make([]webauthn.Credential, len(ps))
	for i, p := range ps {
		creds[i] = *p.cred
	}
	return auth.User{ID: []byte(u.ID), Name: u.Username, DisplayName: u.DisplayName, Credentials: creds}
}

func credentialID(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

// auditRef names a passkey in the audit trail: a short hash of its id.
func auditRef(id string) string {
	h := sha256.Sum256([]byte(id))
	return "passkey:" + hex.EncodeToString(h[:6])
}

func sessionActor(r *sessionRow, remote string) *nrm.Actor {
	return &nrm.Actor{UserID: r.user.ID, OrgID: r.user.OrgID, Roles: r.user.Roles, Remote: remote}
}

// registrationSession loads a session that may add a passkey: one at the
// enrol stage, or a full one whose second factor is fresh (a user with no
// factor at all yet may add their first).
func (s *Service) registrationSession(ctx context.Context, tx *store.Tx, token string) (*sessionRow, []storedPasskey, error) {
	r, err := s.session(ctx, tx, token)
	if err != nil {
		return nil, nil, err
	}
	if r.Stage != StageEnrol && r.Stage != StageFull {
		return nil, nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	ps, err := s.loadPasskeys(ctx, tx, r.user.ID)
	if err != nil {
		return nil, nil, err
	}
	if r.Stage == StageFull && (len(ps) > 0 || r.user.HasTOTP) && !s.fresh(tx, r) {
		return nil, nil, errReauthRequired
	}
	return r, ps, nil
}

// BeginPasskeyRegistration starts adding a passkey for the session's user,
// at enrolment or from a full session, and returns the creation options
// for navigator.credentials.create (JSON: {"publicKey": …}). Passkeys the
// user already has are excluded, so one authenticator is not added twice.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, token string) ([]byte, error) {
	var out []byte
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, ps, err := s.registrationSession(ctx, tx, token)
		if err != nil {
			return err
		}
		excl := make([]protocol.CredentialDescriptor, len(ps))
		for i, p := range ps {
			excl[i] = p.cred.Descriptor()
		}
		creation, sd, err := s.rp.BeginRegistration(webauthnUser(r.user, ps), webauthn.WithExclusions(excl))
		if err != nil {
			return err
		}
		if out, err = json.Marshal(creation); err != nil {
			return err
		}
		return s.startCeremony(ctx, tx, r, ceremonyRegister, sd)
	})
	if err != nil {
		return nil, fail(err)
	}
	return out, nil
}

// FinishPasskeyRegistration checks the authenticator's answer (the JSON of
// the PublicKeyCredential) against the pending ceremony and stores the new
// passkey. At the enrol stage the session is then replaced by a full one,
// whose token is returned; from a full session newToken is "".
func (s *Service) FinishPasskeyRegistration(ctx context.Context, token string, response []byte, remote string) (newToken string, err error) {
	var bad error
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		r, ps, err := s.registrationSession(ctx, tx, token)
		if err != nil {
			return err
		}
		sd, err := s.takeCeremony(ctx, tx, r, ceremonyRegister)
		if err != nil {
			return err
		}
		if sd == nil {
			bad = errPasskeyCeremony
			return nil
		}
		actor := sessionActor(r, remote)
		parsed, verr := protocol.ParseCredentialCreationResponseBytes(response)
		var cred *webauthn.Credential
		if verr == nil {
			cred, verr = s.rp.CreateCredential(webauthnUser(r.user, ps), *sd, parsed)
		}
		if verr == nil && !cred.Flags.UserVerified {
			verr = errors.New("user not verified")
		}
		if verr != nil {
			s.log.Info("passkey registration refused", "user", r.user.ID, "err", verr.Error())
			bad = errPasskeyFailed
			return s.appendAudit(ctx, tx, actor, event{action: ActPasskeyRegister, outcome: "denied"})
		}
		id := credentialID(cred.ID)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM webauthn_credentials WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			bad = errPasskeyDuplicate
			return s.appendAudit(ctx, tx, actor, event{action: ActPasskeyRegister, outcome: "denied", fields: []string{auditRef(id), "duplicate"}})
		}
		blob, err := auth.MarshalCredential(cred)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webauthn_credentials (id, user_id, credential, created_at, last_used_at) VALUES (?, ?, ?, ?, 0)`,
			id, r.user.ID, blob, store.Micros(tx.Now)); err != nil {
			return err
		}
		if r.Stage == StageEnrol {
			if newToken, err = s.promote(ctx, tx, r); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, actor, event{action: ActPasskeyRegister, fields: []string{auditRef(id), "stage:" + r.Stage}})
	})
	if err != nil {
		return "", fail(err)
	}
	if bad != nil {
		return "", bad
	}
	return newToken, nil
}

// BeginPasskeyLogin starts the second factor with a passkey for a session
// at the password stage and returns the request options for
// navigator.credentials.get (JSON: {"publicKey": …}).
func (s *Service) BeginPasskeyLogin(ctx context.Context, token string) ([]byte, error) {
	return s.beginAssertion(ctx, token, ceremonyLogin)
}

// FinishPasskeyLogin checks the assertion and, if it is good, replaces the
// session by a full one exactly as VerifySecondFactor does (new token, old
// one deleted), returning the new token.
func (s *Service) FinishPasskeyLogin(ctx context.Context, token string, response []byte, remote string) (string, error) {
	return s.finishAssertion(ctx, token, ceremonyLogin, response, remote)
}

// BeginPasskeyStepUp starts proving the second factor again with a passkey,
// for a full session (before break-glass, or changing one's passkeys).
func (s *Service) BeginPasskeyStepUp(ctx context.Context, token string) ([]byte, error) {
	return s.beginAssertion(ctx, token, ceremonyStepUp)
}

// FinishPasskeyStepUp checks the assertion and refreshes the session's
// second-factor time, as StepUp does with a TOTP code.
func (s *Service) FinishPasskeyStepUp(ctx context.Context, token string, response []byte, remote string) error {
	_, err := s.finishAssertion(ctx, token, ceremonyStepUp, response, remote)
	return err
}

func ceremonyStage(kind string) string {
	if kind == ceremonyLogin {
		return StagePassword
	}
	return StageFull
}

func (s *Service) beginAssertion(ctx context.Context, token, kind string) ([]byte, error) {
	var out []byte
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != ceremonyStage(kind) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if wait, err := s.throttleWait(ctx, tx, factorKey(r.user.ID)); err != nil || wait > 0 {
			if err == nil {
				err = errTooMany(wait)
			}
			return err
		}
		ps, err := s.loadPasskeys(ctx, tx, r.user.ID)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return errPasskeyNone
		}
		assertion, sd, err := s.rp.BeginLogin(webauthnUser(r.user, ps))
		if err != nil {
			return err
		}
		if out, err = json.Marshal(assertion); err != nil {
			return err
		}
		return s.startCeremony(ctx, tx, r, kind, sd)
	})
	if err != nil {
		return nil, fail(err)
	}
	return out, nil
}

func (s *Service) finishAssertion(ctx context.Context, token, kind string, response []byte, remote string) (string, error) {
	action := ActLoginPasskey
	if kind == ceremonyStepUp {
		action = ActStepUp
	}
	var newToken string
	var bad error
	var wait time.Duration
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != ceremonyStage(kind) {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		actor := sessionActor(r, remote)
		// Reserved before the ceremony is taken: a refusal leaves it for
		// the next try, commits its record and answers 429 below.
		key := factorKey(r.user.ID)
		if wait, err = s.reserve(ctx, tx, actor, key); err != nil || wait > 0 {
			return err
		}
		sd, err := s.takeCeremony(ctx, tx, r, kind)
		if err != nil {
			return err
		}
		if sd == nil {
			bad = errPasskeyCeremony
			return nil
		}
		ps, err := s.loadPasskeys(ctx, tx, r.user.ID)
		if err != nil {
			return err
		}
		parsed, verr := protocol.ParseCredentialRequestResponseBytes(response)
		var cred *webauthn.Credential
		if verr == nil {
			cred, verr = s.rp.ValidateLogin(webauthnUser(r.user, ps), *sd, parsed)
		}
		var fields []string
		if verr == nil && cred.Authenticator.CloneWarning {
			verr, fields = errors.New("sign counter did not increase"), []string{"sign_count"}
		}
		if verr == nil && !cred.Flags.UserVerified {
			verr = errors.New("user not verified")
		}
		if verr != nil {
			s.log.Info("passkey assertion refused", "user", r.user.ID, "ceremony", kind, "err", verr.Error())
			bad = errPasskeyFailed
			return s.appendAudit(ctx, tx, actor, event{action: action, outcome: "denied", fields: fields})
		}
		if err := s.succeeded(ctx, tx, nil, key); err != nil {
			return err
		}
		id := credentialID(cred.ID)
		blob, err := auth.MarshalCredential(cred)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE webauthn_credentials SET credential = ?, last_used_at = ? WHERE id = ? AND user_id = ?`,
			blob, store.Micros(tx.Now), id, r.user.ID); err != nil {
			return err
		}
		if kind == ceremonyLogin {
			if newToken, err = s.promote(ctx, tx, r); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE sessions SET mfa_at = ? WHERE id_hash = ?`, store.Micros(tx.Now), r.hash); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, event{action: action, fields: []string{auditRef(id)}})
	})
	switch {
	case err != nil:
		return "", fail(err)
	case wait > 0:
		return "", errTooMany(wait)
	case bad != nil:
		return "", bad
	}
	return newToken, nil
}

// Factors tells the sign-in and account pages what the session's user has
// and may use. Any stage.
func (s *Service) Factors(ctx context.Context, token string) (*Factors, error) {
	var f *Factors
	err := s.db.View(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		n, err := s.passkeyCount(ctx, tx, r.user.ID)
		if err != nil {
			return err
		}
		f = &Factors{TOTP: r.user.HasTOTP, Recovery: len(r.user.RecoveryHash), Passkeys: n,
			PasskeyOnly: s.mustWebAuthn(r.user), Fresh: r.Stage == StageFull && s.fresh(tx, r)}
		return nil
	})
	if err != nil && nrm.ErrorCode(err) != nrm.EUnauthorized {
		return nil, fail(err)
	}
	return f, err
}

// Passkeys lists the passkeys of a full session's user.
func (s *Service) Passkeys(ctx context.Context, token string) ([]Passkey, error) {
	var out []Passkey
	err := s.db.View(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != StageFull {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		}
		ps, err := s.loadPasskeys(ctx, tx, r.user.ID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			out = append(out, Passkey{ID: p.id, CreatedAt: p.created, LastUsedAt: p.lastUsed})
		}
		return nil
	})
	if err != nil && nrm.ErrorCode(err) != nrm.EUnauthorized {
		return nil, fail(err)
	}
	return out, err
}

// RemovePasskey removes one of the session user's own passkeys. The second
// factor must be fresh, and the last passkey stays when it is the user's
// only second factor (or the policy requires a passkey of them). Another
// user's passkey answers exactly as a missing one.
func (s *Service) RemovePasskey(ctx context.Context, token, id, remote string) error {
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != StageFull {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		}
		ps, err := s.loadPasskeys(ctx, tx, r.user.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ps, func(p storedPasskey) bool { return p.id == id }) {
			return nrm.ErrNotFound
		}
		if !s.fresh(tx, r) {
			return errReauthRequired
		}
		if len(ps) == 1 && (s.mustWebAuthn(r.user) || !r.user.HasTOTP) {
			return errPasskeyLast
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ?`, id, r.user.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sessionActor(r, remote), event{action: ActPasskeyRemove, fields: []string{auditRef(id)}})
	}))
}

// SetRequireWebAuthn sets or clears the account's passkey-only flag
// (administrators and the command line). The user's sessions end at once,
// so the rule holds from their next sign-in.
func (s *Service) SetRequireWebAuthn(ctx context.Context, a *nrm.Actor, userID string, on bool) error {
	return s.adminChange(ctx, a, userID, ActUserRequireWebAuthn, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET require_webauthn = ?, updated_at = ?, version = version + 1 WHERE id = ?`, store.Int(on), store.Micros(tx.Now), userID)
		return err
	})
}
