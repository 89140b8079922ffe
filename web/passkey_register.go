package web

import (
	"net/http"

	"github.com/nrm-org/nrm/door"
)

// Registering a passkey: at enrolment (the session then becomes full) or
// from the account page (with a fresh second factor; the door checks).
// Two JSON steps driven by passkey.js.

// passkeyRegisterBegin answers the creation options.
func (s *Server) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request) {
	s.passkeyBegin(w, r, s.door.BeginPasskeyRegistration)
}

// passkeyRegisterFinish stores the new passkey. At enrolment the browser
// gets the full session's cookie and goes home; from the account page it
// goes back there.
func (s *Server) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request) {
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
	newToken, err := s.door.FinishPasskeyRegistration(r.Context(), state(r).token, cred, remote(r))
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	next := "/account"
	if sess.Stage == door.StageEnrol {
		s.setSession(w, newToken)
		next = "/"
	}
	writeJSON(w, http.StatusOK, ceremonyDone{Next: next})
}
