package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/nrm-org/nrm"
)

// This file is the one place where application errors become HTTP answers.

// httpStatus maps an nrm error code to its status.
func httpStatus(code string) int {
	switch code {
	case nrm.EInvalid:
		return http.StatusBadRequest
	case nrm.ENotFound:
		return http.StatusNotFound
	case nrm.EConflict:
		return http.StatusConflict
	case nrm.EUnauthorized:
		return http.StatusUnauthorized
	case nrm.EForbidden:
		return http.StatusForbidden
	case nrm.ETooMany:
		return http.StatusTooManyRequests
	case nrm.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case nrm.EStorageFull:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fieldMessage is one field's translated error.
type fieldMessage struct {
	Field string `json:"field"`
	Label string `json:"-"`
	Text  string `json:"message"`
}

// problem is an error as both answers (HTML and JSON) show it.
type problem struct {
	Status  int
	Code    string
	Message string
	Fields  []fieldMessage
	Retry   int // seconds, for too_many
}

// messageKey picks the catalogue key for an error. "error.too_many" is
// both the throttle ("try again in %d seconds") and a field with too many
// entries; the latter has its own wording.
func messageKey(e *nrm.Error) string {
	switch {
	case e.Key == "error.too_many" && e.Field != "":
		return "error.too_many_items"
	case e.Key == "":
		return "error.internal"
	}
	return e.Key
}

// fieldLabel is the translated name of a form or JSON field.
func (s *Server) fieldLabel(lang, field string) string {
	key := "field." + field
	if _, ok := s.cat.Lookup(lang, key); ok {
		return s.cat.T(lang, key)
	}
	return field
}

// problemOf turns any error into a problem in lang. Internal errors are
// logged with the request id, and their detail never leaves the server.
func (s *Server) problemOf(r *http.Request, err error, lang string) problem {
	var es nrm.Errors
	if errors.As(err, &es) && len(es) > 0 {
		p := problem{Status: http.StatusBadRequest, Code: nrm.EInvalid, Message: s.cat.T(lang, "error.invalid")}
		for _, e := range es {
			p.Fields = append(p.Fields, s.fieldMessage(lang, e))
		}
		return p
	}
	e := nrm.ErrorOf(err)
	p := problem{Status: httpStatus(e.Code), Code: e.Code}
	switch {
	case p.Status == http.StatusInternalServerError:
		p.Code = nrm.EInternal
		if st := state(r); st != nil {
			s.log.Error("internal error", "request_id", st.id, "route", st.route, "err", err)
		} else {
			s.log.Error("internal error", "err", err)
		}
		p.Message = s.cat.T(lang, "error.internal")
	case p.Status == http.StatusServiceUnavailable:
		// The operators must free space; the writer is told nothing was saved.
		if st := state(r); st != nil {
			s.log.Error("storage full", "request_id", st.id, "route", st.route, "err", err)
		} else {
			s.log.Error("storage full", "err", err)
		}
		p.Message = s.cat.T(lang, messageKey(e))
	case e.Field != "":
		p.Message = s.cat.T(lang, "error.invalid")
		p.Fields = []fieldMessage{s.fieldMessage(lang, e)}
	default:
		p.Message = s.cat.T(lang, messageKey(e), e.Args...)
	}
	if e.Code == nrm.ETooMany && len(e.Args) > 0 {
		if n, ok := e.Args[0].(int); ok && n > 0 {
			p.Retry = n
		}
	}
	return p
}

func (s *Server) fieldMessage(lang string, e *nrm.Error) fieldMessage {
	return fieldMessage{Field: e.Field, Label: s.fieldLabel(lang, e.Field), Text: s.cat.T(lang, messageKey(e), e.Args...)}
}

// fail answers an error: JSON under /api/, an HTML page otherwise. An
// unauthorized page request is sent to sign in.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.failJSON(w, r, err)
		return
	}
	st := state(r)
	lang := s.requestLang(r)
	if st != nil && st.lang != "" {
		lang = st.lang
	}
	if nrm.ErrorCode(err) == nrm.EUnauthorized {
		s.clearSession(w)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := s.problemOf(r, err, lang)
	s.auditRefusal(r, p, err)
	if p.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
	}
	s.renderError(w, r, p)
}

// auditRefusal has the door record a request refused to a known actor
// (403: the role, the token's scope, a missing CSRF token), with the route
// and the request id; refusals of a record are audited by the door itself.
// The answer stays a 403 even if the entry cannot be written; that failure
// is logged.
func (s *Server) auditRefusal(r *http.Request, p problem, err error) {
	st := state(r)
	if p.Status != http.StatusForbidden || st == nil || st.actor == nil {
		return
	}
	if aerr := s.door.RecordRefusal(r.Context(), st.actor, st.route, nrm.ErrorOf(err).Key); aerr != nil {
		s.log.Error("refusal not audited", "request_id", st.id, "route", st.route, "err", aerr)
	}
}

// apiError is the JSON error body.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Fields    []fieldMessage `json:"fields"`
	RequestID string         `json:"request_id"`
}

// failJSON answers an API error in the language of Accept-Language.
func (s *Server) failJSON(w http.ResponseWriter, r *http.Request, err error) {
	lang := s.cat.Match(r.Header.Get("Accept-Language"))
	p := s.problemOf(r, err, lang)
	s.auditRefusal(r, p, err)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nrm"`)
	}
	if p.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
	}
	body := apiError{Error: apiErrorBody{Code: p.Code, Message: p.Message, Fields: p.Fields}}
	if body.Error.Fields == nil {
		body.Error.Fields = []fieldMessage{}
	}
	if st := state(r); st != nil {
		body.Error.RequestID = st.id
	}
	writeJSON(w, p.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"","fields":[],"request_id":""}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// formErrors splits a validation error into the error summary and the
// message beside each field. ok is false for errors that are not about the
// input (those are answered by fail).
func (s *Server) formErrors(r *http.Request, err error, lang string) (summary []errItem, byField map[string]string, ok bool) {
	if nrm.ErrorCode(err) != nrm.EInvalid {
		var es nrm.Errors
		if !errors.As(err, &es) {
			return nil, nil, false
		}
	}
	p := s.problemOf(r, err, lang)
	byField = map[string]string{}
	for _, f := range p.Fields {
		if _, dup := byField[f.Field]; dup {
			continue
		}
		byField[f.Field] = f.Text
		summary = append(summary, errItem{Field: f.Field, Text: f.Label + ": " + f.Text})
	}
	if len(p.Fields) == 0 {
		summary = append(summary, errItem{Text: p.Message})
	}
	return summary, byField, true
}

// errItem is one line of a form's error summary; Field is the id it links to.
type errItem struct {
	Field string
	Text  string
	Link  string // where the field is, when it is on another page (default #Field)
}

// inFormOrder sorts a summary into the order of the form's fields, so the
// summary reads like the form; errors without a field come first.
func inFormOrder(items []errItem, fields []string) []errItem {
	pos := func(f string) int {
		if f == "" {
			return -1
		}
		if i := slices.Index(fields, f); i >= 0 {
			return i
		}
		return len(fields)
	}
	slices.SortStableFunc(items, func(a, b errItem) int { return pos(a.Field) - pos(b.Field) })
	return items
}
