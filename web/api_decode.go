package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/nrm-org/nrm"
)

// maxActionJSON bounds the body of an identification or protection action:
// the longest field is a 20 000-character narrative, escaped at worst.
const maxActionJSON = 512 << 10

// decodeAction reads an action's JSON body into v as strictly as
// decodePersonInput: application/json, one clean object (decodeJSONObject),
// at most maxActionJSON bytes. With optional, an empty body
// (no content at all) is the empty object. Every failure is an *nrm.Error.
func decodeAction(r *http.Request, v any, optional bool) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxActionJSON+1))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nrm.Errorf(nrm.ETooLarge, "error.too_large")
		}
		return nrm.Errorf(nrm.EInvalid, "error.json")
	}
	if len(body) > maxActionJSON {
		return nrm.Errorf(nrm.ETooLarge, "error.too_large")
	}
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := jsonBody(r); err != nil {
		return err
	}
	return decodeJSONObject(body, v)
}

// tjson is a time as the API writes it: RFC 3339 in UTC, or null when the
// time is not set. Every time field of the identification API is one.
func tjson(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// opt is a string that is present only when the reader may see it.
func opt(show bool, s string) *string {
	if !show {
		return nil
	}
	return &s
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
