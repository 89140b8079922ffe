package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// methodScope is the API's rule for token scopes, applied to every route
// before its handler reads anything: a GET or HEAD needs persons:read,
// anything else changes state and needs persons:write. The door checks the
// scope again in each method; this gate makes the rule hold for a route
// whose door method forgot (as marking a notification read once did, which
// for a child's referral marks the child-protection deadline met), and
// TestReadOnlyTokenChangesNothing walks every documented operation with a
// read-only token to keep it so. Sessions carry no scopes and pass.
func methodScope(r *http.Request, a *nrm.Actor) error {
	acc := nrm.Write
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		acc = nrm.Read
	}
	return door.RequireScope(a, acc)
}
