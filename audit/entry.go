package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// HashSize is the size in bytes of entry hashes, Merkle roots and proof
// elements (SHA-256).
const HashSize = sha256.Size

// canonicalVersion opens every canonical encoding. Any change to the encoding
// must change this string so that old and new encodings can never collide.
const canonicalVersion = "nrm-audit-entry/v1\n"

// chainDomain is the domain-separation tag hashed in front of every entry.
// Its first byte ('n') differs from the RFC 6962 leaf (0x00) and node (0x01)
// prefixes, so an entry hash can never be confused with a Merkle tree hash.
const chainDomain = "nrm-audit-chain/v1\x00"

// GenesisHash is the PrevHash of the first entry (Seq 1): 32 zero bytes.
// Treat it as read-only; the package itself never relies on its contents.
var GenesisHash = make([]byte, HashSize)

// genesis is the package's private, immutable copy of GenesisHash.
var genesis [HashSize]byte

// Entry is one audit record. Personal data is never stored in an entry: only
// IDs, field names, the action, outcome, and an (already encrypted by the
// caller) reason blob.
type Entry struct {
	Seq        int64     // 1, 2, 3, … no gaps
	At         time.Time // UTC, microsecond precision (Canonical truncates, so DB round trips are stable)
	ActorUser  string    // user id ("" for anonymous/system)
	ActorOrg   string    // organisation of the actor
	ActorRole  string    // role the actor acted in
	Action     string    // e.g. "record.read", "record.update", "login.success", "login.failure", "export", "permission.change", "breakglass.open"
	Subject    string    // the person/record id touched ("" if none)
	Fields     []string  // which fields/parts were read or written
	Outcome    string    // "ok", "denied", "error"
	BreakGlass bool      // access was made under break-glass
	Reason     []byte    // opaque (the caller encrypts reasons); may be nil
	Remote     string    // client address (the caller may truncate it)
	RequestID  string    // correlates the entry with request logs
	PrevHash   []byte    // 32 bytes; the genesis entry uses 32 zero bytes
	Hash       []byte    // SHA-256 over domain tag ‖ PrevHash ‖ Canonical()
}

// Canonical returns the unambiguous, versioned encoding of every field of e
// except PrevHash and Hash. The layout (v1) is:
//
//	"nrm-audit-entry/v1\n"
//	Seq         int64, 8 bytes big-endian
//	At          int64 Unix microseconds (UTC, truncated), 8 bytes big-endian
//	ActorUser   uvarint length ‖ bytes
//	ActorOrg    uvarint length ‖ bytes
//	ActorRole   uvarint length ‖ bytes
//	Action      uvarint length ‖ bytes
//	Subject     uvarint length ‖ bytes
//	Fields      uvarint count, then per field: uvarint length ‖ bytes
//	Outcome     uvarint length ‖ bytes
//	BreakGlass  1 byte, 0x00 or 0x01
//	Reason      uvarint length ‖ bytes
//	Remote      uvarint length ‖ bytes
//	RequestID   uvarint length ‖ bytes
//
// Fixed order plus length prefixes make the encoding injective: two entries
// have the same encoding only if every field is equal, after these
// normalisations, which mirror what a database round trip does:
// At is compared as an instant truncated to the microsecond (time zone and
// monotonic clock reading are ignored), and a nil Reason or Fields equals an
// empty one.
func (e *Entry) Canonical() []byte {
	return e.appendCanonical(make([]byte, 0, e.canonicalSize()))
}

// canonicalSize returns an upper bound of len(e.Canonical()).
func (e *Entry) canonicalSize() int {
	n := len(canonicalVersion) + 8 + 8 + 1
	n += 7 * binary.MaxVarintLen64
	n += len(e.ActorUser) + len(e.ActorOrg) + len(e.ActorRole) + len(e.Action) +
		len(e.Subject) + len(e.Outcome) + len(e.Reason) + len(e.Remote) + len(e.RequestID)
	n += binary.MaxVarintLen64
	for _, f := range e.Fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	return n
}

// appendCanonical appends e.Canonical() to dst.
func (e *Entry) appendCanonical(dst []byte) []byte {
	dst = append(dst, canonicalVersion...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Seq)) // #nosec G115 -- Seq is positive (1, 2, 3…); the bit pattern is what is hashed
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.At.UnixMicro()))
	dst = appendString(dst, e.ActorUser)
	dst = appendString(dst, e.ActorOrg)
	dst = appendString(dst, e.ActorRole)
	dst = appendString(dst, e.Action)
	dst = appendString(dst, e.Subject)
	dst = binary.AppendUvarint(dst, uint64(len(e.Fields)))
	for _, f := range e.Fields {
		dst = appendString(dst, f)
	}
	dst = appendString(dst, e.Outcome)
	if e.BreakGlass {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Reason)))
	dst = append(dst, e.Reason...)
	dst = appendString(dst, e.Remote)
	dst = appendString(dst, e.RequestID)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// ComputeHash returns SHA-256(domain tag ‖ prev ‖ e.Canonical()), the value
// e.Hash must hold when e follows an entry whose hash is prev. It ignores
// e.PrevHash and e.Hash. prev should be 32 bytes; [Verify] rejects entries
// whose PrevHash is not.
func ComputeHash(prev []byte, e *Entry) []byte {
	var buf []byte
	sum := hashEntry(&buf, prev, e)
	return sum[:]
}

// hashEntry computes ComputeHash(prev, e) using *buf as scratch space, so
// that a caller hashing many entries allocates only once.
func hashEntry(buf *[]byte, prev []byte, e *Entry) [HashSize]byte {
	b := (*buf)[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, len(chainDomain)+len(prev)+e.canonicalSize())
	}
	b = append(b, chainDomain...)
	b = append(b, prev...)
	b = e.appendCanonical(b)
	*buf = b
	return sha256.Sum256(b)
}

// Seal links e to its predecessor: it sets e.PrevHash to a copy of prev and
// e.Hash to ComputeHash(prev, e). prev is the Hash of entry e.Seq-1, or
// GenesisHash for the first entry; a nil prev is accepted as GenesisHash
// when e.Seq is 1.
//
// Seal also normalises e.At to UTC truncated to the microsecond, so that the
// value the storage layer writes is exactly the value that was hashed.
//
// Seal panics if prev is not 32 bytes long: that is a programming error in
// the caller, and sealing anyway would write an entry that can never verify.
func (e *Entry) Seal(prev []byte) {
	if prev == nil && e.Seq == 1 {
		prev = genesis[:]
	}
	if len(prev) != HashSize {
		panic("audit: Entry.Seal: previous hash must be 32 bytes")
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = append(make([]byte, 0, HashSize), prev...)
	e.Hash = ComputeHash(e.PrevHash, e)
}
