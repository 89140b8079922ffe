package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	aeadsubtle "github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// File names inside Config.KeyDir.
const (
	MasterKeyFile   = "master.key"
	KEKKeysetFile   = "kek.keyset"
	IndexKeysetFile = "index.keyset"
	lockFile        = ".lock"
)

// MasterSecretSize is the required length of the master secret in bytes.
const MasterSecretSize = 32

// Defaults for Config.
const (
	DefaultCacheSize = 4096
	DefaultCacheTTL  = 10 * time.Minute
)

// Sentinel errors. Callers should test with errors.Is.
var (
	// ErrDecrypt is returned for every failure to open a field envelope or
	// unwrap a DEK: wrong key, wrong context, tampering, truncation, garbage.
	// It deliberately carries no detail.
	ErrDecrypt = errors.New("vault: decryption failed")
	// ErrMalformed is returned by ParseEnvelope for bytes that are not a
	// well-formed envelope. DEK.Open reports it as ErrDecrypt.
	ErrMalformed = errors.New("vault: malformed envelope")
	// ErrMasterSecret means a keyset file in KeyDir could not be decrypted
	// with the master secret (wrong secret, or a corrupted file).
	ErrMasterSecret = errors.New("vault: master secret does not decrypt the keysets (wrong secret or corrupted key file)")
	// ErrInsecurePermissions means master.key is readable or writable by
	// group or others.
	ErrInsecurePermissions = errors.New("vault: master.key must not be accessible by group or others (chmod 600)")
	// ErrInvalidArgument is returned for empty subject IDs, table, column or
	// record IDs.
	ErrInvalidArgument = errors.New("vault: invalid argument")
	// ErrNoKeys means Config.NoCreate was set and a key file is missing.
	ErrNoKeys = errors.New("vault: key file missing")
)

// Config configures Open.
type Config struct {
	// KeyDir is the directory holding kek.keyset, index.keyset and (unless
	// MasterSecret is set) master.key. It is created with mode 0700 if
	// missing. It must live outside the database and its backups.
	KeyDir string
	// MasterSecret, if non-nil, is the 32-byte secret that encrypts the
	// keysets; KeyDir/master.key is then neither read nor created. Use
	// ParseMasterSecret to decode a hex or base64 value from an environment
	// variable or a secret file. If nil, KeyDir/master.key is read, or
	// created on first use (only if no keyset exists yet). Open copies it;
	// the caller may zero its slice afterwards.
	MasterSecret []byte
	// IndexBits is the default blind-index length in bits (1..256). Zero means
	// DefaultIndexBits.
	IndexBits int
	// IndexBitsByName overrides IndexBits for individual index names.
	IndexBitsByName map[string]int
	// IndexEncoding selects the text encoding of blind indexes. The zero
	// value is Hex.
	IndexEncoding IndexEncoding
	// CacheSize bounds the unwrapped-DEK cache (entries). Zero means
	// DefaultCacheSize; negative disables the cache.
	CacheSize int
	// CacheTTL bounds how long an unwrapped DEK stays cached. Zero means
	// DefaultCacheTTL; negative means no expiry.
	CacheTTL time.Duration
	// NoCreate makes Open refuse (ErrNoKeys, naming the file) instead of
	// creating a key directory, master secret or keyset that is missing:
	// set it when data written under existing keys is to be read.
	NoCreate bool
}

// Vault holds the KEK and index keysets and an unwrapped-DEK cache. It is
// safe for concurrent use.
type Vault struct {
	dir       string
	master    tink.AEAD
	indexBits map[string]int
	bits      int
	encoding  IndexEncoding
	prf       *prf.Set
	cache     *dekCache

	writeMu sync.Mutex // serializes keyset modifications in this process

	mu  sync.RWMutex // guards kek
	kek *kekState
}

// kekState is an immutable snapshot of the KEK keyset and its primitive.
type kekState struct {
	handle  *keyset.Handle
	aead    tink.AEAD
	primary uint32
	ids     []uint32 // enabled key IDs, keyset order
	enabled map[uint32]bool
	all     map[uint32]keyset.KeyStatus
	file    os.FileInfo // kek.keyset as it was when loaded or written
}

