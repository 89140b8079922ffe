package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// checkpointHeader is the first line of a checkpoint's signed text. Changing
// the signed format requires a new version.
const checkpointHeader = "nrm-audit-checkpoint/v1"

// maxKeyIDLen bounds the KeyID of a checkpoint.
const maxKeyIDLen = 64

// maxCheckpointText bounds what ParseCheckpoint accepts; a valid checkpoint
// is about 250 bytes.
const maxCheckpointText = 1024

// minCheckpointUnix and maxCheckpointUnix bound [Checkpoint.At] to years
// 0001..9999, so that its Unix seconds round-trip through the text form.
const (
	minCheckpointUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxCheckpointUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// b64 is strict standard base64: padding required, non-zero trailing bits
// rejected.
var b64 = base64.StdEncoding.Strict()

// Checkpoint is a signed statement that the audit log had Size entries and
// that the RFC 6962 Merkle root over their hashes was Root, at time At
// (whole seconds, UTC). KeyID names the signing key; Sig is the Ed25519
// signature over [Checkpoint.SignedBytes].
//
// Checkpoints are only useful if they are exported off-box (see the package
// documentation) and the exported copies are given to [Verify].
type Checkpoint struct {
	Size  int64     // number of entries covered: Seq 1..Size
	Root  []byte    // RFC 6962 Merkle root over the first Size entry hashes (32 bytes)
	At    time.Time // when it was signed; whole seconds, UTC
	KeyID string    // names the signing key, e.g. KeyID(pub); 1-64 printable ASCII bytes, no spaces
	Sig   []byte    // Ed25519 signature over SignedBytes (64 bytes)
}

// SignedBytes returns the text that is signed, a note of five lines:
//
//	nrm-audit-checkpoint/v1
//	<key id>
//	<size, decimal>
//	<root, standard base64>
//	<at, Unix seconds, decimal>
//
// each terminated by "\n". The key id is included so that a signature cannot
// be relabelled as coming from a different key.
func (c *Checkpoint) SignedBytes() []byte {
	var b bytes.Buffer
	b.Grow(128)
	b.WriteString(checkpointHeader)
	b.WriteByte('\n')
	b.WriteString(c.KeyID)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(b64.EncodeToString(c.Root))
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.At.Unix(), 10))
	b.WriteByte('\n')
	return b.Bytes()
}

// KeyID returns the conventional key id for pub: "ed25519:" followed by the
// first 8 bytes of SHA-256(pub) in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// validKeyID reports whether id can appear in a checkpoint: 1 to 64 bytes of
// printable ASCII without spaces.
func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// wellFormed checks everything about c except the signature itself.
func (c *Checkpoint) wellFormed() error {
	switch {
	case c.Size < 0:
		return errors.New("negative size")
	case len(c.Root) != HashSize:
		return fmt.Errorf("root is %d bytes, want %d", len(c.Root), HashSize)
	case len(c.Sig) != ed25519.SignatureSize:
		return fmt.Errorf("signature is %d bytes, want %d", len(c.Sig), ed25519.SignatureSize)
	case !validKeyID(c.KeyID):
		return fmt.Errorf("invalid key id %q", c.KeyID)
	case c.At.Unix() < minCheckpointUnix || c.At.Unix() > maxCheckpointUnix:
		return errors.New("time out of range")
	}
	return nil
}

// SignCheckpoint signs a checkpoint for a log of size entries whose RFC 6962
// Merkle root is root. at is truncated to whole seconds in UTC, which is
// what the signature covers. Use [KeyID] of the public key as keyID unless
// there is a reason not to.
//
// SignCheckpoint panics on arguments that could only come from a
// programming error: a private key of the wrong length, a negative size, a
// root that is not 32 bytes, an invalid key id (1 to 64 printable ASCII
// bytes without spaces), or a time outside years 0001..9999.
func SignCheckpoint(priv ed25519.PrivateKey, keyID string, size int64, root []byte, at time.Time) Checkpoint {
	if len(priv) != ed25519.PrivateKeySize {
		panic("audit: SignCheckpoint: private key must be 64 bytes")
	}
	c := Checkpoint{
		Size:  size,
		Root:  bytes.Clone(root),
		At:    at.UTC().Truncate(time.Second),
		KeyID: keyID,
		Sig:   make([]byte, ed25519.SignatureSize), // placeholder for wellFormed
	}
	if err := c.wellFormed(); err != nil {
		panic("audit: SignCheckpoint: " + err.Error())
	}
	c.Sig = ed25519.Sign(priv, c.SignedBytes())
	return c
}

