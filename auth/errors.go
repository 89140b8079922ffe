package auth

// Error is the error type this package returns for conditions a caller has
// to branch on or translate for the user. Code is a stable, dotted
// identifier (e.g. "password.too_short") meant to be used as a message key;
// the text returned by Error is English and for logs only.
//
// Errors compare equal under [errors.Is] when their codes are equal, so
// callers can write errors.Is(err, auth.ErrPasswordTooShort) or use
// [errors.As] to get at Code. Errors returned by this package may wrap an
// *Error with additional detail; use errors.Is / errors.As, not ==.
type Error struct {
	// Code is the stable machine-readable identifier of the condition.
	Code string
	msg  string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.msg }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Stable error codes. They are part of the API: the caller maps them to
// translated messages, so never rename one.
const (
	CodePasswordTooShort = "password.too_short"
	CodePasswordTooLong  = "password.too_long"
	CodePasswordInvalid  = "password.invalid"
	CodePasswordCommon   = "password.common"
	CodePasswordContext  = "password.context"
	CodeHashInvalid      = "password.hash_invalid"
	CodeTokenMalformed   = "token.malformed"
)

// Sentinel errors, one per code.
var (
	// ErrPasswordTooShort: fewer than MinPasswordRunes characters.
	ErrPasswordTooShort = &Error{CodePasswordTooShort, "auth: password is too short"}
	// ErrPasswordTooLong: more than MaxPasswordRunes characters or
	// MaxPasswordBytes bytes. Passwords are never truncated.
	ErrPasswordTooLong = &Error{CodePasswordTooLong, "auth: password is too long"}
	// ErrPasswordInvalid: the password is not valid UTF-8.
	ErrPasswordInvalid = &Error{CodePasswordInvalid, "auth: password is not valid UTF-8"}
	// ErrPasswordCommon: the password is on the blocklist, or is a trivial
	// variation of a listed password, a repetition or a keyboard/alphabet
	// sequence.
	ErrPasswordCommon = &Error{CodePasswordCommon, "auth: password is too common"}
	// ErrPasswordContext: the password contains a context word (user name,
	// service name).
	ErrPasswordContext = &Error{CodePasswordContext, "auth: password contains a context-specific word"}
	// ErrInvalidHash: a stored password hash is malformed or has parameters
	// outside the accepted bounds. This indicates corrupted or tampered
	// storage and should be logged and alerted on.
	ErrInvalidHash = &Error{CodeHashInvalid, "auth: invalid password hash encoding"}
	// ErrMalformedToken: an API token does not have the expected format.
	ErrMalformedToken = &Error{CodeTokenMalformed, "auth: malformed token"}
)
