package auth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	tok, h := NewSecret()
	if len(tok) != 43 {
		t.Fatalf("token length %d", len(tok))
	}
	raw, err := b64url.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
	}
	want := sha256.Sum256([]byte(tok))
	if !bytes.Equal(h, want[:]) || !bytes.Equal(HashSecret(tok), h) || !EqualHash(HashSecret(tok), h) {
		t.Fatal("hash mismatch")
	}
	tok2, h2 := NewSecret()
	if tok2 == tok || EqualHash(h, h2) {
		t.Fatal("secrets are not random")
	}
	if EqualHash(h, h[:16]) {
		t.Fatal("EqualHash accepted a prefix")
	}
}

func TestAPITokenRoundTrip(t *testing.T) {
	for _, prefix := range []string{"", "nrm", "svc2"} {
		tok, id, h := NewAPIToken(prefix)
		want := prefix
		if want == "" {
			want = "nrm"
		}
		if !strings.HasPrefix(tok, want+"_"+id+"_") {
			t.Fatalf("token %q does not have form %s_<id>_<secret>", tok, want)
		}
		if len(id) != 16 {
			t.Errorf("id %q length %d", id, len(id))
		}
		gotID, gotHash, err := ParseAPIToken(tok)
		if err != nil || gotID != id || !EqualHash(gotHash, h) {
			t.Fatalf("ParseAPIToken(%q) = %q, %x, %v", tok, gotID, gotHash, err)
		}
	}
	tok1, id1, _ := NewAPIToken("")
	tok2, id2, _ := NewAPIToken("")
	if tok1 == tok2 || id1 == id2 {
		t.Fatal("tokens are not random")
	}
}

func TestAPITokenTampered(t *testing.T) {
	tok, id, h := NewAPIToken("nrm")
	// A different prefix with the same id and secret parses but never matches.
	other := "abc" + strings.TrimPrefix(tok, "nrm")
	gotID, gotHash, err := ParseAPIToken(other)
	if err != nil || gotID != id {
		t.Fatalf("ParseAPIToken(%q): %v", other, err)
	}
	if EqualHash(gotHash, h) {
		t.Fatal("token with changed prefix matches")
	}
	// Changed secret: either malformed or a different hash.
	last := tok[len(tok)-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'E'
	}
	changed := tok[:len(tok)-1] + string(repl)
	if _, gh, err := ParseAPIToken(changed); err == nil && EqualHash(gh, h) {
		t.Fatal("changed secret matches")
	}
}

func TestParseAPITokenMalformed(t *testing.T) {
	tok, id, _ := NewAPIToken("nrm")
	sec := tok[len("nrm_"+id+"_"):]
	for name, bad := range map[string]string{
		"empty":           "",
		"prefix only":     "nrm",
		"no secret":       "nrm_" + id,
		"empty parts":     "nrm__",
		"upper prefix":    "NRM_" + id + "_" + sec,
		"digit prefix":    "1nrm_" + id + "_" + sec,
		"long prefix":     strings.Repeat("a", 17) + "_" + id + "_" + sec,
		"upper id":        "nrm_" + strings.ToUpper(id) + "_" + sec,
		"short id":        "nrm_" + id[1:] + "_" + sec,
		"bad id char":     "nrm_" + "0" + id[1:] + "_" + sec,
		"short secret":    "nrm_" + id + "_" + sec[1:],
		"long secret":     "nrm_" + id + "_" + sec + "A",
		"padded secret":   "nrm_" + id + "_" + sec + "=",
		"std base64":      "nrm_" + id + "_" + strings.Repeat("+", 43),
		"space":           " " + tok,
		"newline":         tok + "\n",
		"extra separator": "nrm_x_" + id + "_" + sec,
		"huge":            strings.Repeat("a", 10000),
	} {
		if _, _, err := ParseAPIToken(bad); !errors.Is(err, ErrMalformedToken) {
			t.Errorf("%s: ParseAPIToken(%q) err = %v", name, bad, err)
		}
	}
}

func TestNewAPITokenBadPrefixPanics(t *testing.T) {
	for _, p := range []string{"nrm_x", "NRM", "1a", strings.Repeat("a", 17), "a-b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewAPIToken(%q) did not panic", p)
				}
			}()
			NewAPIToken(p)
		}()
	}
}

func FuzzParseAPIToken(f *testing.F) {
	tok, _, _ := NewAPIToken("")
	f.Add(tok)
	tok2, _, _ := NewAPIToken("svc")
	f.Add(tok2)
	f.Add("nrm_aaaaaaaaaaaaaaaa_" + strings.Repeat("A", 43))
	f.Add("nrm_aaaaaaaaaaaaaaaa_" + strings.Repeat("_", 43))
	f.Add("nrm__")
	f.Add("")
	f.Add("_")
	f.Fuzz(func(t *testing.T, s string) {
		id, h, err := ParseAPIToken(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedToken) || id != "" || h != nil {
				t.Fatalf("bad error result %q %x %v", id, h, err)
			}
			return
		}
		prefix, rest, _ := strings.Cut(s, "_")
		if !validTokenPrefix(prefix) || len(id) != apiTokenIDLen || !strings.HasPrefix(rest, id+"_") {
			t.Fatalf("accepted %q with id %q", s, id)
		}
		if !EqualHash(h, HashSecret(s)) {
			t.Fatal("hash is not over the whole token")
		}
		if len(s) > apiTokenMaxLen {
			t.Fatal("accepted over-long token")
		}
	})
}
