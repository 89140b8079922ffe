// Package apiload drives the real JSON API the way a client does, for the
// restore drill and the crash test: a case manager with an API token,
// writers that create and update records and remember exactly which writes
// the server acknowledged, and a check that finds every acknowledged write
// again.
package apiload

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Provision creates an organisation and a case manager in it, and returns
// a read/write API token for the case manager.
func Provision(ctx context.Context, d *door.Service) (string, error) {
	sys := nrm.SystemActor("apiload")
	org := &nrm.Org{ID: "org-load", Name: "Load test organisation", Type: nrm.OrgSocialService, Regions: []string{"tirane"}}
	if err := d.CreateOrg(ctx, sys, org); err != nil {
		return "", err
	}
	// Nobody signs in as this user: the token is the way in.
	u, err := d.CreateUser(ctx, sys, door.UserInput{OrgID: org.ID, Username: "load.writer", DisplayName: "Load writer",
		Roles: []nrm.Role{nrm.RoleCaseManager}, Password: "Ngarkesë-" + token() + token()})
	if err != nil {
		return "", err
	}
	return d.MintToken(ctx, sys, u.ID, []string{door.ScopeRead, door.ScopeWrite}, 24*time.Hour)
}

// Record is a record a writer created, as the server acknowledged it.
type Record struct {
	ID   string
	Name string // given name, unique to the record
	// Sent is every narrative sent for the record, in order: the first
	// with the creation, then the updates. Acked is the index of the last
	// one the server acknowledged, at Version; one sent after it got no
	// answer (the server may or may not have committed it) and the
	// record is not updated again.
	Sent    []string
	Acked   int
	Version int64
}

func (r *Record) inDoubt() bool { return len(r.Sent) > r.Acked+1 }

// Ledger is what the writers sent and what the server acknowledged.
type Ledger struct {
	mu       sync.Mutex
	records  []*Record
	byID     map[string]*Record
	Creates  int // acknowledged creations
	Updates  int // acknowledged updates
	InDoubt  int // writes without an answer (the server was killed, or the request failed)
	Rejected int // writes the server answered with an error
}

// Snapshot copies the acknowledged records as they stand now.
func (l *Ledger) Snapshot() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Record, len(l.records))
	for i, r := range l.records {
		out[i] = *r
		out[i].Sent = slices.Clone(r.Sent)
	}
	return out
}

// Counts returns the acknowledged creations and updates and the writes in doubt.
func (l *Ledger) Counts() (creates, updates, inDoubt, rejected int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Creates, l.Updates, l.InDoubt, l.Rejected
}

// accepted is what a record read back may hold, given what was known of it
// in r: its acknowledged narrative, or one sent after it (acknowledged later
// or in doubt).
func (l *Ledger) accepted(r Record) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now, ok := l.byID[r.ID]; ok {
		return slices.Clone(now.Sent[r.Acked:])
	}
	return r.Sent[r.Acked:]
}

// Client calls the API of one server with a bearer token.
type Client struct {
	Base  string // http://127.0.0.1:port
	Token string
	HTTP  *http.Client
}

