package nrm

// Access is read or write.
type Access string

// Kinds of access.
const (
	Read  Access = "read"
	Write Access = "write"
)

// Relation is how an actor stands to one person's record. The door works it
// out from the database at the moment of access; the policy never guesses.
type Relation struct {
	OwnOrg   bool   // the record belongs to the actor's organisation
	Assigned bool   // the actor is assigned to the record
	Granted  []Part // parts disclosed to the actor's organisation under an active consent or legal basis
	Glass    bool   // an unexpired break-glass opening by this actor
}

// Scope is the relation class a rule applies to.
type Scope string

// Scopes, from closest to farthest.
const (
	ScopeOwn      Scope = "own"      // own organisation's record, or assigned
	ScopeGranted  Scope = "granted"  // disclosed to the actor's organisation (consent or legal basis)
	ScopeRegister Scope = "register" // any record, as the Responsible Authority's register sees it
	ScopeGlass    Scope = "glass"    // break-glass, time-limited
)

// Rule says that a role may do an access to a part within a scope.
type Rule struct {
	Role   Role
	Scope  Scope
	Part   Part
	Access Access
}

// Matrix is the authorization policy, as data. Anything not listed is denied.
// Consent narrows ScopeGranted further: the door passes only the parts an
// active consent or legal basis covers.
var Matrix = func() []Rule {
	var m []Rule
	all := Parts
	add := func(r Role, s Scope, acc Access, parts ...Part) {
		for _, p := range parts {
			m = append(m, Rule{r, s, p, acc})
		}
	}
	// First responders refer and keep working the records of their organisation.
	add(RoleFirstResponder, ScopeOwn, Read, all...)
	add(RoleFirstResponder, ScopeOwn, Write, all...)
	// Case managers work their organisation's and assigned records, and what was disclosed to them.
	add(RoleCaseManager, ScopeOwn, Read, all...)
	add(RoleCaseManager, ScopeOwn, Write, all...)
	add(RoleCaseManager, ScopeGranted, Read, all...)
	add(RoleCaseManager, ScopeGranted, Write, PartSummary)
	// The Responsible Authority registers every case under its pseudonymous code.
	add(RoleRAOfficer, ScopeRegister, Read, PartSummary)
	add(RoleRAOfficer, ScopeRegister, Write, PartSummary)
	add(RoleRAOfficer, ScopeOwn, Read, all...)
	add(RoleRAOfficer, ScopeGranted, Read, all...)
	// The identification panel reads what was disclosed for the interview.
	add(RolePanelMember, ScopeOwn, Read, all...)
	add(RolePanelMember, ScopeGranted, Read, all...)
	add(RolePanelMember, ScopeGranted, Write, PartSummary)
	// Service providers see what the referral discloses; never the account unless disclosed.
	add(RoleServiceProvider, ScopeOwn, Read, all...)
	add(RoleServiceProvider, ScopeGranted, Read, all...)
	add(RoleJusticeOfficer, ScopeOwn, Read, all...)
	add(RoleJusticeOfficer, ScopeGranted, Read, all...)
	// The coordinator sees the register; monitors, the DPO and administrators see no person.
	add(RoleCoordinator, ScopeRegister, Read, PartSummary)
	// Break-glass: read only, every part, time-limited, for roles that work cases.
	for _, r := range []Role{RoleFirstResponder, RoleCaseManager, RoleRAOfficer, RolePanelMember, RoleServiceProvider, RoleJusticeOfficer} {
		add(r, ScopeGlass, Read, all...)
	}
	return m
}()

// allowed indexes Matrix for Allowed.
var allowed = func() map[Rule]bool {
	m := make(map[Rule]bool, len(Matrix))
	for _, r := range Matrix {
		m[r] = true
	}
	return m
}()

// Allows reports whether a role may perform acc on part p within scope s.
func Allows(r Role, s Scope, p Part, acc Access) bool { return allowed[Rule{r, s, p, acc}] }

// Decide returns the parts of a record the actor may access, given the
// relation. An empty answer means the record must look missing.
func Decide(a *Actor, rel Relation, acc Access) []Part {
	var out []Part
	for _, p := range Parts {
		if partAllowed(a, rel, p, acc) {
			out = append(out, p)
		}
	}
	return out
}