func newKEKState(h *keyset.Handle) (*kekState, error) {
	p, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("vault: KEK keyset: %w", err)
	}
	prim, err := h.Primary()
	if err != nil {
		return nil, fmt.Errorf("vault: KEK keyset: %w", err)
	}
	st := &kekState{
		handle:  h,
		aead:    p,
		primary: prim.KeyID(),
		enabled: make(map[uint32]bool),
		all:     make(map[uint32]keyset.KeyStatus),
	}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return nil, fmt.Errorf("vault: KEK keyset: %w", err)
		}
		st.all[e.KeyID()] = e.KeyStatus()
		if e.KeyStatus() == keyset.Enabled {
			st.ids = append(st.ids, e.KeyID())
			st.enabled[e.KeyID()] = true
		}
	}
	return st, nil
}

// Open loads the keysets from cfg.KeyDir, creating the directory, the master
// secret (if not supplied) and the keysets on first use.
func Open(cfg Config) (*Vault, error) {
	if cfg.KeyDir == "" {
		return nil, fmt.Errorf("%w: Config.KeyDir is empty", ErrInvalidArgument)
	}
	bits := cfg.IndexBits
	if bits == 0 {
		bits = DefaultIndexBits
	}
	if err := checkBits("IndexBits", bits); err != nil {
		return nil, err
	}
	byName := make(map[string]int, len(cfg.IndexBitsByName))
	for name, b := range cfg.IndexBitsByName {
		if err := checkBits("IndexBitsByName["+name+"]", b); err != nil {
			return nil, err
		}
		byName[name] = b
	}
	if cfg.IndexEncoding != Hex && cfg.IndexEncoding != Base64URL {
		return nil, fmt.Errorf("%w: unknown IndexEncoding %d", ErrInvalidArgument, cfg.IndexEncoding)
	}
	if cfg.MasterSecret != nil && len(cfg.MasterSecret) != MasterSecretSize {
		return nil, fmt.Errorf("%w: MasterSecret must be %d bytes, got %d", ErrInvalidArgument, MasterSecretSize, len(cfg.MasterSecret))
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}

	dir := filepath.Clean(cfg.KeyDir)
	if _, err := os.Stat(dir); cfg.NoCreate && errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: the key directory %s does not exist", ErrNoKeys, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: create key dir: %w", err)
	}
	unlock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("vault: lock key dir: %w", err)
	}
	defer unlock()

	secret := cfg.MasterSecret
	if secret == nil {
		if secret, err = loadOrCreateMaster(dir, cfg.NoCreate); err != nil {
			return nil, err
		}
	}
	master, err := aeadsubtle.NewAESGCM(secret)
	if err != nil {
		return nil, fmt.Errorf("vault: master secret: %w", err)
	}

	v := &Vault{
		dir:       dir,
		master:    master,
		indexBits: byName,
		bits:      bits,
		encoding:  cfg.IndexEncoding,
		cache:     newDEKCache(size, ttl),
	}

	if _, err := loadOrCreateKeyset(dir, KEKKeysetFile, master, aead.AES256GCMKeyTemplate, cfg.NoCreate); err != nil {
		return nil, err
	}
	if v.kek, err = v.loadKEK(); err != nil {
		return nil, err
	}

	ih, err := loadOrCreateKeyset(dir, IndexKeysetFile, master, prf.HMACSHA256PRFKeyTemplate, cfg.NoCreate)
	if err != nil {
		return nil, err
	}
	if v.prf, err = prf.NewPRFSet(ih); err != nil {
		return nil, fmt.Errorf("vault: index keyset: %w", err)
	}
	if _, ok := v.prf.PRFs[v.prf.PrimaryID]; !ok {
		return nil, fmt.Errorf("vault: index keyset has no primary PRF")
	}
	return v, nil
}

func checkBits(what string, b int) error {
	if b < 1 || b > 256 {
		return fmt.Errorf("%w: %s = %d, want 1..256", ErrInvalidArgument, what, b)
	}
	return nil
}

// ParseMasterSecret decodes a master secret given as 64 hex digits or as
// base64 (standard or URL alphabet, padded or not) of 32 bytes. Surrounding
// whitespace is ignored. Use it for secrets passed through the environment.
func ParseMasterSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*MasterSecretSize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == MasterSecretSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: master secret must be %d bytes as hex or base64", ErrInvalidArgument, MasterSecretSize)
}

