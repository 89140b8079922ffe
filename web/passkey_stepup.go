package web

import "net/http"

// Proving the second factor again with a passkey, from a full session:
// before break-glass, or before changing one's passkeys. Two JSON steps
// driven by passkey.js; afterwards the page submits its form or reloads.

// passkeyStepUpBegin answers the request options.
func (s *Server) passkeyStepUpBegin(w http.ResponseWriter, r *http.Request) {
	if err := s.authenticate(r); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	st := state(r)
	if _, err := readPasskeyBody(r, st.sess, false); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	opts, err := s.door.BeginPasskeyStepUp(r.Context(), st.token)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	writeOptions(w, opts)
}

// passkeyStepUpFinish checks the assertion and refreshes the session's
// second-factor time.
func (s *Server) passkeyStepUpFinish(w http.ResponseWriter, r *http.Request) {
	if err := s.authenticate(r); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	st := state(r)
	cred, err := readPasskeyBody(r, st.sess, true)
	if err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	if err := s.door.FinishPasskeyStepUp(r.Context(), st.token, cred, remote(r)); err != nil {
		s.passkeyFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ceremonyDone{})
}
