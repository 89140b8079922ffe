package auth

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

const goodPassword = "violet tractor sings under 9 moons"

func TestHashPasswordRoundTrip(t *testing.T) {
	enc, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts[4]) != 22 || len(parts[5]) != 43 { // 16-byte salt, 32-byte key
		t.Fatalf("salt/hash lengths %d/%d", len(parts[4]), len(parts[5]))
	}
	if NeedsRehash(enc) {
		t.Error("fresh hash needs rehash")
	}
	ok, err := CheckPassword(enc, goodPassword)
	if err != nil || !ok {
		t.Fatalf("CheckPassword(correct) = %v, %v", ok, err)
	}
	ok, err = CheckPassword(enc, goodPassword+" ")
	if err != nil || ok {
		t.Fatalf("CheckPassword(wrong) = %v, %v", ok, err)
	}
	enc2, _ := HashPassword(goodPassword)
	if enc2 == enc {
		t.Error("two hashes of the same password are equal: salt not random")
	}
}

func TestPasswordVerifiedExactlyAsReceived(t *testing.T) {
	// ASVS 5.0 V6.2.8: no truncation, case folding, trimming or normalisation.
	composed := "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e 2x"
	enc, err := HashPassword(composed)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{
		"cafe\u0301 cre\u0300me bru\u0302le\u0301e 2x", // decomposed
		strings.ToUpper(composed),
		composed + " ",
		composed[:len(composed)-1],
	} {
		if ok, err := CheckPassword(enc, variant); ok || err != nil {
			t.Errorf("variant %q: %v, %v", variant, ok, err)
		}
	}
	if ok, err := CheckPassword(enc, composed); !ok || err != nil {
		t.Errorf("exact password: %v, %v", ok, err)
	}
}

func TestCheckPasswordTampered(t *testing.T) {
	enc, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	flip := func(s string) string { // change the first char to another valid base64 char
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	join := func(p []string) string { return strings.Join(p, "$") }

	tamperedHash := append([]string(nil), parts...)
	tamperedHash[5] = flip(parts[5])
	tamperedSalt := append([]string(nil), parts...)
	tamperedSalt[4] = flip(parts[4])
	tamperedParams := append([]string(nil), parts...)
	tamperedParams[3] = "m=47104,t=2,p=1"

	for name, e := range map[string]string{
		"hash":   join(tamperedHash),
		"salt":   join(tamperedSalt),
		"params": join(tamperedParams),
	} {
		ok, err := CheckPassword(e, goodPassword)
		if ok || err != nil {
			t.Errorf("%s tampered: got %v, %v; want false, nil", name, ok, err)
		}
	}
	if !NeedsRehash(join(tamperedParams)) {
		t.Error("t=2 hash should need rehash")
	}

	algo := append([]string(nil), parts...)
	algo[1] = "argon2i"
	ok, err := CheckPassword(join(algo), goodPassword)
	if ok || !errors.Is(err, ErrInvalidHash) {
		t.Errorf("argon2i: got %v, %v", ok, err)
	}
}

func TestParsePHCRejectsHostile(t *testing.T) {
	const salt = "w9qVxwYuYPfiYgZGSUzR3w"
	const key = "QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ"
	mk := func(algo, v, params, s, k string) string {
		return "$" + algo + "$" + v + "$" + params + "$" + s + "$" + k
	}
	ok := func(params string) string { return mk("argon2id", "v=19", params, salt, key) }
	bad := map[string]string{
		"m too big":         ok("m=262145,t=1,p=1"),
		"m huge":            ok("m=4294967295,t=1,p=1"),
		"m overflow":        ok("m=99999999999999999999,t=1,p=1"),
		"m below 8p":        ok("m=7,t=1,p=1"),
		"m zero":            ok("m=0,t=1,p=1"),
		"t zero":            ok("m=47104,t=0,p=1"),
		"t too big":         ok("m=47104,t=11,p=1"),
		"p zero":            ok("m=47104,t=1,p=0"),
		"p too big":         ok("m=47104,t=1,p=17"),
		"p 256":             ok("m=47104,t=1,p=256"),
		"leading zero":      ok("m=047104,t=1,p=1"),
		"plus sign":         ok("m=+47104,t=1,p=1"),
		"negative":          ok("m=-1,t=1,p=1"),
		"hex":               ok("m=0xb800,t=1,p=1"),
		"underscore":        ok("m=47_104,t=1,p=1"),
		"space":             ok("m=47104, t=1,p=1"),
		"reordered":         ok("t=1,m=47104,p=1"),
		"extra param":       ok("m=47104,t=1,p=1,k=1"),
		"missing param":     ok("m=47104,t=1"),
		"empty param":       ok("m=,t=1,p=1"),
		"version 16":        mk("argon2id", "v=16", "m=47104,t=1,p=1", salt, key),
		"no version":        "$argon2id$m=47104,t=1,p=1$" + salt + "$" + key,
		"argon2d":           mk("argon2d", "v=19", "m=47104,t=1,p=1", salt, key),
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"padded salt":       mk("argon2id", "v=19", "m=47104,t=1,p=1", salt+"==", key),
		"url base64":        mk("argon2id", "v=19", "m=47104,t=1,p=1", salt, strings.ReplaceAll(key, "/", "_")),
		"short salt":        mk("argon2id", "v=19", "m=47104,t=1,p=1", "AAAAAA", key),
		"short key":         mk("argon2id", "v=19", "m=47104,t=1,p=1", salt, "AAAAAAAAAA"),
		"long key":          mk("argon2id", "v=19", "m=47104,t=1,p=1", salt, strings.Repeat("A", 100)),
		"non-canonical b64": mk("argon2id", "v=19", "m=47104,t=1,p=1", salt[:21]+"x", key),
		"trailing field":    ok("m=47104,t=1,p=1") + "$",
		"leading space":     " " + ok("m=47104,t=1,p=1"),
		"trailing newline":  ok("m=47104,t=1,p=1") + "\n",
		"empty":             "",
		"dollars":           "$$$$$",
		"too long":          ok("m=47104,t=1,p=1") + strings.Repeat("A", 300),
	}
	for name, s := range bad {
		if _, _, _, err := parsePHC(s); !errors.Is(err, ErrInvalidHash) {
			t.Errorf("%s: parsePHC(%q) err = %v, want ErrInvalidHash", name, s, err)
		}
		// CheckPassword must reject before doing any (potentially huge) work.
		if ok, err := CheckPassword(s, goodPassword); ok || err == nil {
			t.Errorf("%s: CheckPassword = %v, %v", name, ok, err)
		}
	}
	// The bounds themselves are accepted.
	for _, params := range []string{"m=262144,t=1,p=1", "m=8,t=10,p=1", "m=128,t=1,p=16"} {
		if _, _, _, err := parsePHC(ok(params)); err != nil {
			t.Errorf("parsePHC(%s): %v", params, err)
		}
	}
}

func TestCheckPasswordTooLong(t *testing.T) {
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordBytes+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("HashPassword(too long) err = %v", err)
	}
	ok, err := CheckPassword(dummyPHC, strings.Repeat("x", MaxPasswordBytes+1))
	if ok || err != nil {
		t.Errorf("CheckPassword(too long) = %v, %v", ok, err)
	}
}

