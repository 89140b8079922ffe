package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Informed consent (guide-digest §III, V, VI) is data the door enforces,
// not a yes/no flag. Each consent says for what purpose, how much of the
// record, to whom, who gave it and how, and that the six points of the
// guide were explained. Consents are versioned: a change is a new version
// that supersedes the old one; a withdrawal takes effect at once; nothing
// is overwritten.

// Purposes a consent is given for.
const (
	PurposeServices       = "services"       // receiving services, and the referrals they need
	PurposeShare          = "share"          // sharing with named organisations or types of organisation
	PurposePolice         = "police"         // reporting to the police
	PurposeIdentification = "identification" // asking for formal identification
	PurposeStatistics     = "statistics"     // statistics and research, without identity
	PurposeContact        = "contact"        // being contacted
)

// ConsentPurposes lists every purpose.
var ConsentPurposes = []string{PurposeServices, PurposeShare, PurposePolice, PurposeIdentification, PurposeStatistics, PurposeContact}

// DisclosingPurposes are the purposes under which the named recipients may
// see the record (within the consent's scope).
var DisclosingPurposes = []string{PurposeServices, PurposeShare, PurposePolice, PurposeIdentification}

// Scopes of data a consent covers.
const (
	ConsentFull     = "full"     // the summary, full identity and the account
	ConsentIdentity = "identity" // the summary and identity, not the account
	ConsentAccount  = "account"  // the account without identity
	ConsentSummary  = "summary"  // the pseudonymous summary only
)

// ConsentScopes lists every scope, widest first.
var ConsentScopes = []string{ConsentFull, ConsentIdentity, ConsentAccount, ConsentSummary}

// ScopeParts returns the parts of a record a consent scope discloses.
func ScopeParts(scope string) []Part {
	switch scope {
	case ConsentFull:
		return []Part{PartSummary, PartIdentity, PartNarrative}
	case ConsentIdentity:
		return []Part{PartSummary, PartIdentity}
	case ConsentAccount:
		return []Part{PartSummary, PartNarrative}
	case ConsentSummary:
		return []Part{PartSummary}
	}
	return nil
}

// Who gave a consent.
const (
	GivenByPerson   = "person"   // an adult, for themselves
	GivenByGuardian = "guardian" // a parent or guardian, for a child below the consent age (with the child's assent)
	GivenByChild    = "child"    // a child of the consent age or over, for themselves
	GivenByReferral = "referral" // recorded by the referrer at referral (the person's agreement to be referred)
)

// ConsentHow lists how a consent was given.
var ConsentHow = []string{"written", "oral"}

// ExplainedPoints are the six points of the guide the person must be told
// before consenting: why the information is asked, how it is stored, how
// they can see their own file, who may receive it, how it is shared and
// what exactly is shared.
var ExplainedPoints = []string{"why", "storage", "own_file", "recipients", "how_shared", "what_shared"}

// Child's assent when a guardian consents.
var Assents = []string{"agrees", "disagrees", "not_able"}

// ConsentInput records a consent (or a new version of one).
type ConsentInput struct {
	Purpose        string
	Scope          string
	RecipientOrgs  []string  // named organisations
	RecipientTypes []OrgType // every organisation of these types
	GivenBy        string
	GuardianName   string // encrypted; for a guardian's consent
	ChildAssent    string // for a guardian's consent: the child's own assent
	How            string
	Interpreter    bool
	Language       string // the language it was explained in
	TextVersion    string // the version of the explanation text read to the person
	Explained      []string
	GivenOn        string // date; "" for today
	ExpiresOn      string // date; "" for no expiry
	Replaces       string // the consent this one replaces (a new version)
}

// ConsentFacts is what the consent rules need to know of the person.
type ConsentFacts struct {
	Child      bool // a child, or treated as one
	AgeYears   int  // -1 when unknown
	ConsentAge int  // a child of this age or over consents for themselves; 0: none set
}

// OwnConsent reports whether the person gives consent themselves: an adult,
// or a child of known age at or over the jurisdiction's consent age.
func (f ConsentFacts) OwnConsent() bool {
	return !f.Child || (f.ConsentAge > 0 && f.AgeYears >= f.ConsentAge)
}

