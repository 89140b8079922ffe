package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"iter"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The seed corpora below run as ordinary tests under `go test`; use
// `go test -fuzz=FuzzParseCheckpoint ./audit/` (or FuzzVerify) to explore.

func FuzzParseCheckpoint(f *testing.F) {
	c, pub := sampleCheckpoint()
	good := MarshalCheckpoint(c)
	_, priv := testKey("checkpoint")
	f.Add(good)
	f.Add(MarshalCheckpoint(SignCheckpoint(priv, "k", 0, MerkleRoot(nil), time.Time{})))
	f.Add(MarshalCheckpoint(SignCheckpoint(priv, strings.Repeat("~", 64), 1<<62, MerkleRoot(nil),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))))
	f.Add([]byte{})
	f.Add([]byte("\n\n\n\n\n\n\n"))
	f.Add([]byte("nrm-audit-checkpoint/v1\n"))
	f.Add(bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")))
	f.Add(append(bytes.Clone(good), '\n'))
	f.Add(good[:len(good)-2])
	f.Add(bytes.Replace(good, []byte("\n2000\n"), []byte("\n-0\n"), 1))
	f.Add(bytes.Replace(good, []byte("\n2000\n"), []byte("\n9223372036854775808\n"), 1))

	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			return
		}
		if err := c.wellFormed(); err != nil {
			t.Fatalf("parsed a malformed checkpoint: %v", err)
		}
		// One text form per checkpoint: what parsed must marshal back
		// to the same bytes, and parse again to the same value.
		out := MarshalCheckpoint(c)
		if !bytes.Equal(out, b) {
			t.Fatalf("re-marshalled text differs:\n%q\n%q", b, out)
		}
		c2, err := ParseCheckpoint(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed the checkpoint:\n%+v\n%+v", c, c2)
		}
		_ = c.Verify(pub) // must not panic
	})
}

// TestCheckpointRoundTripRandom: parse(marshal(c)) == c for checkpoints
// made by SignCheckpoint over the whole valid range.
func TestCheckpointRoundTripRandom(t *testing.T) {
	pub, priv := testKey("roundtrip")
	r := rand.New(rand.NewPCG(3, 3))
	for i := range 300 {
		root := make([]byte, 32)
		for j := range root {
			root[j] = byte(r.Uint32())
		}
		size := r.Int64N(1 << 62)
		if i%10 == 0 {
			size = int64(i)
		}
		at := time.Unix(minCheckpointUnix+r.Int64N(maxCheckpointUnix-minCheckpointUnix+1), r.Int64N(1e9))
		id := []string{KeyID(pub), "k", "prod-2026/key.1", strings.Repeat("z", 64)}[i%4]
		c := SignCheckpoint(priv, id, size, root, at)
		got, err := ParseCheckpoint(MarshalCheckpoint(c))
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !reflect.DeepEqual(got, c) || !got.Verify(pub) {
			t.Fatalf("round trip:\n%+v\n%+v", got, c)
		}
	}
}

// fuzzReader hands out fuzz input bytes, then zeros.
type fuzzReader struct{ b []byte }

func (f *fuzzReader) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	v := f.b[0]
	f.b = f.b[1:]
	return v
}

func (f *fuzzReader) bytes(max int) []byte {
	n := min(int(f.byte())%(max+1), len(f.b))
	v := f.b[:n]
	f.b = f.b[n:]
	return bytes.Clone(v)
}

func (f *fuzzReader) str() string { return string(f.bytes(12)) }

func (f *fuzzReader) int64() int64 {
	var b [8]byte
	for i := range b {
		b[i] = f.byte()
	}
	return int64(binary.BigEndian.Uint64(b[:]))
}

func (f *fuzzReader) entry(seq int64) Entry {
	e := Entry{
		Seq:       seq,
		At:        time.UnixMicro(f.int64() >> 8),
		ActorUser: f.str(), ActorOrg: f.str(), ActorRole: f.str(),
		Action: f.str(), Subject: f.str(), Outcome: f.str(),
		BreakGlass: f.byte()&1 == 1,
		Reason:     f.bytes(20),
		Remote:     f.str(), RequestID: f.str(),
	}
	for range f.byte() % 4 {
		e.Fields = append(e.Fields, f.str())
	}
	return e
}

var errFuzzIter = errors.New("fuzz: injected read error")

