package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
)

// maxPersonJSON bounds a person's JSON body: the narrative's 20 000
// characters, escaped at worst, fit with room to spare.
const maxPersonJSON = 512 << 10

// personInputJSON is the body of POST and PATCH /api/v1/persons. Absent or
// null fields are left unchanged; "identity" replaces the whole identity.
type personInputJSON struct {
	Region        *string            `json:"region"`
	Status        *string            `json:"status"`
	AgeGroup      *string            `json:"age_group"`
	PresumedChild *bool              `json:"presumed_child"`
	Sex           *string            `json:"sex"`
	Nationality   *string            `json:"nationality"`
	Identity      *identityInputJSON `json:"identity"`
	Narrative     *string            `json:"narrative"`
	Version       *int64             `json:"version"`
}

type identityInputJSON struct {
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Aliases    []string `json:"aliases"`
	BirthDate  string   `json:"birth_date"`
	DocNumber  string   `json:"doc_number"`
	Phone      string   `json:"phone"`
	Address    string   `json:"address"`
}

// decodePersonInput reads a person's JSON body strictly: one object, no
// unknown fields, no trailing data, at most maxPersonJSON bytes. A PATCH
// (patch) must carry the version it edits; a POST must not. Every failure
// is an *nrm.Error (invalid or too_large), never an internal error.
func decodePersonInput(r io.Reader, patch bool) (nrm.PersonInput, int64, error) {
	var in nrm.PersonInput
	body, err := io.ReadAll(io.LimitReader(r, maxPersonJSON+1))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return in, 0, nrm.Errorf(nrm.ETooLarge, "error.too_large")
		}
		return in, 0, nrm.Errorf(nrm.EInvalid, "error.json")
	}
	if len(body) > maxPersonJSON {
		return in, 0, nrm.Errorf(nrm.ETooLarge, "error.too_large")
	}
	var v personInputJSON
	if err := decodeJSONObject(body, &v); err != nil {
		return in, 0, err
	}
	var version int64
	switch {
	case patch && v.Version == nil:
		return in, 0, nrm.FieldError("version", "error.required")
	case patch && *v.Version < 1:
		return in, 0, nrm.FieldError("version", "error.unknown_value")
	case patch:
		version = *v.Version
	case v.Version != nil:
		return in, 0, nrm.FieldError("version", "error.json_unknown_field")
	}
	in.Region, in.Sex, in.Nationality, in.Narrative, in.PresumedChild = v.Region, v.Sex, v.Nationality, v.Narrative, v.PresumedChild
	if v.Status != nil {
		in.Status = ptr(nrm.Status(*v.Status))
	}
	if v.AgeGroup != nil {
		in.AgeGroup = ptr(nrm.AgeGroup(*v.AgeGroup))
	}
	if id := v.Identity; id != nil {
		in.Identity = &nrm.Identity{
			GivenName: id.GivenName, FamilyName: id.FamilyName, Aliases: id.Aliases, BirthDate: id.BirthDate,
			DocNumber: id.DocNumber, Phone: id.Phone, Address: id.Address,
		}
	}
	return in, version, nil
}

// jsonError turns a decoding error into an invalid-input error, naming the
// field when the decoder says which.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return nrm.FieldError(clip(te.Field), "error.json_type")
	}
	msg := err.Error()
	for _, p := range []string{"json: unknown field ", "unknown object member name "} {
		if i := strings.Index(msg, p); i >= 0 {
			name := msg[i+len(p):]
			if u, err := strconv.Unquote(strings.Fields(name + " ")[0]); err == nil {
				name = u
			}
			return nrm.FieldError(clip(name), "error.json_unknown_field")
		}
	}
	return nrm.Errorf(nrm.EInvalid, "error.json")
}

// clip bounds a client-chosen field name before it is echoed.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "")
}
