package web

import (
	"strings"
	"time"

	"github.com/nrm-org/nrm"
)

// disclosureGroup is one line of the person's disclosure log: the same
// organisation doing the same thing to the same parts on one day, however
// many times, with each entry of the audit one tap away. The entries of all
// the groups are exactly the entries of the log.
type disclosureGroup struct {
	Day, Org, Role, What, Count string
	Glass                       bool
	Entries                     []disclosureRow
}

// groupDisclosures folds the log into its lines, in the order each line
// first happened. Days are the jurisdiction's.
func (s *Server) groupDisclosures(lang string, log []nrm.Disclosure) []disclosureGroup {
	var out []disclosureGroup
	at := map[string]int{}
	for _, d := range log {
		row := s.disclosureRow(lang, d)
		day := d.At.In(s.loc).Format(time.DateOnly)
		key := strings.Join([]string{day, d.OrgID, d.OrgName, string(d.Role), d.Action, row.Parts, map[bool]string{true: "!"}[d.Glass]}, "\x00")
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			what := row.What
			if row.Parts != "" {
				what += " " + s.cat.T(lang, "ownfile.log.parts", row.Parts)
			}
			out = append(out, disclosureGroup{Day: s.dayWords(lang, d.At), Org: d.OrgName, Role: row.Role, What: what, Glass: d.Glass})
		}
		out[i].Entries = append(out[i].Entries, row)
	}
	for i := range out {
		if n := len(out[i].Entries); n == 1 {
			out[i].Count = s.cat.T(lang, "words.disclosure.once", out[i].Day)
		} else {
			out[i].Count = s.cat.T(lang, "words.disclosure.times", n, out[i].Day)
		}
	}
	return out
}

// disclosureRow is one audit entry of the log in plain words.
func (s *Server) disclosureRow(lang string, d nrm.Disclosure) disclosureRow {
	row := disclosureRow{When: s.when(d.At), Org: d.OrgName, Role: s.label(lang, "role", string(d.Role)), What: s.disclosureWhat(lang, d.Action)}
	var parts []string
	for _, p := range d.Parts {
		parts = append(parts, s.cat.T(lang, "ownfile.part."+string(p)))
	}
	row.Parts = strings.Join(parts, ", ")
	if d.Glass {
		row.What += " " + s.cat.T(lang, "ownfile.log.emergency")
	}
	return row
}

// dayMonths are the month names of the catalogue, January first.
var dayMonths = [12]string{
	"ownfile.month.jan", "ownfile.month.feb", "ownfile.month.mar", "ownfile.month.apr",
	"ownfile.month.may", "ownfile.month.jun", "ownfile.month.jul", "ownfile.month.aug",
	"ownfile.month.sep", "ownfile.month.oct", "ownfile.month.nov", "ownfile.month.dec",
}

// dayWords writes a day in words in the jurisdiction's zone ("6 dhjetor 2026").
func (s *Server) dayWords(lang string, t time.Time) string {
	t = t.In(s.loc)
	return s.cat.T(lang, "ownfile.format.date", t.Day(), s.cat.T(lang, dayMonths[t.Month()-1]), t.Year())
}