func partAllowed(a *Actor, rel Relation, p Part, acc Access) bool {
	for _, r := range a.Roles {
		if (rel.OwnOrg || rel.Assigned) && Allows(r, ScopeOwn, p, acc) {
			return true
		}
		if hasPart(rel.Granted, p) && Allows(r, ScopeGranted, p, acc) {
			return true
		}
		if Allows(r, ScopeRegister, p, acc) {
			return true
		}
		if rel.Glass && Allows(r, ScopeGlass, p, acc) {
			return true
		}
	}
	return false
}

func hasPart(ps []Part, p Part) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// CanCreatePerson reports whether the actor may refer a person into the NRM.
func CanCreatePerson(a *Actor) bool {
	return a.HasAny(RoleFirstResponder, RoleCaseManager, RoleRAOfficer)
}

// CanBreakGlass reports whether any of the actor's roles has a glass rule.
func CanBreakGlass(a *Actor) bool {
	for _, r := range a.Roles {
		if Allows(r, ScopeGlass, PartSummary, Read) {
			return true
		}
	}
	return false
}

// CanSetLegalHold reports whether the actor may put a record on legal hold
// or lift it: the Responsible Authority, which keeps the register, and the
// data protection officer. A hold stops retention erasure; it discloses
// nothing of the record.
func CanSetLegalHold(a *Actor) bool {
	return a.HasAny(RoleRAOfficer, RoleDPO)
}

// CanInterview reports whether the actor's role interviews persons and so
// may record an interview or plan one (what may be read still follows Decide).
func CanInterview(a *Actor) bool {
	return a.HasAny(RoleFirstResponder, RoleCaseManager, RolePanelMember, RoleServiceProvider, RoleJusticeOfficer)
}

// WorksCases reports whether the role works records day to day — a case
// manager or a first responder — and so may be assigned records, assign
// them, move them to a colleague and refer to services.
func WorksCases(a *Actor) bool {
	return a.HasAny(RoleCaseManager, RoleFirstResponder)
}

// CanReadStatistics reports whether the actor may see the monitoring
// dashboards, reports and indicators: the Responsible Authority, which
// registers and reports, the NRM coordinator (the secretariat) and the
// monitor (the Task Force). They see aggregates after disclosure control,
// never a record.
func CanReadStatistics(a *Actor) bool {
	return a.HasAny(RoleRAOfficer, RoleCoordinator, RoleMonitor)
}

// CanImportStatistics reports whether the actor may load a dataset into the
// statistics area (CTDC, an HTCDS workbook) or remove one: the Responsible
// Authority and the coordinator. An imported dataset is never mixed with the
// register.
func CanImportStatistics(a *Actor) bool {
	return a.HasAny(RoleRAOfficer, RoleCoordinator)
}

// ReferrerNameRoles are the roles that see the name of the professional who
// made a referral, beside the referring organisation itself: the
// Responsible Authority, which registers the referral and may need to ask
// the referrer, and the identification panel, which decides on it. Others
// see the referring organisation only.
var ReferrerNameRoles = []Role{RoleRAOfficer, RolePanelMember}

// SeesReferrerName reports whether the actor sees the name of the
// professional who made a referral from organisation refOrg.
func SeesReferrerName(a *Actor, refOrg string) bool {
	return (a.OrgID != "" && a.OrgID == refOrg) || a.HasAny(ReferrerNameRoles...)
}

// CanCompareDuplicates reports whether the actor may compare two records
// flagged as possibly the same person, identity included, side by side:
// the Responsible Authority, which alone decides whether they are. The
// identity is decrypted in the door for that comparison only, and the
// reading is audited on both records.
func CanCompareDuplicates(a *Actor) bool { return a.Has(RoleRAOfficer) }

// CanReviewBreakGlass reports whether the actor reviews break-glass
// openings and records whether each was justified: the data protection
// officer. The review shows who opened which record code, when and why;
// never the record itself.
func CanReviewBreakGlass(a *Actor) bool { return a.Has(RoleDPO) }
