package door

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/store"
)

// errLogin is the one answer to every failed sign-in: it never says whether
// the account exists, is disabled, or the password was wrong.
var errLogin = nrm.Errorf(nrm.EUnauthorized, "error.login_failed")

// Login checks a password and opens a session at the password stage (every
// role proves a second factor next, or enrols one). The same work is done,
// and the same answer given, whether or not the account exists. The attempt
// is reserved on the address's and the account's counters before the
// password is hashed (see throttle.go), so parallel guesses cannot pass the
// throttle together. A fresh session token and CSRF token are issued at
// every sign-in (no fixation).
func (s *Service) Login(ctx context.Context, username, password, remote string) (token string, sess *Session, err error) {
	name := normUsername(username)
	valid := len(username) <= 256 && len(password) <= auth.MaxPasswordBytes && utf8.ValidString(name)
	var u *nrm.User
	if valid {
		if u, err = s.userByName(ctx, name); err != nil {
			return "", nil, fail(err)
		}
	}
	actor := &nrm.Actor{Remote: remote}
	if u != nil {
		actor.UserID, actor.OrgID, actor.Roles = u.ID, u.OrgID, u.Roles
	}
	addr, acct := addressKey(remote), accountKey(name)
	var wait time.Duration
	if err := s.db.Update(ctx, func(tx *store.Tx) error {
		wait, err = s.reserve(ctx, tx, actor, addr, acct)
		return err
	}); err != nil {
		return "", nil, fail(err)
	}
	if wait > 0 {
		return "", nil, errTooMany(wait)
	}
	if !s.checkPassword(u, password, valid) || u.Disabled {
		if err := s.db.Update(ctx, func(tx *store.Tx) error {
			if err := s.sweepThrottle(ctx, tx); err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, actor, event{action: ActLoginFail, outcome: "denied"})
		}); err != nil {
			return "", nil, fail(err)
		}
		return "", nil, errLogin
	}
	return s.openSession(ctx, u, actor, addr, acct)
}

// userByName reads a user by normalized name; nil if there is none.
func (s *Service) userByName(ctx context.Context, name string) (*nrm.User, error) {
	var u *nrm.User
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		u, _, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ?`, name))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return u, err
}

// checkPassword runs one argon2id check: against the user's hash, or
// against a dummy hash when there is no such user or the input was
// refused, so every answer costs the same.
func (s *Service) checkPassword(u *nrm.User, password string, valid bool) bool {
	if s.hashHook != nil {
		s.hashHook()
	}
	if u == nil || !valid {
		s.hasher.DummyCheck(password)
		return false
	}
	ok, _ := s.hasher.Check(u.PasswordHash, password)
	return ok
}

// openSession records a successful password: the account's counter is
// forgotten and the address gets its attempt back, the session is
// inserted, stale sessions and counters are swept, and the sign-in audited.
func (s *Service) openSession(ctx context.Context, u *nrm.User, actor *nrm.Actor, addr, acct throttleKey) (string, *Session, error) {
	token, hash := auth.NewSecret()
	csrf, _ := auth.NewSecret()
	sess := &Session{CSRF: csrf, Lang: u.Lang, UserID: u.ID, Username: u.Username, Display: u.DisplayName}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if err := s.succeeded(ctx, tx, &addr, acct); err != nil {
			return err
		}
		passkeys, err := s.passkeyCount(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		sess.Stage = s.firstStage(u, passkeys)
		sess.ExpiresAt = tx.Now.Add(s.set.SessionAbsolute)
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, stage, csrf, lang, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			hash, u.ID, sess.Stage, csrf, u.Lang, store.Micros(tx.Now), store.Micros(tx.Now), store.Micros(sess.ExpiresAt)); err != nil {
			return err
		}
		// Sessions and counters past their time are swept as users sign in.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen < ?`, store.Micros(tx.Now), store.Micros(tx.Now.Add(-s.set.SessionIdle))); err != nil {
			return err
		}
		if err := s.sweepThrottle(ctx, tx); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, event{action: ActLoginOK, fields: []string{"stage:" + sess.Stage}})
	})
	if err != nil {
		return "", nil, fail(err)
	}
	return token, sess, nil
}