// Verify reports whether c is well formed and carries a valid signature by
// pub. It never panics, whatever c and pub contain.
func (c Checkpoint) Verify(pub ed25519.PublicKey) bool {
	if len(pub) != ed25519.PublicKeySize || c.wellFormed() != nil {
		return false
	}
	return ed25519.Verify(pub, c.SignedBytes(), c.Sig)
}

// MarshalCheckpoint returns the text form of c for export off-box: the
// signed text, an empty line, and the base64 signature on a line of its
// own:
//
//	nrm-audit-checkpoint/v1
//	ed25519:0123456789abcdef
//	2000
//	<root base64>
//	1767225600
//
//	<signature base64>
//
// Every line ends in "\n". The output of a checkpoint made by
// [SignCheckpoint] parses back with [ParseCheckpoint] to an equal value.
func MarshalCheckpoint(c Checkpoint) []byte {
	b := c.SignedBytes()
	b = append(b, '\n')
	b = append(b, b64.EncodeToString(c.Sig)...)
	b = append(b, '\n')
	return b
}

// ParseCheckpoint parses the text form written by [MarshalCheckpoint]. It is
// strict: the input must be exactly what MarshalCheckpoint would produce for
// the result (no extra whitespace, CRLF, leading zeros, or non-canonical
// base64), so every checkpoint has a single text form. It does not verify
// the signature; call [Checkpoint.Verify].
func ParseCheckpoint(b []byte) (Checkpoint, error) {
	if len(b) > maxCheckpointText {
		return Checkpoint{}, errors.New("audit: checkpoint: too long")
	}
	lines := strings.Split(string(b), "\n")
	// header, key id, size, root, time, "", signature, and the empty
	// string after the final newline.
	if len(lines) != 8 || lines[5] != "" || lines[7] != "" {
		return Checkpoint{}, errors.New("audit: checkpoint: malformed: want 5 signed lines, an empty line and a signature line")
	}
	if lines[0] != checkpointHeader {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: unknown header %q", lines[0])
	}
	var c Checkpoint
	c.KeyID = lines[1]
	if !validKeyID(c.KeyID) {
		return Checkpoint{}, errors.New("audit: checkpoint: invalid key id")
	}
	size, err := parseCanonicalInt(lines[2])
	if err != nil || size < 0 {
		return Checkpoint{}, errors.New("audit: checkpoint: invalid size")
	}
	c.Size = size
	if c.Root, err = decodeCanonicalBase64(lines[3], HashSize); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: root: %w", err)
	}
	unix, err := parseCanonicalInt(lines[4])
	if err != nil || unix < minCheckpointUnix || unix > maxCheckpointUnix {
		return Checkpoint{}, errors.New("audit: checkpoint: invalid time")
	}
	c.At = time.Unix(unix, 0).UTC()
	if c.Sig, err = decodeCanonicalBase64(lines[6], ed25519.SignatureSize); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: signature: %w", err)
	}
	return c, nil
}

// parseCanonicalInt parses a decimal int64 written exactly as
// strconv.FormatInt writes it (no sign prefix "+", no leading zeros).
func parseCanonicalInt(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if strconv.FormatInt(v, 10) != s {
		return 0, errors.New("non-canonical integer")
	}
	return v, nil
}

// decodeCanonicalBase64 decodes strict standard base64 of exactly n bytes and
// insists that it re-encodes to s (the decoder silently skips '\r').
func decodeCanonicalBase64(s string, n int) ([]byte, error) {
	if len(s) != b64.EncodedLen(n) {
		return nil, fmt.Errorf("want %d bytes of base64", n)
	}
	v, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(v) != n || b64.EncodeToString(v) != s {
		return nil, errors.New("non-canonical base64")
	}
	return v, nil
}
