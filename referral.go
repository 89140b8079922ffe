package nrm

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Referral is how a person enters the NRM: any member (or anyone outside it,
// through a member) refers them, and the referral's answers decide at once
// whether they are a potential victim. Nothing else gates protection.

// ReferrerType says who referred: an NRM member organisation (its type), a
// mobile identification unit, or someone outside the NRM through a member.
const (
	ReferrerMIU     = "miu"     // mobile identification unit (NGO social workers + police)
	ReferrerOutside = "outside" // a person or body outside the NRM, recorded by a member
)

// MetHow lists how the person was met (codes; labels in the catalogue).
var MetHow = []string{"outreach", "border_check", "inspection", "police_operation", "hotline", "self_referral", "walk_in", "health_visit", "school", "abroad", "other"}

// ReferralChannels lists how a referral came to the NRM member who records
// it: from a first responder who met the person, a hotline, a member of the
// public, an online report, an embassy or consulate, or from abroad (a
// foreign authority or NRM).
var ReferralChannels = []string{"in_person", "hotline", "public", "online_report", "embassy", "abroad"}

// Scopes say where the trafficking happened: within the country, across
// borders, online. A referral may name several.
const (
	ScopeDomestic    = "domestic"
	ScopeCrossBorder = "cross_border"
	ScopeOnline      = "online"
)

// Scopes lists every scope, in display order.
var Scopes = []string{ScopeDomestic, ScopeCrossBorder, ScopeOnline}

// OnlinePlatforms lists the kinds of online platform, when it happened online.
var OnlinePlatforms = []string{"social_network", "messaging", "online_ad", "dating", "gaming", "adult_site", "other"}

// FormsUnsure is the answer "not sure" to which forms of exploitation are
// suspected: every indicator is asked.
const FormsUnsure = "unsure"

// Consent to the referral.
const (
	ConsentGiven   = "given"   // the person agrees to be referred with their identity
	ConsentRefused = "refused" // an adult refuses: an anonymous notification without identity
	ConsentChild   = "child"   // a child: protection needs no consent; the child's views are recorded
)

// AgeBasis says where the age comes from.
const (
	AgeDeclared  = "declared"
	AgeAssessed  = "assessed"
	AgeUncertain = "uncertain"
)

// Age assessment methods (labels in the catalogue).
var AgeMethods = []string{"documents", "interview", "multidisciplinary", "medical", "other"}

// Safety answers about immediate danger.
var SafetyFlags = []string{"with_exploiter", "lives_with_exploiter", "injuries", "urgent_medical", "others_at_risk", "children_at_risk", "threatened"}

// Need is an immediate need that becomes an open task for a named organisation.
type Need string

// Immediate needs.
const (
	NeedShelter     Need = "shelter"
	NeedMedical     Need = "medical"
	NeedInterpreter Need = "interpreter"
	NeedSafety      Need = "safety"
)

// Needs lists the immediate needs.
var Needs = []Need{NeedShelter, NeedMedical, NeedInterpreter, NeedSafety}

// NeedOrgTypes says which organisation types answer each need, in order of
// preference, when the referrer does not name one.
var NeedOrgTypes = map[Need][]OrgType{
	NeedShelter:     {OrgNGOShelter, OrgSocialService},
	NeedMedical:     {OrgHealth},
	NeedInterpreter: {OrgInternational, OrgNGOShelter, OrgSocialService},
	NeedSafety:      {OrgPolice, OrgBorderPolice},
}

// NeedRequest asks for one immediate need, optionally naming the organisation.
type NeedRequest struct {
	Need  Need
	OrgID string
}

// Genders for the person's own gender and preferences of the professionals.
var Genders = []string{"female", "male", "non_binary", "other", "unknown"}

// ReferralInput is everything a referral may carry. Every field about the
// person is optional and partial: partial data is the norm.
type ReferralInput struct {
	ReferrerType    string // "" = the referring organisation's own type; or ReferrerMIU / ReferrerOutside
	ReferrerOutside string // who, when ReferrerOutside

	MetOn     string // partial date
	MetRegion string
	MetPlace  string // free text, encrypted
	MetHow    string

	Region          string // where the person is now
	Identity        *Identity
	Sex             string
	Gender          string
	Nationalities   []string // ISO 3166 alpha-3, as in HTCDS
	Languages       []string // ISO 639 codes
	Interpreter     bool
	PreferredGender string // of the professionals they speak to

	AgeBasis   string // declared / assessed / uncertain
	AgeYears   *int   // declared or approximate
	ChildSigns bool   // any sign the person may be a child

	Safety     []string
	SafetyNote string
	Needs      []NeedRequest

	Indicators   []string // indicator codes from the catalogue
	Judged       bool     // the referrer judges the person a potential victim
	JudgedReason string
	Account      string // the referrer's account, encrypted

	Consent string

	// How the referral came (ReferralChannels) and where it happened.
	Channel        string
	Scope          []string // Scopes
	OnlinePlatform string   // OnlinePlatforms, when Scope has ScopeOnline
	RecruitCountry string   // where the person was recruited: a country (Countries) …
	RecruitRegion  string   // … and, in the jurisdiction's own country, a region
	ExploitCountry string   // where the person was exploited
	ExploitRegion  string
	// SuspectedForms are the forms of exploitation the referrer suspects
	// (rules.Form codes), or FormsUnsure alone; they choose which indicators
	// the form asks. The door checks the codes.
	SuspectedForms []string
}

// Validate checks shape and plausibility, naming every field at fault. Codes
// from the indicator catalogue and organisations are checked by the door.
func (in *ReferralInput) Validate(now time.Time) error {
	var es Errors
	text := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			es = append(es, FieldError(field, "error.too_long", max))
		}
	}
	switch in.ReferrerType {
	case "", ReferrerMIU:
	case ReferrerOutside:
		if strings.TrimSpace(in.ReferrerOutside) == "" {
			es = append(es, FieldError("referrer_outside", "error.required"))
		}
	default:
		if !OrgType(in.ReferrerType).Valid() {
			es = append(es, FieldError("referrer_type", "error.unknown_value"))
		}
	}
	text("referrer_outside", in.ReferrerOutside, MaxShortText)
	if in.MetOn != "" {
		if e := ValidatePartialDate(in.MetOn, now); e != nil {
			es = append(es, FieldError("met_on", e.Key, e.Args...))
		}
	}
	if in.MetRegion != "" && !ValidRegion(in.MetRegion) {
		es = append(es, FieldError("met_region", "error.unknown_value"))
	}
	text("met_place", in.MetPlace, MaxShortText)
	if in.MetHow != "" && !slices.Contains(MetHow, in.MetHow) {
		es = append(es, FieldError("met_how", "error.unknown_value"))
	}
	if in.Region != "" && !ValidRegion(in.Region) {
		es = append(es, FieldError("region", "error.unknown_value"))
	}
	if in.Sex != "" && !slices.Contains(Sexes, in.Sex) {
		es = append(es, FieldError("sex", "error.unknown_value"))
	}
	if in.Gender != "" && !slices.Contains(Genders, in.Gender) {
		es = append(es, FieldError("gender", "error.unknown_value"))
	}
	if in.PreferredGender != "" && !slices.Contains(Genders, in.PreferredGender) {
		es = append(es, FieldError("preferred_gender", "error.unknown_value"))
	}
	if len(in.Nationalities) > 5 {
		es = append(es, FieldError("nationalities", "error.too_many_items", 5))
	}
	for _, c := range in.Nationalities {
		if !ValidCountry(c) {
			es = append(es, FieldError("nationalities", "error.unknown_value"))
			break
		}
	}
	if len(in.Languages) > 5 {
		es = append(es, FieldError("languages", "error.too_many_items", 5))
	}
	for _, l := range in.Languages {
		if !ValidLanguage(l) {
			es = append(es, FieldError("languages", "error.unknown_value"))
			break
		}
	}
	switch in.AgeBasis {
	case "", AgeDeclared, AgeAssessed, AgeUncertain:
	default:
		es = append(es, FieldError("age_basis", "error.unknown_value"))
	}
	if in.AgeYears != nil && (*in.AgeYears < 0 || *in.AgeYears > 120) {
		es = append(es, FieldError("age_years", "error.out_of_range", 0, 120))
	}
	for _, f := range in.Safety {
		if !slices.Contains(SafetyFlags, f) {
			es = append(es, FieldError("safety", "error.unknown_value"))
			break
		}
	}
	if utf8.RuneCountInString(in.SafetyNote) > MaxNarrative {
		es = append(es, FieldError("safety_note", "error.too_long", MaxNarrative))
	}
	seen := map[Need]bool{}
	for _, n := range in.Needs {
		if !slices.Contains(Needs, n.Need) || seen[n.Need] {
			es = append(es, FieldError("needs", "error.unknown_value"))
			break
		}
		seen[n.Need] = true
	}
	if len(in.Indicators) > 500 {
		es = append(es, FieldError("indicators", "error.too_many_items", 500))
	}
	if in.Judged && strings.TrimSpace(in.JudgedReason) == "" {
		es = append(es, FieldError("judged_reason", "error.required"))
	}
	text("judged_reason", in.JudgedReason, MaxNarrative)
	if utf8.RuneCountInString(in.Account) > MaxNarrative {
		es = append(es, FieldError("account", "error.too_long", MaxNarrative))
	}
	switch in.Consent {
	case ConsentGiven, ConsentChild:
	case ConsentRefused:
		if in.Identity != nil && !in.Identity.Empty() {
			es = append(es, FieldError("consent", "error.identity_without_consent"))
		}
	case "":
		es = append(es, FieldError("consent", "error.required"))
	default:
		es = append(es, FieldError("consent", "error.unknown_value"))
	}
	es = append(es, in.validatePlace()...)
	if in.Identity != nil {
		pi := PersonInput{Identity: in.Identity}
		if err := pi.Validate(now); err != nil {
			if fe, ok := err.(Errors); ok {
				es = append(es, fe...)
			}
		}
	}
	sortErrors(es)
	return es.Err()
}

