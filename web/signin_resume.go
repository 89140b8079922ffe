package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// resumeSignIn sends a browser that is part way through signing in (the
// password given, the second factor or its enrolment not yet) back to the
// step it is at, when it opens a page that needs a full session: the
// sign-in goes on instead of ending. It reports whether it answered.
func (s *Server) resumeSignIn(w http.ResponseWriter, r *http.Request, err error) bool {
	if nrm.ErrorCode(err) != nrm.EUnauthorized || s.sessionToken(r) == "" {
		return false
	}
	sess, perr := s.partialSession(r)
	if perr != nil || sess.Stage == door.StageFull {
		return false
	}
	http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
	return true
}
