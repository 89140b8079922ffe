// Package nrmproc runs the real nrm binary as a child process for the tests
// that need a real server (the crash loop, the load harness): it builds
// cmd/nrm once, starts `nrm serve` without the NRM_* environment, waits for
// it to listen and answer /readyz, and stops or kills it.
package nrmproc

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles cmd/nrm into the test's temporary directory.
func Build(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test builds the nrm binary and needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "nrm")
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/nrm-org/nrm/cmd/nrm").CombinedOutput() // #nosec G204 -- the go tool building this module
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Server is a running nrm serve process.
type Server struct {
	cmd  *exec.Cmd
	addr chan string
	done chan struct{}
	mu   sync.Mutex
	tail []string // the last lines of its log, for a failure message
}

var servingAddr = regexp.MustCompile(`msg=serving addr=(\S+)`)

// Start runs the binary with args, without the NRM_* environment; the
// process is killed when the test ends if it still runs.
func Start(t testing.TB, bin string, args []string) *Server {
	t.Helper()
	cmd := exec.Command(bin, args...) // #nosec G204 -- the binary just built
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NRM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{cmd: cmd, addr: make(chan string, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.tail = append(s.tail[max(0, len(s.tail)-20):], line)
			s.mu.Unlock()
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				s.addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return s
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// WaitReady waits for the server to listen and answer /readyz; it returns
// the base URL.
func (s *Server) WaitReady(t testing.TB) string {
	t.Helper()
	var addr string
	select {
	case addr = <-s.addr:
	case <-s.done:
		t.Fatalf("nrm serve ended before serving:\n%s", s.Log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("nrm serve did not start in 2 minutes:\n%s", s.Log())
	}
	base := "http://" + addr
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nrm serve not ready: %v\n%s", err, s.Log())
		}
	}
}

// Kill sends SIGKILL and reaps the process.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done // the log pipe closes as the process dies; Wait must come after
	_ = s.cmd.Wait()
}

// Stop asks the server to stop (SIGTERM) and waits for it.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("nrm serve after SIGTERM: %v\n%s", err, s.Log())
	}
}

// Log is the last lines the server logged.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintln(strings.Join(s.tail, "\n"))
}
