// Package loadtest is the load harness of issue #21 (`make load`): it
// seeds a fresh database with N fictional persons, starts the real nrm
// binary on a free localhost port and runs a bounded closed-loop load —
// each client sends a request, waits for the answer and sends the next —
// at several client counts against each endpoint, printing throughput,
// latency percentiles, the maximum, errors and the server's peak resident
// memory. `go test ./internal/loadtest` runs a short version (200 persons,
// 1 and 10 clients, 2 s a cell) that only checks that every endpoint
// answered without an error; NRM_LOAD=1 (make load) runs the full one.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Request is one request of an endpoint's load.
type Request struct {
	Method, Path string
	Body         []byte // JSON, or nil
}

// Endpoint is what the load calls: a request maker (given the client's
// own random source), the credentials, and the status a good answer has.
type Endpoint struct {
	Name   string
	Next   func(rng *rand.Rand) Request
	Bearer string // API token, or ""
	Cookie *http.Cookie
	Want   int
}

// Result is one cell of the table: one endpoint at one client count.
type Result struct {
	Endpoint   string
	Clients    int
	Requests   int // answered as wanted
	Errors     int // a transport error or another status
	FirstError string
	Elapsed    time.Duration
	P50, P95   time.Duration
	P99, Max   time.Duration
	PeakRSSKiB int64 // the server's VmHWM during the cell (0: not known)
}

// Throughput is the good answers per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// NewHTTPClient keeps a connection per client open, as a real client pool
// would, with a bound on each request.
func NewHTTPClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = clients+8, clients+8
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run runs clients closed-loop clients against the endpoint for dur (the
// requests in flight at the end finish and count) and measures the
// server process pid's peak memory over the cell when pid > 0.
func Run(ctx context.Context, hc *http.Client, base string, e Endpoint, clients int, dur time.Duration, pid int) Result {
	res := Result{Endpoint: e.Name, Clients: clients}
	rssReset := pid > 0 && ResetPeakRSS(pid) == nil
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) // #nosec G404 -- which record to ask for, not a secret
			var mine []time.Duration
			var errs int
			var first string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				err := call(ctx, hc, base, e, e.Next(rng))
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Errors += errs
			if res.FirstError == "" {
				res.FirstError = first
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(lat)
	slices.Sort(lat)
	res.P50, res.P95, res.P99 = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99)
	if len(lat) > 0 {
		res.Max = lat[len(lat)-1]
	}
	if rssReset {
		res.PeakRSSKiB, _ = PeakRSS(pid)
	}
	return res
}

// call sends one request and reads the whole answer; an error is a
// transport failure or a status other than the wanted one.
func call(ctx context.Context, hc *http.Client, base string, e Endpoint, q Request) error {
	var body io.Reader
	if q.Body != nil {
		body = bytes.NewReader(q.Body)
	}
	req, err := http.NewRequestWithContext(ctx, q.Method, base+q.Path, body)
	if err != nil {
		return err
	}
	if q.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+e.Bearer)
	}
	if e.Cookie != nil {
		req.AddCookie(e.Cookie)
	}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != e.Want {
		return fmt.Errorf("%s %s: %d %.200s", q.Method, q.Path, res.StatusCode, b)
	}
	return nil
}

// quantile is the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ResetPeakRSS resets the process's peak resident set size (VmHWM), so that
// the next reading is the peak since now (Linux: clear_refs 5).
func ResetPeakRSS(pid int) error {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0o600) // #nosec G306 -- a procfs control file of our own child
}

// PeakRSS reads the process's peak resident set size (VmHWM) in KiB.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status") // #nosec G304 -- procfs status of our own child
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// Table writes the results as a Markdown table.
func Table(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| endpoint\t| clients\t| req/s\t| p50 ms\t| p95 ms\t| p99 ms\t| max ms\t| errors\t| peak RSS MB\t|")
	fmt.Fprintln(tw, "|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|")
	for _, r := range rs {
		rss := "–"
		if r.PeakRSSKiB > 0 {
			rss = strconv.FormatInt((r.PeakRSSKiB+512)/1024, 10)
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %.0f\t| %s\t| %s\t| %s\t| %s\t| %d\t| %s\t|\n", r.Endpoint, r.Clients, r.Throughput(),
			ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), r.Errors, rss)
	}
	return tw.Flush()
}

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}
