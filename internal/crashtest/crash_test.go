package crashtest

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/apiload"
	"github.com/nrm-org/nrm/internal/nrmproc"
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
	bin := nrmproc.Build(t)
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { crashLoop(t, bin, engine, n) })
	}
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
	serveArgs := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr=", "--checkpoint-interval", "1s"}, common...)
	verifyArgs := append([]string{"audit", "verify"}, common...)

	var l apiload.Ledger
	var f figures
	checked := map[string]int64{} // record id → version last read back
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	for f.cycles < n {
		f.cycles++
		srv := nrmproc.Start(t, bin, serveArgs)
		if f.cycles == 2 || rng.IntN(10) == 0 {
			// Killed while starting: opening the database, checking the
			// keys, the first checkpoint and statistics run.
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
			srv.Kill(t)
			f.startKills++
		} else {
			c := apiload.NewClient(srv.WaitReady(t), token)
			f.reread += reread(t, c, &l, checked, rng, &f, false)
			wctx, stop := context.WithCancel(ctx)
			wait := c.Writers(wctx, 4, &l)
			time.Sleep(time.Duration(20+rng.IntN(1500)) * time.Millisecond)
			srv.Kill(t)
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
	srv := nrmproc.Start(t, bin, serveArgs)
	c := apiload.NewClient(srv.WaitReady(t), token)
	final := reread(t, c, &l, checked, rng, &f, true)
	srv.Stop(t)
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
