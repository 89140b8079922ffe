package auth

import (
	"bufio"
	"bytes"
	_ "embed"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// commonPasswords is a STARTER blocklist of a few hundred well-known
// passwords and password patterns, one per line, '#' starts a comment. ASVS
// 5.0 V6.2.4 asks for at least the top 3000 passwords that satisfy the
// policy; load a larger list (e.g. derived from breach corpora) at start-up
// with LoadBlocklist. Entries shorter than MinPasswordRunes still matter:
// ValidateNewPassword also rejects listed words padded with digits or
// symbols and listed words repeated.
//
//go:embed common_passwords.txt
var commonPasswords []byte

// defaultContextWords are always treated as context words by
// ValidateNewPassword: the service's own names.
var defaultContextWords = []string{"nrm", "mkr"}

// minContextWordRunes is the shortest context word that is enforced; shorter
// ones (e.g. a two-letter user name) would reject too many good passwords.
const minContextWordRunes = 3

// keyboard and alphabet sequences; a password whose letters and digits form a
// contiguous run of one of these (forwards or backwards, wrapping) is
// rejected as trivially guessable.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"0123456789",
	"qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm",
	"azertyuiopqsdfghjklmwxcvbn",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"1q2w3e4r5t6y7u8i9o0p",
	"q1w2e3r4t5y6u7i8o9p0",
	"1234567890qwertyuiopasdfghjklzxcvbnm",
}

var blocklist = struct {
	once sync.Once
	mu   sync.RWMutex
	set  map[string]struct{}
}{}

func loadBlocklist() {
	blocklist.once.Do(func() {
		blocklist.set = make(map[string]struct{}, 1024)
		addBlocklist(bytes.NewReader(commonPasswords))
	})
}

// addBlocklist adds every entry of r to the set; the caller holds the lock or
// is inside the once.
func addBlocklist(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := foldPassword(line)
		blocklist.set[f] = struct{}{}
		if sk := skeleton(f); sk != "" {
			blocklist.set[sk] = struct{}{}
		}
	}
	return sc.Err()
}

// LoadBlocklist adds the passwords in r (one per line, blank lines and lines
// starting with '#' ignored) to the blocklist used by ValidateNewPassword, in
// addition to the embedded starter list. Call it once at start-up; it is safe
// for concurrent use with ValidateNewPassword.
func LoadBlocklist(r io.Reader) error {
	loadBlocklist()
	blocklist.mu.Lock()
	defer blocklist.mu.Unlock()
	return addBlocklist(r)
}

func isBlocklisted(s string) bool {
	if s == "" {
		return false
	}
	blocklist.mu.RLock()
	_, ok := blocklist.set[s]
	blocklist.mu.RUnlock()
	return ok
}

// foldPassword is the form used only to compare against the blocklist and
// context words: NFKC (so full-width, ligature and decomposed variants of a
// listed word are caught) then lower case. The password itself is hashed
// unmodified.
func foldPassword(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// skeleton keeps only letters and digits.
func skeleton(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// ValidateNewPassword applies the password policy for a new or changed
// password (ASVS 5.0 V6.2):
//
//   - valid UTF-8, at most MaxPasswordBytes bytes;
//   - at least MinPasswordRunes and at most MaxPasswordRunes Unicode code
//     points (not bytes), counted on the NFC form so a decomposed accent
//     counts once; all characters, including spaces and emoji, are allowed
//     and nothing is truncated;
//   - not on the blocklist (compared case-insensitively and after NFKC),
//     also after removing spaces/punctuation and
//     leading/trailing digits and symbols, not a short unit or a listed word
//     repeated, and not a keyboard or alphabet sequence;
//   - not containing, case-insensitively, any context word of at least 3
//     characters: the caller passes the user name, e-mail address, real
//     name and the like; "nrm" and "mkr" are always added. For an e-mail
//     address, the local part is checked as well.
//
// No composition rules (upper/lower/digit/symbol) are imposed, per ASVS and
// NIST SP 800-63B. The error is one of the ErrPassword* values.
func ValidateNewPassword(pw string, contextWords ...string) error {
	if !utf8.ValidString(pw) {
		return ErrPasswordInvalid
	}
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	n := utf8.RuneCountInString(norm.NFC.String(pw))
	if n < MinPasswordRunes {
		return ErrPasswordTooShort
	}
	if n > MaxPasswordRunes {
		return ErrPasswordTooLong
	}
	if isCommon(pw) {
		return ErrPasswordCommon
	}
	if containsContextWord(pw, contextWords) {
		return ErrPasswordContext
	}
	return nil
}

func isCommon(pw string) bool {
	loadBlocklist()
	f := foldPassword(pw)
	sk := skeleton(f)
	core := strings.TrimFunc(sk, unicode.IsDigit)
	for _, c := range []string{f, sk, core} {
		if isBlocklisted(c) {
			return true
		}
	}
	for _, c := range []string{f, sk} {
		if c == "" {
			continue
		}
		if unit, ok := repeatedUnit(c); ok {
			if utf8.RuneCountInString(unit) <= 4 || isBlocklisted(unit) || isBlocklisted(strings.TrimFunc(unit, unicode.IsDigit)) {
				return true
			}
		}
	}
	if sk != "" && utf8.RuneCountInString(sk) >= 4 && isSequence(sk) {
		return true
	}
	return false
}

// repeatedUnit returns the shortest u such that s is u repeated at least
// twice.
func repeatedUnit(s string) (string, bool) {
	r := []rune(s)
	for l := 1; l <= len(r)/2; l++ {
		if len(r)%l != 0 {
			continue
		}
		ok := true
		for i := l; i < len(r); i++ {
			if r[i] != r[i-l] {
				ok = false
				break
			}
		}
		if ok {
			return string(r[:l]), true
		}
	}
	return "", false
}

func isSequence(s string) bool {
	for _, seq := range sequences {
		fwd := seq + seq + seq
		if strings.Contains(fwd, s) || strings.Contains(reverse(fwd), s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

func containsContextWord(pw string, contextWords []string) bool {
	f := foldPassword(pw)
	sk := skeleton(f)
	words := make([]string, 0, len(contextWords)+len(defaultContextWords)+2)
	words = append(words, defaultContextWords...)
	for _, w := range contextWords {
		words = append(words, w)
		if local, _, ok := strings.Cut(w, "@"); ok {
			words = append(words, local)
		}
	}
	for _, w := range words {
		w = strings.TrimSpace(foldPassword(w))
		if utf8.RuneCountInString(w) >= minContextWordRunes && strings.Contains(f, w) {
			return true
		}
		if ws := skeleton(w); utf8.RuneCountInString(ws) >= minContextWordRunes && strings.Contains(sk, ws) {
			return true
		}
	}
	return false
}