func TestDummyCheck(t *testing.T) {
	// Must not panic and must do the real work; the dummy hash must use the
	// current parameters so that its cost equals a real check.
	if NeedsRehash(dummyPHC) {
		t.Fatal("dummy hash does not use the current parameters")
	}
	DummyCheck(goodPassword)
	DummyCheck(strings.Repeat("x", MaxPasswordBytes+1))
}

func TestNewHasher(t *testing.T) {
	if got := cap(NewHasher(0).sem); got != DefaultHashConcurrency {
		t.Errorf("NewHasher(0) concurrency = %d", got)
	}
	h := NewHasher(1)
	if cap(h.sem) != 1 {
		t.Fatal("concurrency not applied")
	}
	// Two concurrent operations on a 1-slot hasher must both complete.
	enc, err := h.Hash(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool, 2)
	for range 2 {
		go func() { ok, _ := h.Check(enc, goodPassword); done <- ok }()
	}
	first, second := <-done, <-done
	if !first || !second {
		t.Error("concurrent Check failed")
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("unexpected error %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("err = %v, want code %s", err, code)
	}
}

func TestValidateNewPasswordLength(t *testing.T) {
	// 14 two-byte characters: 28 bytes but 14 characters, too short.
	fourteen := "ëïöüäéèêàçñøåœ"
	if utf8.RuneCountInString(fourteen) != 14 {
		t.Fatal("test data")
	}
	wantCode(t, ValidateNewPassword(fourteen), CodePasswordTooShort)
	wantCode(t, ValidateNewPassword(fourteen+"ß"), "")
	// Decomposed: 16 code points as typed, 8 after normalisation.
	wantCode(t, ValidateNewPassword(strings.Repeat("e\u0308", 8)), CodePasswordTooShort)
	wantCode(t, ValidateNewPassword(""), CodePasswordTooShort)
	wantCode(t, ValidateNewPassword("short one here"), CodePasswordTooShort)

	r := rand.New(rand.NewPCG(1, 2))
	randomWords := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteByte(byte('a' + r.IntN(26)))
			if r.IntN(6) == 0 {
				b.WriteByte(' ')
			}
		}
		return b.String()[:n]
	}
	max := randomWords(MaxPasswordRunes)
	wantCode(t, ValidateNewPassword(max), "")
	wantCode(t, ValidateNewPassword(max+"q"), CodePasswordTooLong)
	wantCode(t, ValidateNewPassword(strings.Repeat("€", 1400)), CodePasswordTooLong) // > MaxPasswordBytes
	wantCode(t, ValidateNewPassword("valid until \xff here ok"), CodePasswordInvalid)
	// All characters are allowed, spaces and emoji included.
	wantCode(t, ValidateNewPassword("🦊 jumps over 🐕 twice, quietly"), "")
}

