package audit

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hashesOf returns the entry hashes of a chain: the leaves of its tree.
func hashesOf(entries []Entry) [][]byte {
	out := make([][]byte, len(entries))
	for i := range entries {
		out[i] = entries[i].Hash
	}
	return out
}

// grow appends entries to t, collecting the nodes it reports.
func grow(t *testing.T, tr *Tree, entries []Entry, nodes map[compact.NodeID][]byte) {
	t.Helper()
	for i := range entries {
		e := &entries[i]
		if err := tr.Append(e.Seq, e.PrevHash, e.Hash, func(n Node) {
			nodes[compact.NewNodeID(n.Level, n.Index)] = n.Hash
		}); err != nil {
			t.Fatalf("append %d: %v", e.Seq, err)
		}
	}
}

// TestTreeMatchesMerkleRoot: the library's compact range gives, at every
// size, the root that audit's own RFC 6962 code (checked against the CT
// reference vectors in merkle_test.go) gives, so checkpoints signed before
// the tree state was kept still verify, and the state survives a save and
// load at any size.
func TestTreeMatchesMerkleRoot(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	entries := buildChain(r, 1100)
	leaves := hashesOf(entries)
	tr := NewTree()
	if !bytes.Equal(tr.Root(), MerkleRoot(nil)) || !bytes.Equal(tr.Last(), GenesisHash) {
		t.Fatal("empty tree: wrong root or last hash")
	}
	nodes := map[compact.NodeID][]byte{}
	var ct CompactTree
	for i := range entries {
		grow(t, tr, entries[i:i+1], nodes)
		ct.Append(leaves[i])
		n := i + 1
		if !bytes.Equal(tr.Root(), ct.Root()) || (n <= 300 && !bytes.Equal(tr.Root(), MerkleRoot(leaves[:n]))) {
			t.Fatalf("size %d: root differs from audit's RFC 6962 root", n)
		}
		// Save and load, then both go on identically.
		back, err := LoadTree(tr.Size(), tr.Frontier(), tr.Last())
		if err != nil {
			t.Fatalf("size %d: load: %v", n, err)
		}
		if back.Size() != int64(n) || !bytes.Equal(back.Root(), tr.Root()) || !bytes.Equal(back.Last(), leaves[i]) {
			t.Fatalf("size %d: loaded state differs", n)
		}
		if len(tr.Frontier()) > 64*HashSize {
			t.Fatalf("size %d: frontier of %d bytes", n, len(tr.Frontier()))
		}
		if n < len(entries) && n%97 == 0 {
			grow(t, back, entries[n:], map[compact.NodeID][]byte{})
			if !bytes.Equal(back.Root(), MerkleRoot(leaves)) {
				t.Fatalf("a tree loaded at %d and grown to %d has the wrong root", n, len(leaves))
			}
		}
	}
	// Every stored node is the Merkle root of the entries it covers, and
	// each perfect subtree at StoredLevel and above was reported once.
	want := 0
	for l := StoredLevel; 1<<l <= len(leaves); l++ {
		want += len(leaves) >> l
	}
	if len(nodes) != want {
		t.Fatalf("%d nodes kept, want %d", len(nodes), want)
	}
	for id, h := range nodes {
		first, last := Node{Level: id.Level, Index: id.Index}.Seqs()
		if id.Level < StoredLevel || !bytes.Equal(h, MerkleRoot(leaves[first-1:last])) {
			t.Fatalf("node %+v (entries %d..%d) is not the root of its entries", id, first, last)
		}
	}
	// Checkpoints signed from the tree verify with Verify.
	pub, priv := testKey("tree")
	var cps []Checkpoint
	tr = NewTree()
	for i := range entries {
		grow(t, tr, entries[i:i+1], nodes)
		if (i+1)%250 == 0 {
			cps = append(cps, SignCheckpoint(priv, KeyID(pub), tr.Size(), tr.Root(), baseTime.Add(time.Duration(i)*time.Second)))
		}
	}
	if n, err := Verify(seqOf(entries), cps, pub); err != nil || n != int64(len(entries)) {
		t.Fatalf("checkpoints from the tree: %d %v", n, err)
	}
}