type sessionRow struct {
	Session
	hash     []byte
	lastSeen time.Time
	mfaAt    time.Time
	pending  []byte
	user     *nrm.User
	totp     []byte
	orgType  nrm.OrgType
	regions  string
}

// session loads a live session by token inside tx; expired ones answer unauthorized.
func (s *Service) session(ctx context.Context, tx *store.Tx, token string) (*sessionRow, error) {
	if token == "" || len(token) > 100 {
		return nil, nrm.Errorf(nrm.EUnauthorized, "error.signin")
	}
	r := &sessionRow{hash: auth.HashSecret(token)}
	var ls, exp, mfa int64
	row := tx.QueryRow(ctx, `SELECT s.stage, s.csrf, s.lang, s.last_seen, s.expires_at, s.mfa_at, s.pending, o.type, o.regions, `+userCols+`
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id WHERE s.id_hash = ?`, r.hash)
	var u nrm.User
	var roles, rec string
	var dis, reqWA int64
	err := row.Scan(&r.Stage, &r.CSRF, &r.Lang, &ls, &exp, &mfa, &r.pending, &r.orgType, &r.regions,
		&u.ID, &u.OrgID, &u.Username, &u.DisplayName, &roles, &u.Lang, &dis, &u.PasswordHash, &r.totp, &u.TOTPLastStep, &rec, &reqWA, &u.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nrm.Errorf(nrm.EUnauthorized, "error.signin")
	} else if err != nil {
		return nil, err
	}
	u.Roles, u.Disabled, u.HasTOTP, u.RequireWebAuthn = nrm.ParseRoles(roles), store.Bool(dis), len(r.totp) > 0, store.Bool(reqWA)
	if rec != "" {
		u.RecoveryHash = strings.Split(rec, ",")
	}
	r.user, r.lastSeen, r.ExpiresAt, r.mfaAt = &u, store.Time(ls), store.Time(exp), store.Time(mfa)
	r.UserID, r.Username, r.Display = u.ID, u.Username, u.DisplayName
	if u.Disabled || !tx.Now.Before(r.ExpiresAt) || tx.Now.Sub(r.lastSeen) > s.set.SessionIdle {
		return nil, nrm.Errorf(nrm.EUnauthorized, "error.session_expired")
	}
	return r, nil
}

// Authenticate turns a session token into the actor for this request. Only
// a full session yields an actor; a session past its idle or absolute time,
// or of a disabled user, is dead. The session's last-seen time is refreshed
// at most once a minute.
func (s *Service) Authenticate(ctx context.Context, token, remote, requestID string) (*nrm.Actor, *Session, error) {
	var a *nrm.Actor
	var out *Session
	var dead error
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			if nrm.ErrorCode(err) == nrm.EUnauthorized {
				// A dead session is removed for good: the deletion commits.
				dead = err
				_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, auth.HashSecret(token))
			}
			return err
		}
		if r.Stage != StageFull {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		}
		if tx.Now.Sub(r.lastSeen) > time.Minute {
			if _, err := tx.Exec(ctx, `UPDATE sessions SET last_seen = ? WHERE id_hash = ?`, store.Micros(tx.Now), r.hash); err != nil {
				return err
			}
		}
		out = &r.Session
		a = &nrm.Actor{
			UserID: r.user.ID, OrgID: r.user.OrgID, OrgType: r.orgType, Roles: r.user.Roles,
			SessionID: string(r.hash[:8]), MFAAt: r.mfaAt, Remote: remote, RequestID: requestID,
		}
		if r.regions != "" {
			a.Regions = strings.Split(r.regions, ",")
		}
		return nil
	})
	if err != nil {
		if nrm.ErrorCode(err) == nrm.EUnauthorized {
			return nil, nil, err
		}
		return nil, nil, fail(err)
	}
	if dead != nil {
		return nil, nil, dead
	}
	return a, out, nil
}

