package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 defaults understood by every authenticator app
// (HMAC-SHA1, 6 digits, 30 s). The secret is 160 bits (RFC 4226 §4
// recommendation, above the 128-bit minimum of ASVS 5.0 V6.5.3).
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpAlgorithm  = otp.AlgorithmSHA1
	totpSecretSize = 20
	totpSkew       = 1
)

// NewTOTPKey generates a TOTP secret for account at issuer. It returns the
// base32 secret (to be stored by the caller, encrypted at rest: whoever reads
// it can generate codes) and the otpauth:// URL to show as a QR code during
// enrolment. Enrolment should be confirmed by one successful VerifyTOTP
// before the factor is activated.
func NewTOTPKey(issuer, account string) (secret string, otpauthURL string, err error) {
	if issuer == "" || account == "" {
		return "", "", errors.New("auth: TOTP issuer and account must not be empty")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      totpDigits,
		Algorithm:   totpAlgorithm,
		Rand:        rand.Reader,
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// VerifyTOTP checks a 6-digit code against secret at time now, accepting the
// current 30-second step and one step either side for clock skew. Codes are
// compared in constant time. Spaces in code are ignored.
//
// Replay protection (ASVS 5.0 V6.5.1): a code is only accepted for a step
// strictly greater than lastStep. On success the matched step is returned and
// the caller MUST store it as the new lastStep (atomically with the login,
// e.g. UPDATE ... WHERE last_step < $step) so the same code, or any earlier
// one, cannot be used again. Use 0 for a freshly enrolled secret.
//
// A 6-digit code has only ~20 bits; the caller must rate-limit verification
// attempts (e.g. with a Limiter keyed by account).
func VerifyTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	if now.Unix() < 0 || !validTOTPSecret(secret) {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	opts := hotp.ValidateOpts{Digits: totpDigits, Algorithm: totpAlgorithm}
	matched := int64(-1)
	// Every candidate step is computed and compared, so timing does not
	// depend on which step matched.
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), opts)
		if err != nil {
			return 0, false
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
		if eq && s > lastStep && matched < 0 {
			matched = s
		}
	}
	if matched < 0 {
		return 0, false
	}
	return matched, true
}

// validTOTPSecret rejects secrets that are not base32 or shorter than 128
// bits. In particular an empty secret (e.g. an account without TOTP whose
// column is empty) would otherwise be a valid, publicly known HMAC key.
func validTOTPSecret(secret string) bool {
	s := strings.ToUpper(strings.TrimSpace(secret))
	s = strings.TrimRight(s, "=")
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return err == nil && len(b) >= 16
}

// Recovery codes (ASVS 5.0 V6.5 "lookup secrets").
//
// Each code is 25 characters of RFC 4648 base32 (A–Z, 2–7), i.e. 125 bits
// from crypto/rand, shown as five groups of five: "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY".
// Because every code has at least 112 bits of entropy, ASVS 5.0 V6.5.2
// permits storing it as a plain (unsalted) SHA-256: brute-forcing a 2^125
// space is infeasible even offline and precomputed tables are useless, so a
// slow password hash would add cost without adding security. (A shorter code,
// e.g. 10 characters = 50 bits, would NOT be safe with a fast hash: 2^50
// SHA-256 evaluations take about a day on one GPU, so a database leak would
// reveal the codes.)
const (
	recoveryCodeChars = 25
	recoveryGroupLen  = 5
)

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryCodes returns n fresh recovery codes for display to the user
// once, and their SHA-256 hashes (lower-case hex) for storage. n must be
// between 1 and 100. Single use is the caller's responsibility: delete or
// mark the hash at the index returned by MatchRecoveryCode when it is used.
func NewRecoveryCodes(n int) (plain []string, hashes []string, err error) {
	if n < 1 || n > 100 {
		return nil, nil, errors.New("auth: recovery code count must be between 1 and 100")
	}
	plain = make([]string, n)
	hashes = make([]string, n)
	raw := make([]byte, 16) // 128 bits, of which 125 are used
	for i := range n {
		rand.Read(raw)
		c := recoveryEncoding.EncodeToString(raw)[:recoveryCodeChars]
		var b strings.Builder
		for j := 0; j < len(c); j += recoveryGroupLen {
			if j > 0 {
				b.WriteByte('-')
			}
			b.WriteString(c[j : j+recoveryGroupLen])
		}
		plain[i] = b.String()
		hashes[i] = hashRecoveryCode(c)
	}
	return plain, hashes, nil
}

// MatchRecoveryCode normalises code (case-insensitive; spaces and dashes
// ignored; the digits 0, 1 and 8, which are not in the alphabet, read as O,
// I and B) and compares its hash against every entry of hashes in constant
// time. It returns the index of the matching hash. It compares against all
// entries regardless of where the match is.
func MatchRecoveryCode(code string, hashes []string) (index int, ok bool) {
	norm, valid := normalizeRecoveryCode(code)
	if !valid {
		return -1, false
	}
	h := []byte(hashRecoveryCode(norm))
	index, found := -1, 0
	for i, stored := range hashes {
		eq := subtle.ConstantTimeCompare(h, []byte(strings.ToLower(stored)))
		index = subtle.ConstantTimeSelect(eq&^found, i, index) // first match wins
		found |= eq
	}
	return index, found == 1
}

func normalizeRecoveryCode(code string) (string, bool) {
	if len(code) > 4*recoveryCodeChars {
		return "", false
	}
	var b strings.Builder
	for _, r := range code {
		switch {
		case r == '-' || r == ' ':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r == '0':
			r = 'O'
		case r == '1':
			r = 'I'
		case r == '8':
			r = 'B'
		}
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryCodeChars {
		return "", false
	}
	return b.String(), true
}

func hashRecoveryCode(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}
