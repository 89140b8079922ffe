package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

// RFC 6962 / Certificate Transparency reference data: the leaf inputs used
// by the CT reference implementation's tests, and the published tree heads.
var (
	ctLeaves = [][]byte{
		{},
		{0x00},
		{0x10},
		{0x20, 0x21},
		{0x30, 0x31},
		{0x40, 0x41, 0x42, 0x43},
		{0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
		{0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f},
	}
	ctRoots = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // 0: SHA-256("")
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	ctInclusion = []struct {
		index, size int
		proof       []string
	}{
		{0, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
		}},
		{5, 8, []string{
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
	}
	ctConsistency = []struct {
		oldSize, newSize int
		proof            []string
	}{
		{2, 8, []string{
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
		}},
		{6, 8, []string{
			"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
	}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexList(p [][]byte) []string {
	out := make([]string, len(p))
	for i, b := range p {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

// refRoot is the RFC 6962 definition of MTH written out literally, as an
// independent reference for MerkleRoot and CompactTree.
func refRoot(d [][]byte) []byte {
	h := sha256.New()
	switch len(d) {
	case 0:
	case 1:
		h.Write([]byte{0})
		h.Write(d[0])
	default:
		k := 1
		for k*2 < len(d) {
			k *= 2
		}
		h.Write([]byte{1})
		h.Write(refRoot(d[:k]))
		h.Write(refRoot(d[k:]))
	}
	return h.Sum(nil)
}

// testLeaves returns n distinct 32-byte "entry hashes".
func testLeaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		s := sha256.Sum256(fmt.Appendf(nil, "leaf %d", i))
		out[i] = s[:]
	}
	return out
}

func TestMerkleKnownAnswers(t *testing.T) {
	if got := hex.EncodeToString(MerkleRoot(nil)); got != ctRoots[0] {
		t.Errorf("empty root = %s, want SHA-256(\"\") = %s", got, ctRoots[0])
	}
	var ct CompactTree
	if got := hex.EncodeToString(ct.Root()); got != ctRoots[0] {
		t.Errorf("empty CompactTree root = %s", got)
	}
	for n := 1; n <= len(ctLeaves); n++ {
		if got := hex.EncodeToString(MerkleRoot(ctLeaves[:n])); got != ctRoots[n] {
			t.Errorf("size %d: root %s, want %s", n, got, ctRoots[n])
		}
		ct.Append(ctLeaves[n-1])
		if got := hex.EncodeToString(ct.Root()); got != ctRoots[n] {
			t.Errorf("CompactTree size %d: root %s, want %s", n, got, ctRoots[n])
		}
	}
	// The root of one leaf is its leaf hash.
	if got := hex.EncodeToString(LeafHash(nil)); got != ctRoots[1] {
		t.Errorf("LeafHash(empty) = %s", got)
	}

	for _, v := range ctInclusion {
		got := InclusionProof(ctLeaves[:v.size], v.index)
		if !slices.Equal(hexList(got), v.proof) {
			t.Errorf("inclusion(%d, %d) = %v, want %v", v.index, v.size, hexList(got), v.proof)
		}
		if !VerifyInclusion(LeafHash(ctLeaves[v.index]), v.index, v.size, got, unhex(t, ctRoots[v.size])) {
			t.Errorf("inclusion(%d, %d): reference proof does not verify", v.index, v.size)
		}
	}
	for _, v := range ctConsistency {
		got := ConsistencyProof(ctLeaves[:v.newSize], v.oldSize)
		if !slices.Equal(hexList(got), v.proof) {
			t.Errorf("consistency(%d, %d) = %v, want %v", v.oldSize, v.newSize, hexList(got), v.proof)
		}
		if !VerifyConsistency(v.oldSize, v.newSize, unhex(t, ctRoots[v.oldSize]), unhex(t, ctRoots[v.newSize]), got) {
			t.Errorf("consistency(%d, %d): reference proof does not verify", v.oldSize, v.newSize)
		}
	}
}

func TestMerkleRootMatchesReference(t *testing.T) {
	leaves := testLeaves(70)
	var ct CompactTree
	for n := 0; n <= len(leaves); n++ {
		want := refRoot(leaves[:n])
		if got := MerkleRoot(leaves[:n]); !bytes.Equal(got, want) {
			t.Errorf("MerkleRoot size %d differs from the reference", n)
		}
		if got := ct.Root(); !bytes.Equal(got, want) || ct.Size() != int64(n) {
			t.Errorf("CompactTree size %d differs from the reference", n)
		}
		if n < len(leaves) {
			ct.Append(leaves[n])
		}
	}
}

// flipped returns a deep copy of proof with one bit of element i flipped.
func flipped(proof [][]byte, i, bit int) [][]byte {
	out := make([][]byte, len(proof))
	for j := range proof {
		out[j] = bytes.Clone(proof[j])
	}
	out[i][bit/8] ^= 1 << (bit % 8)
	return out
}

func TestInclusionProofsAll(t *testing.T) {
	const maxSize = 40
	leaves := testLeaves(maxSize)
	checked := 0
	for size := 1; size <= maxSize; size++ {
		root := MerkleRoot(leaves[:size])
		for index := range size {
			leaf := LeafHash(leaves[index])
			proof := InclusionProof(leaves[:size], index)
			if !VerifyInclusion(leaf, index, size, proof, root) {
				t.Fatalf("inclusion(%d, %d) does not verify", index, size)
			}
			checked++
			// Any flipped bit anywhere must be caught.
			for i := range proof {
				for _, bit := range []int{0, 77, 255} {
					if VerifyInclusion(leaf, index, size, flipped(proof, i, bit), root) {
						t.Fatalf("inclusion(%d, %d): flipped bit %d of element %d verified", index, size, bit, i)
					}
				}
			}
			badLeaf := bytes.Clone(leaf)
			badLeaf[3] ^= 0x10
			badRoot := bytes.Clone(root)
			badRoot[31] ^= 0x01
			if VerifyInclusion(badLeaf, index, size, proof, root) || VerifyInclusion(leaf, index, size, proof, badRoot) {
				t.Fatalf("inclusion(%d, %d): flipped leaf or root verified", index, size)
			}
			// The entry hash itself is not the leaf hash.
			if VerifyInclusion(leaves[index], index, size, proof, root) {
				t.Fatalf("inclusion(%d, %d): entry hash accepted as leaf hash", index, size)
			}
			if len(proof) > 0 {
				if VerifyInclusion(leaf, index, size, proof[:len(proof)-1], root) ||
					VerifyInclusion(leaf, index, size, append(slices.Clone(proof), root), root) {
					t.Fatalf("inclusion(%d, %d): shortened or extended proof verified", index, size)
				}
			}
			if size > 1 && VerifyInclusion(leaf, (index+1)%size, size, proof, root) {
				t.Fatalf("inclusion(%d, %d): proof verified at index %d", index, size, (index+1)%size)
			}
		}
	}
	t.Logf("%d inclusion proofs checked", checked)

	// Malformed input never panics and never verifies.
	root := MerkleRoot(leaves[:8])
	proof := InclusionProof(leaves[:8], 5)
	leaf := LeafHash(leaves[5])
	for _, c := range []struct {
		leaf        []byte
		index, size int
		proof       [][]byte
		root        []byte
	}{
		{leaf, 5, 8, proof, root[:31]},
		{leaf[:31], 5, 8, proof, root},
		{leaf, 5, 8, append([][]byte{proof[0][:31]}, proof[1:]...), root},
		{leaf, 8, 8, proof, root},
		{leaf, -1, 8, proof, root},
		{leaf, 0, 0, nil, root},
		{leaf, 5, -8, proof, root},
	} {
		if VerifyInclusion(c.leaf, c.index, c.size, c.proof, c.root) {
			t.Errorf("malformed inclusion input verified: index %d size %d", c.index, c.size)
		}
	}
	if InclusionProof(leaves[:8], 8) != nil || InclusionProof(leaves[:8], -1) != nil {
		t.Error("out-of-range InclusionProof is not nil")
	}
}

func TestConsistencyProofsAll(t *testing.T) {
	const maxSize = 40
	leaves := testLeaves(maxSize)
	roots := make([][]byte, maxSize+1)
	for n := range roots {
		roots[n] = MerkleRoot(leaves[:n])
	}
	checked := 0
	for newSize := 0; newSize <= maxSize; newSize++ {
		for oldSize := 0; oldSize <= newSize; oldSize++ {
			proof := ConsistencyProof(leaves[:newSize], oldSize)
			if !VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], proof) {
				t.Fatalf("consistency(%d, %d) does not verify", oldSize, newSize)
			}
			checked++
			for i := range proof {
				for _, bit := range []int{0, 100, 255} {
					if VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], flipped(proof, i, bit)) {
						t.Fatalf("consistency(%d, %d): flipped bit %d of element %d verified", oldSize, newSize, bit, i)
					}
				}
			}
			badOld := bytes.Clone(roots[oldSize])
			badOld[0] ^= 0x80
			badNew := bytes.Clone(roots[newSize])
			badNew[0] ^= 0x80
			// (The empty tree is a prefix of every tree, so for oldSize 0
			// there is nothing to check about the new root.)
			if VerifyConsistency(oldSize, newSize, badOld, roots[newSize], proof) ||
				(oldSize > 0 && VerifyConsistency(oldSize, newSize, roots[oldSize], badNew, proof)) {
				t.Fatalf("consistency(%d, %d): wrong root verified", oldSize, newSize)
			}
			if len(proof) > 0 {
				if VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], proof[:len(proof)-1]) ||
					VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], append(slices.Clone(proof), roots[0])) {
					t.Fatalf("consistency(%d, %d): shortened or extended proof verified", oldSize, newSize)
				}
			}
			// A tree whose first oldSize leaves differ is not consistent.
			if oldSize > 0 && oldSize < newSize {
				forked := slices.Clone(leaves[:newSize])
				forked[oldSize-1] = roots[0]
				if VerifyConsistency(oldSize, newSize, roots[oldSize], MerkleRoot(forked), proof) {
					t.Fatalf("consistency(%d, %d): forked tree verified", oldSize, newSize)
				}
			}
		}
	}
	t.Logf("%d consistency proofs checked", checked)

	proof := ConsistencyProof(leaves[:8], 6)
	for _, c := range []struct {
		old, new         int
		oldRoot, newRoot []byte
		proof            [][]byte
		want             bool
	}{
		{6, 8, roots[6][:31], roots[8], proof, false},
		{6, 8, roots[6], roots[8][:31], proof, false},
		{6, 8, roots[6], roots[8], append([][]byte{proof[0][:31]}, proof[1:]...), false},
		{8, 6, roots[8], roots[6], proof, false},
		{6, 8, roots[6], roots[8], nil, false},
		{-1, 8, roots[0], roots[8], nil, false},
		{4, 4, roots[4], roots[4], nil, true},
		{4, 4, roots[4], roots[5], nil, false},
		{4, 4, roots[4], roots[4], [][]byte{roots[4]}, false},
		{0, 8, roots[0], roots[8], nil, true},
		{0, 8, roots[1], roots[8], nil, false},
		{0, 8, roots[0], roots[8], [][]byte{roots[0]}, false},
	} {
		if got := VerifyConsistency(c.old, c.new, c.oldRoot, c.newRoot, c.proof); got != c.want {
			t.Errorf("VerifyConsistency(%d, %d, …) = %v, want %v", c.old, c.new, got, c.want)
		}
	}
	if ConsistencyProof(leaves[:8], 9) != nil || ConsistencyProof(leaves[:8], -1) != nil {
		t.Error("out-of-range ConsistencyProof is not nil")
	}
}
