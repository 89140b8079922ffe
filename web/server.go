// Package web is the web layer of nrm: server-rendered HTML pages for the
// professionals who work the National Referral Mechanism, and a small JSON
// API under /api/v1. It holds no SQL and no policy: every access to case
// data is a call to door.Service, which decides, audits and answers a
// record the caller may not see exactly as a missing one.
//
// Everything a response carries that is not the page itself — security
// headers, the request id, CSRF defences, the body limit, the access log and
// metrics — is added in one place (middleware.go); every application error
// becomes a status and a translated message in one place (error.go).
package web

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
)

//go:embed templates static
var assets embed.FS

//go:embed openapi.json
var openapiJSON []byte

// MaxBody is the largest request body accepted, in bytes.
const MaxBody = 1 << 20

// Config configures the web layer.
type Config struct {
	// Addr is the listen address (used by the command that serves; kept here
	// so one value describes the web layer).
	Addr string
	// Origins are the site's configured public origins (--origin), e.g.
	// https://nrm.example.al, if any; the first is its address in links
	// made for outside (feedback QR codes). They are trusted by the
	// cross-origin protection (for proxies that rewrite Host).
	Origins []string
	// TLS means the server itself serves HTTPS (--tls-cert).
	TLS bool
}

// Secure reports whether the site is reached over https: served with TLS,
// or its origins are https (TLS ends at a proxy). There is no other flag to
// remember: the session cookie is then __Host-nrm with the Secure flag and
// every response carries HSTS.
func (c Config) Secure() bool {
	if c.TLS {
		return true
	}
	for _, o := range c.Origins {
		if !strings.HasPrefix(o, "https://") {
			return false
		}
	}
	return len(c.Origins) > 0
}

// Server is the web layer: an http.Handler.
type Server struct {
	cfg     Config
	secure  bool // https origins: Secure __Host- cookies and HSTS
	door    *door.Service
	cat     *i18n.Catalog
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	cop     *http.CrossOriginProtection
	tmpl    map[string]map[string]*template.Template // lang → page → template
	loc     *time.Location

	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	promh    http.Handler

	patterns []string // every registered route pattern, for tests
}

// New builds the web layer over the door. It parses (and test-renders)
// every template and fails if any is broken.
func New(cfg Config, d *door.Service, cat *i18n.Catalog, log *slog.Logger) (*Server, error) {
	if d == nil || cat == nil {
		return nil, errors.New("web: door and catalogue are required")
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, secure: cfg.Secure(), door: d, cat: cat, log: log, mux: http.NewServeMux()}
	if loc, err := time.LoadLocation("Europe/Tirane"); err == nil {
		s.loc = loc
	} else {
		s.loc = time.UTC
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.cop = http.NewCrossOriginProtection()
	for _, o := range cfg.Origins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.initMetrics()
	s.routes()
	s.handler = s.middleware(s.mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// Addr is the configured listen address.
func (s *Server) Addr() string { return s.cfg.Addr }

// handle registers a route. The pattern becomes the route label of the
// access log and the metrics (never the raw path, which may carry ids).
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := state(r); st != nil {
			st.route = pattern
		}
		h(w, r)
	}))
}