// SessionInfo returns a session at any stage (for the second-factor pages).
func (s *Service) SessionInfo(ctx context.Context, token string) (*Session, error) {
	var out *Session
	err := s.db.View(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		out = &r.Session
		return nil
	})
	if err != nil && nrm.ErrorCode(err) != nrm.EUnauthorized {
		return nil, fail(err)
	}
	return out, err
}

// VerifySecondFactor completes sign-in with a TOTP code or a recovery code
// (each recovery code works once). On success the session is replaced by a
// new one at the full stage and its new token returned.
func (s *Service) VerifySecondFactor(ctx context.Context, token, code, remote string) (string, error) {
	code = strings.TrimSpace(code)
	var newToken string
	var bad, refused bool
	var wait time.Duration
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage == StageEnrol {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		}
		actor := sessionActor(r, remote)
		// A user who must use a passkey and has one is not signed in by a
		// code at all. One who has none yet proves the factor they had
		// (TOTP or a recovery code) once more, and then must register a
		// passkey: a password alone never adds a factor to an account that
		// already has one.
		upgrade := false
		if s.mustWebAuthn(r.user) {
			n, err := s.passkeyCount(ctx, tx, r.user.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				refused = true
				return s.appendAudit(ctx, tx, actor, event{action: ActSecondFactorNo, outcome: "denied", fields: []string{"passkey_required"}})
			}
			upgrade = true
		}
		// The attempt is reserved before the code is checked; a refusal
		// commits (its record) and answers 429 below.
		key := factorKey(r.user.ID)
		if wait, err = s.reserve(ctx, tx, actor, key); err != nil || wait > 0 {
			return err
		}
		how, err := s.checkCode(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if how == "" {
			bad = true
			return s.appendAudit(ctx, tx, actor, event{action: ActSecondFactorNo, outcome: "denied"})
		}
		if err := s.succeeded(ctx, tx, nil, key); err != nil {
			return err
		}
		stage, fields := StageFull, []string{how}
		if upgrade {
			stage, fields = StageEnrol, append(fields, "passkey_enrol_next")
		}
		if newToken, err = s.replaceSession(ctx, tx, r, stage); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, event{action: ActSecondFactorOK, fields: fields})
	})
	switch {
	case err != nil:
		return "", fail(err)
	case wait > 0:
		return "", errTooMany(wait)
	case refused:
		return "", nrm.FieldError("code", "error.passkey_required")
	case bad:
		return "", nrm.FieldError("code", "error.code_wrong")
	}
	return newToken, nil
}

// checkCode checks a TOTP code (not a step used before) or, failing that, a
// recovery code (used up by this). It answers how the user proved it
// ("totp" or "recovery"), or "" if the code is wrong.
func (s *Service) checkCode(ctx context.Context, tx *store.Tx, r *sessionRow, code string) (string, error) {
	if len(r.totp) > 0 {
		secret, err := s.openSystem(ctx, tx, "users", "totp_secret", r.user.ID, r.totp)
		if err != nil {
			return "", err
		}
		if step, good := auth.VerifyTOTP(string(secret), code, tx.Now, r.user.TOTPLastStep); good {
			_, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, r.user.ID)
			return "totp", err
		}
	}
	if i, good := auth.MatchRecoveryCode(code, r.user.RecoveryHash); good {
		left := append(append([]string{}, r.user.RecoveryHash[:i]...), r.user.RecoveryHash[i+1:]...)
		_, err := tx.Exec(ctx, `UPDATE users SET recovery_hashes = ? WHERE id = ?`, strings.Join(left, ","), r.user.ID)
		return "recovery", err
	}
	return "", nil
}

// promote replaces a session by a new full one with the second factor proven now.
func (s *Service) promote(ctx context.Context, tx *store.Tx, r *sessionRow) (string, error) {
	return s.replaceSession(ctx, tx, r, StageFull)
}

