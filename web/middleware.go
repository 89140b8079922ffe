package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// reqState is what the middleware and the handlers learn about one request.
// It lives in the request context; the handlers fill in the rest.
type reqState struct {
	id    string // request id, in the log, the audit and error pages
	nonce string // CSP nonce for this response
	route string // the matched route pattern ("unmatched" until a route runs)
	lang  string // UI language

	actor *nrm.Actor    // set once authenticated
	sess  *door.Session // set for cookie sessions
	token string        // the session token from the cookie
	via   string        // "session" or "token" on the API
}

type ctxKey struct{}

func state(r *http.Request) *reqState {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	return st
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// securityHeaders are set on every response before anything else runs.
func (s *Server) securityHeaders(h http.Header, nonce string) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()")
	// Nothing here may be kept by a browser or proxy cache: every page and
	// API answer can carry personal data. Static files override this.
	h.Set("Cache-Control", "no-store")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// middleware wraps the router: request id, security headers, panic
// recovery, body limit, cross-origin protection of unsafe methods, access
// log and metrics. The per-session CSRF token of HTML forms is checked by
// the form handlers, which know the session.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{id: randomHex(8), nonce: newNonce(), route: "unmatched"}
		sw := &statusWriter{ResponseWriter: w}
		s.securityHeaders(sw.Header(), st.nonce)
		sw.Header().Set("X-Request-Id", st.id)
		// The door names the request in every audit entry it writes for it.
		r = r.WithContext(door.WithRequestID(context.WithValue(r.Context(), ctxKey{}, st), st.id))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				// The stack goes to the log only; the answer is the
				// translated internal-error page with the request id.
				s.log.Error("panic", "request_id", st.id, "route", st.route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.fail(sw, r, nrm.Internal(fmt.Errorf("panic")))
				}
			}
			s.observe(r.Method, st, sw, time.Since(start))
		}()
		limit := int64(MaxBody)
		if uploadRoute(r) {
			limit = MaxUpload
		}
		if r.ContentLength > limit {
			s.fail(sw, r, nrm.Errorf(nrm.ETooLarge, "error.too_large"))
			return
		}
		r.Body = http.MaxBytesReader(sw, r.Body, limit)
		if err := s.cop.Check(r); err != nil {
			s.crossOriginDenied(sw, r)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// crossOriginDenied answers an unsafe cross-origin browser request.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.csrf"))
}

// methodLabel keeps client-chosen methods out of labels.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// observe writes the access log line and the metrics. Only the method, the
// route pattern, the status, the size, the duration and the request id:
// never the path, the query string, form values or anything about a person.
func (s *Server) observe(method string, st *reqState, sw *statusWriter, d time.Duration) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	m := methodLabel(method)
	s.log.Info("http", "method", m, "route", st.route, "status", status, "duration_ms", float64(d.Microseconds())/1000,
		"bytes", sw.bytes, "request_id", st.id)
	s.requests.WithLabelValues(m, st.route, strconv.Itoa(status)).Inc()
	s.duration.WithLabelValues(m, st.route).Observe(d.Seconds())
}

func (s *Server) initMetrics() {
	s.reg = prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "nrm_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "nrm_http_request_duration_seconds", Help: "HTTP request duration by method and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	s.reg.MustRegister(s.requests, s.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.promh = promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// MetricsHandler serves the Prometheus metrics. It is not on the public
// handler (/metrics there is a 404): the command serves it on a listener of
// its own (--metrics-addr, loopback by default).
func (s *Server) MetricsHandler() http.Handler { return s.promh }

// remote is the client address as the audit records it.
func remote(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
