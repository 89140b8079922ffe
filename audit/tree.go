package audit

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// This file keeps the log's Merkle tree between checkpoints, as
// transparency logs (Trillian, Tessera) do, with the compact range of
// github.com/transparency-dev/merkle: the right frontier of RFC 6962 — one
// hash per perfect subtree covering the log, popcount(size) ≤ 64 hashes —
// is enough to append leaves and compute the root. A checkpoint therefore
// costs O(new entries + log n) hashes, never a read of the whole log.
//
// Consistency proofs between two checkpoints need interior nodes of the
// tree. Appending reports every perfect subtree it completes; the storage
// layer keeps those at level StoredLevel and above (one node per 16 leaves,
// so n/16 rows for a log of n entries) and recomputes a lower node from its
// at most 2^(StoredLevel-1) = 8 entry hashes. A proof has at most ~2 log n
// nodes, of which at most four per level lie below StoredLevel and are
// recomputed from entry hashes: at most 4·(1+2+4+8) = 60 entry hashes and
// O(log n) stored nodes per proof, whatever the size of the log.

// StoredLevel is the lowest level of the interior nodes that [Tree.Append]
// reports for storage (level 0 are the leaves; a node at level l covers
// 2^l entries).
const StoredLevel = 4

// rangeFactory builds RFC 6962 (SHA-256) compact ranges.
var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// Node is a perfect subtree of the log's Merkle tree: at Level (0 is a
// leaf), the Index-th from the left, covering entries
// Index·2^Level+1 .. (Index+1)·2^Level (Seq is 1-based).
type Node struct {
	Level uint
	Index uint64
	Hash  []byte
}

// Seqs returns the entry numbers (Seq, 1-based, inclusive) the node covers.
func (n Node) Seqs() (first, last int64) {
	b, e := compact.NewNodeID(n.Level, n.Index).Coverage()
	return int64(b) + 1, int64(e) // #nosec G115 -- node coverage never exceeds the log size, an int64
}

// Tree is the stored state of the log's Merkle tree after its first Size
// entries: the compact range [0, Size) and the Hash of entry Size, which
// ties the state to the hash chain (GenesisHash for an empty tree). The
// zero value is not usable; call [NewTree] or [LoadTree].
type Tree struct {
	r    *compact.Range
	last [HashSize]byte
}

// NewTree returns the state of an empty log.
func NewTree() *Tree {
	return &Tree{r: rangeFactory.NewEmptyRange(0), last: genesis}
}

// LoadTree restores a state saved from [Tree.Size], [Tree.Frontier] and
// [Tree.Last]. An empty last is the genesis hash.
func LoadTree(size int64, frontier, last []byte) (*Tree, error) {
	if size < 0 || len(frontier)%HashSize != 0 {
		return nil, errors.New("audit: tree state: bad size or frontier")
	}
	hashes := make([][]byte, 0, len(frontier)/HashSize)
	for b := frontier; len(b) > 0; b = b[HashSize:] {
		hashes = append(hashes, bytes.Clone(b[:HashSize]))
	}
	r, err := rangeFactory.NewRange(0, uint64(size), hashes) // #nosec G115 -- size is checked ≥ 0 above
	if err != nil {
		return nil, fmt.Errorf("audit: tree state: %w", err)
	}
	t := &Tree{r: r, last: genesis}
	if len(last) != 0 {
		var ok bool
		if t.last, ok = toHash(last); !ok {
			return nil, errors.New("audit: tree state: last hash is not 32 bytes")
		}
	}
	return t, nil
}

// Size is the number of entries in the tree.
func (t *Tree) Size() int64 { return int64(t.r.End()) } // #nosec G115 -- sizes come from int64 entry numbers

// Frontier is the compact range as stored: its hashes, largest subtree
// first, 32 bytes each.
func (t *Tree) Frontier() []byte {
	hs := t.r.Hashes()
	out := make([]byte, 0, len(hs)*HashSize)
	for _, h := range hs {
		out = append(out, h...)
	}
	return out
}

// Last is the Hash of entry Size (the genesis hash for an empty tree).
func (t *Tree) Last() []byte { return bytes.Clone(t.last[:]) }

// Root is the RFC 6962 Merkle Tree Hash of the entries so far, equal to
// [MerkleRoot] over their hashes.
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return bytes.Clone(emptyRoot[:])
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil { // only for a range not starting at 0, which a Tree never is
		panic("audit: Tree.Root: " + err.Error())
	}
	return root
}

// Append adds the next entry, given by its Seq, PrevHash and Hash, which
// must follow the tree's last entry in the hash chain. keep, if not nil,
// receives every perfect subtree the entry completes at StoredLevel and
// above, for [ProveConsistency] later. Append does not recompute the
// entry's hash from its contents: that is [Verify]'s work.
func (t *Tree) Append(seq int64, prevHash, hash []byte, keep func(Node)) error {
	if seq != t.Size()+1 {
		return &Problem{Seq: t.Size() + 1, Kind: KindGap, Detail: fmt.Sprintf(
			"the Merkle tree holds %d entries, but the next entry read is %d", t.Size(), seq)}
	}
	h, ok := toHash(hash)
	if !ok || !bytes.Equal(prevHash, t.last[:]) {
		return &Problem{Seq: seq, Kind: KindLink, Detail: "broken link: PrevHash does not match the previous entry's hash (an entry was inserted, deleted or edited here)"}
	}
	var visit compact.VisitFn
	if keep != nil {
		visit = func(id compact.NodeID, hash []byte) {
			if id.Level >= StoredLevel {
				keep(Node{Level: id.Level, Index: id.Index, Hash: hash})
			}
		}
	}
	leaf := hashLeaf(hash)
	if err := t.r.Append(leaf[:], visit); err != nil {
		return fmt.Errorf("audit: tree: %w", err)
	}
	t.last = h
	return nil
}

// ProveConsistency returns the RFC 6962 consistency proof between the trees
// of size1 and size2 entries (0 ≤ size1 ≤ size2), the same as
// [ConsistencyProof] over all leaves, but reading only the O(log size2)
// perfect subtrees it needs: node is asked for each, by level and index,
// and answers its hash (from storage at StoredLevel and above, or by
// [MerkleRoot] over the entry hashes of [Node.Seqs] below). Check it with
// [VerifyConsistency].
func ProveConsistency(size1, size2 int64, node func(level uint, index uint64) ([]byte, error)) ([][]byte, error) {
	if size1 < 0 || size2 < size1 {
		return nil, fmt.Errorf("audit: consistency proof from %d to %d entries", size1, size2)
	}
	ns, err := proof.Consistency(uint64(size1), uint64(size2)) // #nosec G115 -- sizes are checked ≥ 0 above
	if err != nil {
		return nil, fmt.Errorf("audit: consistency proof: %w", err)
	}
	hashes := make([][]byte, len(ns.IDs))
	for i, id := range ns.IDs {
		if hashes[i], err = node(id.Level, id.Index); err != nil {
			return nil, err
		}
		if len(hashes[i]) != HashSize {
			return nil, fmt.Errorf("audit: consistency proof: node %d/%d is %d bytes", id.Level, id.Index, len(hashes[i]))
		}
	}
	return ns.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
}
