// Package skipnote prints, once per package, why tests were skipped (in
// whole or in part), in the normal output of `go test ./...`.
//
// Why a package of its own: with a list of packages and without -v, the go
// command keeps a passing test binary's output (stdout and stderr alike) in
// a buffer and throws it away (cmd/go/internal/test: buf.Reset()), so a
// t.Skip reason or anything TestMain prints is never seen. Main therefore
// writes the package's reasons, after its tests ran, to the go command's
// own standard output when the binary's output would be discarded:
//
//   - with -v or -json, or when the package failed, the go command shows the
//     binary's output: the note goes to the binary's stdout;
//   - when the binary's stdout is the go command's stdout already (`go test`
//     in a package directory): stdout;
//   - otherwise, on Linux, the go command's stdout through
//     /proc/<parent>/fd/1 when it is a terminal, a pipe or a file opened for
//     appending (in one write, so the lines do not mix with others), else
//     its stderr (fd 2) on the same terms, else the controlling terminal
//     (/dev/tty), else nowhere better than stdout.
//
// A file the go command's output was redirected to without appending
// (`go test ./... > log 2>&1`) is never written to from here: the note
// would overwrite what the go command wrote; use >> or a pipe. A result the go command takes from
// its test cache prints no note (the tests did not run); -count=1 runs
// them.
//
// Every package whose tests may skip calls Main from its TestMain; Skip and
// Partial fail a test in a package that does not, so no reason can be lost.
// The package imports nothing of nrm, so any package's tests may use it.
package skipnote

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	mu      sync.Mutex
	running bool
	reasons = map[string][]string{} // reason -> names of the tests it applies to
	order   []string                // reasons in the order first seen
)

// Main runs the package's tests, prints the reasons recorded by Skip and
// Partial once, and returns the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(skipnote.Main(m)) }
func Main(m *testing.M) int {
	mu.Lock()
	running = true
	mu.Unlock()
	code := m.Run()
	if note := Note(); note != "" {
		w, closeW := output(code)
		_, _ = io.WriteString(w, note) // one write: whole lines, never mixed with the go command's
		closeW()
	}
	return code
}

// Skip records why t is skipped and skips it.
func Skip(t testing.TB, reason string) {
	t.Helper()
	record(t, reason)
	t.Skip(reason)
}

// Partial records that part of t did not run, and why (for instance the
// PostgreSQL half of a test that ran on SQLite); t goes on.
func Partial(t testing.TB, reason string) {
	t.Helper()
	record(t, reason)
	t.Log(reason)
}

// Short skips t under -short, saying what it would have done.
func Short(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		Skip(t, "skipped with -short: "+what)
	}
}

func record(t testing.TB, reason string) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !running {
		t.Fatalf("skipnote: this package's TestMain must call skipnote.Main, or the reason %q is never printed", reason)
	}
	if _, ok := reasons[reason]; !ok {
		order = append(order, reason)
	}
	name, _, _ := strings.Cut(t.Name(), "/")
	if !slices.Contains(reasons[reason], name) {
		reasons[reason] = append(reasons[reason], name)
	}
}

// Note is what Main prints: one line per reason, with the package's import
// path and the tests it applies to; "" when nothing was skipped.
func Note() string {
	mu.Lock()
	defer mu.Unlock()
	var b strings.Builder
	pkg := packagePath()
	for _, r := range order {
		tests := reasons[r]
		list := strings.Join(tests[:min(len(tests), 3)], ", ")
		if len(tests) > 3 {
			list += ", …"
		}
		fmt.Fprintf(&b, "skip\t%s\t%s (%d %s: %s)\n", pkg, r, len(tests), plural(len(tests), "test", "tests"), list)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// packagePath is the import path of the package under test: the test
// binary's build path without ".test".
func packagePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	return os.Args[0]
}

// output is where the note will be seen; see the package comment.
func output(code int) (io.Writer, func()) {
	keep := func() {}
	if code != 0 || testing.Verbose() {
		return os.Stdout, keep
	}
	ppid := os.Getppid()
	for fd := 1; fd <= 2; fd++ {
		path := fmt.Sprintf("/proc/%d/fd/%d", ppid, fd)
		pi, err := os.Stat(path)
		if err != nil {
			continue
		}
		if si, err := os.Stdout.Stat(); err == nil && os.SameFile(si, pi) {
			return os.Stdout, keep
		}
		if pi.Mode().IsRegular() && !appending(ppid, fd) {
			continue // writing would overwrite what the go command wrote
		}
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil { // #nosec G304 -- the go command's own output, found by its process id
			return f, func() { f.Close() }
		}
	}
	if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		return f, func() { f.Close() }
	}
	return os.Stdout, keep
}

// appending reports whether the process's file descriptor fd was opened
// with O_APPEND.
func appending(pid, fd int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd)) // #nosec G304 -- a /proc path of our parent
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			var flags int
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%o", &flags); err == nil {
				return flags&syscall.O_APPEND != 0
			}
		}
	}
	return false
}
