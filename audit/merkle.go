package audit

import (
	"bytes"
	"crypto/sha256"
	"math/bits"
)

// This file implements the Merkle Tree Hash of RFC 6962 section 2.1 (also
// RFC 9162 section 2.1) over entry hashes:
//
//	MTH({})      = SHA-256()
//	MTH({d0})    = SHA-256(0x00 ‖ d0)                     (leaf hash)
//	MTH(D[n])    = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))  (node hash)
//
// where k is the largest power of two smaller than n. The leaf data d_i is
// the i-th entry's Hash; any byte string is accepted, so the RFC's own test
// vectors apply unchanged.

// emptyRoot is MTH({}) = SHA-256 of the empty string.
var emptyRoot = sha256.Sum256(nil)

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 ‖ entryHash): the
// value [VerifyInclusion] takes as its leafHash argument.
func LeafHash(entryHash []byte) []byte {
	h := hashLeaf(entryHash)
	return h[:]
}

func hashLeaf(data []byte) [HashSize]byte {
	var small [1 + 2*HashSize]byte
	if len(data) < len(small) {
		small[0] = 0x00
		n := copy(small[1:], data)
		return sha256.Sum256(small[:1+n])
	}
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(data)
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}

func hashNode(left, right *[HashSize]byte) [HashSize]byte {
	var b [1 + 2*HashSize]byte
	b[0] = 0x01
	copy(b[1:], left[:])
	copy(b[1+HashSize:], right[:])
	return sha256.Sum256(b[:])
}

// CompactTree computes RFC 6962 Merkle roots incrementally. It keeps only
// the roots of the maximal perfect subtrees covering the leaves appended so
// far (a "compact range": one hash per set bit of Size, so at most 63), and
// is how [Verify] checks checkpoints without holding every entry hash.
// The storage layer can use it to maintain the root for new checkpoints.
// The zero value is an empty tree.
type CompactTree struct {
	size  int64
	nodes [][HashSize]byte // perfect subtree roots, largest (leftmost) first
}

// Append adds a leaf whose data is entryHash (the entry's Hash; the 0x00
// leaf prefix is applied here).
func (t *CompactTree) Append(entryHash []byte) {
	t.appendLeaf(hashLeaf(entryHash))
}

// appendLeaf adds an already computed leaf hash.
func (t *CompactTree) appendLeaf(h [HashSize]byte) {
	if t.nodes == nil {
		t.nodes = make([][HashSize]byte, 0, 64)
	}
	t.nodes = append(t.nodes, h)
	// Every trailing one bit of the old size is a perfect subtree of the
	// same height as the one just completed: merge them.
	for s := t.size; s&1 == 1; s >>= 1 {
		n := len(t.nodes)
		t.nodes[n-2] = hashNode(&t.nodes[n-2], &t.nodes[n-1])
		t.nodes = t.nodes[:n-1]
	}
	t.size++
}

// Size returns the number of leaves appended.
func (t *CompactTree) Size() int64 { return t.size }

// Root returns the RFC 6962 Merkle Tree Hash of the leaves appended so far
// (SHA-256 of the empty string for an empty tree).
func (t *CompactTree) Root() []byte {
	r := t.root()
	return r[:]
}

func (t *CompactTree) root() [HashSize]byte {
	if len(t.nodes) == 0 {
		return emptyRoot
	}
	// RFC 6962 splits at the largest power of two, so the tree is the
	// right fold of the perfect subtrees.
	r := t.nodes[len(t.nodes)-1]
	for i := len(t.nodes) - 2; i >= 0; i-- {
		r = hashNode(&t.nodes[i], &r)
	}
	return r
}

// MerkleRoot returns the RFC 6962 Merkle Tree Hash over leaves, where each
// leaf is an entry hash (leaf hash = SHA-256(0x00 ‖ leaf)). The root of the
// empty tree is SHA-256 of the empty string.
func MerkleRoot(leaves [][]byte) []byte {
	var t CompactTree
	for _, l := range leaves {
		t.Append(l)
	}
	return t.Root()
}

// leafHashes hashes every leaf once for the proof generators.
func leafHashes(leaves [][]byte) [][HashSize]byte {
	out := make([][HashSize]byte, len(leaves))
	for i, l := range leaves {
		out[i] = hashLeaf(l)
	}
	return out
}

// subtreeRoot is MTH over already hashed leaves.
func subtreeRoot(lh [][HashSize]byte) []byte {
	var t CompactTree
	for _, h := range lh {
		t.appendLeaf(h)
	}
	return t.Root()
}