// replaceSession replaces a session by a new one at stage, with the second
// factor proven now: a new token and a new CSRF token (the old ones are
// deleted with the old row, so nothing seen before the second factor is
// worth anything after it), the same language and absolute expiry.
func (s *Service) replaceSession(ctx context.Context, tx *store.Tx, r *sessionRow, stage string) (string, error) {
	token, hash := auth.NewSecret()
	csrf, _ := auth.NewSecret()
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, r.hash); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, stage, csrf, lang, created_at, last_seen, expires_at, mfa_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		hash, r.user.ID, stage, csrf, r.Lang, store.Micros(tx.Now), store.Micros(tx.Now), store.Micros(r.ExpiresAt), store.Micros(tx.Now))
	return token, err
}

// BeginTOTPEnrolment makes a new TOTP secret for a session at the enrol
// stage (or a full session re-enrolling) and keeps it, encrypted, in the
// session until confirmed. It returns the secret and its otpauth:// URL.
func (s *Service) BeginTOTPEnrolment(ctx context.Context, token string) (secret, url string, err error) {
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != StageEnrol {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if s.mustWebAuthn(r.user) {
			return nrm.Errorf(nrm.EForbidden, "error.passkey_required")
		}
		secret, url, err = auth.NewTOTPKey("NRM", r.user.Username)
		if err != nil {
			return err
		}
		p, err := s.readPending(ctx, tx, r)
		if err != nil {
			return err
		}
		p.TOTP = secret
		return s.writePending(ctx, tx, r, p)
	})
	return secret, url, fail(err)
}

// ConfirmTOTPEnrolment checks a code against the pending secret, saves it,
// and returns single-use recovery codes (shown once) and a full-session token.
func (s *Service) ConfirmTOTPEnrolment(ctx context.Context, token, code, remote string) (newToken string, recovery []string, err error) {
	var bad bool
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != StageEnrol {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if s.mustWebAuthn(r.user) {
			return nrm.Errorf(nrm.EForbidden, "error.passkey_required")
		}
		p, err := s.readPending(ctx, tx, r)
		if err != nil {
			return err
		}
		if p.TOTP == "" {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		secret := []byte(p.TOTP)
		step, ok := auth.VerifyTOTP(p.TOTP, strings.TrimSpace(code), tx.Now, 0)
		if !ok {
			bad = true
			return nil
		}
		enc, err := s.sealSystem(ctx, tx, "users", "totp_secret", r.user.ID, secret)
		if err != nil {
			return err
		}
		plain, hashes, err := auth.NewRecoveryCodes(10)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = ?, totp_last_step = ?, recovery_hashes = ?, updated_at = ? WHERE id = ?`,
			enc, step, strings.Join(hashes, ","), store.Micros(tx.Now), r.user.ID); err != nil {
			return err
		}
		recovery = plain
		if newToken, err = s.promote(ctx, tx, r); err != nil {
			return err
		}
		actor := &nrm.Actor{UserID: r.user.ID, OrgID: r.user.OrgID, Roles: r.user.Roles, Remote: remote}
		return s.appendAudit(ctx, tx, actor, event{action: ActMFAEnrol, fields: []string{"totp"}})
	})
	if err != nil {
		return "", nil, fail(err)
	}
	if bad {
		return "", nil, nrm.FieldError("code", "error.code_wrong")
	}
	return newToken, recovery, nil
}

// StepUp proves the second factor again for a full session (before
// break-glass and exports), refreshing its time, with a TOTP code. A user
// who must use a passkey, or has no TOTP, steps up with a passkey instead
// (BeginPasskeyStepUp, FinishPasskeyStepUp).
func (s *Service) StepUp(ctx context.Context, token, code string) error {
	var bad, refused bool
	var wait time.Duration
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Stage != StageFull {
			return nrm.Errorf(nrm.EForbidden, "error.forbidden")
		}
		if s.mustWebAuthn(r.user) || len(r.totp) == 0 {
			refused = true // the passkey step-up is the way for this user
			return nil
		}
		// Codes are throttled as at sign-in, on the same counter.
		key := factorKey(r.user.ID)
		if wait, err = s.reserve(ctx, tx, sessionActor(r, ""), key); err != nil || wait > 0 {
			return err
		}
		secret, err := s.openSystem(ctx, tx, "users", "totp_secret", r.user.ID, r.totp)
		if err != nil {
			return err
		}
		step, ok := auth.VerifyTOTP(string(secret), strings.TrimSpace(code), tx.Now, r.user.TOTPLastStep)
		if !ok {
			bad = true
			return nil
		}
		if err := s.succeeded(ctx, tx, nil, key); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, r.user.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET mfa_at = ? WHERE id_hash = ?`, store.Micros(tx.Now), r.hash)
		return err
	})
	switch {
	case err != nil:
		return fail(err)
	case wait > 0:
		return errTooMany(wait)
	case refused:
		return nrm.FieldError("code", "error.passkey_required")
	case bad:
		return nrm.FieldError("code", "error.code_wrong")
	}
	return nil
}

