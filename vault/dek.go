package vault

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/core/cryptofmt"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Format versions (first byte of our byte strings).
const (
	// EnvelopeV1 is the version byte of field envelopes produced by DEK.Seal.
	EnvelopeV1 byte = 1
	// WrappedV1 is the version byte of wrapped DEKs produced by NewDEK and
	// Rewrap.
	WrappedV1 byte = 1
)

const (
	gcmIVSize  = 12
	gcmTagSize = 16
	// minEnvelopeBody is the shortest possible Tink AES-GCM ciphertext:
	// prefix, IV and tag around an empty plaintext.
	minEnvelopeBody = cryptofmt.TinkPrefixSize + gcmIVSize + gcmTagSize
	dekKeySize      = 32
)

// DEK is an unwrapped per-subject data key. It is safe for concurrent use.
type DEK struct {
	subjectID string
	aead      tink.AEAD
}

// SubjectID returns the subject the DEK belongs to.
func (d *DEK) SubjectID() string { return d.subjectID }

// fieldAD builds the associated data of a field envelope: the version byte
// followed by table, column and record ID, each prefixed with its length as a
// 4-byte big-endian integer, so that no two distinct triples share an
// encoding.
func fieldAD(version byte, table, column, recordID string) []byte {
	ad := make([]byte, 0, 1+12+len(table)+len(column)+len(recordID))
	ad = append(ad, version)
	for _, s := range [...]string{table, column, recordID} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(s))) // #nosec G115 -- table, column and record ids are short
		ad = append(ad, s...)
	}
	return ad
}

func checkContext(table, column, recordID string) error {
	if table == "" || column == "" || recordID == "" {
		return fmt.Errorf("%w: table, column and recordID must be non-empty", ErrInvalidArgument)
	}
	return nil
}

// Seal encrypts plaintext for the cell (table, column, recordID). The result
// only opens with the same DEK and the same three strings, so a ciphertext
// copied to another row, column or table fails with ErrDecrypt. recordID must
// be known before encryption (use client-generated IDs such as UUIDs).
func (d *DEK) Seal(plaintext []byte, table, column, recordID string) ([]byte, error) {
	if err := checkContext(table, column, recordID); err != nil {
		return nil, err
	}
	ct, err := d.aead.Encrypt(plaintext, fieldAD(EnvelopeV1, table, column, recordID))
	if err != nil {
		return nil, fmt.Errorf("vault: seal: %w", err)
	}
	out := make([]byte, 0, 1+len(ct))
	out = append(out, EnvelopeV1)
	return append(out, ct...), nil
}

// Open decrypts an envelope produced by Seal for the same cell. Any failure
// (including malformed input and empty context strings) returns ErrDecrypt.
func (d *DEK) Open(ciphertext []byte, table, column, recordID string) ([]byte, error) {
	if checkContext(table, column, recordID) != nil {
		return nil, ErrDecrypt
	}
	version, body, err := ParseEnvelope(ciphertext)
	if err != nil {
		return nil, ErrDecrypt
	}
	pt, err := d.aead.Decrypt(body, fieldAD(version, table, column, recordID))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// ParseEnvelope splits untrusted envelope bytes into the format version and
// the Tink ciphertext, checking only structure (version, Tink prefix, minimum
// length), not authenticity. It never panics; errors wrap ErrMalformed. body
// aliases b.
func ParseEnvelope(b []byte) (version byte, body []byte, err error) {
	if len(b) < 1+minEnvelopeBody {
		return 0, nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	if b[0] != EnvelopeV1 {
		return 0, nil, fmt.Errorf("%w: unknown version %d", ErrMalformed, b[0])
	}
	if b[1] != cryptofmt.TinkStartByte {
		return 0, nil, fmt.Errorf("%w: not a Tink ciphertext", ErrMalformed)
	}
	return b[0], b[1:], nil
}

// EnvelopeKeyID returns the Tink key ID of the DEK that sealed an envelope
// (not secret; useful for diagnostics).
func EnvelopeKeyID(b []byte) (uint32, error) {
	_, body, err := ParseEnvelope(b)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(body[1:cryptofmt.TinkPrefixSize]), nil
}

// wrapAD is the associated data binding a wrapped DEK to its subject.
func wrapAD(subjectID string) []byte { return []byte("dek|" + subjectID) }

// encryptedReader feeds an already parsed EncryptedKeyset to keyset.Read.
type encryptedReader struct{ ek *tinkpb.EncryptedKeyset }

func (r encryptedReader) Read() (*tinkpb.Keyset, error) {
	return nil, fmt.Errorf("vault: cleartext keysets are not accepted")
}
func (r encryptedReader) ReadEncrypted() (*tinkpb.EncryptedKeyset, error) { return r.ek, nil }

// parseWrapped decodes the outer layer of a wrapped DEK and returns the KEK
// key ID from the Tink prefix of the KEK ciphertext.
func parseWrapped(wrapped []byte) (*tinkpb.EncryptedKeyset, uint32, error) {
	if len(wrapped) < 2 || wrapped[0] != WrappedV1 {
		return nil, 0, ErrDecrypt
	}
	ek, err := keyset.NewBinaryReader(bytes.NewReader(wrapped[1:])).ReadEncrypted()
	if err != nil {
		return nil, 0, ErrDecrypt
	}
	ct := ek.GetEncryptedKeyset()
	if len(ct) < cryptofmt.TinkPrefixSize || ct[0] != cryptofmt.TinkStartByte {
		return nil, 0, ErrDecrypt
	}
	return ek, binary.BigEndian.Uint32(ct[1:cryptofmt.TinkPrefixSize]), nil
}

// WrappedKeyID is the ID of the KEK key that wrapped a DEK (read from its
// Tink prefix, without decrypting anything); ErrDecrypt for bytes that are
// not a wrapped DEK.
func WrappedKeyID(wrapped []byte) (uint32, error) {
	_, id, err := parseWrapped(wrapped)
	return id, err
}

func wrap(st *kekState, h *keyset.Handle, subjectID string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(WrappedV1)
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), st.aead, wrapAD(subjectID)); err != nil {
		return nil, fmt.Errorf("vault: wrap DEK: %w", err)
	}
	return buf.Bytes(), nil
}

