// Package htcds exchanges records in IOM's Human Trafficking Case Data Standard (HTCDS)
// v2.0: one person's record as HTCDS fields with identity stripped (Record), the official
// Excel template's layout written and read as a stream (WriteTemplate, ReadTemplate), and
// an imported row turned into a statistics fact in the NRM's own codes (Fact).
//
// "Human Trafficking Case Data Standard (HTCDS) by IOM", v2.0, CC BY 4.0. IOM does not
// endorse this software.
//
// What the standard cannot carry, and what this package does about it:
//   - There is no case identifier field. The pseudonymous register code is not exported:
//     any key outside the standard would make the record invalid, and a stable code would
//     let the receiver link exports over time, which statistics do not need.
//   - There is no age band or minor flag, only vic_AgeWhenTrafficked (a number). It is
//     given for adults only (the age the record holds, the nearest it has to the age when
//     trafficked); a child, or a person treated as one, gets no age at all, since a number
//     is more precise than the band. Read back, a child's age is therefore unknown.
//   - There is no year or month field, only cas_IncomingReferralDate (a full date). An
//     adult's is the day of first contact; a child's is truncated to 1 January of the
//     year. Fact reads a date on 1 January as "that year, month not known" (the usual
//     placeholder for an unknown day and month).
//   - The identification status has three values: an undecided record (referred, at
//     risk) exports none, and reads back as referred.
//   - Who referred goes in org_Type (the type of the referring organisation), a field the
//     template does not have: it is written in a column after the template's own.
//   - Nationality stays ISO 3166 alpha-3, as the record holds it (the standard takes
//     alpha-3, two-letter codes optional).
//   - Where it happened: the standard's one record per person has no field for the scope
//     (within the country, across borders) or the places of recruitment and exploitation
//     (vic_LocationOfRecruitment and vic_LocationOfExploitation look up organisations;
//     countries belong to separate trafficking-event records, hte_). The kind of online
//     platform goes to vic_MethodOfRecruitment where the standard has a value for it: a
//     social network, messaging, dating or gaming platform is ThroughOnlineSocialNetworks,
//     an online advertisement ThroughAnOnlineAdvertisement; adult sites and other
//     platforms have none and are not written.
package htcds

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/stats"
)

// Field names used (exactly as in the HTCDS v2.0 catalogue).
const (
	FStatus       = "vic_TraffickingStatus"
	FGender       = "prs_Gender"
	FCitizenship  = "prs_Citizenship"
	FExploitation = "vic_TypeOfExploitation"
	FReferralDate = "cas_IncomingReferralDate"
	FAge          = "vic_AgeWhenTrafficked"
	FOrgType      = "org_Type"
	FRecruitment  = "vic_MethodOfRecruitment"
)

// Extra is what a record needs that nrm.Person does not carry.
type Extra struct {
	// By is who referred the person: an nrm.OrgType, nrm.ReferrerMIU or
	// nrm.ReferrerOutside ("" when not known).
	By string
	// Platform is the kind of online platform of the first referral (nrm.OnlinePlatforms).
	Platform string
}

// platformMap: kinds of online platform → HTCDS vic_MethodOfRecruitment.
var platformMap = map[string]string{
	"social_network": "ThroughOnlineSocialNetworks",
	"messaging":      "ThroughOnlineSocialNetworks",
	"dating":         "ThroughOnlineSocialNetworks",
	"gaming":         "ThroughOnlineSocialNetworks",
	"online_ad":      "ThroughAnOnlineAdvertisement",
}

// platformBack reads vic_MethodOfRecruitment's online values.
var platformBack = map[string]string{
	"ThroughOnlineSocialNetworks":  "social_network",
	"ThroughAnOnlineAdvertisement": "online_ad",
}

// statusMap: NRM status → HTCDS vic_TraffickingStatus. Referred and at-risk records are
// not decided either way and export no status.
var statusMap = map[nrm.Status]string{
	nrm.StatusPotentialVictim: "PossibleVictimOfTrafficking",
	nrm.StatusIdentified:      "ActualVictimOfTrafficking",
	nrm.StatusNotIdentified:   "NotAVictimOfTrafficking",
}

// sexMap: nrm.Sexes → HTCDS prs_Gender.
var sexMap = map[string]string{
	"female":  "Feminine",
	"male":    "Masculine",
	"other":   "NonConforming",
	"unknown": "NonSpecifiedUnknown",
}

