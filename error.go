// Package nrm holds the vocabulary of the National Referral Mechanism: the
// people referred into it, the organisations and users who work it, the
// roles they hold and the rules that decide who may see what. It imports no
// infrastructure. Storage lives in store/, encryption in vault/, the audit
// chain in audit/, authentication primitives in auth/, and the single door
// through which every read and write of case data passes in door/.
package nrm

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in exactly one place (web/error.go).
const (
	EInvalid      = "invalid"      // the input is wrong; Field says which
	ENotFound     = "not_found"    // missing, or not yours to see (the two are indistinguishable)
	EConflict     = "conflict"     // someone else changed the record first
	EUnauthorized = "unauthorized" // not signed in, or the second factor is missing
	EForbidden    = "forbidden"    // signed in but the action is not for this role (never used for records)
	ETooMany      = "too_many"     // throttled
	ETooLarge     = "too_large"    // body or file over the limit
	EStorageFull  = "storage_full" // the disk (or database) is full: nothing was saved
	EInternal     = "internal"     // our fault; details only in the log, never in the answer
)

// Error is the one application error. Key names a message in the i18n
// catalogue; Field names the input field at fault, when there is one.
type Error struct {
	Code  string
	Key   string
	Field string
	Args  []any
	Err   error // the cause, for logs only
}

func (e *Error) Error() string {
	s := e.Code
	if e.Key != "" {
		s += ": " + e.Key
	}
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error with a code and a catalogue key.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// FieldError makes an EInvalid error naming the field at fault.
func FieldError(field, key string, args ...any) *Error {
	return &Error{Code: EInvalid, Key: key, Field: field, Args: args}
}

// Internal wraps an unexpected error; the answer says only that something went wrong.
func Internal(err error) *Error {
	return &Error{Code: EInternal, Key: "error.internal", Err: err}
}

// ErrNotFound is what every missing or out-of-scope record answers.
var ErrNotFound = &Error{Code: ENotFound, Key: "error.not_found"}

// ErrorCode returns the code of err: EInternal for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	var es Errors
	if err == nil {
		return ""
	} else if errors.As(err, &es) {
		return EInvalid
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorOf returns err as *Error, wrapping unknown errors as internal.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Errors collects several field errors, for a form's error summary.
type Errors []*Error

func (es Errors) Error() string {
	if len(es) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%d errors, first: %v", len(es), es[0])
}

// Err returns nil when empty, otherwise the collection as an error.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
