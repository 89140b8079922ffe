package skipnote_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }

// goTest runs the go command on a package of testdata, with its output in a
// pipe as when someone runs `go test ./... | less`.
func goTest(t *testing.T, args ...string) (string, error) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on the PATH: %v", err)
	}
	cmd := exec.Command(goBin, append([]string{"test", "-count=1"}, args...)...) // #nosec G204 -- the go command with fixed arguments
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// TestNoteInGoTestOutput runs `go test` on a package that skips, in the
// mode the README's command uses (a list of packages, no -v), where the go
// command throws away a passing package's output: each reason shows once,
// with the package and its tests, before the package's ok line.
func TestNoteInGoTestOutput(t *testing.T) {
	skipnote.Short(t, "runs the go command twice")
	const pkg = "github.com/nrm-org/nrm/internal/skipnote/testdata/skipper"
	want := []string{
		"skip\t" + pkg + "\tthe thing is missing (2 tests: TestA, TestB)\n",
		"skip\t" + pkg + "\thalf of it did not run (1 test: TestC)\n",
	}
	for _, mode := range [][]string{{"./testdata/skipper"}, {"-v", "./testdata/skipper"}} {
		out, err := goTest(t, mode...)
		if err != nil {
			t.Fatalf("go test %v: %v\n%s", mode, err, out)
		}
		for _, w := range want {
			if n := strings.Count(out, w); n != 1 {
				t.Errorf("go test %v: %q printed %d times, want once:\n%s", mode, w, n, out)
			}
		}
		if ok := strings.Index(out, "ok  \t"+pkg); ok < 0 || ok < strings.Index(out, want[1]) {
			t.Errorf("go test %v: the note must come before the package's ok line:\n%s", mode, out)
		}
	}
}

// TestSkipWithoutMainFails: a package that skips without skipnote.Main
// fails and says what to do, since its reason would never be printed.
func TestSkipWithoutMainFails(t *testing.T) {
	skipnote.Short(t, "runs the go command")
	out, err := goTest(t, "./testdata/nomain")
	if err == nil || !strings.Contains(out, "TestMain must call skipnote.Main") {
		t.Fatalf("a skip without skipnote.Main must fail the test: %v\n%s", err, out)
	}
}
