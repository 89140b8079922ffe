package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/apiload"
	"github.com/nrm-org/nrm/internal/testenv"
)

// cycles is how many kill -9 cycles to run per engine: a few in the normal
// test run, NRM_CRASH_CYCLES (make crash: 1000) for the long run.
func cycles(t *testing.T) int {
	v := os.Getenv("NRM_CRASH_CYCLES")
	if v == "" {
		return 3
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("NRM_CRASH_CYCLES=%q: want a positive number", v)
	}
	return n
}

// TestCrashLoop starts the real nrm binary, writes through the API with
// concurrent clients, kills the server with SIGKILL at a random moment
// (under load, or while it is still starting), verifies the audit trail of
// the crashed database with `nrm audit verify`, restarts it and reads back
// every write the server acknowledged since the last check (and a sample of
// older ones); at the end every acknowledged write is read back once more.
func TestCrashLoop(t *testing.T) {
	n := cycles(t)
	bin := build(t)
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { crashLoop(t, bin, engine, n) })
	}
}

// build compiles cmd/nrm into the test's temporary directory.
func build(t *testing.T) string {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the crash test builds the nrm binary and needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "nrm")
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/nrm-org/nrm/cmd/nrm").CombinedOutput() // #nosec G204 -- the go tool building this module
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// figures are what a crash loop measured.
type figures struct {
	cycles, startKills, auditRuns, auditBreaks, lost, reread int
}

func crashLoop(t *testing.T, bin, engine string, n int) {
	began := time.Now()
	sc := testenv.Config(t, engine)
	// The organisation, user and token, written through the door before the loop.
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: sc.DataDir, DatabaseURL: sc.URL, Migrate: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	token, err := apiload.Provision(ctx, a.Door)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"--data", sc.DataDir}
	if sc.URL != "" {
		common = append(common, "--database-url", sc.URL)
	}
	serveArgs := append([]string{"serve", "--addr", "127.0.0.1:0", "--checkpoint-interval", "1s"}, common...)
	verifyArgs := append([]string{"audit", "verify"}, common...)

	var l apiload.Ledger
	var f figures
	checked := map[string]int64{} // record id → version last read back
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	for f.cycles < n {
		f.cycles++
		srv := start(t, bin, serveArgs)
		if f.cycles == 2 || rng.IntN(10) == 0 {
			// Killed while starting: opening the database, checking the
			// keys, the first checkpoint and statistics run.
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
			srv.kill(t)
			f.startKills++
		} else {
			c := apiload.NewClient(srv.waitReady(t), token)
			f.reread += reread(t, c, &l, checked, rng, &f, false)
			wctx, stop := context.WithCancel(ctx)
			wait := c.Writers(wctx, 4, &l)
			time.Sleep(time.Duration(20+rng.IntN(1500)) * time.Millisecond)
			srv.kill(t)
			stop()
			wait()
		}
		f.auditRuns++
		if out, err := exec.Command(bin, verifyArgs...).CombinedOutput(); err != nil || !strings.Contains(string(out), "audit trail intact") { // #nosec G204 -- the binary just built
			f.auditBreaks++
			t.Errorf("cycle %d: audit verify after kill -9: %v\n%s", f.cycles, err, out)
		}
		if t.Failed() && f.cycles >= 3 {
			break
		}
		if f.cycles%100 == 0 {
			creates, updates, doubt, _ := l.Counts()
			t.Logf("%s: %d cycles, %d creates and %d updates acknowledged, %d in doubt, %d lost, %d audit breaks, %s",
				engine, f.cycles, creates, updates, doubt, f.lost, f.auditBreaks, time.Since(began).Round(time.Second))
		}
	}
	// The end: every acknowledged write read back, then a clean stop.
	srv := start(t, bin, serveArgs)
	c := apiload.NewClient(srv.waitReady(t), token)
	final := reread(t, c, &l, checked, rng, &f, true)
	srv.stop(t)
	if out, err := exec.Command(bin, verifyArgs...).CombinedOutput(); err != nil { // #nosec G204 -- the binary just built
		f.auditBreaks++
		t.Errorf("audit verify after the last stop: %v\n%s", err, out)
	}
	creates, updates, doubt, rejected := l.Counts()
	if rejected > 0 {
		t.Errorf("the server refused %d writes", rejected)
	}
	if creates == 0 || final != creates {
		t.Errorf("%d records acknowledged, %d read back at the end", creates, final)
	}
	t.Logf("crash loop, %s: %d cycles (%d killed while starting), %d writes acknowledged (%d creates, %d updates), %d in doubt, "+
		"%d lost, %d audit verifications with %d breaks, %d re-reads during the loop and %d at the end, %s",
		engine, f.cycles, f.startKills, creates+updates, creates, updates, doubt, f.lost, f.auditRuns, f.auditBreaks, f.reread, final,
		time.Since(began).Round(time.Second))
}

// reread reads back, through the restarted server, every record written or
// updated since the last check, and 20 older ones at random (all of them
// when all is set). A write acknowledged and not found is lost: the test
// fails. It returns how many records it read.
func reread(t *testing.T, c *apiload.Client, l *apiload.Ledger, checked map[string]int64, rng *rand.Rand, f *figures, all bool) int {
	t.Helper()
	var want, older []apiload.Record
	for _, r := range l.Snapshot() {
		if v, ok := checked[r.ID]; all || !ok || v != r.Version || len(r.Sent) > r.Acked+1 {
			want = append(want, r)
		} else {
			older = append(older, r)
		}
	}
	rng.Shuffle(len(older), func(i, j int) { older[i], older[j] = older[j], older[i] })
	want = append(want, older[:min(20, len(older))]...)
	lost, err := c.Check(context.Background(), want, l)
	if err != nil {
		t.Fatalf("reading back after a restart: %v", err)
	}
	f.lost += len(lost)
	for _, s := range lost[:min(5, len(lost))] {
		t.Errorf("lost after kill -9: %s", s)
	}
	for _, r := range want {
		checked[r.ID] = r.Version
	}
	return len(want)
}

// server is a running nrm serve process.
type server struct {
	cmd  *exec.Cmd
	addr chan string
	done chan struct{}
	mu   sync.Mutex
	tail []string // the last lines of its log, for a failure message
}

var servingAddr = regexp.MustCompile(`msg=serving addr=(\S+)`)

// start runs the binary with args, without the NRM_* environment.
func start(t *testing.T, bin string, args []string) *server {
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
	s := &server{cmd: cmd, addr: make(chan string, 1), done: make(chan struct{})}
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

// waitReady waits for the server to listen and answer /readyz; it returns
// the base URL.
func (s *server) waitReady(t *testing.T) string {
	t.Helper()
	var addr string
	select {
	case addr = <-s.addr:
	case <-s.done:
		t.Fatalf("nrm serve ended before serving:\n%s", s.log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("nrm serve did not start in 2 minutes:\n%s", s.log())
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
			t.Fatalf("nrm serve not ready: %v\n%s", err, s.log())
		}
	}
}

// kill sends SIGKILL and reaps the process.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done // the log pipe closes as the process dies; Wait must come after
	_ = s.cmd.Wait()
}

// stop asks the server to stop (SIGTERM) and waits for it.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("nrm serve after SIGTERM: %v\n%s", err, s.log())
	}
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintln(strings.Join(s.tail, "\n"))
}
