// Command ctdcfixture writes the repository's CTDC test fixture
// (testdata/ctdc/ctdc_condensed_fixture.csv) from the quotas in
// internal/shareddata. Run it at the module root:
//
//	go run ./internal/shareddata/ctdcfixture
package main

import (
	"fmt"
	"os"

	"github.com/nrm-org/nrm/internal/shareddata"
)

func main() {
	if _, err := os.Stat("go.mod"); err != nil {
		fmt.Fprintln(os.Stderr, "ctdcfixture: run it at the module root")
		os.Exit(2)
	}
	if err := shareddata.WriteCTDCFixture("."); err != nil {
		fmt.Fprintln(os.Stderr, "ctdcfixture:", err)
		os.Exit(1)
	}
}
