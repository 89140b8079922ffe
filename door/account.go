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

// Session stages: a session proves the password first, then the second
// factor (or enrols one); only a "full" session reaches any page with data.
const (
	StagePassword = "mfa"   // password proven; second factor pending
	StageEnrol    = "enrol" // password proven; must set up a second factor
	StageFull     = "full"  // signed in
)

// Session is a server-side session as the web layer sees it.
type Session struct {
	Stage     string
	CSRF      string
	Lang      string
	UserID    string
	Username  string
	Display   string
	ExpiresAt time.Time
}

// CreateOrg adds an NRM member organisation (administrators and the command line).
func (s *Service) CreateOrg(ctx context.Context, a *nrm.Actor, o *nrm.Org) error {
	if !a.System && !a.Has(nrm.RoleSysAdmin) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.ID == "" {
		o.ID = newID()
	}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		o.CreatedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, name, type, regions, created_at) VALUES (?, ?, ?, ?, ?)`,
			o.ID, o.Name, o.Type, strings.Join(o.Regions, ","), store.Micros(tx.Now)); err != nil {
			if store.IsUniqueViolation(err) {
				return nrm.FieldError("id", "error.exists")
			}
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActUserRoles, fields: []string{"org.create:" + o.ID}})
	}))
}

// Orgs lists the member organisations (not case data).
func (s *Service) Orgs(ctx context.Context) ([]nrm.Org, error) {
	var out []nrm.Org
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = orgList(ctx, tx)
		return err
	})
	return out, fail(err)
}

// UserInput creates a user.
type UserInput struct {
	OrgID       string
	Username    string
	DisplayName string
	Roles       []nrm.Role
	Password    string
	Lang        string
	// RequireWebAuthn makes the user sign in with a passkey only, whatever
	// their roles (Settings.WebAuthnRequired does it by role).
	RequireWebAuthn bool
}

// CreateUser adds a user to an organisation.
func (s *Service) CreateUser(ctx context.Context, a *nrm.Actor, in UserInput) (*nrm.User, error) {
	if !a.System && !a.Has(nrm.RoleSysAdmin) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	var es nrm.Errors
	if n := utf8.RuneCountInString(in.Username); n < 3 || n > 64 || strings.ContainsAny(in.Username, " \t\r\n") {
		es = append(es, nrm.FieldError("username", "error.username"))
	}
	if in.DisplayName == "" || utf8.RuneCountInString(in.DisplayName) > nrm.MaxShortText {
		es = append(es, nrm.FieldError("display_name", "error.required"))
	}
	if len(in.Roles) == 0 {
		es = append(es, nrm.FieldError("roles", "error.required"))
	}
	for _, r := range in.Roles {
		if !r.Valid() {
			es = append(es, nrm.FieldError("roles", "error.unknown_value"))
			break
		}
	}
	if in.Lang == "" {
		in.Lang = "sq"
	}
	if err := auth.ValidateNewPassword(in.Password, in.Username); err != nil {
		key := "error.password.invalid"
		var ae *auth.Error
		if errors.As(err, &ae) {
			key = "error." + ae.Code
		}
		es = append(es, &nrm.Error{Code: nrm.EInvalid, Key: key, Field: "password", Args: []any{auth.MinPasswordRunes}})
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, nrm.Internal(err)
	}
	u := &nrm.User{ID: newID(), OrgID: in.OrgID, Username: in.Username, DisplayName: in.DisplayName, Roles: in.Roles, Lang: in.Lang,
		RequireWebAuthn: in.RequireWebAuthn, Version: 1}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, in.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nrm.FieldError("org", "error.unknown_value")
		}
		u.CreatedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, org_id, username, display_name, roles, lang, password_hash, require_webauthn, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.OrgID, u.Username, u.DisplayName, nrm.RolesString(u.Roles), u.Lang, hash, store.Int(in.RequireWebAuthn), store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
			if store.IsUniqueViolation(err) {
				return nrm.FieldError("username", "error.exists")
			}
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActUserCreate, fields: []string{"user:" + u.ID, "roles:" + nrm.RolesString(u.Roles)}})
	})
	if err != nil {
		return nil, fail(err)
	}
	return u, nil
}

const userCols = `u.id, u.org_id, u.username, u.display_name, u.roles, u.lang, u.disabled, u.password_hash, u.totp_secret, u.totp_last_step, u.recovery_hashes, u.require_webauthn, u.version`

func scanUser(sc interface{ Scan(...any) error }) (*nrm.User, []byte, error) {
	var u nrm.User
	var roles, rec string
	var dis, reqWA int64
	var totp []byte
	if err := sc.Scan(&u.ID, &u.OrgID, &u.Username, &u.DisplayName, &roles, &u.Lang, &dis, &u.PasswordHash, &totp, &u.TOTPLastStep, &rec, &reqWA, &u.Version); err != nil {
		return nil, nil, err
	}
	u.Roles, u.Disabled, u.HasTOTP, u.RequireWebAuthn = nrm.ParseRoles(roles), store.Bool(dis), len(totp) > 0, store.Bool(reqWA)
	if rec != "" {
		u.RecoveryHash = strings.Split(rec, ",")
	}
	return &u, totp, nil
}

// UserByName finds a user (for the command line).
func (s *Service) UserByName(ctx context.Context, username string) (*nrm.User, error) {
	var u *nrm.User
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		u, _, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ?`, strings.ToLower(username)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nrm.ErrNotFound
	}
	return u, fail(err)
}

