package stats

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// CTDCExportColumns are the columns of WriteCTDCAggregate's CSV, in order.
var CTDCExportColumns = []string{
	"yearRegister", "gender", "majorityStatus", "isForcedLabour", "isSexualExploit", "count", "suppressed",
}

// WriteCTDCAggregate writes the report r as a CTDC-compatible aggregate: a CSV in long
// form, one row per group of persons, with the group described in CTDC's own variable
// names and values and its number of persons in `count`.
//
// "CTDC-compatible" means here: CTDC publishes counts of victims as aggregates in this long
// form (variables as columns, one count per combination), with small cells suppressed; the
// columns use the names of CTDC's datasets (yearRegister, gender, majorityStatus,
// isForcedLabour, isSexualExploit) and the values are CTDC's (Female/Male, Adult/Minor, "1"
// for a flag), so the file can be put beside CTDC's figures or merged into them. It is not
// the row-level synthetic dataset, and it carries no person.
//
// The rows:
//
//   - the total of persons (every breakdown column empty);
//   - gender × majorityStatus, from the "sex_age" table figure (its rows are sex codes, its
//     columns AgeBands values): female → Female, male → Male, other → Other, unknown →
//     Unknown; children's bands → Minor, adults' bands (and AgeAdult) → Adult, AgeUnknown →
//     Unknown. Several NRM cells fall into one CTDC cell: their published counts are added,
//     and the CTDC cell is withheld when any of them is withheld;
//   - isForcedLabour = 1 and isSexualExploit = 1, from the "form" list figure (labour and
//     sexual). The flags overlap, like CTDC's: a person may count under both. The NRM's other
//     forms have no column in CTDC's condensed dataset and are not written.
//
// An empty breakdown column means the row is not broken down by that variable (all its
// values together); a value not recorded is written "Unknown". yearRegister is the period
// of the report's filter: "2019" or "2014-2018" for whole years, as CTDC writes its bands,
// otherwise an ISO 8601 interval of months ("2019-03/2019-08", ".." for an open end), and
// empty when the report covers all time. A withheld count is written empty with suppressed
// = 1; the Report holds no withheld number, so none can leak here.
func WriteCTDCAggregate(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	year := ctdcPeriod(r.Filter.From, r.Filter.To)
	row := func(gender, majority, labour, sexual string, c Cell) error {
		n, sup := "", "1"
		if !c.Suppressed {
			n, sup = strconv.Itoa(c.Count), "0"
		}
		return cw.Write([]string{year, gender, majority, labour, sexual, n, sup})
	}
	if err := cw.Write(CTDCExportColumns); err != nil {
		return err
	}
	if err := row("", "", "", "", r.Persons); err != nil {
		return err
	}
	for _, f := range r.Figures {
		switch {
		case f.ID == DimSexAge && f.Table != nil:
			for _, g := range ctdcGenderAge(f.Table) {
				if err := row(g.gender, g.majority, "", "", g.cell); err != nil {
					return err
				}
			}
		case f.ID == DimForm && f.List != nil:
			for i, form := range f.List.Labels {
				var err error
				switch form {
				case ctdcFormLabour:
					err = row("", "", "1", "", f.List.Cells[i])
				case ctdcFormSexual:
					err = row("", "", "", "1", f.List.Cells[i])
				}
				if err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

type ctdcGroup struct {
	gender, majority string
	cell             Cell
}

// ctdcGenderAge folds the NRM sex × age-band table into CTDC's gender × majorityStatus
// cells, in the order genders (Female, Male, Other, Unknown) then Minor, Adult, Unknown.
func ctdcGenderAge(p *Published) []ctdcGroup {
	genders := []string{ctdcFemale, ctdcMale, "Other", "Unknown"}
	majorities := []string{ctdcMinor, ctdcAdult, "Unknown"}
	type key struct{ g, m string }
	sum, parts := map[key]Cell{}, map[key]int{}
	for i, sex := range p.Rows {
		for j, band := range p.Cols {
			k, c := key{ctdcGenderOf(sex), ctdcMajorityOf(band)}, p.Cells[i][j]
			parts[k]++
			switch in := sum[k]; {
			case parts[k] == 1:
				sum[k] = c // a single NRM cell keeps its reason for being withheld
			case in.Suppressed || c.Suppressed:
				sum[k] = Cell{Suppressed: true, Why: Secondary}
			default:
				sum[k] = Cell{Count: in.Count + c.Count}
			}
		}
	}
	var out []ctdcGroup
	for _, g := range genders {
		for _, m := range majorities {
			if k := (key{g, m}); parts[k] > 0 {
				out = append(out, ctdcGroup{g, m, sum[k]})
			}
		}
	}
	return out
}

func ctdcGenderOf(sex string) string {
	switch sex {
	case ctdcSexFemale:
		return ctdcFemale
	case ctdcSexMale:
		return ctdcMale
	case ctdcSexOther:
		return "Other"
	}
	return "Unknown"
}

func ctdcMajorityOf(band string) string {
	switch {
	case IsChildBand(band):
		return ctdcMinor
	case band == AgeUnknown || band == "":
		return "Unknown"
	}
	return ctdcAdult
}

// ctdcPeriod writes the filter's period as CTDC's yearRegister (see WriteCTDCAggregate).
func ctdcPeriod(from, to Month) string {
	switch {
	case from == 0 && to == 0:
		return ""
	case from == 0:
		return "../" + to.String()
	case to == 0:
		return from.String() + "/.."
	}
	if from.Num() <= 1 && (to.Num() == 12 || to.Num() == 0) {
		if from.Year() == to.Year() {
			return strconv.Itoa(from.Year())
		}
		return fmt.Sprintf("%d-%d", from.Year(), to.Year())
	}
	return from.String() + "/" + to.String()
}
