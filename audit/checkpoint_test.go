package audit

import (
	"bytes"
	"crypto/ed25519"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleCheckpoint() (Checkpoint, ed25519.PublicKey) {
	pub, priv := testKey("checkpoint")
	root := MerkleRoot(testLeaves(2000))
	at := time.Date(2026, 3, 1, 12, 0, 0, 987654321, time.FixedZone("CET", 3600))
	return SignCheckpoint(priv, KeyID(pub), 2000, root, at), pub
}

func TestCheckpointSignVerify(t *testing.T) {
	c, pub := sampleCheckpoint()
	if !c.Verify(pub) {
		t.Fatal("fresh checkpoint does not verify")
	}
	if c.At.Location() != time.UTC || c.At.Nanosecond() != 0 {
		t.Errorf("At not normalised to whole UTC seconds: %v", c.At)
	}
	want := "nrm-audit-checkpoint/v1\n" + KeyID(pub) + "\n2000\n" +
		b64.EncodeToString(c.Root) + "\n" + "1772362800\n"
	if got := string(c.SignedBytes()); got != want {
		t.Errorf("SignedBytes:\n%q\nwant\n%q", got, want)
	}

	other, _ := testKey("other")
	if c.Verify(other) {
		t.Error("verified under the wrong key")
	}
	for _, bad := range []ed25519.PublicKey{nil, pub[:31], append(bytes.Clone(pub), 0)} {
		if c.Verify(bad) {
			t.Errorf("verified under a %d-byte key", len(bad))
		}
	}

	mutations := map[string]func(*Checkpoint){
		"size":     func(c *Checkpoint) { c.Size++ },
		"root":     func(c *Checkpoint) { c.Root[0] ^= 1 },
		"at":       func(c *Checkpoint) { c.At = c.At.Add(time.Second) },
		"key id":   func(c *Checkpoint) { c.KeyID = "ed25519:0000000000000000" },
		"sig":      func(c *Checkpoint) { c.Sig[63] ^= 0x40 },
		"short":    func(c *Checkpoint) { c.Sig = c.Sig[:63] },
		"no root":  func(c *Checkpoint) { c.Root = nil },
		"negative": func(c *Checkpoint) { c.Size = -1 },
		"bad id":   func(c *Checkpoint) { c.KeyID = "has space" },
	}
	for name, mutate := range mutations {
		m := cloneCheckpoint(c)
		mutate(&m)
		if m.Verify(pub) {
			t.Errorf("%s: tampered checkpoint verifies", name)
		}
	}
	if !c.Verify(pub) {
		t.Fatal("mutations leaked into the original")
	}
}

func TestSignCheckpointPanics(t *testing.T) {
	pub, priv := testKey("checkpoint")
	root := make([]byte, 32)
	cases := map[string]func(){
		"short key":  func() { SignCheckpoint(priv[:32], "k", 1, root, baseTime) },
		"negative":   func() { SignCheckpoint(priv, "k", -1, root, baseTime) },
		"short root": func() { SignCheckpoint(priv, "k", 1, root[:31], baseTime) },
		"empty id":   func() { SignCheckpoint(priv, "", 1, root, baseTime) },
		"newline id": func() { SignCheckpoint(priv, "a\nb", 1, root, baseTime) },
		"long id":    func() { SignCheckpoint(priv, strings.Repeat("k", 65), 1, root, baseTime) },
		"year 10000": func() { SignCheckpoint(priv, "k", 1, root, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	// Size 0 (empty log) and the zero time are fine.
	c := SignCheckpoint(priv, KeyID(pub), 0, MerkleRoot(nil), time.Time{})
	if !c.Verify(pub) {
		t.Error("size-0 checkpoint does not verify")
	}
}

func TestCheckpointMarshalRoundTrip(t *testing.T) {
	c, pub := sampleCheckpoint()
	text := MarshalCheckpoint(c)
	if !strings.HasSuffix(string(text), "\n") || !strings.Contains(string(text), "\n\n") {
		t.Errorf("unexpected text form:\n%s", text)
	}
	got, err := ParseCheckpoint(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", got, c)
	}
	if !got.Verify(pub) {
		t.Error("parsed checkpoint does not verify")
	}
	if !bytes.Equal(MarshalCheckpoint(got), text) {
		t.Error("re-marshalled text differs")
	}
}

func TestParseCheckpointStrict(t *testing.T) {
	c, _ := sampleCheckpoint()
	good := string(MarshalCheckpoint(c))
	lines := strings.Split(good, "\n")
	set := func(i int, v string) string {
		l := append([]string(nil), lines...)
		l[i] = v
		return strings.Join(l, "\n")
	}
	bad := map[string]string{
		"empty":          "",
		"crlf":           strings.ReplaceAll(good, "\n", "\r\n"),
		"no final nl":    strings.TrimSuffix(good, "\n"),
		"extra line":     good + "x\n",
		"trailing nl":    good + "\n",
		"header":         set(0, "nrm-audit-checkpoint/v2"),
		"empty key":      set(1, ""),
		"space key":      set(1, "a b"),
		"plus size":      set(2, "+2000"),
		"leading zero":   set(2, "02000"),
		"negative size":  set(2, "-1"),
		"hex size":       set(2, "0x7d0"),
		"huge size":      set(2, "99999999999999999999"),
		"short root":     set(3, b64.EncodeToString(c.Root[:31])),
		"root cr":        set(3, lines[3][:10]+"\r"+lines[3][10:]),
		"root urlsafe":   set(3, strings.NewReplacer("+", "-", "/", "_").Replace(lines[3])+"?"),
		"time frac":      set(4, lines[4]+".5"),
		"time far":       set(4, "253402300800"),
		"no blank":       set(5, "x"),
		"sig short":      set(6, b64.EncodeToString(c.Sig[:63])),
		"sig space":      set(6, " "+lines[6]),
		"too long":       good + strings.Repeat("x", 2000),
		"root padbits":   set(3, lines[3][:42]+string(lines[3][42]^1)+"="),
		"missing fields": "nrm-audit-checkpoint/v1\n\n",
	}
	for name, text := range bad {
		if _, err := ParseCheckpoint([]byte(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
