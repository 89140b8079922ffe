package web

import (
	"context"
	"net/http"

	"github.com/nrm-org/nrm/door"
)

// Signing in with a passkey as the second factor: the page, then two JSON
// steps driven by passkey.js (begin: the request options; finish: the
// assertion, which replaces the session by a full one).

type passkeyLoginPage struct {
	Page
	ShowCode bool // the user may use a code instead
}

// passkeyLoginForm shows the passkey step to a session at the password stage.
func (s *Server) passkeyLoginForm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess.Stage != door.StagePassword {
		http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
		return
	}
	f, err := s.door.Factors(r.Context(), state(r).token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Passkeys == 0 {
		http.Redirect(w, r, "/login/code", http.StatusSeeOther)
		return
	}
	pg := &passkeyLoginPage{Page: s.base(r), ShowCode: codeAllowed(f)}
	pg.PasskeyJS = true
	s.render(w, r, http.StatusOK, "passkey", pg)
}

// codeAllowed: the user may sign in or step up with a code.
func codeAllowed(f *door.Factors) bool { return !f.PasskeyOnly && (f.TOTP || f.Recovery > 0) }

// passkeyLoginBegin answers the request options of a passkey sign-in.
func (s *Server) passkeyLoginBegin(w http.ResponseWriter, r *http.Request) {
	s.passkeyBegin(w, r, s.door.BeginPasskeyLogin)
}

// passkeyBegin is the first JSON step of a ceremony on a session that may
// not be full yet (sign-in, enrolment): check the body and its CSRF token,
// then answer the options the door makes.
func (s *Server) passkeyBegin(w http.ResponseWriter, r *http.Request, begin func(ctx context.Context, token string) ([]byte, error)) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	if _, err := readPasskeyBody(r, sess, false); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	opts, err := begin(r.Context(), state(r).token)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	writeOptions(w, opts)
}

// passkeyLoginFinish checks the assertion; on success the browser gets the
// new session cookie and goes home.
func (s *Server) passkeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	cred, err := readPasskeyBody(r, sess, true)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	newToken, err := s.door.FinishPasskeyLogin(r.Context(), state(r).token, cred, remote(r))
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	s.setSession(w, newToken)
	writeJSON(w, http.StatusOK, ceremonyDone{Next: "/"})
}
