package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"
)

// secretBytes is the entropy of every secret and token: 256 bits from
// crypto/rand (ASVS 5.0 V7.2.3 requires at least 128 bits for session tokens).
// Because of that entropy a single SHA-256 is an adequate storage hash; a
// slow hash would protect nothing more (ASVS 5.0 V6.5.2 reasoning applies).
const secretBytes = 32

// API token layout: <prefix>_<id>_<secret>.
const (
	// DefaultAPITokenPrefix is used when NewAPIToken is given "".
	DefaultAPITokenPrefix = "nrm"
	apiTokenMaxPrefix     = 16
	apiTokenIDBytes       = 10 // 80 bits: unguessable enough for a lookup key
	apiTokenIDLen         = 16 // base32 length of apiTokenIDBytes
	apiTokenSecretLen     = 43 // base64url length of secretBytes
	apiTokenMaxLen        = apiTokenMaxPrefix + 1 + apiTokenIDLen + 1 + apiTokenSecretLen
)

var (
	b64url = base64.RawURLEncoding.Strict()
	b32id  = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding) // 10 bytes = 16 chars exactly: no partial symbols, so decoding is canonical
)

// NewSecret returns a random opaque token (32 bytes from crypto/rand,
// base64url without padding, 43 characters) for sessions, password-reset and
// e-mail confirmation links, etc., and its SHA-256 for storage. Store only
// the hash; look the token up later with HashSecret(token).
func NewSecret() (token string, hash []byte) {
	b := make([]byte, secretBytes)
	rand.Read(b) // never returns an error since Go 1.24; crashes instead
	token = b64url.EncodeToString(b)
	return token, HashSecret(token)
}

// HashSecret returns the SHA-256 of token, the value to store and to look
// up. It is deterministic so it can be used as a database key; compare
// hashes fetched by other means with EqualHash.
func HashSecret(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// EqualHash compares two hashes in constant time.
func EqualHash(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// NewAPIToken returns a new API token "<prefix>_<id>_<secret>", the id under
// which the caller stores it, and the hash to store. prefix names the token
// kind and makes leaked tokens easy to find with secret scanners; "" means
// DefaultAPITokenPrefix ("nrm"). The id (16 lower-case base32 characters) is
// not secret; the secret part is 256 bits, base64url.
//
// hash is SHA-256 over the WHOLE token, so a token with a changed prefix or
// id never matches. Verify with ParseAPIToken, a lookup by id, then
// EqualHash(stored, hash).
//
// prefix must be 1–16 characters of [a-z0-9] starting with a letter; any
// other value is a programming error and panics.
func NewAPIToken(prefix string) (token string, id string, hash []byte) {
	if prefix == "" {
		prefix = DefaultAPITokenPrefix
	}
	if !validTokenPrefix(prefix) {
		panic(fmt.Sprintf("auth: invalid API token prefix %q", prefix))
	}
	idRaw := make([]byte, apiTokenIDBytes)
	rand.Read(idRaw)
	id = b32id.EncodeToString(idRaw)
	sec := make([]byte, secretBytes)
	rand.Read(sec)
	token = prefix + "_" + id + "_" + b64url.EncodeToString(sec)
	return token, id, HashSecret(token)
}

// ParseAPIToken checks the syntax of an API token as produced by NewAPIToken
// (any valid prefix) and returns its id and the hash to compare, in constant
// time with EqualHash, against the hash stored under id. Surrounding
// whitespace is not accepted. The error wraps ErrMalformedToken. A
// syntactically valid token is not thereby authentic.
func ParseAPIToken(tok string) (id string, hash []byte, err error) {
	if len(tok) > apiTokenMaxLen {
		return "", nil, fmt.Errorf("%w: too long", ErrMalformedToken)
	}
	prefix, rest, ok := strings.Cut(tok, "_")
	if !ok || !validTokenPrefix(prefix) {
		return "", nil, fmt.Errorf("%w: bad prefix", ErrMalformedToken)
	}
	if len(rest) != apiTokenIDLen+1+apiTokenSecretLen || rest[apiTokenIDLen] != '_' {
		return "", nil, fmt.Errorf("%w: bad length", ErrMalformedToken)
	}
	id, sec := rest[:apiTokenIDLen], rest[apiTokenIDLen+1:]
	if strings.ContainsAny(id, "\r\n") {
		return "", nil, fmt.Errorf("%w: bad id", ErrMalformedToken)
	}
	if b, err := b32id.DecodeString(id); err != nil || len(b) != apiTokenIDBytes {
		return "", nil, fmt.Errorf("%w: bad id", ErrMalformedToken)
	}
	if !isBase64URL(sec) {
		return "", nil, fmt.Errorf("%w: bad secret", ErrMalformedToken)
	}
	if b, err := b64url.DecodeString(sec); err != nil || len(b) != secretBytes {
		return "", nil, fmt.Errorf("%w: bad secret", ErrMalformedToken)
	}
	return id, HashSecret(tok), nil
}

func validTokenPrefix(p string) bool {
	if len(p) == 0 || len(p) > apiTokenMaxPrefix || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isBase64URL checks the alphabet explicitly: encoding/base64 silently skips
// '\r' and '\n'.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