// sexBack reads prs_Gender: the transgender values count as "other" in the NRM's list.
var sexBack = map[string]string{
	"Feminine":             "female",
	"Masculine":            "male",
	"TransgenderFeminine":  "other",
	"TransgenderMasculine": "other",
	"NonConforming":        "other",
	"NonSpecifiedUnknown":  "unknown",
}

// formMap: NRM forms of exploitation → HTCDS vic_TypeOfExploitation. Forced criminality
// has no value of its own in the standard and goes to Other; the cross-cutting indicator
// groups (general, child, gender, control, vulnerability) are not forms of exploitation.
var formMap = map[rules.Form]string{
	rules.FormSexual:            "SexualExploitation",
	rules.FormLabour:            "ForcedLabour",
	rules.FormDomesticServitude: "Servitude",
	rules.FormBegging:           "ForcedBegging",
	rules.FormForcedCriminality: "Other",
	rules.FormForcedMarriage:    "ForcedMarriage",
	rules.FormOrganRemoval:      "OrganRemoval",
}

// formBack reads vic_TypeOfExploitation. Child labour counts as labour exploitation;
// Other as forced criminality (the only NRM form the standard lacks); the values with no
// NRM form (ForcedMilitaryByNonStateActors, ForcedAdoption, Surrogacy) are kept as the
// standard spells them, so they show rather than vanish.
var formBack = map[string]string{
	"SexualExploitation": string(rules.FormSexual),
	"ForcedLabour":       string(rules.FormLabour),
	"ChildLabour":        string(rules.FormLabour),
	"Servitude":          string(rules.FormDomesticServitude),
	"ForcedBegging":      string(rules.FormBegging),
	"Other":              string(rules.FormForcedCriminality),
	"ForcedMarriage":     string(rules.FormForcedMarriage),
	"OrganRemoval":       string(rules.FormOrganRemoval),
}

// byMap: who referred → HTCDS org_Type. A mobile identification unit (NGO social
// workers with the police) is written as NGO; someone outside the NRM has no type.
var byMap = map[string]string{
	string(nrm.OrgPolice):               "LawEnforcement",
	string(nrm.OrgBorderPolice):         "ImmigrationService",
	string(nrm.OrgSocialService):        "LocalGovernmentOrganisation",
	string(nrm.OrgChildProtection):      "LocalGovernmentOrganisation",
	string(nrm.OrgLabourInspectorate):   "CentralGovernmentOrganisation",
	string(nrm.OrgProsecution):          "LawEnforcement",
	string(nrm.OrgCourt):                "LegalService",
	string(nrm.OrgHealth):               "HealthServiceOrganisation",
	string(nrm.OrgLegalAid):             "LegalService",
	string(nrm.OrgNGOShelter):           "NGO",
	string(nrm.OrgResponsibleAuthority): "CentralGovernmentOrganisation",
	string(nrm.OrgSecretariat):          "CentralGovernmentOrganisation",
	string(nrm.OrgMinistry):             "CentralGovernmentOrganisation",
	string(nrm.OrgInternational):        "NGO",
	string(nrm.OrgConsular):             "CentralGovernmentOrganisation",
	string(nrm.OrgCustoms):              "LawEnforcement",
	string(nrm.OrgPortAuthority):        "CentralGovernmentOrganisation",
	string(nrm.OrgDetention):            "CentralGovernmentOrganisation",
	string(nrm.OrgEducation):            "SchoolOrCollege",
	nrm.ReferrerMIU:                     "NGO",
}

// byBack reads org_Type into the NRM's referrer codes: each HTCDS type becomes its most
// common NRM member; businesses are outside the NRM.
var byBack = map[string]string{
	"LawEnforcement":                string(nrm.OrgPolice),
	"ImmigrationService":            string(nrm.OrgBorderPolice),
	"LocalGovernmentOrganisation":   string(nrm.OrgSocialService),
	"CentralGovernmentOrganisation": string(nrm.OrgResponsibleAuthority),
	"LegalService":                  string(nrm.OrgLegalAid),
	"HealthServiceOrganisation":     string(nrm.OrgHealth),
	"NGO":                           string(nrm.OrgNGOShelter),
	"CorporateBusiness":             nrm.ReferrerOutside,
	"SchoolOrCollege":               string(nrm.OrgEducation),
}