func (s *Server) routes() {
	// Operations.
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /static/", s.static)

	// Signing in and out.
	s.handle("GET /login", s.loginForm)
	s.handle("POST /login", s.loginSubmit)
	s.handle("GET /login/code", s.codeForm)
	s.handle("POST /login/code", s.codeSubmit)
	s.handle("GET /login/enrol", s.enrolForm)
	s.handle("POST /login/enrol", s.enrolSubmit)
	s.handle("POST /logout", s.logout)
	s.handle("POST /lang", s.setLang)

	// Passkeys (WebAuthn): the second factor at sign-in, registration (at
	// enrolment or from the account page), step-up; JSON steps for passkey.js.
	s.handle("GET /login/passkey", s.passkeyLoginForm)
	s.handle("POST /login/passkey/begin", s.passkeyLoginBegin)
	s.handle("POST /login/passkey/finish", s.passkeyLoginFinish)
	s.handle("POST /account/passkeys/begin", s.passkeyRegisterBegin)
	s.handle("POST /account/passkeys/finish", s.passkeyRegisterFinish)
	s.handle("POST /stepup/passkey/begin", s.passkeyStepUpBegin)
	s.handle("POST /stepup/passkey/finish", s.passkeyStepUpFinish)

	// Pages.
	s.handle("GET /{$}", s.page(s.home))
	s.handle("GET /persons", s.page(s.personsList))
	s.handle("GET /persons/new", s.page(s.personNew))
	s.handle("POST /persons", s.page(s.personCreate))
	s.handle("GET /persons/{id}", s.page(s.personShow))
	s.handle("GET /persons/{id}/edit", s.page(s.personEdit))
	s.handle("POST /persons/{id}/edit", s.page(s.personUpdate))
	s.handle("POST /persons/{id}/breakglass", s.page(s.personBreakGlass))
	s.handle("GET /account", s.page(s.accountShow))
	s.handle("POST /account/passkeys/{id}/remove", s.page(s.accountPasskeyRemove))
	s.handle("POST /account/stepup", s.page(s.accountStepUp))
	s.referralRoutes()
	s.consentRoutes()
	s.bulkRoutes()
	s.serviceRoutes()
	s.actionRoutes()
	s.voiceRoutes()
	s.statisticsRoutes()
	s.statisticsPageRoutes()

	// JSON API.
	s.handle("GET /api/v1/openapi.json", s.openapi)
	s.handle("GET /api/v1/me", s.api(s.apiMe))
	s.handle("GET /api/v1/persons", s.api(s.apiListPersons))
	s.handle("POST /api/v1/persons", s.api(s.apiCreatePerson))
	s.handle("GET /api/v1/persons/{id}", s.api(s.apiGetPerson))
	s.handle("PATCH /api/v1/persons/{id}", s.api(s.apiUpdatePerson))
	// Identification and protection (door.Refer and the actions after it).
	s.handle("POST /api/v1/referrals", s.api(s.apiRefer))
	s.handle("GET /api/v1/persons/{id}/case", s.api(s.apiCase))
	s.handle("POST /api/v1/persons/{id}/guardian", s.api(s.apiGuardian))
	s.handle("POST /api/v1/persons/{id}/age-assessment", s.api(s.apiAgeAssessment))
	s.handle("POST /api/v1/persons/{id}/status", s.api(s.apiStatus))
	s.handle("POST /api/v1/persons/{id}/identification-requests", s.api(s.apiRequestIdentification))
	s.handle("POST /api/v1/persons/{id}/return-steps", s.api(s.apiReturnStep))
	s.handle("POST /api/v1/persons/{id}/non-punishment", s.api(s.apiNonPunishment))
	s.handle("POST /api/v1/persons/{id}/register", s.api(s.apiRegisterPerson))
	s.handle("POST /api/v1/identification-requests/{id}/decisions", s.api(s.apiDecide))
	s.handle("POST /api/v1/decisions/{id}/signatures", s.api(s.apiSign))
	s.handle("POST /api/v1/tasks/{id}/done", s.api(s.apiTaskDone))
	s.handle("POST /api/v1/notifications/{id}/read", s.api(s.apiNotificationRead))
	s.handle("POST /api/v1/duplicates", s.api(s.apiDuplicate))
	s.handle("GET /api/v1/work", s.api(s.apiWork))
	s.handle("GET /api/v1/register", s.api(s.apiRegister))
	s.handle("GET /api/v1/indicators", s.api(s.apiIndicators))
	s.handle("GET /api/v1/profile", s.api(s.apiProfile))
	s.retentionRoutes()
	s.supportRoutes()
	s.justiceRoutes()
	s.handle("/api/", s.apiNotFound)

	// Everything else.
	s.handle("/", s.notFound)
}
