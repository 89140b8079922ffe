package vault

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoCreate: with NoCreate, Open makes no key directory, master secret
// or keyset, and names what is missing; over complete keys it opens them,
// and the key ids it reports are the ones wrapped data keys carry.
func TestNoCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := Open(Config{KeyDir: dir, NoCreate: true}); !errors.Is(err, ErrNoKeys) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("no key directory: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("NoCreate made the key directory")
	}
	v := openTest(t, Config{KeyDir: dir})
	w, _ := mustNewDEK(t, v, "subject-1")
	if err := v.Rotate(); err != nil {
		t.Fatal(err)
	}
	w2, _ := mustNewDEK(t, v, "subject-2")
	kek, index := v.HeldKeyIDs()
	for _, wrapped := range [][]byte{w, w2} {
		id, err := WrappedKeyID(wrapped)
		if err != nil || !slices.Contains(kek, id) {
			t.Fatalf("wrapped under %d (%v), held %v", id, err, kek)
		}
	}
	if id1, _ := WrappedKeyID(w); len(kek) != 2 || id1 == mustID(t, w2) {
		t.Fatalf("two KEK keys after a rotation, the data keys under different ones: %v", kek)
	}
	if len(index) != 1 || index[0] != v.IndexKeyID() {
		t.Fatalf("index keys %v, primary %d", index, v.IndexKeyID())
	}
	if _, err := WrappedKeyID([]byte("not a wrapped key")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("garbage: %v", err)
	}
	reopened, err := Open(Config{KeyDir: dir, NoCreate: true})
	if err != nil {
		t.Fatalf("complete keys open with NoCreate: %v", err)
	}
	if got, _ := reopened.HeldKeyIDs(); !slices.Equal(got, kek) {
		t.Fatalf("reopened holds %v, want %v", got, kek)
	}
	for _, f := range []string{IndexKeysetFile, KEKKeysetFile, MasterKeyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
		_, err := Open(Config{KeyDir: dir, NoCreate: true})
		if !errors.Is(err, ErrNoKeys) || !strings.Contains(err.Error(), f) {
			t.Fatalf("without %s: %v", f, err)
		}
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Fatalf("NoCreate made %s", f)
		}
	}
}

func mustID(t *testing.T, wrapped []byte) uint32 {
	t.Helper()
	id, err := WrappedKeyID(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
