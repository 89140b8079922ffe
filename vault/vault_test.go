package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
)

func openTest(t testing.TB, cfg Config) *Vault {
	t.Helper()
	if cfg.KeyDir == "" {
		cfg.KeyDir = filepath.Join(t.TempDir(), "keys")
	}
	v, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return v
}

func mustNewDEK(t testing.TB, v *Vault, subject string) ([]byte, *DEK) {
	t.Helper()
	w, d, err := v.NewDEK(subject)
	if err != nil {
		t.Fatalf("NewDEK(%q): %v", subject, err)
	}
	return w, d
}

func mustSeal(t testing.TB, d *DEK, pt, table, col, rec string) []byte {
	t.Helper()
	ct, err := d.Seal([]byte(pt), table, col, rec)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return ct
}

func wantOpen(t testing.TB, d *DEK, ct []byte, table, col, rec, want string) {
	t.Helper()
	pt, err := d.Open(ct, table, col, rec)
	if err != nil {
		t.Fatalf("Open(%s,%s,%s): %v", table, col, rec, err)
	}
	if string(pt) != want {
		t.Fatalf("Open = %q, want %q", pt, want)
	}
}

func wantDecryptErr(t testing.TB, err error, what string) {
	t.Helper()
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("%s: err = %v, want ErrDecrypt", what, err)
	}
}

// rawKeyBytes extracts the secret key bytes of every key in h (test only).
func rawKeyBytes(t testing.TB, h *keyset.Handle) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		switch k := e.Key().(type) {
		case *aesgcm.Key:
			out = append(out, k.KeyBytes().Data(insecuresecretdataaccess.Token{}))
		case *hmacprf.Key:
			out = append(out, k.KeyBytes().Data(insecuresecretdataaccess.Token{}))
		default:
			t.Fatalf("unexpected key type %T", k)
		}
	}
	return out
}

// dekRawKey unwraps wrapped and returns the raw AES key of the DEK.
func dekRawKey(t testing.TB, v *Vault, subject string, wrapped []byte) []byte {
	t.Helper()
	ek, _, err := parseWrapped(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	h, err := unwrapHandle(v.state(), ek, subject)
	if err != nil {
		t.Fatal(err)
	}
	keys := rawKeyBytes(t, h)
	if len(keys) != 1 || len(keys[0]) != 32 {
		t.Fatalf("DEK keyset has %d keys", len(keys))
	}
	return keys[0]
}

func TestRoundTrip(t *testing.T) {
	v := openTest(t, Config{})
	w, d := mustNewDEK(t, v, "subject-1")
	if d.SubjectID() != "subject-1" {
		t.Fatalf("SubjectID = %q", d.SubjectID())
	}
	big := strings.Repeat("narrative ", 100_000)
	for _, pt := range []string{"", "Elira Çela", "1990-04-12", "Rruga e Kavajës 12, Tiranë", big} {
		ct := mustSeal(t, d, pt, "persons", "full_name", "rec-1")
		if len(ct) != 1+5+12+len(pt)+16 {
			t.Fatalf("len(ct) = %d for len(pt) = %d", len(ct), len(pt))
		}
		if ct[0] != EnvelopeV1 || ct[1] != 1 {
			t.Fatalf("bad header % x", ct[:2])
		}
		if len(pt) > 4 && bytes.Contains(ct, []byte(pt)) {
			t.Fatal("ciphertext contains plaintext")
		}
		wantOpen(t, d, ct, "persons", "full_name", "rec-1", pt)
		ct2 := mustSeal(t, d, pt, "persons", "full_name", "rec-1")
		if bytes.Equal(ct, ct2) {
			t.Fatal("two seals of the same plaintext are identical (nonce reuse?)")
		}
	}
	// The unwrapped DEK opens what the fresh one sealed.
	ct := mustSeal(t, d, "Elira", "persons", "full_name", "rec-1")
	v2 := openTest(t, Config{KeyDir: v.dir, CacheSize: -1})
	d2, err := v2.DEK("subject-1", w)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, d2, ct, "persons", "full_name", "rec-1", "Elira")
	// Empty context strings are rejected.
	if _, err := d.Seal([]byte("x"), "", "c", "r"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Seal with empty table: %v", err)
	}
	_, err = d.Open(ct, "persons", "full_name", "")
	wantDecryptErr(t, err, "Open with empty record")
	if _, _, err := v.NewDEK(""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewDEK(\"\"): %v", err)
	}
}