// loadOrCreateMaster reads dir/master.key or creates it. Called with the
// directory lock held.
func loadOrCreateMaster(dir string, noCreate bool) ([]byte, error) {
	path := filepath.Join(dir, MasterKeyFile)
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%w: %s has mode %v", ErrInsecurePermissions, path, fi.Mode().Perm())
		}
		raw, err := os.ReadFile(path) // #nosec G304 -- the master key file the operator configured
		if err != nil {
			return nil, fmt.Errorf("vault: read master key: %w", err)
		}
		if len(raw) == MasterSecretSize {
			return raw, nil
		}
		return ParseMasterSecret(string(raw))
	case errors.Is(err, os.ErrNotExist):
		for _, f := range []string{KEKKeysetFile, IndexKeysetFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return nil, fmt.Errorf("vault: %s exists but %s is missing: supply Config.MasterSecret or restore the master key (refusing to create a new one)", f, MasterKeyFile)
			}
		}
		if noCreate {
			return nil, fmt.Errorf("%w: %s", ErrNoKeys, filepath.Join(dir, MasterKeyFile))
		}
		secret := make([]byte, MasterSecretSize)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("vault: generate master secret: %w", err)
		}
		if err := writeFileAtomic(dir, MasterKeyFile, []byte(hex.EncodeToString(secret)+"\n")); err != nil {
			return nil, fmt.Errorf("vault: write master key: %w", err)
		}
		return secret, nil
	default:
		return nil, fmt.Errorf("vault: stat master key: %w", err)
	}
}

// keysetAD is the associated data binding an encrypted keyset file to its role.
func keysetAD(name string) []byte { return []byte("nrm/vault/v1|" + name) }

// loadOrCreateKeyset reads dir/name or creates a fresh keyset from the
// template (unless noCreate). Called with the directory lock held.
func loadOrCreateKeyset(dir, name string, master tink.AEAD, template func() *tinkpb.KeyTemplate, noCreate bool) (*keyset.Handle, error) {
	h, err := readKeysetFile(dir, name, master)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return h, err
	}
	if noCreate {
		return nil, fmt.Errorf("%w: %s", ErrNoKeys, filepath.Join(dir, name))
	}
	h, err = keyset.NewHandle(template())
	if err != nil {
		return nil, fmt.Errorf("vault: generate %s: %w", name, err)
	}
	if err := writeKeysetFile(dir, name, master, h); err != nil {
		return nil, err
	}
	return h, nil
}

func readKeysetFile(dir, name string, master tink.AEAD) (*keyset.Handle, error) {
	data, err := os.ReadFile(filepath.Join(dir, name)) // #nosec G304 -- the operator's key directory and a fixed file name
	if err != nil {
		return nil, err // may be os.ErrNotExist
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(data)), master, keysetAD(name))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMasterSecret, name)
	}
	return h, nil
}

func writeKeysetFile(dir, name string, master tink.AEAD, h *keyset.Handle) error {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), master, keysetAD(name)); err != nil {
		return fmt.Errorf("vault: encrypt %s: %w", name, err)
	}
	if err := writeFileAtomic(dir, name, buf.Bytes()); err != nil {
		return fmt.Errorf("vault: write %s: %w", name, err)
	}
	return nil
}

func (v *Vault) state() *kekState {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.kek
}

func (v *Vault) setState(st *kekState) {
	v.mu.Lock()
	v.kek = st
	v.mu.Unlock()
}

// KeyInfo returns the ID of the primary KEK key and the IDs of all enabled
// KEK keys (including the primary), in keyset order. Key IDs are not secret.
func (v *Vault) KeyInfo() (primaryID uint32, ids []uint32) {
	st := v.state()
	return st.primary, slices.Clone(st.ids)
}

// HeldKeyIDs returns the ID of every key in the KEK keyset, whatever its
// status, and of every key in the index keyset: what data written under a
// key ID can be read with. Key IDs are not secret.
func (v *Vault) HeldKeyIDs() (kek, index []uint32) {
	for id := range v.state().all {
		kek = append(kek, id)
	}
	for id := range v.prf.PRFs {
		index = append(index, id)
	}
	slices.Sort(kek)
	slices.Sort(index)
	return kek, index
}

// IndexKeyID is the ID of the index key that computes blind indexes now.
func (v *Vault) IndexKeyID() uint32 { return v.prf.PrimaryID }

// Rotate generates a new KEK key, makes it primary and persists the keyset
// atomically. Older keys stay enabled for unwrapping. New DEKs (and Rewrap)
// use the new key from now on. See the runbook in the package doc.
func (v *Vault) Rotate() error {
	_, err := v.modifyKEK(func(m *keyset.Manager, _ *kekState) ([]uint32, error) {
		id, err := m.Add(aead.AES256GCMKeyTemplate())
		if err != nil {
			return nil, err
		}
		return []uint32{id}, m.SetPrimary(id)
	})
	return err
}

