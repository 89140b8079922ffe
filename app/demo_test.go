package app_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/app"
)

// TestDemoRefusesABusyPortBeforeSeeding: `nrm demo` on a port in use stops
// at once, naming the address and the --addr flag, and leaves nothing behind
// (no temporary directory: nothing was migrated or seeded).
func TestDemoRefusesABusyPortBeforeSeeding(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("NRM_DATA_DIR", "")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), []string{"demo", "--addr", addr}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), addr) || !strings.Contains(errb.String(), "--addr") {
		t.Fatalf("a busy port must stop the demo, naming %s and --addr: exit %d, %q", addr, code, errb.String())
	}
	if strings.Contains(out.String(), "USERNAME") {
		t.Fatalf("no logins before the port is ours:\n%s", out.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the refused demo left %v in the temporary directory", left)
	}
}

// TestDemoRemovesItsDataAtExit: the demo's own temporary data directory is
// printed with what happens to it, holds the database while the demo runs,
// and is gone once the demo stops on its context (which `nrm`'s main cancels
// on SIGINT and SIGTERM).
func TestDemoRemovesItsDataAtExit(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("NRM_DATA_DIR", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := app.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, pw, &errb)
		pw.Close()
		done <- code
	}()
	var dir string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data directory: "); ok {
			if !strings.HasSuffix(d, " (removed when the demo stops; --data DIR keeps it)") {
				t.Errorf("the data directory line must say it is removed: %q", d)
			}
			dir, _, _ = strings.Cut(d, " (")
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if dir == "" {
		cancel()
		t.Fatalf("no data directory printed (exit %d): %s", <-done, errb.String())
	}
	if filepath.Dir(dir) != tmp {
		t.Errorf("data directory %s is not under TMPDIR %s", dir, tmp)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) == 0 {
		t.Fatalf("the running demo's data directory %s: %v %v", dir, entries, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("demo exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the demo's data directory %s is still there after it stopped: %v", dir, err)
	}
}
