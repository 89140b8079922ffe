package audit

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateSigner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "audit-signer.pem") // parent is created
	key, err := LoadOrCreateSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm()&0o077 != 0 {
		t.Errorf("key directory mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
	again, err := LoadOrCreateSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, again) {
		t.Fatal("reloading returned a different key")
	}
	// The key is usable for checkpoints.
	c := SignCheckpoint(key, "k", 1, make([]byte, 32), baseTime)
	if !c.Verify(again.Public().(ed25519.PublicKey)) {
		t.Error("checkpoint signed with the loaded key does not verify")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".audit-signer-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestLoadOrCreateSignerRefusesLooseFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	if _, err := LoadOrCreateSigner(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigner(path); err == nil {
		t.Error("loaded a world-readable key")
	}

	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigner(garbage); err == nil {
		t.Error("loaded garbage")
	}
	// An existing bad file is an error, never silently replaced.
	if data, _ := os.ReadFile(garbage); string(data) != "not a key" {
		t.Error("existing file was overwritten")
	}
	if _, err := LoadOrCreateSigner(dir); err == nil {
		t.Error("loaded a directory")
	}
}

func TestLoadOrCreateSignerConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.pem")
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateSigner(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("concurrent callers got different keys")
		}
	}
}