// validatePlace checks how the referral came and where it happened.
func (in *ReferralInput) validatePlace() Errors {
	var es Errors
	if in.Channel != "" && !slices.Contains(ReferralChannels, in.Channel) {
		es = append(es, FieldError("channel", "error.unknown_value"))
	}
	for i, sc := range in.Scope {
		if !slices.Contains(Scopes, sc) || slices.Index(in.Scope, sc) != i {
			es = append(es, FieldError("trafficking_scope", "error.unknown_value"))
			break
		}
	}
	switch {
	case in.OnlinePlatform == "":
	case !slices.Contains(OnlinePlatforms, in.OnlinePlatform):
		es = append(es, FieldError("online_platform", "error.unknown_value"))
	case !slices.Contains(in.Scope, ScopeOnline):
		es = append(es, FieldError("online_platform", "error.platform_not_online"))
	}
	for _, f := range []struct{ field, v string }{{"recruit_country", in.RecruitCountry}, {"exploit_country", in.ExploitCountry}} {
		if f.v != "" && !ValidCountry(f.v) {
			es = append(es, FieldError(f.field, "error.unknown_value"))
		}
	}
	for _, f := range []struct{ field, v string }{{"recruit_region", in.RecruitRegion}, {"exploit_region", in.ExploitRegion}} {
		if f.v != "" && !ValidRegion(f.v) {
			es = append(es, FieldError(f.field, "error.unknown_value"))
		}
	}
	if len(in.SuspectedForms) > 20 {
		es = append(es, FieldError("suspected_forms", "error.too_many_items", 20))
	} else if slices.Contains(in.SuspectedForms, FormsUnsure) && len(in.SuspectedForms) > 1 {
		es = append(es, FieldError("suspected_forms", "error.forms_unsure_alone"))
	}
	return es
}

