package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// pemType is the PEM block type of the signing key file (PKCS #8, which
// openssl and other tools read as well).
const pemType = "PRIVATE KEY"

// LoadOrCreateSigner returns the Ed25519 checkpoint signing key stored at
// path, creating a new random key there if the file does not exist.
//
// The key must live outside the database and outside database backups: it
// is what stops a database superuser from signing checkpoints for a
// rewritten log. The file is PEM-encoded PKCS #8 with mode 0600; missing
// parent directories are created with mode 0700.
//
// Loading refuses a file that is not a regular file or that group or others
// can access (mode & 0077 != 0), like ssh does, rather than silently use a
// key that may have leaked. An existing file is never replaced. Creation is
// atomic and race-free: the key is written to a temporary file, synced, and
// hard-linked into place, so concurrent callers (several processes starting
// at once) all end up with the same key and nobody reads a half-written
// file. (On file systems without hard links it falls back to an exclusive
// create, which is still no-clobber but not atomic for concurrent readers.)
func LoadOrCreateSigner(path string) (ed25519.PrivateKey, error) {
	key, err := loadSigner(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createSigner(path); err != nil {
		return nil, err
	}
	return loadSigner(path)
}

func loadSigner(path string) (ed25519.PrivateKey, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator-configured signing key path
	if err != nil {
		return nil, err // fs.ErrNotExist is handled by the caller
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("audit: signing key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("audit: signing key %s is accessible by group or others (mode %v); run chmod 600", path, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return nil, fmt.Errorf("audit: reading signing key %s: %w", path, err)
	}
	if len(data) > 64<<10 {
		return nil, fmt.Errorf("audit: signing key %s is too large", path)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("audit: signing key %s: no %q PEM block", path, pemType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit: signing key %s: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit: signing key %s is a %T, want Ed25519", path, parsed)
	}
	return key, nil
}

func createSigner(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("audit: creating signing key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("audit: generating signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("audit: encoding signing key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der})

	// os.CreateTemp creates the file with mode 0600.
	tmp, err := os.CreateTemp(dir, ".audit-signer-*.tmp")
	if err != nil {
		return fmt.Errorf("audit: creating signing key: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("audit: writing signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("audit: writing signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("audit: writing signing key: %w", err)
	}
	// link(2) never replaces an existing file: if another process won the
	// race, keep its key.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// Some file systems have no hard links; fall back to an exclusive
		// create, which is still no-clobber but not atomic for readers.
		if err := writeExclusive(path, data); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("audit: installing signing key: %w", err)
		}
		return nil
	}
	syncDir(dir)
	return nil
}

func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the operator-configured signing key path
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// syncDir makes the new directory entry durable; failure is not fatal (the
// key file itself was synced).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { // #nosec G304 -- the key directory, opened to fsync it
		_ = d.Sync()
		_ = d.Close()
	}
}