// splitPoint returns the largest power of two strictly smaller than n (n > 1).
func splitPoint(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// InclusionProof returns the RFC 6962 audit path (PATH(m, D[n]), section
// 2.1.1) proving that leaves[index] is in the tree of all len(leaves)
// leaves. It returns nil if index is out of range (and for a one-leaf tree,
// whose proof is empty).
func InclusionProof(leaves [][]byte, index int) [][]byte {
	if index < 0 || index >= len(leaves) {
		return nil
	}
	return inclusionPath(index, leafHashes(leaves))
}

func inclusionPath(m int, lh [][HashSize]byte) [][]byte {
	n := len(lh)
	if n <= 1 {
		return nil
	}
	k := splitPoint(n)
	if m < k {
		return append(inclusionPath(m, lh[:k]), subtreeRoot(lh[k:]))
	}
	return append(inclusionPath(m-k, lh[k:]), subtreeRoot(lh[:k]))
}

// ConsistencyProof returns the RFC 6962 consistency proof (PROOF(m, D[n]),
// section 2.1.2) that the tree of the first oldSize leaves is a prefix of
// the tree of all len(leaves) leaves. The proof is empty (nil) when oldSize
// is 0 or len(leaves); it is also nil when oldSize is out of range.
func ConsistencyProof(leaves [][]byte, oldSize int) [][]byte {
	if oldSize <= 0 || oldSize >= len(leaves) {
		return nil
	}
	return subProof(oldSize, leafHashes(leaves), true)
}

func subProof(m int, lh [][HashSize]byte, complete bool) [][]byte {
	n := len(lh)
	if m == n {
		if complete {
			return nil
		}
		return [][]byte{subtreeRoot(lh)}
	}
	k := splitPoint(n)
	if m <= k {
		return append(subProof(m, lh[:k], complete), subtreeRoot(lh[k:]))
	}
	return append(subProof(m-k, lh[k:], false), subtreeRoot(lh[:k]))
}

// toHash copies b into a fixed-size hash; ok is false if b is not 32 bytes.
func toHash(b []byte) (h [HashSize]byte, ok bool) {
	if len(b) != HashSize {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// VerifyInclusion reports whether proof shows that the leaf with the given
// RFC 6962 leaf hash (LeafHash(entryHash), not the entry hash itself) is at
// position index (0-based) of the tree of the given size with the given
// root. It implements RFC 9162 section 2.1.3.2 and never panics; malformed
// input (wrong hash lengths, index out of range) yields false.
func VerifyInclusion(leafHash []byte, index, size int, proof [][]byte, root []byte) bool {
	if index < 0 || size <= 0 || index >= size {
		return false
	}
	r, ok := toHash(leafHash)
	if !ok || len(root) != HashSize {
		return false
	}
	fn, sn := uint64(index), uint64(size-1)
	for _, pb := range proof {
		p, ok := toHash(pb)
		if !ok || sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = hashNode(&p, &r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = hashNode(&r, &p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r[:], root)
}

// VerifyConsistency reports whether proof shows that the tree of oldSize
// leaves with root oldRoot is a prefix of the tree of newSize leaves with
// root newRoot. It implements RFC 9162 section 2.1.4.2; in addition, equal
// sizes need an empty proof and equal roots, and oldSize 0 needs an empty
// proof and oldRoot equal to the empty-tree root. Malformed input yields
// false.
func VerifyConsistency(oldSize, newSize int, oldRoot, newRoot []byte, proof [][]byte) bool {
	if oldSize < 0 || newSize < oldSize || len(oldRoot) != HashSize || len(newRoot) != HashSize {
		return false
	}
	path := make([][HashSize]byte, 0, len(proof)+1)
	if oldSize&(oldSize-1) == 0 && oldSize > 0 {
		// The old tree is a perfect subtree of the new one: its root is
		// the first node of the path.
		h, _ := toHash(oldRoot)
		path = append(path, h)
	}
	for _, pb := range proof {
		p, ok := toHash(pb)
		if !ok {
			return false
		}
		path = append(path, p)
	}
	switch {
	case oldSize == newSize:
		return len(proof) == 0 && bytes.Equal(oldRoot, newRoot)
	case oldSize == 0:
		return len(proof) == 0 && bytes.Equal(oldRoot, emptyRoot[:])
	case len(proof) == 0:
		return false
	}
	fn, sn := uint64(oldSize-1), uint64(newSize-1) // #nosec G115 -- sizes are checked positive above
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := path[0], path[0]
	for i := 1; i < len(path); i++ {
		c := &path[i]
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr = hashNode(c, &fr)
			sr = hashNode(c, &sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = hashNode(&sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(fr[:], oldRoot) && bytes.Equal(sr[:], newRoot)
}