// Empty reports whether no identity field is set.
func (id *Identity) Empty() bool {
	return id.GivenName == "" && id.FamilyName == "" && len(id.Aliases) == 0 && id.BirthDate == "" && id.DocNumber == "" && id.Phone == "" && id.Address == ""
}

// AgeOutcome is what the age answers mean for the record: adult, child, or
// unknown; and whether the person is only presumed a child.
func (in *ReferralInput) AgeOutcome(now time.Time, childAge int) (AgeGroup, bool) {
	years := -1
	if in.AgeYears != nil {
		years = *in.AgeYears
	} else if in.Identity != nil {
		years = AgeFromBirthDate(in.Identity.BirthDate, now)
	}
	switch {
	case in.AgeBasis != AgeUncertain && in.AgeBasis != "" && years >= 0 && years < childAge:
		return AgeChild, false
	case in.AgeBasis != AgeUncertain && in.AgeBasis != "" && years >= childAge:
		return AgeAdult, false
	case in.ChildSigns || (years >= 0 && years < childAge):
		// Age in doubt with any sign of a child: treated as a child.
		return AgeUnknown, true
	case years >= childAge+3 && in.AgeBasis == "":
		return AgeAdult, false
	}
	return AgeUnknown, false
}

// AgeFromBirthDate returns the youngest age a partial birth date allows at
// now, or -1 when there is no year.
func AgeFromBirthDate(partial string, now time.Time) int {
	y := BirthYear(partial)
	if y == "" {
		return -1
	}
	year, err := strconv.Atoi(y)
	if err != nil {
		return -1
	}
	// Youngest possible: born at the end of the stated period.
	age := now.Year() - year - 1
	if len(partial) >= 10 {
		if t, err := time.Parse("2006-01-02", partial[:10]); err == nil {
			age = now.Year() - t.Year()
			if now.YearDay() < t.YearDay() {
				age--
			}
		}
	}
	if age < 0 {
		age = 0
	}
	return age
}
