package audit

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSeal measures hashing one typical entry (what the storage layer
// pays per audited access).
func BenchmarkSeal(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	e := randomEntry(r, 1000)
	prev := GenesisHash
	b.ReportAllocs()
	for b.Loop() {
		e.Seal(prev)
	}
}

// BenchmarkVerify verifies a 10,000-entry log with a checkpoint every 1,000
// entries.
func BenchmarkVerify(b *testing.B) {
	const n = 10_000
	pub, priv := testKey("bench")
	r := rand.New(rand.NewPCG(2, 2))
	entries := buildChain(r, n)
	cps := checkpointsEvery(entries, 1000, priv)
	b.ReportAllocs()
	for b.Loop() {
		if got, err := Verify(seqOf(entries), cps, pub); err != nil || got != n {
			b.Fatal(got, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
}

// BenchmarkVerifyNoCheckpoints is the chain-only cost per 10,000 entries.
func BenchmarkVerifyNoCheckpoints(b *testing.B) {
	const n = 10_000
	r := rand.New(rand.NewPCG(2, 2))
	entries := buildChain(r, n)
	b.ReportAllocs()
	for b.Loop() {
		if got, err := Verify(seqOf(entries), nil, nil); err != nil || got != n {
			b.Fatal(got, err)
		}
	}
}

// BenchmarkCompactTreeAppend is the cost of maintaining the Merkle root.
func BenchmarkCompactTreeAppend(b *testing.B) {
	leaf := make([]byte, 32)
	var t CompactTree
	b.ReportAllocs()
	for b.Loop() {
		t.Append(leaf)
	}
}