func TestValidateNewPasswordBlocklist(t *testing.T) {
	for _, pw := range []string{
		"correct horse battery staple",
		"Correct Horse Battery Staple",
		"correct-horse-battery-staple",
		"passwordpassword",
		"Password123456789",
		"!!!password2024!!!",
		"P@ssw0rd!!!!!!!!",
		"iloveyouiloveyou",
		"qwertyuiopasdfgh",
		"123456789012345",
		"987654321098765",
		"abcdefghijklmnop",
		"aaaaaaaaaaaaaaaaaaaa",
		"abcabcabcabcabcabc",
		"1q2w3e4r5t6y7u8i",
		"zxcvbnm123456789",
		"humantrafficking",
		"ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ", // full-width
	} {
		wantCode(t, ValidateNewPassword(pw), CodePasswordCommon)
		if err := ValidateNewPassword(pw); !errors.Is(err, ErrPasswordCommon) {
			t.Errorf("%q: errors.Is(ErrPasswordCommon) false", pw)
		}
	}
	wantCode(t, ValidateNewPassword(goodPassword), "")

	const custom = "zebra unicorn lighthouse"
	wantCode(t, ValidateNewPassword(custom), "")
	if err := LoadBlocklist(strings.NewReader("# comment\n\n" + custom + "\n")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ValidateNewPassword(custom), CodePasswordCommon)
}

func TestValidateNewPasswordContext(t *testing.T) {
	wantCode(t, ValidateNewPassword("my name is Alice.Smith ok", "alice.smith"), CodePasswordContext)
	wantCode(t, ValidateNewPassword("AliceSmith rides a bicycle", "alice.smith"), CodePasswordContext)
	wantCode(t, ValidateNewPassword("purple alice.smith lamp 42", "alice.smith@example.org"), CodePasswordContext)
	wantCode(t, ValidateNewPassword("the NRM portal is lovely", "bob"), CodePasswordContext)
	wantCode(t, ValidateNewPassword("mkr orange violin sunset"), CodePasswordContext)
	wantCode(t, ValidateNewPassword("bob likes orange violins", "Bob"), CodePasswordContext)
	// Context words shorter than 3 characters are ignored.
	wantCode(t, ValidateNewPassword("al likes orange violins", "al"), "")
	wantCode(t, ValidateNewPassword(goodPassword, "alice", "alice@example.org"), "")
}

func FuzzParsePHC(f *testing.F) {
	f.Add(dummyPHC)
	f.Add("$argon2id$v=19$m=262144,t=10,p=16$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ")
	f.Add("$argon2id$v=19$m=262145,t=1,p=1$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ")
	f.Add("$argon2id$v=19$m=47104,t=0,p=1$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ")
	f.Add("$argon2id$v=19$m=047104,t=1,p=1$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ")
	f.Add("$argon2i$v=19$m=47104,t=1,p=1$w9qVxwYuYPfiYgZGSUzR3w$QfWzv4hXc3lSqlRg4o1HrcS5QNHkUO/+1NW5fOlcVeQ")
	f.Add("$argon2id$v=19$m=47104,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=4294967296,t=4294967296,p=256$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Add("$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("error %v does not wrap ErrInvalidHash", err)
			}
			return
		}
		if p.memory > phcMaxMemoryKiB || p.time < 1 || p.time > phcMaxTime ||
			p.threads < 1 || p.threads > phcMaxThreads || p.memory < 8*uint32(p.threads) {
			t.Fatalf("accepted out-of-bounds params %+v", p)
		}
		if len(salt) < phcMinSaltLen || len(salt) > phcMaxSaltLen || len(key) < phcMinKeyLen || len(key) > phcMaxKeyLen {
			t.Fatalf("accepted salt/key lengths %d/%d", len(salt), len(key))
		}
		// Only canonical encodings are accepted.
		if re := encodePHC(p, salt, key); re != s {
			t.Fatalf("non-canonical encoding accepted: %q re-encodes as %q", s, re)
		}
	})
}

func BenchmarkHashPassword(b *testing.B) {
	h := NewHasher(1)
	for b.Loop() {
		if _, err := h.Hash(goodPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	h := NewHasher(1)
	enc, err := h.Hash(goodPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Check(enc, goodPassword); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