// FuzzVerify decodes arbitrary bytes into a short log (either a valid chain
// that is then tampered with, or raw garbage) plus checkpoints, and checks
// that Verify never panics, accepts an untouched log, and reports only
// *Problem or the injected read error.
func FuzzVerify(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x00, 0x03, 0xff, 0x00})
	f.Add([]byte{0x01, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0xaa, 0x03, 0x10, 0x21, 0x32})
	f.Add([]byte("\x02\x07the quick brown fox jumps over the lazy dog, repeatedly and with feeling"))
	f.Add([]byte{0x80, 0x04, 0x01, 0x20, 0xff, 0x20, 0x00, 0x02, 0x40, 0x40, 0x03, 0x05})
	f.Add([]byte{0x81, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	f.Add(bytes.Repeat([]byte{0x5a}, 200))
	f.Add(bytes.Repeat([]byte{0xff}, 200))
	r := rand.New(rand.NewPCG(5, 5))
	for range 8 {
		b := make([]byte, 64+r.IntN(256))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}

	pub, priv := testKey("fuzz")
	keyID := KeyID(pub)
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := &fuzzReader{b: data}
		mode := fr.byte()
		count := int(fr.byte() % 9)
		var (
			entries  []Entry
			cps      []Checkpoint
			tampered bool
		)
		if mode&0x80 == 0 {
			// A valid chain with checkpoints…
			var tree CompactTree
			prev := GenesisHash
			for i := 1; i <= count; i++ {
				e := fr.entry(int64(i))
				e.Seal(prev)
				prev = e.Hash
				entries = append(entries, e)
				tree.Append(e.Hash)
				if fr.byte()&1 == 1 {
					cps = append(cps, SignCheckpoint(priv, keyID, tree.Size(), tree.Root(), baseTime))
				}
			}
			// …then up to three tamperings.
			for range fr.byte() % 4 {
				tampered = true
				op := fr.byte()
				if op%8 >= 6 && len(cps) > 0 {
					c := &cps[int(fr.byte())%len(cps)]
					switch op % 4 {
					case 0:
						c.Size += int64(int8(fr.byte()))
					case 1:
						c.Root = fr.bytes(40)
					case 2:
						c.Sig = fr.bytes(70)
					default:
						c.KeyID = fr.str()
					}
					continue
				}
				if len(entries) == 0 {
					continue
				}
				i := int(fr.byte()) % len(entries)
				e := &entries[i]
				switch op % 8 {
				case 0:
					e.Seq += int64(int8(fr.byte()))
				case 1:
					e.PrevHash = fr.bytes(40)
				case 2:
					e.Hash = fr.bytes(40)
				case 3:
					*e = fr.entry(e.Seq) // new content, old hashes
					e.PrevHash, e.Hash = entries[i].PrevHash, entries[i].Hash
				case 4:
					entries = slices.Delete(entries, i, i+1)
				default:
					j := int(fr.byte()) % len(entries)
					entries[i], entries[j] = entries[j], entries[i]
				}
			}
		} else {
			// Raw garbage: arbitrary sequence numbers, hashes of any
			// length, checkpoints of any shape.
			tampered = true
			for range count {
				e := fr.entry(int64(int8(fr.byte())))
				e.PrevHash = fr.bytes(40)
				e.Hash = fr.bytes(40)
				entries = append(entries, e)
			}
			for range fr.byte() % 3 {
				cps = append(cps, Checkpoint{
					Size: int64(int8(fr.byte())), Root: fr.bytes(40), At: time.Unix(fr.int64(), 0),
					KeyID: fr.str(), Sig: fr.bytes(70),
				})
			}
		}
		failAt := -1
		if mode&0x40 != 0 {
			failAt = int(fr.byte()) % (len(entries) + 1)
		}
		seq := iter.Seq2[Entry, error](func(yield func(Entry, error) bool) {
			for i, e := range entries {
				if i == failAt {
					yield(Entry{}, errFuzzIter)
					return
				}
				if !yield(e, nil) {
					return
				}
			}
		})

		n, err := Verify(seq, cps, pub)
		if n < 0 || n > int64(len(entries)) {
			t.Fatalf("n = %d for %d entries", n, len(entries))
		}
		if err == nil {
			if failAt >= 0 && failAt < len(entries) {
				t.Fatal("read error swallowed")
			}
			if n != int64(len(entries)) {
				t.Fatalf("accepted log of %d entries but n = %d", len(entries), n)
			}
			return
		}
		if p, ok := AsProblem(err); ok {
			if !tampered {
				t.Fatalf("untouched log rejected: %v", err)
			}
			switch p.Kind {
			case KindGap, KindReorder, KindHash, KindLink, KindCheckpoint, KindTruncated:
			default:
				t.Fatalf("unknown kind %q", p.Kind)
			}
			if p.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if !errors.Is(err, errFuzzIter) {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
