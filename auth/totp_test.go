package auth

import (
	"encoding/base32"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

func TestNewTOTPKey(t *testing.T) {
	secret, u, err := NewTOTPKey("NRM", "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(raw) != 20 {
		t.Fatalf("secret %q: %d bytes, %v", secret, len(raw), err)
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "otpauth" || pu.Host != "totp" {
		t.Fatalf("bad URL %q", u)
	}
	q := pu.Query()
	if q.Get("secret") != secret || q.Get("issuer") != "NRM" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URL query %v", q)
	}
	if s2, _, _ := NewTOTPKey("NRM", "alice@example.org"); s2 == secret {
		t.Error("secrets are not random")
	}
	if _, _, err := NewTOTPKey("", "alice"); err == nil {
		t.Error("empty issuer accepted")
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret, _, err := NewTOTPKey("NRM", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
	cur := now.Unix() / 30
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := code(now)
	step, ok := VerifyTOTP(secret, c, now, 0)
	if !ok || step != cur {
		t.Fatalf("current code: step %d ok %v, want %d", step, ok, cur)
	}
	// Replay of the same code is rejected once its step is stored.
	if _, ok := VerifyTOTP(secret, c, now, step); ok {
		t.Fatal("replayed code accepted")
	}
	if _, ok := VerifyTOTP(secret, c, now.Add(20*time.Second), step); ok {
		t.Fatal("replayed code accepted in the next step")
	}
	// ±1 step skew.
	if s, ok := VerifyTOTP(secret, code(now.Add(-30*time.Second)), now, 0); !ok || s != cur-1 {
		t.Errorf("previous step: %d %v", s, ok)
	}
	if s, ok := VerifyTOTP(secret, code(now.Add(30*time.Second)), now, 0); !ok || s != cur+1 {
		t.Errorf("next step: %d %v", s, ok)
	}
	// A code older than the last used step is rejected even within skew.
	if _, ok := VerifyTOTP(secret, code(now.Add(-30*time.Second)), now, cur); ok {
		t.Error("code older than lastStep accepted")
	}
	// Outside the skew window.
	if _, ok := VerifyTOTP(secret, code(now.Add(-90*time.Second)), now, 0); ok {
		t.Error("code 3 steps old accepted")
	}
	if _, ok := VerifyTOTP(secret, code(now.Add(90*time.Second)), now, 0); ok {
		t.Error("code 3 steps ahead accepted")
	}
	// Formatting.
	if _, ok := VerifyTOTP(secret, c[:3]+" "+c[3:], now, 0); !ok {
		t.Error("code with space rejected")
	}
	for _, bad := range []string{"", c[:5], c + "0", "abcdef", "12345x", "-12345", "１２３４５６"} {
		if _, ok := VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("malformed code %q accepted", bad)
		}
	}
	wrong := []byte(c)
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	if _, ok := VerifyTOTP(secret, string(wrong), now, 0); ok {
		t.Error("wrong code accepted")
	}
}

func TestVerifyTOTPRejectsWeakSecret(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, secret := range []string{"", "JBSWY3DPEHPK3PXP" /* 80 bits */, "not base32!"} {
		c, err := hotp.GenerateCodeCustom(secret, uint64(now.Unix()/30), hotp.ValidateOpts{})
		if err != nil {
			c = "123456"
		}
		if _, ok := VerifyTOTP(secret, c, now, 0); ok {
			t.Errorf("secret %q accepted", secret)
		}
	}
}

var recoveryFormat = regexp.MustCompile(`^[A-Z2-7]{5}(-[A-Z2-7]{5}){4}$`)

func TestRecoveryCodes(t *testing.T) {
	plain, hashes, err := NewRecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes, %d hashes", len(plain), len(hashes))
	}
	seen := map[string]bool{}
	for i, p := range plain {
		if !recoveryFormat.MatchString(p) {
			t.Errorf("code %q has wrong format", p)
		}
		if len(hashes[i]) != 64 || strings.ToLower(hashes[i]) != hashes[i] {
			t.Errorf("hash %q is not lower-case SHA-256 hex", hashes[i])
		}
		if seen[p] || seen[hashes[i]] {
			t.Errorf("duplicate code or hash")
		}
		seen[p], seen[hashes[i]] = true, true
	}
	for i, p := range plain {
		variants := []string{
			p,
			strings.ToLower(p),
			strings.ReplaceAll(p, "-", ""),
			strings.ReplaceAll(p, "-", " "),
			" " + strings.ToLower(strings.ReplaceAll(p, "-", "")) + " ",
		}
		for _, v := range variants {
			if idx, ok := MatchRecoveryCode(v, hashes); !ok || idx != i {
				t.Errorf("MatchRecoveryCode(%q) = %d, %v; want %d", v, idx, ok, i)
			}
		}
	}
	// Wrong codes.
	other, _, _ := NewRecoveryCodes(1)
	mutated := []byte(plain[0])
	if mutated[0] == 'A' {
		mutated[0] = 'B'
	} else {
		mutated[0] = 'A'
	}
	for _, bad := range []string{other[0], string(mutated), "", plain[0][:20], plain[0] + "A", "ABCDE-FGHIJ-KLMNO-PQRST-UVWX!"} {
		if idx, ok := MatchRecoveryCode(bad, hashes); ok || idx != -1 {
			t.Errorf("MatchRecoveryCode(%q) = %d, %v", bad, idx, ok)
		}
	}
	if _, ok := MatchRecoveryCode(plain[0], nil); ok {
		t.Error("match against empty list")
	}
	// The caller deletes a used hash; the code then no longer matches.
	rest := append(append([]string(nil), hashes[:3]...), hashes[4:]...)
	if _, ok := MatchRecoveryCode(plain[3], rest); ok {
		t.Error("used code still matches")
	}
	// Duplicate stored hashes: the first index wins.
	dup := []string{hashes[1], hashes[0], hashes[0]}
	if idx, ok := MatchRecoveryCode(plain[0], dup); !ok || idx != 1 {
		t.Errorf("duplicate: %d %v", idx, ok)
	}
	// Upper-case hex from storage still matches.
	if idx, ok := MatchRecoveryCode(plain[2], []string{strings.ToUpper(hashes[2])}); !ok || idx != 0 {
		t.Errorf("upper-case hex: %d %v", idx, ok)
	}

	for _, n := range []int{0, -1, 101} {
		if _, _, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d) accepted", n)
		}
	}
}

func TestRecoveryCodeLookalikes(t *testing.T) {
	const code = "OIBAA-BBBBB-CCCCC-DDDDD-EEEEE"
	h := []string{hashRecoveryCode(strings.ReplaceAll(code, "-", ""))}
	if idx, ok := MatchRecoveryCode("018aa bbbbb ccccc ddddd eeeee", h); !ok || idx != 0 {
		t.Errorf("look-alike digits not normalised: %d %v", idx, ok)
	}
}