// DisableOldKeys disables every enabled non-primary KEK key and returns their
// IDs. DEKs still wrapped under those keys can no longer be unwrapped (until
// EnableKey), so run it only after every wrapped DEK has been re-wrapped. The
// unwrapped-DEK cache is purged.
func (v *Vault) DisableOldKeys() ([]uint32, error) {
	ids, err := v.modifyKEK(func(m *keyset.Manager, st *kekState) ([]uint32, error) {
		var ids []uint32
		for _, id := range st.ids {
			if id == st.primary {
				continue
			}
			if err := m.Disable(id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	})
	if err == nil {
		v.cache.purge()
	}
	return ids, err
}

// EnableKey re-enables a disabled KEK key (undo for DisableOldKeys).
func (v *Vault) EnableKey(id uint32) error {
	_, err := v.modifyKEK(func(m *keyset.Manager, _ *kekState) ([]uint32, error) {
		return []uint32{id}, m.Enable(id)
	})
	return err
}

// DeleteDisabledKeys removes the key material of every disabled KEK key from
// kek.keyset and returns their IDs. This is irreversible: anything still
// wrapped under those keys, including in database backups, becomes
// permanently undecryptable.
func (v *Vault) DeleteDisabledKeys() ([]uint32, error) {
	return v.modifyKEK(func(m *keyset.Manager, st *kekState) ([]uint32, error) {
		var ids []uint32
		for id, status := range st.all {
			if status != keyset.Disabled {
				continue
			}
			if err := m.Delete(id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return ids, nil
	})
}

// modifyKEK runs a read-modify-write of kek.keyset under the in-process mutex
// and the cross-process directory lock. The keyset is re-read from disk first
// so that changes made by another process are not lost.
func (v *Vault) modifyKEK(fn func(*keyset.Manager, *kekState) ([]uint32, error)) ([]uint32, error) {
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	unlock, err := lockDir(filepath.Join(v.dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("vault: lock key dir: %w", err)
	}
	defer unlock()

	curState, err := v.loadKEK()
	if err != nil {
		return nil, err
	}
	m := keyset.NewManagerFromHandle(curState.handle)
	ids, err := fn(m, curState)
	if err != nil {
		return nil, fmt.Errorf("vault: update KEK keyset: %w", err)
	}
	nh, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("vault: update KEK keyset: %w", err)
	}
	st, err := newKEKState(nh)
	if err != nil {
		return nil, err
	}
	if err := writeKeysetFile(v.dir, KEKKeysetFile, v.master, nh); err != nil {
		return nil, err
	}
	// We hold the directory lock, so the file on disk is the one just written.
	if st.file, err = os.Stat(filepath.Join(v.dir, KEKKeysetFile)); err != nil {
		return nil, err
	}
	v.setState(st)
	return ids, nil
}

// loadKEK reads kek.keyset and records the identity of the file it read.
// The file is stat'ed before it is read: if it is replaced in between, the
// recorded identity is older than the content, which only causes one
// redundant reload later.
func (v *Vault) loadKEK() (*kekState, error) {
	path := filepath.Join(v.dir, KEKKeysetFile)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("vault: load %s: %w", KEKKeysetFile, err)
	}
	h, err := readKeysetFile(v.dir, KEKKeysetFile, v.master)
	if err != nil {
		return nil, fmt.Errorf("vault: load %s: %w", KEKKeysetFile, err)
	}
	st, err := newKEKState(h)
	if err != nil {
		return nil, err
	}
	st.file = fi
	return st, nil
}

// Reload re-reads kek.keyset from KeyDir, picking up a rotation (or a
// disable) done by another process. DEK and Rewrap also reload automatically
// when they meet a wrapped DEK whose KEK key ID is unknown and kek.keyset has
// been replaced on disk since it was last loaded.
func (v *Vault) Reload() error {
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	st, err := v.loadKEK()
	if err != nil {
		return err
	}
	old := v.state()
	v.setState(st)
	for id := range old.enabled {
		if !st.enabled[id] {
			v.cache.purge() // a key was disabled elsewhere: drop what it unwrapped
			break
		}
	}
	return nil
}

// sameFile reports whether a and b describe the same version of a file. The
// inode alone is not enough: a freed inode is often reused by the next
// temporary file.
func sameFile(a, b os.FileInfo) bool {
	return b != nil && os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// maybeReload reloads the KEK keyset if kek.keyset was replaced since it was
// loaded (one stat call otherwise). It reports whether a reload happened.
func (v *Vault) maybeReload() bool {
	fi, err := os.Stat(filepath.Join(v.dir, KEKKeysetFile))
	if err != nil || sameFile(fi, v.state().file) {
		return false
	}
	return v.Reload() == nil
}