func TestWrongContextFails(t *testing.T) {
	v := openTest(t, Config{})
	_, d := mustNewDEK(t, v, "s")
	ct := mustSeal(t, d, "secret", "persons", "name", "r1")
	for _, c := range [][3]string{
		{"documents", "name", "r1"},
		{"persons", "address", "r1"},
		{"persons", "name", "r2"},
		// Length prefixes make these distinct from ("persons","name","r1").
		{"personsn", "ame", "r1"},
		{"persons", "namer", "1"},
		{"persons", "name", "r1\x00"},
	} {
		_, err := d.Open(ct, c[0], c[1], c[2])
		wantDecryptErr(t, err, fmt.Sprintf("Open with %q", c))
	}
	wantOpen(t, d, ct, "persons", "name", "r1", "secret")
}

func TestTamperedFails(t *testing.T) {
	v := openTest(t, Config{})
	_, d := mustNewDEK(t, v, "s")
	ct := mustSeal(t, d, "Elira Cela", "persons", "name", "r1")
	for i := range ct {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			_, err := d.Open(bad, "persons", "name", "r1")
			wantDecryptErr(t, err, fmt.Sprintf("flip byte %d mask %#x", i, mask))
		}
	}
	for n := 0; n < len(ct); n++ {
		_, err := d.Open(ct[:n], "persons", "name", "r1")
		wantDecryptErr(t, err, fmt.Sprintf("truncated to %d", n))
	}
	_, err := d.Open(append(bytes.Clone(ct), 0), "persons", "name", "r1")
	wantDecryptErr(t, err, "appended byte")
	_, err = d.Open(nil, "persons", "name", "r1")
	wantDecryptErr(t, err, "nil")
}

func TestOtherSubjectFails(t *testing.T) {
	v := openTest(t, Config{})
	wa, da := mustNewDEK(t, v, "alice")
	_, db := mustNewDEK(t, v, "bob")
	ct := mustSeal(t, da, "alice's address", "persons", "address", "r1")
	_, err := db.Open(ct, "persons", "address", "r1")
	wantDecryptErr(t, err, "bob's DEK on alice's data")

	// A wrapped DEK is bound to its subject: it cannot be unwrapped under
	// another subject ID (e.g. a subject_keys row copied to another person).
	_, err = v.DEK("bob", wa)
	wantDecryptErr(t, err, "alice's wrapped DEK as bob")
	_, _, err = v.Rewrap("bob", wa) // same key: no-op, does not authenticate
	if err != nil {
		t.Fatal(err)
	}
	// Tampering with the wrapped DEK never yields a different working key.
	v2 := openTest(t, Config{KeyDir: v.dir, CacheSize: -1})
	for i := range wa {
		bad := bytes.Clone(wa)
		bad[i] ^= 0x5a
		d, err := v2.DEK("alice", bad)
		if err != nil {
			wantDecryptErr(t, err, fmt.Sprintf("tampered wrapped byte %d", i))
			continue
		}
		// Only non-authenticated, informational KeysetInfo bytes may change
		// without failing; the key must be the same.
		wantOpen(t, d, ct, "persons", "address", "r1", "alice's address")
	}
	for n := 0; n < len(wa); n++ {
		if _, err := v2.DEK("alice", wa[:n]); err == nil {
			t.Fatalf("truncated wrapped DEK (%d bytes) unwrapped", n)
		}
	}
}

