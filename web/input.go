package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/nrm-org/nrm"
)

// Clean input, in one place for the API and one for forms. No field takes
// text a person did not type: invalid UTF-8, control characters (C0 but
// tab, line feed and carriage return; DEL; C1), the bidirectional
// embeddings, overrides and isolates that make text display in another
// order than it is stored (U+202A–U+202E, U+2066–U+2069, the trick that
// hides a file's real name), lone UTF-16 surrogates escaped in JSON, and
// a JSON name given twice (encoding/json keeps the last silently, so two
// readers of one body can disagree). Each is refused with a 400 that names
// the field.

// cleanText reports whether s is text a field may hold.
func cleanText(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !cleanRune(r) {
			return false
		}
		i += n
	}
	return true
}

func cleanRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return false
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return false
	}
	return true
}

// errChars is the error for a field holding what cleanText refuses.
func errChars(field string) error {
	return nrm.FieldError(field, "error.input_chars")
}

// decodeJSONObject decodes a request body that must be one JSON object into
// v: its names and strings clean (checkJSON), no unknown fields, nothing
// after it. Every failure is an *nrm.Error.
func decodeJSONObject(body []byte, v any) error {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nrm.Errorf(nrm.EInvalid, "error.json")
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nrm.Errorf(nrm.EInvalid, "error.json")
	}
	return nil
}

// checkJSON reads the first JSON value of body token by token with the
// jsontext decoder of github.com/go-json-experiment/json (the future
// encoding/json/v2), which refuses a duplicate name and says where it is,
// and checks every name and string as written: valid UTF-8, no lone
// surrogate escape, and, unquoted, clean text. encoding/json does none of
// this: it keeps the last of two equal names and turns invalid UTF-8 and
// lone surrogates into U+FFFD without a word. The error names the field
// by its path ("identity.given_name"; array positions left out, as
// encoding/json names them).
func checkJSON(body []byte) error {
	// The decoder is told to let invalid UTF-8 through so that the check
	// below sees the string and can name its field.
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowInvalidUTF8(true))
	for {
		if dec.PeekKind() == '"' {
			raw, err := dec.ReadValue()
			if err != nil {
				return syntaxError(body, err)
			}
			if !cleanQuoted(raw) {
				return errChars(pointerField(dec.StackPointer()))
			}
		} else if _, err := dec.ReadToken(); err != nil {
			return syntaxError(body, err)
		}
		if dec.StackDepth() == 0 {
			return nil
		}
	}
}

// syntaxError turns a jsontext error into an invalid-input error: a
// duplicate name or a raw control character names its field; anything
// else is the body's fault as a whole.
func syntaxError(body []byte, err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return nrm.Errorf(nrm.EInvalid, "error.json")
	}
	field := pointerField(se.JSONPointer)
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		return nrm.FieldError(field, "error.json_duplicate")
	case se.ByteOffset >= 0 && se.ByteOffset < int64(len(body)) && body[se.ByteOffset] < 0x20 && field != "":
		return errChars(field)
	}
	return nrm.Errorf(nrm.EInvalid, "error.json")
}

// cleanQuoted checks a JSON string as written, quotes included: valid
// UTF-8, every \u escape of a surrogate half paired, and clean text once
// unquoted.
func cleanQuoted(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			continue // a one-character escape; the decoder checked its syntax
		}
		r := hex4(raw, i+1)
		i += 4
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00: // a high half needs a low half next
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return false
			}
			if lo := hex4(raw, i+3); lo < 0xdc00 || lo > 0xdfff {
				return false
			}
			i += 6
		case utf16.IsSurrogate(r): // a low half alone
			return false
		}
	}
	s, err := jsontext.AppendUnquote(nil, raw)
	return err == nil && cleanText(string(s))
}

// hex4 reads four hex digits at b[i:] (the decoder has checked them).
func hex4(b []byte, i int) rune {
	if i+4 > len(b) {
		return -1
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(v)
}

// pointerField turns a JSON pointer into the dotted field name the errors
// use, without array positions (as encoding/json names fields).
func pointerField(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err != nil {
			parts = append(parts, tok)
		}
	}
	return fieldName(strings.Join(parts, "."))
}

// fieldName is a client-chosen field name made fit to echo: clipped, and
// without the characters cleanText refuses or any line break.
func fieldName(s string) string {
	return clip(strings.Map(func(r rune) rune {
		if !cleanRune(r) || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s))
}

// cleanForm checks every name and value of a parsed form (query and body):
// each field holding what cleanText refuses is named, in name order.
func cleanForm(form url.Values) error {
	var es nrm.Errors
	for _, name := range slices.Sorted(maps.Keys(form)) {
		ok := cleanText(name)
		for _, v := range form[name] {
			ok = ok && cleanText(v)
		}
		if !ok {
			es = append(es, nrm.FieldError(fieldName(name), "error.input_chars"))
		}
	}
	return es.Err()
}
