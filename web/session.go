package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// langCookie remembers the language chosen while signed out.
const langCookie = "lang"

// cookieName is the session cookie: __Host- when the origin is https, so it
// is Secure, host-only and Path=/ by the browser's own rule.
func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-nrm"
	}
	return "nrm"
}

// setSession stores a session token in a session cookie (no Max-Age: the
// server enforces the idle and absolute timeouts).
func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure follows the https origin (plain HTTP only on loopback or by --insecure-http); HttpOnly and SameSite=Strict always
		Name: s.cookieName(), Value: token, Path: "/", Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure follows the https origin (plain HTTP only on loopback or by --insecure-http); HttpOnly and SameSite=Strict always
		Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// sessionToken is the token from the session cookie, or "".
func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.cookieName())
	if err != nil || len(c.Value) > 200 {
		return ""
	}
	return c.Value
}

// requestLang is the language of a request before any session is known:
// the lang cookie, else Accept-Language, else the default.
func (s *Server) requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && s.cat.Has(c.Value) {
		return c.Value
	}
	return s.cat.Match(r.Header.Get("Accept-Language"))
}

// useSessionLang makes the session's language the request's.
func (s *Server) useSessionLang(st *reqState, sess *door.Session) {
	if sess != nil && s.cat.Has(sess.Lang) {
		st.lang = sess.Lang
	}
}

// authenticate resolves the session cookie into the actor, for pages that
// need a full session.
func (s *Server) authenticate(r *http.Request) error {
	st := state(r)
	st.lang = s.requestLang(r)
	tok := s.sessionToken(r)
	if tok == "" {
		return nrm.Errorf(nrm.EUnauthorized, "error.signin")
	}
	a, sess, err := s.door.Authenticate(r.Context(), tok, remote(r), st.id)
	if err != nil {
		return err
	}
	st.actor, st.sess, st.token = a, sess, tok
	s.useSessionLang(st, sess)
	return nil
}

// page wraps a handler that needs a full session. Without one the browser
// is sent to sign in.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request, st *reqState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r); err != nil {
			if !s.resumeSignIn(w, r, err) {
				s.fail(w, r, err)
			}
			return
		}
		h(w, r, state(r))
	}
}

// checkCSRF compares the form's token with the session's in constant time.
func checkCSRF(r *http.Request, sess *door.Session) bool {
	return csrfMatches(r.PostFormValue("csrf"), sess)
}

// csrfMatches compares a token with the session's in constant time.
func csrfMatches(got string, sess *door.Session) bool {
	if sess == nil || sess.CSRF == "" {
		return false
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) == 1
}

var errCSRF = nrm.Errorf(nrm.EForbidden, "error.csrf")

// parseForm reads a urlencoded form body; an oversized body is a 413, a
// field holding characters no field takes a 400 naming it (cleanForm).
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nrm.Errorf(nrm.ETooLarge, "error.too_large")
		}
		return nrm.Errorf(nrm.EInvalid, "error.invalid")
	}
	return cleanForm(r.Form)
}

// form parses the form of a signed-in page and checks its CSRF token.
func (s *Server) form(r *http.Request, st *reqState) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if !checkCSRF(r, st.sess) {
		return errCSRF
	}
	return nil
}

// safeNext returns p if it is a path on this site, else "/": no scheme, no
// host, no protocol-relative or backslash tricks, no control characters.
func safeNext(p string) string {
	if p == "" || len(p) > 2000 || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}

// orgName is the name of the actor's organisation, for the header.
func (s *Server) orgName(r *http.Request, orgID string) string {
	orgs, err := s.door.Orgs(r.Context())
	if err != nil {
		return ""
	}
	for _, o := range orgs {
		if o.ID == orgID {
			return o.Name
		}
	}
	return ""
}