// TestTreeAppendChecksTheChain: the tree only grows along the hash chain.
func TestTreeAppendChecksTheChain(t *testing.T) {
	entries := buildChain(rand.New(rand.NewPCG(8, 8)), 3)
	tr := NewTree()
	if err := tr.Append(2, entries[1].PrevHash, entries[1].Hash, nil); err == nil {
		t.Fatal("entry 2 appended to an empty tree")
	} else if p, ok := AsProblem(err); !ok || p.Kind != KindGap || p.Seq != 1 {
		t.Fatalf("want a gap at entry 1: %v", err)
	}
	if err := tr.Append(1, entries[0].PrevHash, entries[0].Hash, nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Append(2, entries[0].PrevHash, entries[1].Hash, nil); err == nil {
		t.Fatal("entry 2 with entry 1's PrevHash appended")
	} else if p, ok := AsProblem(err); !ok || p.Kind != KindLink || p.Seq != 2 {
		t.Fatalf("want a broken link at entry 2: %v", err)
	}
	if err := tr.Append(2, entries[1].PrevHash, entries[1].Hash[:31], nil); err == nil {
		t.Fatal("a 31-byte hash appended")
	}
	if tr.Size() != 1 {
		t.Fatalf("failed appends changed the tree: size %d", tr.Size())
	}
	for _, bad := range []struct {
		size     int64
		frontier []byte
		last     []byte
	}{
		{-1, nil, nil}, {3, make([]byte, 32), nil}, {1, make([]byte, 31), nil}, {1, make([]byte, 32), make([]byte, 5)},
	} {
		if _, err := LoadTree(bad.size, bad.frontier, bad.last); err == nil {
			t.Errorf("LoadTree(%d, %d bytes, %d bytes) accepted", bad.size, len(bad.frontier), len(bad.last))
		}
	}
}

// TestProveConsistencyFromStoredNodes: a proof built from the stored nodes
// (and the entry hashes under StoredLevel) is exactly audit's own
// ConsistencyProof over all leaves, verifies with audit's verifier and the
// library's, and reads O(log n) nodes and a bounded number of entries.
func TestProveConsistencyFromStoredNodes(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	entries := buildChain(r, 5000)
	leaves := hashesOf(entries)
	nodes := map[compact.NodeID][]byte{}
	tr := NewTree()
	grow(t, tr, entries, nodes)
	roots := make([][]byte, len(leaves)+1)
	var ct CompactTree
	roots[0] = ct.Root()
	for i, l := range leaves {
		ct.Append(l)
		roots[i+1] = ct.Root()
	}
	maxLeaves, maxNodes := 0, 0
	check := func(size1, size2 int) {
		t.Helper()
		read, asked := 0, 0
		p, err := ProveConsistency(int64(size1), int64(size2), func(level uint, index uint64) ([]byte, error) {
			asked++
			if level >= StoredLevel {
				h, ok := nodes[compact.NewNodeID(level, index)]
				if !ok {
					t.Fatalf("%d→%d: node %d/%d was not stored", size1, size2, level, index)
				}
				return h, nil
			}
			first, last := Node{Level: level, Index: index}.Seqs()
			read += int(last - first + 1)
			return MerkleRoot(leaves[first-1 : last]), nil
		})
		if err != nil {
			t.Fatalf("%d→%d: %v", size1, size2, err)
		}
		if size2 <= len(leaves) && size1 > 0 {
			if want := ConsistencyProof(leaves[:size2], size1); !equalProofs(p, want) {
				t.Fatalf("%d→%d: proof %v, audit's own %v", size1, size2, hexList(p), hexList(want))
			}
		}
		if !VerifyConsistency(size1, size2, roots[size1], roots[size2], p) {
			t.Fatalf("%d→%d: audit's verifier refuses the proof", size1, size2)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(size1), uint64(size2), p, roots[size1], roots[size2]); err != nil {
			t.Fatalf("%d→%d: the library's verifier refuses the proof: %v", size1, size2, err)
		}
		maxLeaves, maxNodes = max(maxLeaves, read), max(maxNodes, asked)
	}
	for size2 := 0; size2 <= 80; size2++ {
		for size1 := 0; size1 <= size2; size1++ {
			check(size1, size2)
		}
	}
	for range 3000 {
		size2 := 1 + r.IntN(len(leaves))
		check(r.IntN(size2+1), size2)
	}
	if maxLeaves > 60 || maxNodes > 2*13+2 {
		t.Fatalf("a proof read up to %d entry hashes and %d nodes; want ≤ 60 and ≤ 2·log2(5000)+2", maxLeaves, maxNodes)
	}
	t.Logf("largest proof: %d nodes asked, %d entry hashes read", maxNodes, maxLeaves)
	if _, err := ProveConsistency(5, 4, nil); err == nil {
		t.Fatal("a proof from a larger to a smaller tree was made")
	}
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
