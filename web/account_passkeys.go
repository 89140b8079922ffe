package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
)

// The account page: the signed-in user's own passkeys, with a button to
// add one and a remove button for each. Adding or removing needs a fresh
// second factor (the door checks); when it is stale, the page first asks
// the user to confirm it is them, with a passkey or a code.

type accountPage struct {
	Page
	Passkeys      []passkeyRow
	Reauth        bool // the second factor must be proven again before a change
	PasskeyStepUp bool // …with a passkey
	CodeStepUp    bool // …or with a code from the authenticator app
	PasskeyOnly   bool // the policy accepts only passkeys from this user
}

type passkeyRow struct {
	ID, Label, Created, LastUsed string
}

// accountShow is GET /account.
func (s *Server) accountShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.newAccountPage(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account", pg)
}

func (s *Server) newAccountPage(r *http.Request, st *reqState) (*accountPage, error) {
	f, err := s.door.Factors(r.Context(), st.token)
	if err != nil {
		return nil, err
	}
	ps, err := s.door.Passkeys(r.Context(), st.token)
	if err != nil {
		return nil, err
	}
	pg := &accountPage{Page: s.base(r), PasskeyOnly: f.PasskeyOnly}
	pg.PasskeyJS = true
	pg.Reauth = !f.Fresh && (f.Passkeys > 0 || f.TOTP)
	pg.PasskeyStepUp, pg.CodeStepUp = f.Passkeys > 0, f.TOTP && !f.PasskeyOnly
	for i, p := range ps {
		row := passkeyRow{ID: p.ID, Label: s.cat.T(st.lang, "passkey.label", i+1), Created: s.when(p.CreatedAt), LastUsed: s.when(p.LastUsedAt)}
		if row.LastUsed == "" {
			row.LastUsed = s.cat.T(st.lang, "passkey.never_used")
		}
		pg.Passkeys = append(pg.Passkeys, row)
	}
	return pg, nil
}

// accountError shows the account page again with err in its summary (and
// beside the code field when it is the code's).
func (s *Server) accountError(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	code := nrm.ErrorCode(err)
	if code != nrm.EInvalid && code != nrm.EForbidden && code != nrm.EConflict && code != nrm.ETooMany {
		s.fail(w, r, err)
		return
	}
	pg, perr := s.newAccountPage(r, st)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	p := s.problemOf(r, err, st.lang)
	if p.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
	}
	if len(p.Fields) > 0 {
		pg.Errs[p.Fields[0].Field] = p.Fields[0].Text
		pg.Summary = []errItem{{Field: p.Fields[0].Field, Text: p.Fields[0].Text}}
	} else {
		pg.Summary = []errItem{{Text: p.Message}}
	}
	status := p.Status
	if code == nrm.EInvalid {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "account", pg)
}

// accountPasskeyRemove is POST /account/passkeys/{id}/remove.
func (s *Server) accountPasskeyRemove(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if len(id) > 2000 {
		s.fail(w, r, nrm.ErrNotFound)
		return
	}
	if err := s.door.RemovePasskey(r.Context(), st.token, id, remote(r)); err != nil {
		if nrm.ErrorCode(err) == nrm.ENotFound {
			s.fail(w, r, err)
			return
		}
		s.accountError(w, r, st, err)
		return
	}
	redirectDone(w, r, "/account", "passkey-removed")
}

// accountStepUp is POST /account/stepup: a fresh code from the
// authenticator app, before adding or removing a passkey.
func (s *Server) accountStepUp(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.door.StepUp(r.Context(), st.token, strings.TrimSpace(r.PostFormValue("code"))); err != nil {
		s.accountError(w, r, st, err)
		return
	}
	redirectDone(w, r, "/account", "stepped-up")
}

// Action is the address of the passkey's remove button.
func (p passkeyRow) Action() string { return "/account/passkeys/" + url.PathEscape(p.ID) + "/remove" }
