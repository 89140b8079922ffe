package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters used for new hashes: the first OWASP Password Storage
// Cheat Sheet configuration (m=46 MiB, t=1, p=1), 16-byte salt, 32-byte key.
const (
	argonMemoryKiB = 47104
	argonTime      = 1
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
	argonVersion   = argon2.Version // 0x13 = 19
)

// Bounds accepted when parsing a stored hash. A stored hash chooses the work
// CheckPassword does, so these caps stop a crafted or corrupted hash from
// turning one login into a memory/CPU exhaustion (m ≤ 256 MiB, t ≤ 10,
// p ≤ 16). The lower bounds are the structural minimums of Argon2.
const (
	phcMaxLen       = 256
	phcMaxMemoryKiB = 256 * 1024
	phcMaxTime      = 10
	phcMaxThreads   = 16
	phcMinSaltLen   = 8
	phcMaxSaltLen   = 64
	phcMinKeyLen    = 16
	phcMaxKeyLen    = 64
)

// Password length limits (ASVS 5.0 V6.2.1, V6.2.9). Lengths are counted in
// Unicode code points (of the NFC form, so that "é" typed as e + combining
// accent counts once). MaxPasswordBytes bounds the raw input so that hashing
// cost stays bounded; no password is ever truncated.
const (
	MinPasswordRunes = 15
	MaxPasswordRunes = 256
	MaxPasswordBytes = 4096
)

// DefaultHashConcurrency is the number of concurrent Argon2id computations
// allowed by the package-level functions. Each one holds about 46 MiB.
const DefaultHashConcurrency = 2

// dummyPHC is a real hash with the current parameters of a random password
// that was discarded after generation. DummyCheck verifies against it so that
// a login for an unknown account costs the same as one for a known account.
const dummyPHC = "$argon2id$v=19$m=47104,t=1,p=1$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ"

var (
	b64 = base64.RawStdEncoding.Strict()

	defaultHasher = NewHasher(DefaultHashConcurrency)
	dummyParams   = mustParsePHC(dummyPHC)
)

// Hasher hashes and verifies passwords with Argon2id, allowing at most a
// fixed number of computations to run at the same time. Argon2id with 46 MiB
// per call is deliberately expensive; without a bound, a burst of logins could
// exhaust memory. Callers beyond the limit block until a slot is free. A
// Hasher is safe for concurrent use.
type Hasher struct {
	sem chan struct{}
}

// NewHasher returns a Hasher allowing at most concurrency simultaneous
// Argon2id computations. Values below 1 select DefaultHashConcurrency.
func NewHasher(concurrency int) *Hasher {
	if concurrency < 1 {
		concurrency = DefaultHashConcurrency
	}
	return &Hasher{sem: make(chan struct{}, concurrency)}
}

// HashPassword hashes pw with the default Hasher. See [Hasher.Hash].
func HashPassword(pw string) (string, error) { return defaultHasher.Hash(pw) }

// CheckPassword verifies pw against encoded with the default Hasher. See
// [Hasher.Check].
func CheckPassword(encoded, pw string) (ok bool, err error) { return defaultHasher.Check(encoded, pw) }

// DummyCheck performs the work of CheckPassword against a fixed dummy hash
// with the default Hasher. See [Hasher.DummyCheck].
func DummyCheck(pw string) { defaultHasher.DummyCheck(pw) }

// Hash returns the PHC string
//
//	$argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>
//
// for pw, with a fresh 16-byte salt from crypto/rand and base64 without
// padding. The password is hashed exactly as received: no trimming, case
// folding, Unicode normalisation or truncation (ASVS 5.0 V6.2.8). It does not
// apply the password policy; call ValidateNewPassword for new passwords.
// Passwords longer than MaxPasswordBytes are rejected with
// ErrPasswordTooLong rather than truncated.
func (h *Hasher) Hash(pw string) (string, error) {
	if len(pw) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never returns an error since Go 1.24; crashes instead
	p := phcParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads}
	key := h.derive(pw, salt, p, argonKeyLen)
	return encodePHC(p, salt, key), nil
}

