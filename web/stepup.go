package web

import (
	"net/http"
	"strings"

	"github.com/nrm-org/nrm"
)

// Proving the second factor again before a deliberate act — break-glass,
// a panel decision, a signature: the form carries a fresh code from the
// authenticator app (or the page stepped up with a passkey first). Within
// the step-up window the code may be left empty.

// stepUp proves the second factor with the code typed on the form, if one
// was, and reads the actor afresh: it carries the time of the proof.
func (s *Server) stepUp(r *http.Request, st *reqState) error {
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		return nil
	}
	ctx := r.Context()
	if err := s.door.StepUp(ctx, st.token, code); err != nil {
		return err
	}
	a, sess, err := s.door.Authenticate(ctx, st.token, remote(r), st.id)
	if err != nil {
		return err
	}
	st.actor, st.sess = a, sess
	return nil
}

// stepUpField puts the door's "prove the second factor again" on the
// form's code field, where it can be answered.
func stepUpField(err error) error {
	if nrm.ErrorOf(err).Key == "error.stepup_required" {
		return nrm.FieldError("code", "error.stepup_required")
	}
	return err
}
