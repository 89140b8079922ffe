package shareddata

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }

// The repository's HTCDS files are the ones SHA256SUMS names, unchanged;
// and, when the shared reference data is beside the checkout, the same bytes.
func TestHTCDSCopiesAreTheReference(t *testing.T) {
	dir := filepath.Dir(HTCDS(t, "SHA256SUMS"))
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	shared := SharedOrNote(t, "data/htcds", "the HTCDS copies were checked against SHA256SUMS only")
	var listed []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		listed = append(listed, name)
		b, err := os.ReadFile(filepath.Join(dir, name)) // #nosec G304 -- a name from the repository's own SHA256SUMS
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s changed: sha256 %x, SHA256SUMS %s", name, got, want)
		}
		if shared != "" {
			if ref, err := os.ReadFile(filepath.Join(shared, name)); err != nil || !bytes.Equal(ref, b) { // #nosec G304 -- the shared reference copy
				t.Errorf("testdata/htcds/%s differs from %s (%v)", name, shared, err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "SHA256SUMS" && n != "NOTICE" && !slices.Contains(listed, n) {
			t.Errorf("testdata/htcds/%s is not in SHA256SUMS", n)
		}
	}
}

// The fixture in the repository is exactly what the generator writes, and
// its columns hold the quotas: counted here by splitting lines and commas
// (the fixture has no quoting), not by the statistics reader.
func TestCTDCFixtureIsGenerated(t *testing.T) {
	want, err := CTDCFixture()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(Repo(t, CTDCFixturePath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("testdata/" + CTDCFixturePath + " is not the generator's output: run go run ./internal/shareddata/ctdcfixture")
	}
	if again, _ := CTDCFixture(); !bytes.Equal(again, want) {
		t.Fatal("the generator is not deterministic")
	}
	lines := strings.Split(string(got), "\n")
	header := strings.Split(lines[0], ",")
	if len(lines)-1 != fixtureRows || strings.HasSuffix(string(got), "\n") || bytes.ContainsAny(got, "\"\r") {
		t.Fatalf("%d rows (want %d), trailing newline or quotes", len(lines)-1, fixtureRows)
	}
	counts := map[string]map[string]int{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != len(header) {
			t.Fatalf("row %q has %d fields", l, len(f))
		}
		for i, v := range f {
			if counts[header[i]] == nil {
				counts[header[i]] = map[string]int{}
			}
			counts[header[i]][v]++
		}
	}
	for col, quota := range fixtureCounts() {
		for v, n := range quota {
			if counts[col][v] != n {
				t.Errorf("%s=%q: %d rows, quota %d", col, v, counts[col][v], n)
			}
		}
		if len(counts[col]) != len(quota) {
			t.Errorf("%s: values %v, quota %v", col, counts[col], quota)
		}
	}
	if len(counts) != len(fixtureColumns) {
		t.Errorf("columns %v", header)
	}
}