// Record maps one person's record to HTCDS v2.0 fields, identity stripped: no name,
// birth date, document, phone, address, account or register code ever leaves, and a
// child's record says no more than the year of first contact. Fields with nothing to say
// are left out. Every value is one the standard allows (stats.ValidateHTCDS passes).
func Record(p nrm.Person, extra Extra) map[string]string {
	rec := map[string]string{}
	if v := statusMap[p.Status]; v != "" {
		rec[FStatus] = v
	}
	if v := sexMap[p.Sex]; v != "" {
		rec[FGender] = v
	}
	var nats []string
	for _, n := range append([]string{p.Nationality}, p.Nationalities...) {
		if country(n) && !slices.Contains(nats, n) {
			nats = append(nats, n)
		}
	}
	if len(nats) > 0 {
		rec[FCitizenship] = strings.Join(nats, stats.HTCDSMultiSeparator)
	}
	if forms := exploitation(p.Forms); forms != "" {
		rec[FExploitation] = forms
	}
	child := p.IsChild() || p.AgeYears >= 0 && p.AgeYears < 18
	at := p.FirstContactAt
	if at.IsZero() {
		at = p.CreatedAt
	}
	if !at.IsZero() {
		if child {
			rec[FReferralDate] = strconv.Itoa(at.Year()) + "-01-01"
		} else {
			rec[FReferralDate] = at.Format(time.DateOnly)
		}
	}
	if !child && p.AgeYears >= 18 && p.AgeYears < 130 {
		rec[FAge] = strconv.Itoa(p.AgeYears)
	}
	if v := byMap[extra.By]; v != "" {
		rec[FOrgType] = v
	}
	if v := platformMap[extra.Platform]; v != "" {
		rec[FRecruitment] = v
	}
	return rec
}

// exploitation writes the forms as a multi-select value, in the standard's order.
func exploitation(forms []string) string {
	want := map[string]bool{}
	for _, f := range forms {
		if v := formMap[rules.Form(f)]; v != "" {
			want[v] = true
		}
	}
	field, _ := stats.HTCDS().Field(FExploitation)
	var out []string
	for _, v := range field.Values {
		if want[v] {
			out = append(out, v)
		}
	}
	return strings.Join(out, stats.HTCDSMultiSeparator)
}

// country reports whether c is an ISO 3166 code as the record keeps it (upper-case
// letters, two or three).
func country(c string) bool {
	if len(c) < 2 || len(c) > 3 {
		return false
	}
	return strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// Fact turns an imported record (row: its row number in the sheet) into a statistics
// fact in the NRM's own codes — the inverse of Record's mapping — so the dashboard labels
// it as it labels the register. The period is the month of cas_IncomingReferralDate, or
// the whole year when the date is 1 January (see the package note); a record without a
// date has no period. An imported record carries no durations (-1) and no region.
func Fact(row int, rec map[string]string) stats.Fact {
	f := stats.Fact{Key: strconv.Itoa(row), Counted: true, DaysToPot: -1, DaysToDecide: -1}
	if t, err := time.Parse(time.DateOnly, rec[FReferralDate]); err == nil {
		if t.Month() == time.January && t.Day() == 1 {
			f.From, f.To = stats.MonthOf(t.Year(), 1), stats.MonthOf(t.Year(), 12)
		} else {
			f.From = stats.MonthOf(t.Year(), int(t.Month()))
			f.To = f.From
		}
	}
	f.Status = string(nrm.StatusReferred)
	for s, v := range statusMap {
		if rec[FStatus] == v {
			f.Status = string(s)
		}
	}
	for _, v := range split(rec[FExploitation]) {
		code, ok := formBack[v]
		if !ok {
			code = v
		}
		if !slices.Contains(f.Forms, code) {
			f.Forms = append(f.Forms, code)
		}
	}
	f.By = byBack[rec[FOrgType]]
	for _, v := range split(rec[FRecruitment]) {
		if p := platformBack[v]; p != "" && f.Platform == "" {
			f.Platform, f.Scope = p, []string{nrm.ScopeOnline}
		}
	}
	if nats := split(rec[FCitizenship]); len(nats) > 0 {
		f.Nationality = nats[0]
	}
	f.Sex = sexBack[rec[FGender]]
	years := -1
	if n, err := strconv.ParseFloat(rec[FAge], 64); err == nil && n >= 0 {
		years = int(n)
	}
	f.Age = stats.AgeBand(years, false, false)
	return f
}

// split reads a multi-select value.
func split(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, stats.HTCDSMultiSeparator)
}