// NewClient makes a client with a request timeout.
func NewClient(base, token string) *Client {
	return &Client{Base: base, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

type personBody struct {
	Region    string            `json:"region,omitempty"`
	Identity  map[string]string `json:"identity,omitempty"`
	Narrative string            `json:"narrative"`
	Version   int64             `json:"version,omitempty"`
}

type personAnswer struct {
	ID        string  `json:"id"`
	Version   int64   `json:"version"`
	Narrative *string `json:"narrative"`
	Identity  *struct {
		GivenName string `json:"given_name"`
	} `json:"identity"`
}

// ErrNoAnswer means a request got no answer: the server is gone, and a
// write it carried may or may not have been committed.
var ErrNoAnswer = errors.New("no answer from the server")

// do sends a request; ok is false when no answer came (the write is in doubt).
func (c *Client) do(ctx context.Context, method, path string, body any, want int) (ans personAnswer, ok bool, err error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return ans, true, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return ans, true, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return ans, false, fmt.Errorf("%w: %v", ErrNoAnswer, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return ans, false, fmt.Errorf("%w: %v", ErrNoAnswer, err) // the answer was cut off: in doubt
	}
	if res.StatusCode != want {
		return ans, true, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return ans, true, json.Unmarshal(b, &ans)
}

func token() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Create creates a record with a unique name and narrative and, if the
// server acknowledges it, adds it to the ledger.
func (c *Client) Create(ctx context.Context, l *Ledger) (*Record, error) {
	name, story := "Load-"+token(), "created "+token()
	ans, ok, err := c.do(ctx, http.MethodPost, "/api/v1/persons", personBody{Region: "tirane",
		Identity: map[string]string{"given_name": name}, Narrative: story}, http.StatusCreated)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.tally(ok, err, &l.Creates) {
		return nil, err
	}
	r := &Record{ID: ans.ID, Name: name, Sent: []string{story}, Version: ans.Version}
	l.records = append(l.records, r)
	if l.byID == nil {
		l.byID = map[string]*Record{}
	}
	l.byID[r.ID] = r
	return r, nil
}

// tally counts an answer (with l.mu held): acknowledged (then it reports
// true and adds to acked), refused, or none.
func (l *Ledger) tally(ok bool, err error, acked *int) bool {
	switch {
	case !ok:
		l.InDoubt++
	case err != nil:
		l.Rejected++
	default:
		*acked++
		return true
	}
	return false
}

// Update gives one of the writer's acknowledged records (without a write in
// doubt) a new narrative and records the answer.
func (c *Client) Update(ctx context.Context, l *Ledger, r *Record) error {
	story := "updated " + token()
	l.mu.Lock()
	r.Sent = append(r.Sent, story)
	version := r.Version
	l.mu.Unlock()
	ans, ok, err := c.do(ctx, http.MethodPatch, "/api/v1/persons/"+r.ID, personBody{Narrative: story, Version: version}, http.StatusOK)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.tally(ok, err, &l.Updates):
		r.Acked, r.Version = len(r.Sent)-1, ans.Version
	case ok: // refused: not written
		r.Sent = r.Sent[:len(r.Sent)-1]
	}
	return err
}

// Write runs a writer until ctx ends or the server stops answering: it
// creates records and, every third write, updates one of its own (writers
// never share a record, so an acknowledged update is the record's latest
// unless one in doubt followed).
func (c *Client) Write(ctx context.Context, l *Ledger) {
	var mine []*Record
	for n := 0; ctx.Err() == nil; n++ {
		var err error
		if r := c.pick(l, mine, n); r != nil {
			err = c.Update(ctx, l, r)
		} else {
			var r *Record
			if r, err = c.Create(ctx, l); r != nil {
				mine = append(mine, r)
			}
		}
		if errors.Is(err, ErrNoAnswer) {
			return
		}
	}
}

// pick chooses, for every third write, one of the writer's records without
// a write in doubt to update.
func (c *Client) pick(l *Ledger, mine []*Record, n int) *Record {
	if n%3 != 2 || len(mine) == 0 {
		return nil
	}
	r := mine[n%len(mine)]
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.inDoubt() {
		return nil
	}
	return r
}

// Writers runs n writers until ctx ends; the returned function waits for
// them to stop.
func (c *Client) Writers(ctx context.Context, n int, l *Ledger) (wait func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { c.Write(ctx, l) })
	}
	return wg.Wait
}

// Check reads the records back through the API and returns the ones whose
// acknowledged write is not there: missing, another name, or a narrative
// that is neither the one acknowledged when want was taken nor one sent
// after it (l is the ledger want was taken from). An error means the
// server stopped answering, which loses nothing by itself.
func (c *Client) Check(ctx context.Context, want []Record, l *Ledger) (lost []string, err error) {
	for _, r := range want {
		ans, ok, err := c.do(ctx, http.MethodGet, "/api/v1/persons/"+r.ID, nil, http.StatusOK)
		if !ok {
			return lost, err
		}
		switch {
		case err != nil:
			lost = append(lost, fmt.Sprintf("%s: %v", r.ID, err))
		case ans.Identity == nil || ans.Identity.GivenName != r.Name:
			lost = append(lost, fmt.Sprintf("%s: identity %+v, want given name %s", r.ID, ans.Identity, r.Name))
		case ans.Narrative == nil || !slices.Contains(l.accepted(r), *ans.Narrative):
			lost = append(lost, fmt.Sprintf("%s: narrative %v, want one of %q (acknowledged at version %d)", r.ID, ans.Narrative, l.accepted(r), r.Version))
		}
	}
	return lost, nil
}
