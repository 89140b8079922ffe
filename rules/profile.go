package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // deadlines must not depend on the host's zoneinfo files
)

//go:embed profiles/*.json
var profileFS embed.FS

// Unit is the unit a deadline is counted in.
type Unit string

// The units a deadline may use.
const (
	Hours        Unit = "hours"         // a plain duration from the start time
	CalendarDays Unit = "calendar_days" // ends at the end of the day, start date + N
	WorkingDays  Unit = "working_days"  // ends at the end of the Nth working day after the start date
)

func (u Unit) valid() bool { return u == Hours || u == CalendarDays || u == WorkingDays }

// MaxDeadlineValue bounds Deadline.Value, so that a mistyped value cannot
// make a deadline computation run for ever. 10000 days is about 27 years.
const MaxDeadlineValue = 10000

// Deadline is one time limit of a jurisdiction. A profile may hold several
// entries for one key; the entry with the latest EffectiveFrom on or before
// a case's start time applies.
type Deadline struct {
	Key      string `json:"key"`
	Value    int    `json:"value"`
	Unit     Unit   `json:"unit"`
	LegalRef string `json:"legal_ref"`
	// LegalRefText is LegalRef as each language writes it (sq, en); LegalRef
	// itself is what deadlines store and the API shows.
	LegalRefText  map[string]string `json:"legal_ref_text"`
	EffectiveFrom string            `json:"effective_from"` // YYYY-MM-DD, in the profile's time zone
	Verified      bool              `json:"verified"`       // false where the value is a placeholder not read in the law
	Note          string            `json:"note,omitempty"`
}

// Threshold is the screening rule: each listed section must have at least
// one indicator answered.
type Threshold struct {
	Adult []string `json:"adult"`
	Child []string `json:"child"`
}

// Panel is who must sign a formal identification decision. Each group is a
// set of organisation types; the panel needs at least one signing member
// from each group. ChildRequired groups are needed in addition for a child.
type Panel struct {
	Required      [][]string `json:"required"`
	ChildRequired [][]string `json:"child_required"`
}

// Profile is the rules of one jurisdiction. Obtain one with Load or Parse;
// a Profile built in code must pass Validate before use. A Profile is not
// modified by its methods and is safe for concurrent use.
type Profile struct {
	Code            string            `json:"code"` // "AL", "COE"
	Name            map[string]string `json:"name"` // by language: "sq", "en"
	TimeZone        string            `json:"time_zone"`
	TimeZoneName    map[string]string `json:"time_zone_name"`    // the zone as people say it, by language ("ora e Shqipërisë")
	Country         string            `json:"country,omitempty"` // ISO 3166 alpha-3 of the state; other nationalities are foreign ("" in a template profile)
	ChildAge        int               `json:"child_age"`         // a person under this age is a child
	ChildConsentAge int               `json:"child_consent_age"` // a child of this age or over must consent to a protection measure; 0: no age set
	Weekend         []string          `json:"weekend"`           // lower-case English day names
	Holidays        []string          `json:"holidays"`          // YYYY-MM-DD, including observed days
	HolidayNames    map[string]string `json:"holiday_names,omitempty"`
	Deadlines       []Deadline        `json:"deadlines"`
	Threshold       Threshold         `json:"threshold"`
	Panel           Panel             `json:"panel"`
	// DeadlineLabels gives each deadline key a plain-language name by language.
	DeadlineLabels map[string]map[string]string `json:"deadline_labels"`
	// RetentionPeriods says how long each kind of record is kept (see
	// RetentionKinds); absent, nothing is erased.
	RetentionPeriods map[string]Period `json:"retention,omitempty"`
	// Statistics says how published figures are protected and who is counted.
	Statistics Statistics `json:"statistics"`
	Notes      []string   `json:"notes,omitempty"` // for the people who maintain the file

	// Prepared by Parse from the fields above; nil or zero in a Profile
	// built in code, in which case the methods work them out on each call.
	loc      *time.Location
	holidays map[string]bool
}

// Statistics are the jurisdiction's rules for published figures.
type Statistics struct {
	// K is the disclosure threshold: a count of fewer than K persons is not
	// published (0: the stats package's default, 5). Children's counts are
	// never published below 5 whatever K is.
	K int `json:"k"`
	// RequiresConsent means only persons whose consent (purpose statistics)
	// is active are counted; otherwise the law is the basis and everyone is.
	RequiresConsent bool   `json:"requires_consent"`
	LegalRef        string `json:"legal_ref,omitempty"`
	Verified        bool   `json:"verified"`
	Note            string `json:"note,omitempty"`
}

// languages every label must be given in.
var languages = []string{"sq", "en"}

