package audit

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Seq:        42,
		At:         time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		ActorUser:  "u-0001",
		ActorOrg:   "org-ngo-17",
		ActorRole:  "caseworker",
		Action:     "record.read",
		Subject:    "case-000123",
		Fields:     []string{"name", "dob"},
		Outcome:    "ok",
		BreakGlass: true,
		Reason:     []byte{0xde, 0xad, 0xbe, 0xef},
		Remote:     "10.1.2.0/24",
		RequestID:  "req-1",
	}
}

func TestCanonicalStable(t *testing.T) {
	e := sampleEntry()
	a, b := e.Canonical(), e.Canonical()
	if !bytes.Equal(a, b) {
		t.Fatal("Canonical is not deterministic")
	}

	// What a database round trip does to an entry must not change the
	// encoding: sub-microsecond precision is lost, the time comes back in
	// another zone without a monotonic reading, nil slices come back empty.
	rt := e
	rt.At = time.UnixMicro(e.At.UnixMicro()).In(time.FixedZone("CET", 3600))
	if !bytes.Equal(a, rt.Canonical()) {
		t.Error("time zone / sub-microsecond precision changed the encoding")
	}
	mono := e
	mono.At = time.Now()
	plain := mono
	plain.At = plain.At.Round(0) // strip monotonic reading
	if !bytes.Equal(mono.Canonical(), plain.Canonical()) {
		t.Error("monotonic clock reading changed the encoding")
	}

	var nilSlices, emptySlices Entry
	emptySlices.Fields = []string{}
	emptySlices.Reason = []byte{}
	if !bytes.Equal(nilSlices.Canonical(), emptySlices.Canonical()) {
		t.Error("nil and empty Fields/Reason encode differently")
	}

	// PrevHash and Hash are not part of the encoding.
	sealed := e
	sealed.Seal(bytes.Repeat([]byte{7}, 32))
	if !bytes.Equal(a, sealed.Canonical()) {
		t.Error("PrevHash/Hash leaked into Canonical")
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	base := sampleEntry()
	type pair struct {
		name string
		a, b func(*Entry)
	}
	pairs := []pair{
		{"fields split", func(e *Entry) { e.Fields = []string{"ab", "c"} }, func(e *Entry) { e.Fields = []string{"a", "bc"} }},
		{"fields count", func(e *Entry) { e.Fields = []string{"a", ""} }, func(e *Entry) { e.Fields = []string{"a"} }},
		{"fields empty vs one empty", func(e *Entry) { e.Fields = nil }, func(e *Entry) { e.Fields = []string{""} }},
		{"subject/action swap", func(e *Entry) { e.Subject, e.Action = "x", "y" }, func(e *Entry) { e.Subject, e.Action = "y", "x" }},
		{"user/org shift", func(e *Entry) { e.ActorUser, e.ActorOrg = "ab", "" }, func(e *Entry) { e.ActorUser, e.ActorOrg = "a", "b" }},
		{"remote/request shift", func(e *Entry) { e.Remote, e.RequestID = "1", "23" }, func(e *Entry) { e.Remote, e.RequestID = "12", "3" }},
		{"reason vs outcome", func(e *Entry) { e.Outcome, e.Reason = "ok", nil }, func(e *Entry) { e.Outcome, e.Reason = "o", []byte("k") }},
		{"breakglass", func(e *Entry) { e.BreakGlass = false }, func(e *Entry) { e.BreakGlass = true }},
		{"one microsecond", func(e *Entry) {}, func(e *Entry) { e.At = e.At.Add(time.Microsecond) }},
		{"seq", func(e *Entry) { e.Seq = 1 }, func(e *Entry) { e.Seq = 256 }},
	}
	for _, p := range pairs {
		a, b := base, base
		p.a(&a)
		p.b(&b)
		if bytes.Equal(a.Canonical(), b.Canonical()) {
			t.Errorf("%s: different entries share an encoding", p.name)
		}
		if bytes.Equal(ComputeHash(GenesisHash, &a), ComputeHash(GenesisHash, &b)) {
			t.Errorf("%s: different entries share a hash", p.name)
		}
	}
}

// decodeCanonical is an independent parser for the v1 encoding. That it
// recovers every (normalised) entry exactly, consuming every byte, proves
// the encoding is injective.
func decodeCanonical(b []byte) (Entry, error) {
	var e Entry
	if !bytes.HasPrefix(b, []byte(canonicalVersion)) {
		return e, errors.New("bad version")
	}
	b = b[len(canonicalVersion):]
	if len(b) < 16 {
		return e, errors.New("short")
	}
	e.Seq = int64(binary.BigEndian.Uint64(b))
	e.At = time.UnixMicro(int64(binary.BigEndian.Uint64(b[8:]))).UTC()
	b = b[16:]
	readBytes := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errors.New("bad length")
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, nil
	}
	str := func(dst *string) error {
		v, err := readBytes()
		*dst = string(v)
		return err
	}
	for _, dst := range []*string{&e.ActorUser, &e.ActorOrg, &e.ActorRole, &e.Action, &e.Subject} {
		if err := str(dst); err != nil {
			return e, err
		}
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return e, errors.New("bad count")
	}
	b = b[k:]
	for range n {
		var f string
		if err := str(&f); err != nil {
			return e, err
		}
		e.Fields = append(e.Fields, f)
	}
	if err := str(&e.Outcome); err != nil {
		return e, err
	}
	if len(b) < 1 || b[0] > 1 {
		return e, errors.New("bad bool")
	}
	e.BreakGlass = b[0] == 1
	b = b[1:]
	reason, err := readBytes()
	if err != nil {
		return e, err
	}
	if len(reason) > 0 {
		e.Reason = slices.Clone(reason)
	}
	if err := str(&e.Remote); err != nil {
		return e, err
	}
	if err := str(&e.RequestID); err != nil {
		return e, err
	}
	if len(b) != 0 {
		return e, errors.New("trailing bytes")
	}
	return e, nil
}