// unwrapHandle decrypts a parsed wrapped DEK and checks that it is a single
// enabled AES-256-GCM key.
func unwrapHandle(st *kekState, ek *tinkpb.EncryptedKeyset, subjectID string) (*keyset.Handle, error) {
	h, err := keyset.ReadWithAssociatedData(encryptedReader{ek}, st.aead, wrapAD(subjectID))
	if err != nil || h.Len() != 1 {
		return nil, ErrDecrypt
	}
	e, err := h.Primary()
	if err != nil || e.KeyStatus() != keyset.Enabled {
		return nil, ErrDecrypt
	}
	k, ok := e.Key().(*aesgcm.Key)
	if !ok {
		return nil, ErrDecrypt
	}
	if p, ok := k.Parameters().(*aesgcm.Parameters); !ok || p.KeySizeInBytes() != dekKeySize || p.Variant() != aesgcm.VariantTink {
		return nil, ErrDecrypt
	}
	return h, nil
}

func newDEKFromHandle(subjectID string, h *keyset.Handle) (*DEK, error) {
	p, err := aead.New(h)
	if err != nil {
		return nil, ErrDecrypt
	}
	return &DEK{subjectID: subjectID, aead: p}, nil
}

// NewDEK generates a fresh DEK for subjectID and returns it together with
// its wrapped form, which the caller stores (subject_keys). The DEK is cached.
func (v *Vault) NewDEK(subjectID string) (wrapped []byte, dek *DEK, err error) {
	if subjectID == "" {
		return nil, nil, fmt.Errorf("%w: empty subject ID", ErrInvalidArgument)
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, nil, fmt.Errorf("vault: generate DEK: %w", err)
	}
	dek, err = newDEKFromHandle(subjectID, h)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: generate DEK: %w", err)
	}
	if wrapped, err = wrap(v.state(), h, subjectID); err != nil {
		return nil, nil, err
	}
	v.cache.put(subjectID, wrapped, dek)
	return wrapped, dek, nil
}

// DEK unwraps a DEK previously returned by NewDEK or Rewrap for the same
// subjectID. Results are cached by (subjectID, SHA-256 of wrapped), so
// repeated reads of the same record do not re-parse keysets. Every failure
// returns ErrDecrypt.
func (v *Vault) DEK(subjectID string, wrapped []byte) (*DEK, error) {
	if subjectID == "" {
		return nil, ErrDecrypt
	}
	key := makeCacheKey(subjectID, wrapped)
	if d := v.cache.get(key); d != nil {
		return d, nil
	}
	ek, kekID, err := parseWrapped(wrapped)
	if err != nil {
		return nil, err
	}
	st := v.state()
	if !st.enabled[kekID] && v.maybeReload() {
		st = v.state() // possibly rotated by another process
	}
	h, err := unwrapHandle(st, ek, subjectID)
	if err != nil {
		return nil, err
	}
	d, err := newDEKFromHandle(subjectID, h)
	if err != nil {
		return nil, err
	}
	v.cache.putKey(key, d)
	return d, nil
}

// NeedsRewrap reports whether wrapped was produced under a KEK key other
// than the current primary. Malformed input reports true, so that a rewrap
// loop surfaces it through Rewrap's error.
func (v *Vault) NeedsRewrap(wrapped []byte) bool {
	_, kekID, err := parseWrapped(wrapped)
	return err != nil || kekID != v.state().primary
}

// Rewrap re-encrypts a wrapped DEK under the current primary KEK key. If it
// already is (changed == false) wrapped is returned as is, without being
// authenticated. Otherwise it is unwrapped (ErrDecrypt on failure) and
// wrapped again; the DEK itself, and so every field ciphertext, is unchanged.
// Rewrap does not fill the DEK cache.
func (v *Vault) Rewrap(subjectID string, wrapped []byte) (newWrapped []byte, changed bool, err error) {
	if subjectID == "" {
		return nil, false, ErrDecrypt
	}
	ek, kekID, err := parseWrapped(wrapped)
	if err != nil {
		return nil, false, err
	}
	st := v.state()
	if _, known := st.all[kekID]; !known && v.maybeReload() {
		st = v.state() // rotated by another process: never re-wrap under a stale primary
	}
	if kekID == st.primary {
		return wrapped, false, nil
	}
	h, err := unwrapHandle(st, ek, subjectID)
	if err != nil {
		return nil, false, err
	}
	out, err := wrap(st, h, subjectID)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// Forget drops every cached DEK of subjectID. Call it when shredding a
// subject (in every process that may have it cached).
func (v *Vault) Forget(subjectID string) { v.cache.forget(subjectID) }