// orgTypes are the organisation types a panel may name; the same as the
// root package's nrm.OrgTypes (checked by a test).
var orgTypes = []string{
	"police", "border_police", "social_service", "child_protection",
	"labour_inspectorate", "prosecution", "court", "health", "legal_aid",
	"ngo_shelter", "responsible_authority", "secretariat", "ministry", "international",
	"consular", "customs", "port_authority", "detention", "education",
}

const dateLayout = "2006-01-02"

var (
	codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,15}$`)
	keyRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// Codes lists the codes of the embedded profiles, sorted.
func Codes() []string {
	entries, err := fs.ReadDir(profileFS, "profiles")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	codes := make([]string, 0, len(entries))
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			codes = append(codes, strings.ToUpper(name))
		}
	}
	slices.Sort(codes)
	return codes
}

// Load returns the embedded profile for a jurisdiction code, matched
// case-insensitively. Each call returns a new Profile.
func Load(code string) (*Profile, error) {
	if !codeRE.MatchString(strings.ToUpper(code)) {
		return nil, fmt.Errorf("rules: unknown jurisdiction %q (known: %s)", code, strings.Join(Codes(), ", "))
	}
	b, err := profileFS.ReadFile(path.Join("profiles", strings.ToLower(code)+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rules: unknown jurisdiction %q (known: %s)", code, strings.Join(Codes(), ", "))
	}
	if err != nil {
		return nil, err
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("rules: embedded profile %s: %w", code, err)
	}
	return p, nil
}

// Parse reads a profile file, such as one supplied by an operator, and
// validates it fully. Unknown fields are rejected, so that a misspelt field
// name cannot silently leave a rule unset.
func Parse(b []byte) (*Profile, error) {
	var p Profile
	if err := decodeStrict(b, &p); err != nil {
		return nil, err
	}
	loc, err := p.validate()
	if err != nil {
		return nil, err
	}
	p.loc = loc
	p.holidays = make(map[string]bool, len(p.Holidays))
	for _, h := range p.Holidays {
		p.holidays[h] = true
	}
	return &p, nil
}

// decodeStrict decodes exactly one JSON value with no unknown fields and
// turns the decoder's errors into FieldErrors where it can.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return &FieldError{Field: typeErr.Field, Problem: fmt.Sprintf("must be %s, not %s", typeErr.Type, typeErr.Value)}
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if unq, uerr := strconv.Unquote(name); uerr == nil {
				name = unq
			}
			return &FieldError{Field: name, Problem: "unknown field"}
		}
		return &FieldError{Problem: "not valid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &FieldError{Problem: "not valid JSON: data after the top-level value"}
	}
	return nil
}

// Validate checks every field and returns all problems found, each a
// *FieldError naming the field (joined with errors.Join).
func (p *Profile) Validate() error {
	_, err := p.validate()
	return err
}

// validate is Validate, also returning the loaded time zone.
func (p *Profile) validate() (*time.Location, error) {
	var (
		errs []error
		loc  *time.Location
	)
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}

	if !codeRE.MatchString(p.Code) {
		bad("code", "must be 2 to 16 upper-case letters, digits or underscores, not %q", p.Code)
	}
	checkLabels("name", p.Name, bad)

	if p.Country != "" && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(p.Country) {
		bad("country", "want an ISO 3166 alpha-3 code such as ALB, got %q", p.Country)
	}
	switch p.TimeZone {
	case "":
		bad("time_zone", "missing")
	case "Local":
		bad("time_zone", `"Local" depends on the server; name the zone, e.g. "Europe/Tirane"`)
	default:
		var err error
		if loc, err = time.LoadLocation(p.TimeZone); err != nil {
			bad("time_zone", "unknown time zone %q", p.TimeZone)
		}
	}

	checkTranslations("time_zone_name", p.TimeZoneName, bad)

	if p.ChildAge < 1 || p.ChildAge > 25 {
		bad("child_age", "must be between 1 and 25, not %d", p.ChildAge)
	}
	if p.ChildConsentAge < 0 || p.ChildConsentAge >= p.ChildAge {
		bad("child_consent_age", "must be 0 (no age set) or below child_age, not %d", p.ChildConsentAge)
	}

	seenDay := map[time.Weekday]bool{}
	for i, d := range p.Weekend {
		wd, ok := weekdayByName[d]
		switch {
		case !ok:
			bad(fmt.Sprintf("weekend[%d]", i), "unknown day %q (use lower-case English names such as \"saturday\")", d)
		case seenDay[wd]:
			bad(fmt.Sprintf("weekend[%d]", i), "%q listed twice", d)
		}
		seenDay[wd] = true
	}
	if len(seenDay) >= 7 {
		bad("weekend", "cannot cover the whole week")
	}

	seenHoliday := map[string]bool{}
	for i, h := range p.Holidays {
		field := fmt.Sprintf("holidays[%d]", i)
		if !validDate(h) {
			bad(field, "must be a date YYYY-MM-DD, not %q", h)
		} else if seenHoliday[h] {
			bad(field, "%s listed twice", h)
		}
		seenHoliday[h] = true
	}
	for _, h := range sortedKeys(p.HolidayNames) {
		if !seenHoliday[h] {
			bad("holiday_names."+h, "names a date that is not in holidays")
		} else if strings.TrimSpace(p.HolidayNames[h]) == "" {
			bad("holiday_names."+h, "empty name")
		}
	}

	if len(p.Deadlines) == 0 {
		bad("deadlines", "missing")
	}
	keys := map[string]bool{}
	seenEntry := map[[2]string]bool{}
	for i, d := range p.Deadlines {
		field := fmt.Sprintf("deadlines[%d]", i)
		if !keyRE.MatchString(d.Key) {
			bad(field+".key", "must be lower_snake_case, not %q", d.Key)
		}
		keys[d.Key] = true
		if d.Value < 0 {
			bad(field+".value", "must not be negative (%d)", d.Value)
		} else if d.Value > MaxDeadlineValue {
			bad(field+".value", "%d is more than %d", d.Value, MaxDeadlineValue)
		}
		if !d.Unit.valid() {
			bad(field+".unit", "unknown unit %q (use %q, %q or %q)", d.Unit, Hours, CalendarDays, WorkingDays)
		}
		if strings.TrimSpace(d.LegalRef) == "" {
			bad(field+".legal_ref", `missing (write "none found" and explain in note if there is none)`)
		}
		checkTranslations(field+".legal_ref_text", d.LegalRefText, bad)
		if !validDate(d.EffectiveFrom) {
			bad(field+".effective_from", "must be a date YYYY-MM-DD, not %q", d.EffectiveFrom)
		}
		entry := [2]string{d.Key, d.EffectiveFrom}
		if seenEntry[entry] {
			bad(field, "a second entry for %q effective from %s", d.Key, d.EffectiveFrom)
		}
		seenEntry[entry] = true
	}
	for _, k := range sortedKeys(keys) {
		checkLabels("deadline_labels."+k, p.DeadlineLabels[k], bad)
	}
	for _, k := range sortedKeys(p.DeadlineLabels) {
		if !keys[k] {
			bad("deadline_labels."+k, "labels a key that has no deadline")
		}
	}

	checkSections("threshold.adult", p.Threshold.Adult, bad)
	checkSections("threshold.child", p.Threshold.Child, bad)

	if len(p.Panel.Required) == 0 {
		bad("panel.required", "missing")
	}
	checkGroups("panel.required", p.Panel.Required, bad)
	checkGroups("panel.child_required", p.Panel.ChildRequired, bad)
	checkRetention(p.RetentionPeriods, bad)
	if p.Statistics.K < 0 || p.Statistics.K > 1000 {
		bad("statistics.k", "must be between 0 (the default, 5) and 1000")
	}

	return loc, errors.Join(errs...)
}

func checkLabels(field string, labels map[string]string, bad func(string, string, ...any)) {
	for _, lang := range languages {
		if strings.TrimSpace(labels[lang]) == "" {
			bad(field+"."+lang, "missing")
		}
	}
}

func checkSections(field string, sections []string, bad func(string, string, ...any)) {
	if len(sections) == 0 {
		bad(field, "needs at least one section")
	}
	seen := map[string]bool{}
	for i, s := range sections {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case strings.TrimSpace(s) == "":
			bad(f, "empty section")
		case seen[s]:
			bad(f, "section %q listed twice", s)
		}
		seen[s] = true
	}
}

func checkGroups(field string, groups [][]string, bad func(string, string, ...any)) {
	for i, g := range groups {
		f := fmt.Sprintf("%s[%d]", field, i)
		if len(g) == 0 {
			bad(f, "empty group")
		}
		for j, t := range g {
			if !slices.Contains(orgTypes, t) {
				bad(fmt.Sprintf("%s[%d]", f, j), "unknown organisation type %q", t)
			}
		}
	}
}

var weekdayByName = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// validDate reports whether s is a real calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	t, err := time.Parse(dateLayout, s)
	return err == nil && t.Format(dateLayout) == s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// DeadlineKeys lists the distinct deadline keys of the profile, sorted.
func (p *Profile) DeadlineKeys() []string {
	keys := make([]string, 0, len(p.Deadlines))
	for _, d := range p.Deadlines {
		keys = append(keys, d.Key)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