func normalised(e Entry) Entry {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if len(e.Fields) == 0 {
		e.Fields = nil
	}
	if len(e.Reason) == 0 {
		e.Reason = nil
	}
	e.PrevHash, e.Hash = nil, nil
	return e
}

func TestCanonicalInjective(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		e := randomEntry(r, r.Int64()-r.Int64())
		// Throw in awkward strings: separators, NULs, long values.
		if i%7 == 0 {
			e.Subject = "a\x00b\nc"
			e.Fields = append(e.Fields, "", "\x00", string(make([]byte, 300)))
		}
		got, err := decodeCanonical(e.Canonical())
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if want := normalised(e); !reflect.DeepEqual(got, want) {
			t.Fatalf("entry %d: decoded\n%#v\nwant\n%#v", i, got, want)
		}
	}
}

// TestCanonicalCoversEveryField fails when a field is added to Entry and
// not to the encoding (or to this test).
func TestCanonicalCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[Entry]()
	if typ.NumField() != 15 {
		t.Fatalf("Entry has %d fields; update Canonical (and its version) and this test", typ.NumField())
	}
	base := sampleEntry()
	enc := base.Canonical()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		e := cloneEntry(base)
		f := reflect.ValueOf(&e).Elem().Field(i)
		switch name {
		case "Hash", "PrevHash":
			continue
		case "At":
			e.At = e.At.Add(time.Microsecond)
		default:
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "!")
			case reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Slice:
				if f.Type().Elem().Kind() == reflect.String {
					f.Set(reflect.Append(f, reflect.ValueOf("extra")))
				} else {
					f.Set(reflect.Append(f, reflect.ValueOf(byte(1))))
				}
			default:
				t.Fatalf("field %s: unhandled kind %v", name, f.Kind())
			}
		}
		if bytes.Equal(enc, e.Canonical()) {
			t.Errorf("changing %s does not change Canonical", name)
		}
	}
}

// TestGoldenHash pins the v1 encoding and hash: if it changes, every stored
// audit log stops verifying. Change canonicalVersion/chainDomain instead.
func TestGoldenHash(t *testing.T) {
	e := sampleEntry()
	e.Seal(GenesisHash)
	// Cross-checked with an independent Python implementation.
	const wantCanonical = "6e726d2d61756469742d656e7472792f76310a" + // "nrm-audit-entry/v1\n"
		"000000000000002a" + "0006475ef64ed580" + // Seq 42, At in Unix µs
		"06752d30303031" + "0a6f72672d6e676f2d3137" + "0a63617365776f726b6572" + // user, org, role
		"0b7265636f72642e72656164" + "0b636173652d303030313233" + // action, subject
		"02" + "046e616d65" + "03646f62" + "026f6b" + "01" + // fields, outcome, break-glass
		"04deadbeef" + "0b31302e312e322e302f3234" + "057265712d31" // reason, remote, request id
	if got := hex.EncodeToString(e.Canonical()); got != wantCanonical {
		t.Errorf("canonical encoding changed:\n got %s\nwant %s", got, wantCanonical)
	}
	const wantHash = "8ec5c1ce866cbd6ed60dc5b72922c77fe03a6b8bc792e4dc1469fc0331562fe7"
	if got := hex.EncodeToString(e.Hash); got != wantHash {
		t.Errorf("entry hash changed:\n got %s\nwant %s", got, wantHash)
	}
}

func TestSeal(t *testing.T) {
	e := sampleEntry()
	e.Seq = 1
	e.At = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 7200))
	e.Seal(nil) // genesis
	if !bytes.Equal(e.PrevHash, GenesisHash) {
		t.Fatal("Seal(nil) on entry 1 did not use the genesis hash")
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Errorf("At not normalised: %v", e.At)
	}
	if !bytes.Equal(e.Hash, ComputeHash(GenesisHash, &e)) {
		t.Fatal("Hash does not recompute")
	}

	prev := bytes.Repeat([]byte{9}, 32)
	f := sampleEntry()
	f.Seq = 2
	f.Seal(prev)
	prev[0] = 0 // the entry must not alias the caller's slice
	if f.PrevHash[0] != 9 {
		t.Error("Seal aliases prev")
	}

	for _, bad := range [][]byte{nil, make([]byte, 31), make([]byte, 33)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Seal(%d bytes) on entry 2 did not panic", len(bad))
				}
			}()
			g := sampleEntry()
			g.Seq = 2
			g.Seal(bad)
		}()
	}
}
