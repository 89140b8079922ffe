package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The HTTP layer's cost, measured beside the door calls it wraps (issue 21
// part 4): BenchmarkHTTPRead serves GET /api/v1/persons/{id} through the whole
// handler (middleware, token check, scope, JSON, metrics, access log) in
// process; BenchmarkHTTPDoorRead makes the same door calls directly
// (AuthenticateToken + GetPerson). The target is door ÷ handler ≥ 0.5: the
// web layer may at most double the door's cost. Run both in one go:
//
//	go test ./web -run '^$' -bench 'HTTP' -benchtime 2s -count 3

func benchPerson(b *testing.B) (*testEnv, string) {
	b.Helper()
	e := env(b)
	return e, e.createViaAPI(b, e.ana, `{"region":"tirane","identity":{"given_name":"Drita","family_name":"Leka"}}`)
}

func BenchmarkHTTPRead(b *testing.B) {
	e, id := benchPerson(b)
	path := "/api/v1/persons/" + id
	auth := "Bearer " + e.ana.Token
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = e.remote
		r.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Drita") {
			b.Fatalf("read: %d %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkHTTPDoorRead(b *testing.B) {
	e, id := benchPerson(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		a, err := e.door.AuthenticateToken(ctx, e.ana.Token, "192.0.2.10", "bench")
		if err != nil {
			b.Fatal(err)
		}
		p, err := e.door.GetPerson(ctx, a, id)
		if err != nil || p.Identity == nil || p.Identity.GivenName != "Drita" {
			b.Fatalf("read: %v", err)
		}
	}
}

// BenchmarkHTTPLayer alternates the two, call for call, so that whatever
// else runs on the machine weighs on both alike, and reports each one's
// time and the ratio door ÷ handler (target ≥ 0.5).
func BenchmarkHTTPLayer(b *testing.B) {
	e, id := benchPerson(b)
	ctx := b.Context()
	path := "/api/v1/persons/" + id
	auth := "Bearer " + e.ana.Token
	var handler, door time.Duration
	for b.Loop() {
		t0 := time.Now()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = e.remote
		r.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		t1 := time.Now()
		a, err := e.door.AuthenticateToken(ctx, e.ana.Token, "192.0.2.10", "bench")
		if err != nil {
			b.Fatal(err)
		}
		p, err := e.door.GetPerson(ctx, a, id)
		t2 := time.Now()
		if rec.Code != http.StatusOK || err != nil || p.Identity == nil {
			b.Fatalf("read: %d %v", rec.Code, err)
		}
		handler += t1.Sub(t0)
		door += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(handler.Nanoseconds())/n, "handler-ns/op")
	b.ReportMetric(float64(door.Nanoseconds())/n, "door-ns/op")
	b.ReportMetric(float64(door)/float64(handler), "door/handler")
}

// BenchmarkHTTPRecordPage serves the record page (GET /persons/{id}) with a
// signed-in session, for profiling the HTML side:
//
//	go test ./web -run '^$' -bench HTTPRecordPage -cpuprofile cpu.out
func BenchmarkHTTPRecordPage(b *testing.B) {
	e, id := benchPerson(b)
	cookie, _ := e.anaLogin(b)
	path := "/persons/" + id
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = e.remote
		r.AddCookie(cookie)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Drita") {
			b.Fatalf("page: %d", rec.Code)
		}
	}
}
