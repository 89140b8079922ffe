// Package shareddata finds the reference data the tests read from the
// `shared` checkout beside the repository (../shared/data: the CTDC
// dataset, the official HTCDS template). The data is part of the tests:
// missing it is a failure, never a skip.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns shared/<rel> from the first directory above the working
// directory that holds it (so it works from any package and from a clone
// in /tmp/cc/main beside /tmp/cc/shared), or fails the test.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatalf("shared/%s not found above the working directory: check out `shared` beside the repository", rel)
		}
		dir = up
	}
}
