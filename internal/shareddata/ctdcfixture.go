package shareddata

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CTDCFixturePath is the fixture inside testdata/.
const CTDCFixturePath = "ctdc/ctdc_condensed_fixture.csv"

// The fixture is written here, not copied: 500 made-up rows in the layout of
// CTDC's condensed Victim-Perpetrator file (the same 16 columns in the same
// order, the same values, `;` joining several perpetrators' values, 1 or
// empty for a flag, empty for missing, a header line and no newline after
// the last row). Each column holds exactly the rows its quota below gives
// each value, dealt to the rows in an order drawn from a fixed seed, so the
// file is the same on every run and the counts the tests compare against
// are these quotas, not anything read back from the file.
const fixtureRows = 500

// fixtureColumns are the columns in file order with their quotas (value →
// rows; each sums to fixtureRows). The values are those the real file uses.
var fixtureColumns = []struct {
	name  string
	quota map[string]int
}{
	{"yearRegister", map[string]int{"2005-2013": 60, "2014-2018": 150, "2019": 55, "2020": 45, "2021-2022": 105, "": 85}},
	{"gender", map[string]int{"Female": 230, "Male": 185, "": 85}},
	{"majorityStatus", map[string]int{"Adult": 380, "Minor": 40, "": 80}},
	{"isForcedLabour", map[string]int{"1": 290, "": 210}},
	{"isSexualExploit", map[string]int{"1": 70, "": 430}},
	{"UN_COO_Region", map[string]int{"Asia": 140, "Europe": 135, "Africa": 125, "Americas/Oceania": 15, "": 85}},
	{"UN_COE_Region", map[string]int{"Europe": 150, "Asia": 140, "Africa": 100, "Americas/Oceania": 10, "": 100}},
	{"IP_Exploiter", map[string]int{"1": 220, "": 280}},
	{"IP_Gender", map[string]int{"Male": 230, "Female": 80, "Female;Male": 60, "": 130}},
	{"IP_ageBroad", map[string]int{"0--29": 40, "30--38": 25, "39--47": 15, "48+": 10, "0--29;30--38": 10, "": 400}},
	{"IP_citizen_UNRegion", map[string]int{"Europe": 130, "Asia": 120, "Africa": 90, "Americas/Oceania": 10, "Asia;Europe": 20, "": 130}},
	{"IP_Relation", map[string]int{"StrangerUnknownOther": 190, "FriendAcquaintance": 110, "FamilyIntimatePartner": 25, "FriendAcquaintance;StrangerUnknownOther": 15, "": 160}},
	{"IP_PayMoney", map[string]int{"No": 260, "Yes": 75, "No;Yes": 20, "": 145}},
	{"IP_RecruiterBroker", map[string]int{"1": 275, "": 225}},
	{"IP_TransactionProcess", map[string]int{"1": 170, "": 330}},
	{"IP_ControlAbuseKidnap", map[string]int{"1": 50, "": 450}},
}

// fixtureCounts is a copy of the quotas, by column.
func fixtureCounts() map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range fixtureColumns {
		out[c.name] = maps.Clone(c.quota)
	}
	return out
}

// CTDCFixture returns the fixture's bytes. Each column's values are laid out
// by quota in sorted order, then permuted by a Fisher–Yates shuffle drawn
// from PCG (whose output is fixed by its specification, unlike a library
// shuffle that may change between Go releases), seeded with the column's
// position.
func CTDCFixture() ([]byte, error) {
	cols := make([][]string, len(fixtureColumns))
	header := make([]string, len(fixtureColumns))
	for i, c := range fixtureColumns {
		header[i] = c.name
		vals := make([]string, 0, fixtureRows)
		for _, v := range slices.Sorted(maps.Keys(c.quota)) {
			for range c.quota[v] {
				vals = append(vals, v)
			}
		}
		if len(vals) != fixtureRows {
			return nil, fmt.Errorf("column %s: quotas sum to %d, not %d", c.name, len(vals), fixtureRows)
		}
		r := rand.NewPCG(2022, uint64(i)) // #nosec G404 -- a reproducible fixture, not a secret
		for j := len(vals) - 1; j > 0; j-- {
			k := int(r.Uint64() % uint64(j+1)) // #nosec G115 -- j+1 ≤ fixtureRows
			vals[j], vals[k] = vals[k], vals[j]
		}
		cols[i] = vals
	}
	lines := []string{strings.Join(header, ",")}
	row := make([]string, len(cols))
	for r := range fixtureRows {
		for i := range cols {
			row[i] = cols[i][r]
		}
		lines = append(lines, strings.Join(row, ","))
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// WriteCTDCFixture writes the fixture under root/testdata (run
// `go run ./internal/shareddata/ctdcfixture` at the module root after
// changing a quota; a test checks the file is the generator's output).
func WriteCTDCFixture(root string) error {
	b, err := CTDCFixture()
	if err != nil {
		return err
	}
	p := filepath.Join(root, "testdata", filepath.FromSlash(CTDCFixturePath))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o600)
}