// Validate checks the consent against the person it concerns.
func (c *ConsentInput) Validate(now time.Time, f ConsentFacts) error {
	var es Errors
	req := func(field, v string, allowed []string) {
		switch {
		case v == "":
			es = append(es, FieldError(field, "error.required"))
		case !slices.Contains(allowed, v):
			es = append(es, FieldError(field, "error.unknown_value"))
		}
	}
	req("purpose", c.Purpose, ConsentPurposes)
	req("data_scope", c.Scope, ConsentScopes)
	req("how", c.How, ConsentHow)
	if slices.Contains(DisclosingPurposes, c.Purpose) && len(c.RecipientOrgs)+len(c.RecipientTypes) == 0 {
		es = append(es, FieldError("recipients", "error.required"))
	}
	for _, t := range c.RecipientTypes {
		if !slices.Contains(OrgTypes, t) {
			es = append(es, FieldError("recipients", "error.unknown_value"))
			break
		}
	}
	switch {
	case c.GivenBy == "":
		es = append(es, FieldError("given_by", "error.required"))
	case f.OwnConsent() && f.Child && c.GivenBy != GivenByChild:
		es = append(es, FieldError("given_by", "error.consent_child_own", f.ConsentAge))
	case f.OwnConsent() && !f.Child && c.GivenBy != GivenByPerson:
		es = append(es, FieldError("given_by", "error.consent_adult_own"))
	case !f.OwnConsent() && c.GivenBy != GivenByGuardian:
		es = append(es, FieldError("given_by", "error.consent_guardian"))
	}
	if c.GivenBy == GivenByGuardian && !f.OwnConsent() {
		if strings.TrimSpace(c.GuardianName) == "" {
			es = append(es, FieldError("guardian_name", "error.required"))
		}
		req("child_assent", c.ChildAssent, Assents)
	}
	if utf8.RuneCountInString(c.GuardianName) > MaxShortText || utf8.RuneCountInString(c.TextVersion) > MaxShortText || utf8.RuneCountInString(c.Language) > MaxShortText {
		es = append(es, FieldError("text_version", "error.too_long", MaxShortText))
	}
	for _, p := range c.Explained {
		if !slices.Contains(ExplainedPoints, p) {
			es = append(es, FieldError("explained", "error.unknown_value"))
			break
		}
	}
	for _, p := range ExplainedPoints {
		if !slices.Contains(c.Explained, p) {
			es = append(es, FieldError("explained", "error.consent_not_informed"))
			break
		}
	}
	if c.Interpreter && strings.TrimSpace(c.Language) == "" {
		es = append(es, FieldError("language", "error.required"))
	}
	if c.GivenOn != "" {
		if e := validFullDate(c.GivenOn, now); e != nil {
			es = append(es, FieldError("given_on", e.Key, e.Args...))
		}
	}
	if c.ExpiresOn != "" {
		exp, err := time.Parse(time.DateOnly, c.ExpiresOn)
		switch {
		case err != nil:
			es = append(es, FieldError("expires_on", "error.date_format"))
		case !exp.After(now):
			es = append(es, FieldError("expires_on", "error.expiry_not_future"))
		}
	}
	return es.Err()
}

// Consent is one version of a consent in the ledger.
type Consent struct {
	ID, Chain      string // Chain is the id of the first version
	Version        int
	PersonID       string
	Purpose, Scope string
	RecipientOrgs  []string
	RecipientNames []string // the named organisations' names
	RecipientTypes []OrgType
	GivenBy        string
	GuardianName   *string // nil when not disclosed to the reader
	ChildAssent    string
	How            string
	Interpreter    bool
	Language       string
	TextVersion    string
	Explained      []string
	GivenAt        time.Time
	ExpiresAt      time.Time // zero: no expiry
	RecordedBy     string    // the organisation that recorded it
	RecordedAt     time.Time
	WithdrawnAt    time.Time
	WithdrawnNote  string
	SupersededAt   time.Time
	SupersededBy   string
}

// Active reports whether the consent is in force at t.
func (c *Consent) Active(t time.Time) bool {
	return c.WithdrawnAt.IsZero() && c.SupersededAt.IsZero() && (c.ExpiresAt.IsZero() || c.ExpiresAt.After(t))
}

// State names the consent's state at t: active, withdrawn, superseded, expired.
func (c *Consent) State(t time.Time) string {
	switch {
	case !c.WithdrawnAt.IsZero():
		return "withdrawn"
	case !c.SupersededAt.IsZero():
		return "superseded"
	case !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(t):
		return "expired"
	}
	return "active"
}