// SetLanguage records the session's language choice.
func (s *Service) SetLanguage(ctx context.Context, token, lang string) error {
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sessions SET lang = ? WHERE id_hash = ?`, lang, auth.HashSecret(token))
		return err
	}))
}

// Logout ends a session; its token is dead from the next request.
func (s *Service) Logout(ctx context.Context, token, remote string) error {
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := s.session(ctx, tx, token)
		if err != nil {
			return nil // already dead
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, r.hash); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, &nrm.Actor{UserID: r.user.ID, OrgID: r.user.OrgID, Roles: r.user.Roles, Remote: remote}, event{action: ActLogout})
	}))
}

// MintToken creates a scoped, expiring API token for a user (command line).
// Only its hash is stored; the token is shown once.
func (s *Service) MintToken(ctx context.Context, a *nrm.Actor, userID string, scopes []string, ttl time.Duration) (string, error) {
	if !a.System {
		return "", nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	for _, sc := range scopes {
		if sc != ScopeRead && sc != ScopeWrite {
			return "", nrm.FieldError("scope", "error.unknown_value")
		}
	}
	if ttl <= 0 || ttl > 90*24*time.Hour {
		return "", nrm.FieldError("ttl", "error.ttl")
	}
	tok, id, hash := auth.NewAPIToken("nrm")
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, user_id, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, userID, hash, strings.Join(scopes, ","), store.Micros(tx.Now), store.Micros(tx.Now.Add(ttl))); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActTokenMint, fields: []string{"user:" + userID, "token:" + id}})
	})
	return tok, fail(err)
}

// API token scopes.
const (
	ScopeRead  = "persons:read"
	ScopeWrite = "persons:write"
)

// AuthenticateToken turns an API bearer token into an actor.
func (s *Service) AuthenticateToken(ctx context.Context, token, remote, requestID string) (*nrm.Actor, error) {
	id, hash, err := auth.ParseAPIToken(token)
	if err != nil {
		return nil, nrm.Errorf(nrm.EUnauthorized, "error.signin")
	}
	var a *nrm.Actor
	err = s.db.View(ctx, func(tx *store.Tx) error {
		var stored []byte
		var scopes, roles, regions string
		var exp, rev, dis int64
		var userID, orgID string
		var orgType nrm.OrgType
		err := tx.QueryRow(ctx, `SELECT t.hash, t.scopes, t.expires_at, t.revoked_at, u.id, u.org_id, u.roles, u.disabled, o.type, o.regions
			FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = u.org_id WHERE t.id = ?`, id).
			Scan(&stored, &scopes, &exp, &rev, &userID, &orgID, &roles, &dis, &orgType, &regions)
		if errors.Is(err, sql.ErrNoRows) {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		} else if err != nil {
			return err
		}
		if !auth.EqualHash(stored, hash) || rev != 0 || dis != 0 || !tx.Now.Before(store.Time(exp)) {
			return nrm.Errorf(nrm.EUnauthorized, "error.signin")
		}
		a = &nrm.Actor{UserID: userID, OrgID: orgID, OrgType: orgType, Roles: nrm.ParseRoles(roles), Remote: remote, RequestID: requestID,
			Scopes: strings.Split(scopes, ",")}
		if regions != "" {
			a.Regions = strings.Split(regions, ",")
		}
		return nil
	})
	if err != nil && nrm.ErrorCode(err) != nrm.EUnauthorized {
		return nil, fail(err)
	}
	return a, err
}
