package nrm

import (
	"slices"
	"strings"
	"time"
)

// Role is what a user does in the NRM. A user may hold several.
type Role string

// The roles of issue #2.
const (
	RoleFirstResponder  Role = "first_responder"
	RoleCaseManager     Role = "case_manager"
	RoleRAOfficer       Role = "ra_officer"
	RolePanelMember     Role = "panel_member"
	RoleServiceProvider Role = "service_provider"
	RoleJusticeOfficer  Role = "justice_officer"
	RoleCoordinator     Role = "nrm_coordinator"
	RoleMonitor         Role = "monitor"
	RoleDPO             Role = "dpo"
	RoleSysAdmin        Role = "sysadmin"
)

// Roles lists every role, in display order.
var Roles = []Role{
	RoleFirstResponder, RoleCaseManager, RoleRAOfficer, RolePanelMember,
	RoleServiceProvider, RoleJusticeOfficer, RoleCoordinator, RoleMonitor,
	RoleDPO, RoleSysAdmin,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is a person who works in the system for one organisation.
type User struct {
	ID           string
	OrgID        string
	Username     string
	DisplayName  string
	Roles        []Role
	Lang         string
	Disabled     bool
	PasswordHash string
	TOTPSecret   string // decrypted only inside the door
	TOTPLastStep int64
	HasTOTP      bool
	RecoveryHash []string
	// RequireWebAuthn means this user must prove the second factor with a
	// passkey (WebAuthn); TOTP and recovery codes do not sign them in.
	RequireWebAuthn bool
	CreatedAt       time.Time
	Version         int64
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// RolesString joins roles for storage.
func RolesString(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// ParseRoles splits a stored role list, dropping unknown roles.
func ParseRoles(s string) []Role {
	var rs []Role
	for p := range strings.SplitSeq(s, ",") {
		if r := Role(strings.TrimSpace(p)); r.Valid() {
			rs = append(rs, r)
		}
	}
	return rs
}

// Actor is who is asking: the authenticated user, through a session or an
// API token, with the facts the policy needs. It is built by the web layer
// from a verified session and passed to every door call.
type Actor struct {
	UserID    string
	OrgID     string
	OrgType   OrgType
	Regions   []string
	Roles     []Role
	SessionID string    // empty for API tokens and jobs
	MFAAt     time.Time // when the second factor was last proven
	Remote    string    // client address, for the audit
	RequestID string
	Scopes    []string // API token scopes; nil for sessions
	System    bool     // a background job of the system itself
}

// Has reports whether the actor holds role r.
func (a *Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// HasAny reports whether the actor holds any of rs.
func (a *Actor) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// FreshMFA reports whether the second factor was proven within d of now.
func (a *Actor) FreshMFA(now time.Time, d time.Duration) bool {
	return !a.MFAAt.IsZero() && now.Sub(a.MFAAt) <= d
}

// PrimaryRole is the role used to label audit entries.
func (a *Actor) PrimaryRole() string {
	if len(a.Roles) == 0 {
		return ""
	}
	return string(a.Roles[0])
}

// SystemActor is the actor for background jobs (retention, deadlines).
func SystemActor(job string) *Actor {
	return &Actor{UserID: "system:" + job, System: true}
}
