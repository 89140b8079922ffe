package web

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The JSON API, under /api/v1. A client authenticates with
// "Authorization: Bearer <token>" (door.AuthenticateToken) or, from the
// browser, with a full session cookie; unsafe methods are then guarded by
// the cross-origin protection of the middleware. Field names are
// snake_case; errors are {"error":{…}} in the language of Accept-Language.

type personJSON struct {
	ID            string        `json:"id"`
	Code          string        `json:"code"`
	OwnerOrgID    string        `json:"owner_org_id"`
	Region        string        `json:"region"`
	Status        string        `json:"status"`
	AgeGroup      string        `json:"age_group"`
	PresumedChild bool          `json:"presumed_child"`
	Sex           string        `json:"sex"`
	Nationality   string        `json:"nationality"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	Version       int64         `json:"version"`
	Parts         []string      `json:"parts"`
	Identity      *identityJSON `json:"identity"`
	Narrative     *string       `json:"narrative"`
}

type identityJSON struct {
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Aliases    []string `json:"aliases"`
	BirthDate  string   `json:"birth_date"`
	DocNumber  string   `json:"doc_number"`
	Phone      string   `json:"phone"`
	Address    string   `json:"address"`
}

type personListJSON struct {
	Persons    []personJSON `json:"persons"`
	NextBefore *string      `json:"next_before"`
}

type meJSON struct {
	UserID      string   `json:"user_id"`
	Username    *string  `json:"username"`
	DisplayName *string  `json:"display_name"`
	OrgID       string   `json:"org_id"`
	OrgName     *string  `json:"org_name"`
	OrgType     string   `json:"org_type"`
	Roles       []string `json:"roles"`
	Regions     []string `json:"regions"`
	Scopes      []string `json:"scopes"`
	Auth        string   `json:"auth"`
	Lang        string   `json:"lang"`
}

func toPersonJSON(p *nrm.Person) personJSON {
	out := personJSON{
		ID: p.ID, Code: p.Code, OwnerOrgID: p.OwnerOrgID, Region: p.Region, Status: string(p.Status), AgeGroup: string(p.AgeGroup),
		PresumedChild: p.PresumedChild, Sex: p.Sex, Nationality: p.Nationality, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		Version: p.Version, Parts: []string{}, Narrative: p.Narrative,
	}
	for _, pt := range p.Parts {
		out.Parts = append(out.Parts, string(pt))
	}
	if id := p.Identity; id != nil {
		out.Identity = &identityJSON{
			GivenName: id.GivenName, FamilyName: id.FamilyName, Aliases: id.Aliases, BirthDate: id.BirthDate,
			DocNumber: id.DocNumber, Phone: id.Phone, Address: id.Address,
		}
		if out.Identity.Aliases == nil {
			out.Identity.Aliases = []string{}
		}
	}
	return out
}

// api wraps an API handler with authentication.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, st *reqState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		st.lang = s.cat.Match(r.Header.Get("Accept-Language"))
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.failJSON(w, r, nrm.Errorf(nrm.EUnauthorized, "error.signin"))
				return
			}
			a, err := s.door.AuthenticateToken(ctx, strings.TrimSpace(tok), remote(r), st.id)
			if err != nil {
				s.failJSON(w, r, err)
				return
			}
			st.actor, st.via = a, "token"
		} else if tok := s.sessionToken(r); tok != "" {
			a, sess, err := s.door.Authenticate(ctx, tok, remote(r), st.id)
			if err != nil {
				s.failJSON(w, r, err)
				return
			}
			st.actor, st.sess, st.token, st.via = a, sess, tok, "session"
		} else {
			s.failJSON(w, r, nrm.Errorf(nrm.EUnauthorized, "error.signin"))
			return
		}
		if err := methodScope(r, st.actor); err != nil {
			s.failJSON(w, r, err)
			return
		}
		h(w, r, st)
	}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, st *reqState) {
	a := st.actor
	out := meJSON{UserID: a.UserID, OrgID: a.OrgID, OrgType: string(a.OrgType), Roles: []string{}, Regions: []string{}, Scopes: []string{},
		Auth: st.via, Lang: st.lang}
	for _, role := range a.Roles {
		out.Roles = append(out.Roles, string(role))
	}
	out.Regions = append(out.Regions, a.Regions...)
	out.Scopes = append(out.Scopes, a.Scopes...)
	if st.sess != nil {
		out.Username, out.DisplayName = ptr(st.sess.Username), ptr(st.sess.Display)
	}
	if name := s.orgName(r, a.OrgID); name != "" {
		out.OrgName = &name
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiListPersons(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.PersonFilter{Before: q.Get("before")}
	var err error
	if f.Limit, err = limitParam(q.Get("limit"), 50); err != nil {
		s.failJSON(w, r, err)
		return
	}
	if v := q.Get("status"); v != "" {
		if !nrm.Status(v).Valid() {
			s.failJSON(w, r, nrm.FieldError("status", "error.unknown_value"))
			return
		}
		f.Status = nrm.Status(v)
	}
	if v := q.Get("region"); v != "" {
		if !nrm.ValidRegion(v) {
			s.failJSON(w, r, nrm.FieldError("region", "error.unknown_value"))
			return
		}
		f.Region = v
	}
	if len(f.Before) > 64 {
		s.failJSON(w, r, nrm.FieldError("before", "error.unknown_value"))
		return
	}
	ps, err := s.door.ListPersons(r.Context(), st.actor, f)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := personListJSON{Persons: make([]personJSON, 0, len(ps))}
	for i := range ps {
		out.Persons = append(out.Persons, toPersonJSON(&ps[i]))
	}
	if len(ps) == f.Limit {
		out.NextBefore = ptr(ps[len(ps)-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
}

// jsonBody checks the content type of a JSON request.
func jsonBody(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nrm.Errorf(nrm.EInvalid, "error.content_type")
	}
	return nil
}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := jsonBody(r); err != nil {
		s.failJSON(w, r, err)
		return
	}
	in, _, err := decodePersonInput(r.Body, false)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	p, err := s.door.CreatePerson(r.Context(), st.actor, in)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+p.ID)
	writeJSON(w, http.StatusCreated, toPersonJSON(p))
}

func (s *Server) apiGetPerson(w http.ResponseWriter, r *http.Request, st *reqState) {
	p, err := s.door.GetPerson(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPersonJSON(p))
}

func (s *Server) apiUpdatePerson(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := jsonBody(r); err != nil {
		s.failJSON(w, r, err)
		return
	}
	in, version, err := decodePersonInput(r.Body, true)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	p, err := s.door.UpdatePerson(r.Context(), st.actor, r.PathValue("id"), version, in)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPersonJSON(p))
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.failJSON(w, r, nrm.ErrNotFound)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openapiJSON)
}
