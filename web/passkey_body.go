package web

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// The passkey ceremonies talk JSON with passkey.js: {"csrf": …} to begin,
// {"csrf": …, "credential": PublicKeyCredential} to finish. Bodies are read
// strictly, like the API's: one object, no unknown fields, no trailing
// data, at most maxPasskeyJSON bytes. The credential is re-encoded from
// the fields read before it goes to the door, which verifies it.

// maxPasskeyJSON bounds a ceremony body: an attestation "none" answer is a
// few hundred bytes; a packed one with a certificate chain a few KiB.
const maxPasskeyJSON = 64 << 10

// maxExtensionJSON bounds the client extension results (we request none).
const maxExtensionJSON = 4 << 10

type passkeyBody struct {
	CSRF       string             `json:"csrf"`
	Credential *passkeyCredential `json:"credential"`
}

// passkeyCredential is a PublicKeyCredential as passkey.js sends it
// (binary members base64url).
type passkeyCredential struct {
	ID                      string          `json:"id"`
	RawID                   string          `json:"rawId"`
	Type                    string          `json:"type"`
	AuthenticatorAttachment string          `json:"authenticatorAttachment,omitempty"`
	ClientExtensionResults  json.RawMessage `json:"clientExtensionResults,omitempty"`
	Response                passkeyResponse `json:"response"`
}

type passkeyResponse struct {
	ClientDataJSON    string   `json:"clientDataJSON"`
	AttestationObject string   `json:"attestationObject,omitempty"`
	Transports        []string `json:"transports,omitempty"`
	AuthenticatorData string   `json:"authenticatorData,omitempty"`
	Signature         string   `json:"signature,omitempty"`
	UserHandle        string   `json:"userHandle,omitempty"`
}

var errPasskeyJSON = nrm.Errorf(nrm.EInvalid, "error.json")

// readPasskeyBody reads and checks a ceremony body: its content type, its
// shape and its CSRF token against the session's. With credential set the
// body must carry one, returned re-encoded.
func readPasskeyBody(r *http.Request, sess *door.Session, credential bool) ([]byte, error) {
	if err := jsonBody(r); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPasskeyJSON+1))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, nrm.Errorf(nrm.ETooLarge, "error.too_large")
		}
		return nil, errPasskeyJSON
	}
	if len(body) > maxPasskeyJSON {
		return nil, nrm.Errorf(nrm.ETooLarge, "error.too_large")
	}
	var v passkeyBody
	if err := decodeJSONObject(body, &v); err != nil {
		return nil, err
	}
	if sess == nil || sess.CSRF == "" || v.CSRF == "" || subtle.ConstantTimeCompare([]byte(v.CSRF), []byte(sess.CSRF)) != 1 {
		return nil, errCSRF
	}
	if !credential {
		if v.Credential != nil {
			return nil, errPasskeyJSON
		}
		return nil, nil
	}
	c := v.Credential
	if c == nil || c.ID == "" || c.ID != c.RawID || c.Type != "public-key" || c.Response.ClientDataJSON == "" {
		return nil, errPasskeyJSON
	}
	if x := bytes.TrimSpace(c.ClientExtensionResults); len(x) > 0 && (len(x) > maxExtensionJSON || x[0] != '{') {
		return nil, errPasskeyJSON
	}
	return json.Marshal(c)
}

// passkeyFail answers an error of a ceremony step as JSON in the request's
// language (the session's, once it is known), for passkey.js to show.
func (s *Server) passkeyFail(w http.ResponseWriter, r *http.Request, err error) {
	st := state(r)
	if st.lang == "" {
		st.lang = s.requestLang(r)
	}
	p := s.problemOf(r, err, st.lang)
	if p.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
	}
	body := apiError{Error: apiErrorBody{Code: p.Code, Message: p.Message, Fields: p.Fields, RequestID: st.id}}
	if len(p.Fields) > 0 {
		body.Error.Message = p.Fields[0].Text
	} else {
		body.Error.Fields = []fieldMessage{}
	}
	writeJSON(w, p.Status, body)
}

// writeOptions sends the door's ceremony options ({"publicKey": …}) as they are.
func writeOptions(w http.ResponseWriter, opts []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(opts)
}

// ceremonyDone is the answer to a finished ceremony: where to go next.
type ceremonyDone struct {
	Next string `json:"next"`
}