// Users lists the users of the system for administrators.
func (s *Service) Users(ctx context.Context, a *nrm.Actor) ([]nrm.User, error) {
	if !a.System && !a.Has(nrm.RoleSysAdmin) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	var out []nrm.User
	err := s.db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userCols+` FROM users u ORDER BY u.username`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, _, err := scanUser(rows)
			if err != nil {
				return err
			}
			u.PasswordHash, u.RecoveryHash = "", nil
			out = append(out, *u)
		}
		return rows.Err()
	})
	return out, fail(err)
}

// SetDisabled disables or enables a user; disabling ends all their sessions
// and tokens at once.
func (s *Service) SetDisabled(ctx context.Context, a *nrm.Actor, userID string, disabled bool) error {
	return s.adminChange(ctx, a, userID, ActUserDisable, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, updated_at = ?, version = version + 1 WHERE id = ?`, store.Int(disabled), store.Micros(tx.Now), userID)
		return err
	})
}

// SetRoles replaces a user's roles; the user's sessions end at once.
func (s *Service) SetRoles(ctx context.Context, a *nrm.Actor, userID string, roles []nrm.Role) error {
	for _, r := range roles {
		if !r.Valid() {
			return nrm.FieldError("roles", "error.unknown_value")
		}
	}
	return s.adminChange(ctx, a, userID, ActUserRoles, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET roles = ?, updated_at = ?, version = version + 1 WHERE id = ?`, nrm.RolesString(roles), store.Micros(tx.Now), userID)
		return err
	})
}

// ResetSecondFactor removes a user's TOTP, recovery codes and passkeys; they
// enrol again at their next sign-in.
func (s *Service) ResetSecondFactor(ctx context.Context, a *nrm.Actor, userID string) error {
	return s.adminChange(ctx, a, userID, ActMFAReset, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM webauthn_credentials WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE users SET totp_secret = NULL, totp_last_step = 0, recovery_hashes = '', updated_at = ?, version = version + 1 WHERE id = ?`, store.Micros(tx.Now), userID)
		return err
	})
}

// adminChange runs a user change, ends the user's sessions and tokens, and audits.
func (s *Service) adminChange(ctx context.Context, a *nrm.Actor, userID, action string, fn func(*store.Tx) error) error {
	if !a.System && !a.Has(nrm.RoleSysAdmin) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nrm.ErrNotFound
		}
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, store.Micros(tx.Now), userID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: action, fields: []string{"user:" + userID}})
	}))
}

// orgList reads every organisation, by name: the directory is a few dozen
// rows, read whole wherever it is needed.
func orgList(ctx context.Context, tx *store.Tx) ([]nrm.Org, error) {
	return collect(ctx, tx, func(rows *sql.Rows) (nrm.Org, error) {
		var o nrm.Org
		var regions string
		var ca int64
		err := rows.Scan(&o.ID, &o.Name, &o.Type, &regions, &ca)
		o.Regions, o.CreatedAt = splitList(regions), store.Time(ca)
		return o, err
	}, `SELECT id, name, type, regions, created_at FROM orgs ORDER BY name, id`)
}
