// Package shareddata finds the reference data the tests read.
//
// The repository carries what its default tests need, under testdata/ at
// the module root: IOM's HTCDS v2.0 reference files (CC BY 4.0, with their
// attribution in testdata/htcds/README.md) and a CTDC fixture made here
// (testdata/ctdc, written by WriteCTDCFixture), so `go test ./...` passes
// on a machine with only Go.
//
// The real CTDC dataset may not be redistributed (not verified), so it stays
// in the `shared` checkout beside the repository (../shared/data/ctdc/).
// Tests run on it too whenever it is there. Where it is missing they run on
// the fixture only and say so (skipnote); with NRM_REQUIRE_SHARED=1, as in
// CI, missing it fails the test.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// RealCTDC is the real dataset's path inside the `shared` checkout.
const RealCTDC = "data/ctdc/CTDC_VPsynthetic_condensed.csv"

// Root is the module root: the first directory at or above the working
// directory that holds go.mod (go test runs each package in its directory).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = up
	}
}

// Repo returns testdata/<rel> of the repository, or fails the test: the
// repository's own test data is never optional.
func Repo(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "testdata", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the repository's test data is missing: %v", err)
	}
	return p
}

// HTCDS returns an HTCDS v2.0 reference file of the repository's test data
// (testdata/htcds/<name>).
func HTCDS(t testing.TB, name string) string {
	t.Helper()
	return Repo(t, "htcds/"+name)
}

// Shared returns shared/<rel> from the first directory above the module
// root that holds it (../shared beside a checkout, or beside the directory
// of worktrees), or "" when there is none.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	dir := Root(t)
	for {
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
		p := filepath.Join(dir, "shared", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("shared/%s: %v", rel, err)
		}
	}
}

// CTDCFile is a CTDC condensed CSV and what is known of it without reading
// it: the number of data rows and, per column, rows per value ("" is
// missing). The counts are complete for the fixture (its generator's
// quotas) and, for the real file, the figures of its README.
type CTDCFile struct {
	Name   string // "fixture" or "real"
	Path   string
	Rows   int
	Counts map[string]map[string]int
}

// CTDC returns the CTDC files to test against: the repository's fixture
// always, and the real dataset when it is beside the checkout. Missing it
// is a failure under NRM_REQUIRE_SHARED=1, else a printed note.
func CTDC(t testing.TB) []CTDCFile {
	t.Helper()
	files := []CTDCFile{{Name: "fixture", Path: Repo(t, CTDCFixturePath), Rows: fixtureRows, Counts: fixtureCounts()}}
	if p := SharedOrNote(t, RealCTDC, "ran on the repository's fixture only"); p != "" {
		files = append(files, CTDCFile{Name: "real", Path: p, Rows: realRows, Counts: realCounts})
	}
	return files
}

// SharedOrNote returns Shared(rel); when it is missing the test fails under
// NRM_REQUIRE_SHARED=1, else it records a note saying what ran instead and
// returns "".
func SharedOrNote(t testing.TB, rel, instead string) string {
	t.Helper()
	if p := Shared(t, rel); p != "" {
		return p
	}
	if os.Getenv("NRM_REQUIRE_SHARED") == "1" {
		t.Fatalf("NRM_REQUIRE_SHARED=1 but shared/%s is not beside the checkout", rel)
	}
	skipnote.Partial(t, "../shared/"+rel+" is not beside the checkout: "+instead+" (NRM_REQUIRE_SHARED=1 makes this a failure)")
	return ""
}

// realRows and realCounts are the real dataset's figures as its README
// (../shared/data/ctdc/README.md) records them.
const realRows = 21195

var realCounts = map[string]map[string]int{
	"yearRegister":   {"2005-2013": 2531, "2014-2018": 6274, "2019": 2398, "2020": 2002, "2021-2022": 4335, "": 3655},
	"gender":         {"Female": 9589, "Male": 7995, "": 3611},
	"majorityStatus": {"Adult": 16379, "Minor": 1212, "": 3604},
	"isForcedLabour": {"1": 12248}, "isSexualExploit": {"1": 2775},
	"UN_COO_Region":         {"Asia": 6139, "Europe": 5887, "Africa": 5282, "Americas/Oceania": 277, "": 3610},
	"UN_COE_Region":         {"Europe": 6432, "Asia": 6281, "Africa": 4271, "Americas/Oceania": 212, "": 3999},
	"IP_Exploiter":          {"1": 9458},
	"IP_Gender":             {"Male": 9820, "Female": 3515, "Female;Male": 2452, "": 5408},
	"IP_ageBroad":           {"": 17993},
	"IP_Relation":           {"StrangerUnknownOther": 8321, "FriendAcquaintance": 4617, "FamilyIntimatePartner": 967, "": 6623},
	"IP_PayMoney":           {"No": 11075, "Yes": 3136, "No;Yes": 944, "": 6040},
	"IP_RecruiterBroker":    {"1": 11865},
	"IP_TransactionProcess": {"1": 7344},
	"IP_ControlAbuseKidnap": {"1": 2078},
}
