package stats

import (
	"strconv"
	"strings"
)

// Codes the CTDC import writes into a Fact. They are the NRM's own codes (nrm.Sexes,
// nrm.StatusIdentified, rules.FormLabour and rules.FormSexual), written out here because
// stats does not import the root package or rules.
const (
	ctdcSexFemale  = "female"
	ctdcSexMale    = "male"
	ctdcSexOther   = "other"
	ctdcSexUnknown = "unknown"
	// CTDCStatus is the status of every CTDC row: the dataset is built from IOM case
	// records of victims of trafficking (README: "Each row is one synthetic victim"), so
	// each is an identified victim — identified by IOM's casework, which is not necessarily
	// a national formal identification.
	CTDCStatus     = "identified_victim"
	ctdcFormLabour = "labour"
	ctdcFormSexual = "sexual"
	ctdcMinor      = "Minor"
	ctdcAdult      = "Adult"
	ctdcFemale     = "Female"
	ctdcMale       = "Male"
)

// CTDCFact turns row (1 for the first data row) of the CTDC dataset into the statistics'
// fact of one (synthetic) person:
//
//   - the period is the year band (YearRegister "2014-2018" is January 2014 to December
//     2018, "2019" the year 2019); a missing or unreadable band leaves From = To = 0;
//   - Sex: Female → female, Male → male, missing → unknown (any other value → other);
//   - Age: Minor → AgeChildUnknown (a child, exact age unknown), Adult → AgeAdult,
//     missing → AgeUnknown;
//   - Forms: isForcedLabour → labour, isSexualExploit → sexual (both when both);
//   - Status: CTDCStatus; every row counts (Counted), no durations are known (-1);
//   - Region, Nationality and By stay empty: CTDC has UN regions of origin and of
//     exploitation only, neither an NRM region nor a citizenship, and no referrer;
//   - PerpSex from IP_Gender (Female/Male → female/male), PerpAge from IP_ageBroad with
//     CTDC's "--" written "-" ("0--29" → "0-29", "48+" unchanged).
func CTDCFact(row int, r CTDCRecord) Fact {
	f := Fact{
		Key:          strconv.Itoa(row),
		Counted:      true,
		Status:       CTDCStatus,
		Sex:          ctdcSex(r.Gender),
		DaysToPot:    -1,
		DaysToDecide: -1,
	}
	f.From, f.To = ctdcYears(r.YearRegister)
	switch r.MajorityStatus {
	case ctdcMinor:
		f.Age = AgeChildUnknown
	case ctdcAdult:
		f.Age = AgeAdult
	default:
		f.Age = AgeUnknown
	}
	if r.IsForcedLabour {
		f.Forms = append(f.Forms, ctdcFormLabour)
	}
	if r.IsSexualExploit {
		f.Forms = append(f.Forms, ctdcFormSexual)
	}
	for _, g := range r.PerpGender {
		f.PerpSex = append(f.PerpSex, ctdcSex(g))
	}
	for _, a := range r.PerpAgeBroad {
		f.PerpAge = append(f.PerpAge, strings.ReplaceAll(a, "--", "-"))
	}
	return f
}

func ctdcSex(g string) string {
	switch g {
	case ctdcFemale:
		return ctdcSexFemale
	case ctdcMale:
		return ctdcSexMale
	case Missing:
		return ctdcSexUnknown
	}
	return ctdcSexOther
}

// ctdcYears reads a year band "2019" or "2014-2018" as its first and last month; anything
// else is (0, 0).
func ctdcYears(band string) (Month, Month) {
	a, b, ok := strings.Cut(band, "-")
	if !ok {
		b = a
	}
	y1, err1 := strconv.Atoi(a)
	y2, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || y1 < 1900 || y2 < y1 || y2 > 9999 {
		return 0, 0
	}
	return MonthOf(y1, 1), MonthOf(y2, 12)
}