// Disclosure is one line of the person's disclosure log: an organisation
// and role that saw, changed or received the person's data, when and why.
// It is read from the audit trail.
type Disclosure struct {
	Seq     int64
	At      time.Time
	OrgID   string
	OrgName string
	OrgType OrgType
	Role    Role
	Action  string // the audit action, e.g. person.read
	Parts   []Part // the parts of the record concerned, where the audit names them
	Glass   bool   // an emergency (break-glass) opening
}

// OwnFile is the person's own file, as they receive it: their record, the
// consents they gave, the decisions about them, the services and the
// disclosure log, with other people's data left out.
type OwnFile struct {
	Code        string
	Lang        string // the language the file is written in
	ProducedAt  time.Time
	ProducedBy  string         // the organisation that produced it
	Location    *time.Location // the jurisdiction's time zone: every time is printed in it (nil: UTC)
	Zone        string         // that zone in the file's language ("ora e Shqipërisë")
	Person      *Person
	Consents    []Consent
	Decisions   []OwnDecision
	Services    []OwnService
	Disclosures []Disclosure
}

// OwnDecision is a formal decision as the person's own file shows it.
type OwnDecision struct {
	At      time.Time
	Outcome string
	Reasons string
	ToldOn  string
	Pending bool // not yet signed by every side
}

// OwnService is a service or task as the person's own file shows it.
type OwnService struct {
	Kind    string
	OrgName string
	State   string
	Opened  time.Time
	Done    time.Time
}

// Protection measures for a child (guide-digest §V; process.md §6). A child
// of the jurisdiction's consent age or over must consent to a measure; a
// younger child's parent or guardian consents. If consent is refused, the
// head of the responsible social-services structure may decide: an interim
// decision, valid until a court rules, with a deadline to seek the ruling.
// The child's own views are recorded every time.

// MeasureKinds are the protection measures recorded for a child.
var MeasureKinds = []string{"shelter_placement", "foster_care", "medical_treatment", "psychological_support", "family_reunification", "other"}

// Answers to a measure.
const (
	MeasureGiven   = "given"
	MeasureRefused = "refused"
)

// Court rulings on an interim decision.
var CourtOutcomes = []string{"confirmed", "set_aside"}

// MeasureInput records a protection measure for a child.
type MeasureInput struct {
	Kind        string
	Consent     string // given or refused, by the child (consent age or over) or the guardian
	ChildViews  string // the child's own views, always required; encrypted
	InterimOrg  string // when refused: the social-services structure whose head decides
	InterimRole string // the deciding head's title (never a name)
}

// Validate checks the measure.
func (m *MeasureInput) Validate() error {
	var es Errors
	if !slices.Contains(MeasureKinds, m.Kind) {
		es = append(es, FieldError("kind", "error.unknown_value"))
	}
	switch m.Consent {
	case MeasureGiven:
	case MeasureRefused:
		if m.InterimOrg == "" {
			es = append(es, FieldError("interim_org", "error.interim_needed"))
		}
		if strings.TrimSpace(m.InterimRole) == "" {
			es = append(es, FieldError("interim_role", "error.required"))
		}
	case "":
		es = append(es, FieldError("consent", "error.required"))
	default:
		es = append(es, FieldError("consent", "error.unknown_value"))
	}
	if strings.TrimSpace(m.ChildViews) == "" {
		es = append(es, FieldError("child_views", "error.child_views"))
	}
	if utf8.RuneCountInString(m.ChildViews) > MaxNarrative {
		es = append(es, FieldError("child_views", "error.too_long", MaxNarrative))
	}
	if utf8.RuneCountInString(m.InterimRole) > MaxShortText {
		es = append(es, FieldError("interim_role", "error.too_long", MaxShortText))
	}
	return es.Err()
}

// Measure is a recorded protection measure.
type Measure struct {
	ID, PersonID, Kind string
	ConsentBy          string // child or guardian
	Consent            string
	ChildViews         *string // nil when not shown to the reader
	Interim            bool
	InterimRole        string
	DecidedOrg         string
	DecidedOrgName     string
	DecidedAt          time.Time
	CourtDue           time.Time // when the ruling must be sought (interim only)
	CourtRuledAt       time.Time
	CourtOutcome       string
}