// Check reports whether pw, exactly as received, matches the PHC-encoded
// hash. The comparison is constant-time. The parameters (memory, time,
// parallelism, salt and key length) are taken from the encoding, within fixed
// bounds, so hashes made with older parameters keep verifying; see
// NeedsRehash.
//
// err is non-nil (wrapping ErrInvalidHash) only when encoded is malformed or
// out of bounds; a wrong password is (false, nil). A pw longer than
// MaxPasswordBytes never matches, but still costs one dummy hash.
func (h *Hasher) Check(encoded, pw string) (ok bool, err error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordBytes {
		h.DummyCheck("")
		return false, nil
	}
	got := h.derive(pw, salt, p, uint32(len(want))) // #nosec G115 -- parsePHC bounds the key length
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyCheck does the same work as Check against a fixed hash with the
// current parameters and discards the result. Call it when the account does
// not exist (or has no password) so that response time does not reveal
// whether an account exists (ASVS 5.0 V6.3.8).
func (h *Hasher) DummyCheck(pw string) {
	if len(pw) > MaxPasswordBytes {
		pw = ""
	}
	got := h.derive(pw, dummyParams.salt, dummyParams.p, uint32(len(dummyParams.key))) // #nosec G115 -- a 32-byte key
	subtle.ConstantTimeCompare(got, dummyParams.key)
}

// NeedsRehash reports whether encoded was produced with parameters other than
// the current ones (or cannot be parsed). Callers should re-hash the password
// with HashPassword after a successful login when it returns true.
func NeedsRehash(encoded string) bool {
	p, salt, key, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	return p.memory != argonMemoryKiB || p.time != argonTime || p.threads != argonThreads ||
		len(salt) != argonSaltLen || len(key) != argonKeyLen
}

func (h *Hasher) derive(pw string, salt []byte, p phcParams, keyLen uint32) []byte {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, keyLen)
}

type phcParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

type parsedPHC struct {
	p    phcParams
	salt []byte
	key  []byte
}

func mustParsePHC(s string) parsedPHC {
	p, salt, key, err := parsePHC(s)
	if err != nil {
		panic(err)
	}
	return parsedPHC{p, salt, key}
}

func encodePHC(p phcParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argonVersion, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC parses a PHC argon2id string strictly: exact field order, no
// optional fields, canonical decimal numbers, canonical unpadded base64, and
// every value within the bounds above. Anything else is ErrInvalidHash.
func parsePHC(s string) (p phcParams, salt, key []byte, err error) {
	bad := func(why string) (phcParams, []byte, []byte, error) {
		return phcParams{}, nil, nil, fmt.Errorf("%w: %s", ErrInvalidHash, why)
	}
	if len(s) > phcMaxLen {
		return bad("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("wrong number of fields")
	}
	if parts[1] != "argon2id" {
		return bad("unsupported algorithm")
	}
	if parts[2] != "v="+strconv.Itoa(argonVersion) {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("wrong parameter list")
	}
	m, ok1 := parseParam(kv[0], "m=", phcMaxMemoryKiB)
	t, ok2 := parseParam(kv[1], "t=", phcMaxTime)
	par, ok3 := parseParam(kv[2], "p=", phcMaxThreads)
	if !ok1 || !ok2 || !ok3 {
		return bad("bad parameters")
	}
	if t < 1 || par < 1 || m < 8*par {
		return bad("parameters below minimum")
	}
	if len(parts[4]) > b64.EncodedLen(phcMaxSaltLen) || len(parts[5]) > b64.EncodedLen(phcMaxKeyLen) {
		return bad("salt or hash too long")
	}
	// encoding/base64 silently skips '\r' and '\n', so check the alphabet.
	if !isBase64Std(parts[4]) || !isBase64Std(parts[5]) {
		return bad("bad base64")
	}
	salt, err = b64.DecodeString(parts[4])
	if err != nil || len(salt) < phcMinSaltLen || len(salt) > phcMaxSaltLen {
		return bad("bad salt")
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < phcMinKeyLen || len(key) > phcMaxKeyLen {
		return bad("bad hash")
	}
	// #nosec G115 -- parseParam bounded m, t and par far below each type's maximum
	return phcParams{memory: uint32(m), time: uint32(t), threads: uint8(par)}, salt, key, nil
}

// parseParam parses "<prefix><decimal>" with a canonical decimal (ASCII
// digits only, no sign, no leading zero) not above max.
func parseParam(s, prefix string, max uint64) (uint64, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || len(v) == 0 || len(v) > 10 || (len(v) > 1 && v[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > max {
		return 0, false
	}
	return n, true
}

func isBase64Std(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}