func TestRotation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	v := openTest(t, Config{KeyDir: dir})
	p0, ids0 := v.KeyInfo()
	if len(ids0) != 1 || ids0[0] != p0 {
		t.Fatalf("KeyInfo = %d %v", p0, ids0)
	}
	wOld, d := mustNewDEK(t, v, "s1")
	ct := mustSeal(t, d, "before rotation", "persons", "name", "r1")
	if v.NeedsRewrap(wOld) {
		t.Fatal("fresh wrapped DEK needs rewrap")
	}
	if same, changed, err := v.Rewrap("s1", wOld); err != nil || changed || !bytes.Equal(same, wOld) {
		t.Fatalf("Rewrap before rotation: changed=%v err=%v", changed, err)
	}

	if err := v.Rotate(); err != nil {
		t.Fatal(err)
	}
	p1, ids1 := v.KeyInfo()
	if p1 == p0 || len(ids1) != 2 || !slices.Contains(ids1, p0) || !slices.Contains(ids1, p1) {
		t.Fatalf("after Rotate: primary %d ids %v (old primary %d)", p1, ids1, p0)
	}
	// Old data still opens, through the cache and through a fresh unwrap.
	d1, err := v.DEK("s1", wOld)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, d1, ct, "persons", "name", "r1", "before rotation")
	v.Forget("s1")
	d1, err = v.DEK("s1", wOld)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, d1, ct, "persons", "name", "r1", "before rotation")

	if !v.NeedsRewrap(wOld) {
		t.Fatal("NeedsRewrap(old) = false after Rotate")
	}
	wNew, changed, err := v.Rewrap("s1", wOld)
	if err != nil || !changed {
		t.Fatalf("Rewrap: changed=%v err=%v", changed, err)
	}
	if v.NeedsRewrap(wNew) {
		t.Fatal("NeedsRewrap(new) = true after Rewrap")
	}
	if _, changed, err := v.Rewrap("s1", wNew); err != nil || changed {
		t.Fatalf("second Rewrap: changed=%v err=%v", changed, err)
	}
	if _, _, err := v.Rewrap("other", wOld); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Rewrap under wrong subject: %v", err)
	}
	if !bytes.Equal(dekRawKey(t, v, "s1", wOld), dekRawKey(t, v, "s1", wNew)) {
		t.Fatal("Rewrap changed the DEK")
	}
	// New DEKs are wrapped under the new primary.
	w2, _ := mustNewDEK(t, v, "s2")
	if v.NeedsRewrap(w2) {
		t.Fatal("DEK created after Rotate needs rewrap")
	}

	// Persistence: a new Vault on the same KeyDir sees the rotated keyset.
	v2 := openTest(t, Config{KeyDir: dir})
	if p, ids := v2.KeyInfo(); p != p1 || !slices.Equal(ids, ids1) {
		t.Fatalf("reopened KeyInfo = %d %v, want %d %v", p, ids, p1, ids1)
	}
	for _, w := range [][]byte{wOld, wNew} {
		d, err := v2.DEK("s1", w)
		if err != nil {
			t.Fatal(err)
		}
		wantOpen(t, d, ct, "persons", "name", "r1", "before rotation")
	}

	// Retire the old key.
	disabled, err := v2.DisableOldKeys()
	if err != nil || !slices.Equal(disabled, []uint32{p0}) {
		t.Fatalf("DisableOldKeys = %v, %v", disabled, err)
	}
	_, err = v2.DEK("s1", wOld)
	wantDecryptErr(t, err, "unwrap under disabled key")
	if d, err := v2.DEK("s1", wNew); err != nil {
		t.Fatal(err)
	} else {
		wantOpen(t, d, ct, "persons", "name", "r1", "before rotation")
	}
	if err := v2.EnableKey(p0); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.DEK("s1", wOld); err != nil {
		t.Fatalf("after EnableKey: %v", err)
	}
	if _, err := v2.DisableOldKeys(); err != nil {
		t.Fatal(err)
	}
	deleted, err := v2.DeleteDisabledKeys()
	if err != nil || !slices.Equal(deleted, []uint32{p0}) {
		t.Fatalf("DeleteDisabledKeys = %v, %v", deleted, err)
	}
	v3 := openTest(t, Config{KeyDir: dir, CacheSize: -1})
	if p, ids := v3.KeyInfo(); p != p1 || !slices.Equal(ids, []uint32{p1}) {
		t.Fatalf("after delete KeyInfo = %d %v", p, ids)
	}
	_, err = v3.DEK("s1", wOld)
	wantDecryptErr(t, err, "unwrap under deleted key")
	if d, err := v3.DEK("s1", wNew); err != nil {
		t.Fatal(err)
	} else {
		wantOpen(t, d, ct, "persons", "name", "r1", "before rotation")
	}
	if err := v3.EnableKey(p0); err == nil {
		t.Fatal("EnableKey of a deleted key succeeded")
	}
}

func TestRotationAcrossProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	a := openTest(t, Config{KeyDir: dir})
	b := openTest(t, Config{KeyDir: dir})
	if err := a.Rotate(); err != nil {
		t.Fatal(err)
	}
	w, d := mustNewDEK(t, a, "s")
	ct := mustSeal(t, d, "x", "t", "c", "r")
	// b has never seen a's new key: it reloads automatically.
	db, err := b.DEK("s", w)
	if err != nil {
		t.Fatalf("DEK wrapped under a key rotated elsewhere: %v", err)
	}
	wantOpen(t, db, ct, "t", "c", "r", "x")
	// A stale process never re-wraps under its stale primary: it reloads.
	c := openTest(t, Config{KeyDir: dir})
	if err := a.Rotate(); err != nil {
		t.Fatal(err)
	}
	w2, _ := mustNewDEK(t, a, "s2")
	if !c.NeedsRewrap(w2) {
		t.Fatal("stale process should not know the new key yet")
	}
	if out, changed, err := c.Rewrap("s2", w2); err != nil || changed || !bytes.Equal(out, w2) {
		t.Fatalf("stale Rewrap: changed=%v err=%v", changed, err)
	}
	pa, _ := a.KeyInfo()
	if pc, _ := c.KeyInfo(); pc != pa {
		t.Fatal("Rewrap did not reload the rotated keyset")
	}
	// b rotates again; the read-modify-write keeps a's keys.
	if err := b.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	pa, ida := a.KeyInfo()
	pb, idb := b.KeyInfo()

	if pa != pb || !slices.Equal(ida, idb) || len(ida) != 4 {
		t.Fatalf("a: %d %v; b: %d %v", pa, ida, pb, idb)
	}
}

func TestMasterSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	v := openTest(t, Config{KeyDir: dir})
	fi, err := os.Stat(filepath.Join(dir, MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("master.key mode %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, MasterKeyFile))
	secret, err := ParseMasterSecret(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	w, d := mustNewDEK(t, v, "s")
	ct := mustSeal(t, d, "x", "t", "c", "r")

	// The same secret supplied through Config works, without master.key.
	dir2 := filepath.Join(t.TempDir(), "keys")
	if err := os.MkdirAll(dir2, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{KEKKeysetFile, IndexKeysetFile} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if err := os.WriteFile(filepath.Join(dir2, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v2 := openTest(t, Config{KeyDir: dir2, MasterSecret: secret})
	if _, err := os.Stat(filepath.Join(dir2, MasterKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("master.key created although MasterSecret was supplied")
	}
	d2, err := v2.DEK("s", w)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, d2, ct, "t", "c", "r", "x")
	if v.BlindIndex("n", "x") != v2.BlindIndex("n", "x") {
		t.Fatal("blind index differs with the same keysets")
	}

	// A different master secret cannot open the keysets.
	other := bytes.Clone(secret)
	other[0] ^= 1
	if _, err := Open(Config{KeyDir: dir, MasterSecret: other}); !errors.Is(err, ErrMasterSecret) {
		t.Fatalf("Open with wrong master secret: %v", err)
	}
	// Keysets without master.key: refuse to invent a new master secret.
	if _, err := Open(Config{KeyDir: dir2}); err == nil {
		t.Fatal("Open created a master key next to existing keysets")
	}
	if _, err := Open(Config{KeyDir: dir, MasterSecret: secret[:16]}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short master secret: %v", err)
	}
	// Loose permissions on master.key are refused.
	if err := os.Chmod(filepath.Join(dir, MasterKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{KeyDir: dir}); !errors.Is(err, ErrInsecurePermissions) {
		t.Fatalf("Open with 0644 master.key: %v", err)
	}
	// Swapping the two keyset files is detected (associated data per file).
	dir3 := filepath.Join(t.TempDir(), "keys")
	os.MkdirAll(dir3, 0o700)
	kek, _ := os.ReadFile(filepath.Join(dir, KEKKeysetFile))
	idx, _ := os.ReadFile(filepath.Join(dir, IndexKeysetFile))
	os.WriteFile(filepath.Join(dir3, KEKKeysetFile), idx, 0o600)
	os.WriteFile(filepath.Join(dir3, IndexKeysetFile), kek, 0o600)
	if _, err := Open(Config{KeyDir: dir3, MasterSecret: secret}); !errors.Is(err, ErrMasterSecret) {
		t.Fatalf("swapped keyset files: %v", err)
	}
}

func TestParseMasterSecret(t *testing.T) {
	s := make([]byte, 32)
	for i := range s {
		s[i] = byte(i * 7)
	}
	for _, in := range []string{
		hex.EncodeToString(s),
		strings.ToUpper(hex.EncodeToString(s)) + "\n",
		base64.StdEncoding.EncodeToString(s),
		base64.RawURLEncoding.EncodeToString(s),
		"  " + base64.URLEncoding.EncodeToString(s) + "\n",
	} {
		got, err := ParseMasterSecret(in)
		if err != nil || !bytes.Equal(got, s) {
			t.Fatalf("ParseMasterSecret(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", hex.EncodeToString(s[:31]), base64.StdEncoding.EncodeToString(s[:16])} {
		if _, err := ParseMasterSecret(in); err == nil {
			t.Fatalf("ParseMasterSecret(%q) succeeded", in)
		}
	}
}

func TestKeyFilesAtRest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	v := openTest(t, Config{KeyDir: dir})
	if err := v.Rotate(); err != nil {
		t.Fatal(err)
	}
	w, _ := mustNewDEK(t, v, "s")
	dekKey := dekRawKey(t, v, "s", w)
	if bytes.Contains(w, dekKey) {
		t.Fatal("wrapped DEK contains the raw DEK")
	}
	secrets := map[string][]byte{"DEK": dekKey}
	for i, k := range rawKeyBytes(t, v.state().handle) {
		secrets[fmt.Sprintf("KEK key %d", i)] = k
	}
	h, err := readKeysetFile(dir, IndexKeysetFile, v.master)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range rawKeyBytes(t, h) {
		secrets[fmt.Sprintf("index key %d", i)] = k
	}
	if len(secrets) != 4 {
		t.Fatalf("collected %d secrets", len(secrets))
	}
	masterRaw, _ := os.ReadFile(filepath.Join(dir, MasterKeyFile))
	master, _ := ParseMasterSecret(string(masterRaw))

	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("key dir mode %v %v", fi.Mode().Perm(), err)
	}
	var names []string
	err = filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		names = append(names, de.Name())
		info, err := de.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for what, k := range secrets {
			if bytes.Contains(data, k) || bytes.Contains(data, []byte(hex.EncodeToString(k))) ||
				bytes.Contains(data, []byte(base64.StdEncoding.EncodeToString(k)[:40])) {
				t.Errorf("%s contains the %s in clear", path, what)
			}
		}
		if de.Name() != MasterKeyFile && (bytes.Contains(data, master) || bytes.Contains(data, masterRaw[:64])) {
			t.Errorf("%s contains the master secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{lockFile, IndexKeysetFile, KEKKeysetFile, MasterKeyFile}; !slices.Equal(names, want) {
		t.Fatalf("files in key dir = %v, want %v (no temp files left)", names, want)
	}
}

func TestConcurrentSealOpenDuringRotate(t *testing.T) {
	v := openTest(t, Config{CacheSize: 64})
	const workers, minIters, rotations = 4, 40, 5
	var rotated atomic.Bool
	var rounds atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers+1)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			// Keep going until the rotations are over, so that they overlap.
			for i := 0; i < minIters || (!rotated.Load() && i < 100_000); i++ {
				rounds.Add(1)
				subject := fmt.Sprintf("s-%d-%d", g, i%8)
				w, d, err := v.NewDEK(subject)
				if err != nil {
					errc <- err
					return
				}
				rec := fmt.Sprint(i)
				ct, err := d.Seal([]byte(subject), "t", "c", rec)
				if err != nil {
					errc <- err
					return
				}
				if i%2 == 0 {
					v.Forget(subject)
				}
				d2, err := v.DEK(subject, w)
				if err != nil {
					errc <- fmt.Errorf("DEK: %w", err)
					return
				}
				pt, err := d2.Open(ct, "t", "c", rec)
				if err != nil || string(pt) != subject {
					errc <- fmt.Errorf("Open: %q %v", pt, err)
					return
				}
				if v.NeedsRewrap(w) {
					if _, _, err := v.Rewrap(subject, w); err != nil {
						errc <- fmt.Errorf("Rewrap: %w", err)
						return
					}
				}
				_ = v.BlindIndex("name", subject)
				_, _ = v.KeyInfo()
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer rotated.Store(true)
		for i := 0; i < rotations; i++ {
			if err := v.Rotate(); err != nil {
				errc <- err
				return
			}
			if err := v.Reload(); err != nil {
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if _, ids := v.KeyInfo(); len(ids) != rotations+1 {
		t.Fatalf("ids after %d rotations: %v", rotations, ids)
	}
	t.Logf("%d rotations during %d NewDEK/Seal/DEK/Open rounds", rotations, rounds.Load())
}

func TestDEKCache(t *testing.T) {
	v := openTest(t, Config{CacheSize: 2})
	w1, d1 := mustNewDEK(t, v, "s1")
	got, err := v.DEK("s1", w1)
	if err != nil || got != d1 {
		t.Fatalf("cached DEK = %p (%v), want %p", got, err, d1)
	}
	w2, _ := mustNewDEK(t, v, "s2")
	mustNewDEK(t, v, "s3") // evicts s1 (least recently used)
	if n := v.cache.len(); n != 2 {
		t.Fatalf("cache len = %d", n)
	}
	got, err = v.DEK("s1", w1)
	if err != nil || got == d1 {
		t.Fatalf("s1 should have been evicted and unwrapped again: %v", err)
	}
	d2, _ := v.DEK("s2", w2) // s2 was evicted by the s1 reload above
	if again, _ := v.DEK("s2", w2); again != d2 {
		t.Fatal("second DEK call missed the cache")
	}
	v.Forget("s2")
	if again, _ := v.DEK("s2", w2); again == d2 {
		t.Fatal("Forget did not drop the cached DEK")
	}

	// TTL expiry.
	now := time.Unix(1000, 0)
	c := newDEKCache(10, time.Minute)
	c.now = func() time.Time { return now }
	c.put("s", w1, d1)
	k := makeCacheKey("s", w1)
	if c.get(k) != d1 {
		t.Fatal("miss before TTL")
	}
	now = now.Add(2 * time.Minute)
	if c.get(k) != nil || c.len() != 0 {
		t.Fatal("hit after TTL")
	}
	// Different wrapped bytes or subject do not hit.
	c.put("s", w1, d1)
	if c.get(makeCacheKey("s", w2)) != nil || c.get(makeCacheKey("t", w1)) != nil {
		t.Fatal("cache key collision")
	}
	// Disabled cache.
	var nc *dekCache = newDEKCache(-1, 0)
	nc.put("s", w1, d1)
	if nc.get(k) != nil || nc.len() != 0 {
		t.Fatal("disabled cache returned an entry")
	}
}

func TestBlindIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	v := openTest(t, Config{KeyDir: dir, IndexBitsByName: map[string]int{"doc": 12, "wide": 256}})
	n := Normalize("Elira Çela")
	a := v.BlindIndex("person", n)
	if a != v.BlindIndex("person", n) {
		t.Fatal("not deterministic")
	}
	if len(a) != DefaultIndexBits/4 {
		t.Fatalf("index %q has %d hex chars, want %d", a, len(a), DefaultIndexBits/4)
	}
	if v.BlindIndex("person", Normalize("ËLIRA   çela")) != a {
		t.Fatal("normalized variants index differently")
	}
	// Different index names are domain separated. With 16-bit outputs an
	// accidental collision has probability 2^-16 per pair, so compare
	// full-width (256-bit) indexes.
	vw := openTest(t, Config{IndexBits: 256})
	w1, w2 := vw.BlindIndex("name", n), vw.BlindIndex("alias", n)
	if w1 == w2 || len(w1) != 64 {
		t.Fatalf("per-name separation: %s %s", w1, w2)
	}
	if vw.BlindIndex("na", "me"+n) == vw.BlindIndex("nam", "e"+n) {
		t.Fatal("name/value boundary is ambiguous")
	}
	// Distinct values give distinct (wide) indexes.
	if vw.BlindIndex("name", "elira cela") == vw.BlindIndex("name", "elira cel") {
		t.Fatal("distinct values collide")
	}
	// Truncation to a non-multiple of 8 zeroes the tail bits.
	d := v.BlindIndex("doc", "AB1234567")
	raw, err := hex.DecodeString(d)
	if err != nil || len(raw) != 2 || raw[1]&0x0f != 0 {
		t.Fatalf("12-bit index %q", d)
	}
	if v.IndexBits("doc") != 12 || v.IndexBits("other") != DefaultIndexBits {
		t.Fatal("IndexBits")
	}
	// Persistence: same KeyDir, same index; another KeyDir, another index.
	v2 := openTest(t, Config{KeyDir: dir})
	if v2.BlindIndex("person", n) != a {
		t.Fatal("index changed after reopen")
	}
	if err := v2.Rotate(); err != nil {
		t.Fatal(err)
	}
	if v2.BlindIndex("person", n) != a {
		t.Fatal("KEK rotation changed the blind index")
	}
	sameKeys := openTest(t, Config{KeyDir: dir, IndexBits: 256}).BlindIndex("person", n)
	if sameKeys[:4] != a {
		t.Fatalf("256-bit index %s does not extend the 16-bit one %s", sameKeys, a)
	}
	if vw.BlindIndex("person", n) == sameKeys {
		t.Fatal("index does not depend on the key")
	}
	// Base64url encoding.
	vb := openTest(t, Config{KeyDir: dir, IndexEncoding: Base64URL})
	bi := vb.BlindIndex("person", n)
	rawA, _ := hex.DecodeString(a)
	if bi != base64.RawURLEncoding.EncodeToString(rawA) {
		t.Fatalf("base64url %q vs hex %q", bi, a)
	}
	// Config validation.
	for _, cfg := range []Config{{IndexBits: -1}, {IndexBits: 257}, {IndexBitsByName: map[string]int{"x": 0}}, {IndexEncoding: 7}} {
		cfg.KeyDir = t.TempDir()
		if _, err := Open(cfg); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("Open(%+v) = %v", cfg, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	if Normalize("Ëlira  Çela") != Normalize("elira cela") {
		t.Fatalf("Normalize(%q) = %q, Normalize(%q) = %q", "Ëlira  Çela", Normalize("Ëlira  Çela"), "elira cela", Normalize("elira cela"))
	}
	for in, want := range map[string]string{
		"Ëlira  Çela":            "elira cela",
		"  ELIRA\tÇELA \n":       "elira cela",
		"Elira Çela":             "elira cela", // decomposed input
		"Jean-Luc O'Brien":       "jean luc obrien",
		"Đorđe Łukasz Søren":     "dorde lukasz soren",
		"STRASSE Straße":         "strasse strasse",
		"Yıldız İnce":            "yildiz ince",
		"Zoë Ćosić-Šantić":       "zoe cosic santic",
		"Mëhmet, Ali (alias)":    "mehmet ali alias",
		"ＡＢＣ１２３":                 "abc123", // fullwidth (NFKD)
		"Олена Шевченко":         "олена шевченко",
		"محمد":                   "محمد",
		"a\u200db\u0000c":        "abc",
		"":                       "",
		"...":                    "",
		"1990":                   "1990",
		"Anne–Marie — Nkem_Obi":  "anne marie nkem obi",
		"Ǆemal Ǉubović ﬁlip":     "dzemal ljubovic filip",
		"ÆSA Œuvre Þór":          "aesa oeuvre thor",
		"Ἀλέξανδρος ΣΟΦΟΚΛΗΣ":    "αλεξανδροσ σοφοκλησ",
		"Kaçanik/Prishtinë-2024": "kacanik prishtine 2024",
		"Mehmet,Ali":             "mehmet ali",
		"A.B. Smith":             "ab smith",
		"Hawaiʻi D’Angelo":       "hawaii dangelo",
		"Ana\u00adMaria":         "anamaria", // soft hyphen is a format char
	} {
		got := Normalize(in)
		if got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if again := Normalize(got); again != got {
			t.Errorf("Normalize not idempotent on %q: %q -> %q", in, got, again)
		}
	}
	if JoinIndexParts("Ëlira Çela", "1990", "ALB") != "elira cela\x1f1990\x1falb" {
		t.Fatalf("JoinIndexParts = %q", JoinIndexParts("Ëlira Çela", "1990", "ALB"))
	}
	if JoinIndexParts("a b", "c") == JoinIndexParts("a", "b c") {
		t.Fatal("JoinIndexParts is ambiguous")
	}
}

// TestLeakageBound checks that the configured blind-index length keeps the
// coincidence count C = R / 2^L within 2 ≤ C < sqrt(R) for the design sizes.
func TestLeakageBound(t *testing.T) {
	v := openTest(t, Config{})
	const index = "person:name+birthyear+nationality"
	L := v.IndexBits(index)
	for _, r := range []float64{1e6, 1e7} {
		c := CoincidenceCount(r, L)
		t.Logf("R=%.0e L=%d: C=%.1f (bound [2, %.0f))", r, L, c, math.Sqrt(r))
		if c < 2 || c >= math.Sqrt(r) {
			t.Errorf("R=%.0e L=%d: C=%.2f outside [2, %.1f)", r, L, c, math.Sqrt(r))
		}
		lo, hi, ok := IndexBitsRange(r)
		if !ok || L < lo || L > hi {
			t.Errorf("R=%.0e: L=%d outside IndexBitsRange [%d, %d]", r, L, lo, hi)
		}
	}
	if c := CoincidenceCount(1e6, 16); math.Abs(c-1e6/65536) > 1e-9 {
		t.Fatalf("CoincidenceCount = %v", c)
	}
	if lo, hi, _ := IndexBitsRange(1e6); lo != 10 || hi != 18 {
		t.Fatalf("IndexBitsRange(1e6) = %d, %d; want 10, 18", lo, hi)
	}
	// Two 16-bit indexes on the same row add up: 32 bits breaks C ≥ 2.
	if CoincidenceCount(1e6, 16, 16) >= 2 {
		t.Fatal("combined indexes should violate the bound")
	}
	// A small deployment must lower the bits.
	if lo, hi, ok := IndexBitsRange(5000); !ok || hi >= DefaultIndexBits || lo > hi {
		t.Fatalf("IndexBitsRange(5000) = %d, %d, %v", lo, hi, ok)
	}
	if _, _, ok := IndexBitsRange(4); ok {
		t.Fatal("IndexBitsRange(4) should have no solution")
	}
}

func TestParseEnvelope(t *testing.T) {
	v := openTest(t, Config{})
	_, d := mustNewDEK(t, v, "s")
	ct := mustSeal(t, d, "hello", "t", "c", "r")
	ver, body, err := ParseEnvelope(ct)
	if err != nil || ver != EnvelopeV1 || !bytes.Equal(body, ct[1:]) {
		t.Fatalf("ParseEnvelope = %d, %v", ver, err)
	}
	if _, err := EnvelopeKeyID(ct); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"nil":         nil,
		"version 0":   append([]byte{0}, ct[1:]...),
		"version 2":   append([]byte{2}, ct[1:]...),
		"raw prefix":  append([]byte{1, 0}, ct[2:]...),
		"too short":   ct[:1+minEnvelopeBody-1],
		"header only": {1, 1, 0, 0, 0, 0},
	} {
		if _, _, err := ParseEnvelope(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
		_, err := d.Open(b, "t", "c", "r")
		wantDecryptErr(t, err, name)
	}
	// Minimal valid length parses (empty plaintext).
	empty := mustSeal(t, d, "", "t", "c", "r")
	if _, _, err := ParseEnvelope(empty); err != nil || len(empty) != 1+minEnvelopeBody {
		t.Fatalf("empty plaintext envelope: len %d err %v", len(empty), err)
	}
	if !v.NeedsRewrap([]byte("garbage")) {
		t.Fatal("NeedsRewrap(garbage) = false")
	}
	if _, _, err := v.Rewrap("s", []byte("garbage")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Rewrap(garbage) = %v", err)
	}
}

// FuzzOpen feeds arbitrary bytes to every decoder of untrusted input. The
// seeds (valid, truncated and corrupted envelopes and wrapped DEKs) run in
// the ordinary `go test`.
func FuzzOpen(f *testing.F) {
	v := openTest(f, Config{CacheSize: 16})
	w, d := mustNewDEK(f, v, "subject")
	const pt = "fuzz plaintext"
	ct := mustSeal(f, d, pt, "t", "c", "r")
	empty := mustSeal(f, d, "", "t", "c", "r")
	f.Add(ct)
	f.Add(empty)
	f.Add(w)
	for _, n := range []int{0, 1, 2, 5, 6, 17, 33, 34, len(ct) - 1} {
		f.Add(ct[:n])
	}
	for _, n := range []int{1, 2, 10, len(w) / 2, len(w) - 1} {
		f.Add(w[:n])
	}
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-1] ^= 1
	f.Add(flipped)
	f.Add(append([]byte{EnvelopeV1}, w...))
	f.Add([]byte{WrappedV1, 0x0a, 0x05, 1, 2, 3, 4, 5})

	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := d.Open(b, "t", "c", "r")
		if err != nil {
			if err != ErrDecrypt {
				t.Fatalf("Open error %v is not ErrDecrypt", err)
			}
		} else if string(got) != pt && len(got) != 0 {
			t.Fatalf("Open accepted forged input: %q", got)
		}
		if _, body, err := ParseEnvelope(b); err == nil && len(body) < minEnvelopeBody {
			t.Fatal("ParseEnvelope accepted a short body")
		}
		_, _ = EnvelopeKeyID(b)
		if dk, err := v.DEK("subject", b); err == nil {
			// Only the genuine wrapped DEK (or a variant differing in
			// unauthenticated metadata) may unwrap, to the same key.
			got, err := dk.Open(ct, "t", "c", "r")
			if err != nil || string(got) != pt {
				t.Fatalf("DEK unwrapped from fuzz input is a different key")
			}
		} else if !errors.Is(err, ErrDecrypt) {
			t.Fatalf("DEK error %v is not ErrDecrypt", err)
		}
		_ = v.NeedsRewrap(b)
		if _, _, err := v.Rewrap("subject", b); err != nil && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("Rewrap error %v", err)
		}
	})
}

// FuzzNormalize checks that Normalize is idempotent and never emits the
// composite-index separator or leading/trailing/double spaces.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Ëlira  Çela", "Jean-Luc O'Brien", "Straße", "ǅ", "İ", "ΐ", "ﬃ", "\x1f", "한국어", "a\u0301\u0308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if strings.Contains(n, indexPartSep) || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("bad output %q for %q", n, s)
		}
	})
}

var sink []byte

func BenchmarkSeal(b *testing.B) {
	v := openTest(b, Config{})
	_, d := mustNewDEK(b, v, "s")
	pt := []byte("Elira Çela, born 1990 in Kukës, Albania. Passport AB1234567.")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		ct, err := d.Seal(pt, "persons", "full_name", "0190b5c2-7d1e-7c4a-9a57-3f0c3d2b1e11")
		if err != nil {
			b.Fatal(err)
		}
		sink = ct
	}
}

func BenchmarkOpen(b *testing.B) {
	v := openTest(b, Config{})
	_, d := mustNewDEK(b, v, "s")
	pt := []byte("Elira Çela, born 1990 in Kukës, Albania. Passport AB1234567.")
	ct := mustSeal(b, d, string(pt), "persons", "full_name", "0190b5c2-7d1e-7c4a-9a57-3f0c3d2b1e11")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := d.Open(ct, "persons", "full_name", "0190b5c2-7d1e-7c4a-9a57-3f0c3d2b1e11")
		if err != nil {
			b.Fatal(err)
		}
		sink = out
	}
}

func BenchmarkDEKCached(b *testing.B) {
	v := openTest(b, Config{})
	w, _ := mustNewDEK(b, v, "subject-0190b5c2")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.DEK("subject-0190b5c2", w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDEKUncached is the cost the cache saves: a full unwrap.
func BenchmarkDEKUncached(b *testing.B) {
	v := openTest(b, Config{CacheSize: -1})
	w, _ := mustNewDEK(b, v, "subject-0190b5c2")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.DEK("subject-0190b5c2", w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	v := openTest(b, Config{})
	in := JoinIndexParts("Ëlira Çela", "1990", "ALB")
	b.ReportAllocs()
	for b.Loop() {
		sink = []byte(v.BlindIndex("person", in))
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = []byte(Normalize("Ëlira  Çela-Hoxha O'Brien"))
	}
}
