package vault

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultIndexBits is the default blind-index length L in bits.
//
// # Leakage bound
//
// A blind index truncated to L bits maps the R indexed rows into 2^L buckets,
// so each index value is shared by about
//
//	C = R / 2^L
//
// rows (the coincidence count). If several blind indexes are stored on the
// same row (or on rows that can be joined), an attacker can intersect them,
// so L is then the SUM of their bits (CoincidenceCount accepts several).
// We require
//
//	2 ≤ C < sqrt(R)
//
// for two reasons:
//
//   - C ≥ 2: every index value is expected to be shared by at least two
//     unrelated people, so an index value never singles a person out, equal
//     index values do not prove "same person", and someone holding the
//     database but not the keys learns only bucket-level co-occurrence.
//   - C < sqrt(R): the bucket stays small enough to be useful; a lookup
//     returns about C candidates that are decrypted and compared in memory.
//
// The index is used to flag POSSIBLE duplicates (name + birth year +
// nationality), so false positives are expected and filtered after
// decryption; it must never be treated as a unique key.
//
// For the design point R ≈ 10^6 the admissible range is 10 ≤ L ≤ 18
// (IndexBitsRange). We choose L = 16:
//
//	R = 10^6: C = 10^6 / 65536 ≈ 15.3   (bound: 2 ≤ C < 1000)
//	R = 10^7: C = 10^7 / 65536 ≈ 152.6  (bound: 2 ≤ C < 3162)
//
// so a duplicate check decrypts about 15 (at 10^7, about 150) candidate rows,
// which is cheap with the DEK cache, and the bound holds for any R between
// 2^17 ≈ 131 000 and 2^32 rows, leaving a wide margin above and below the
// design point. Deployments with far fewer rows (a national NRM may hold only
// thousands of cases) MUST lower Config.IndexBits, otherwise C < 2 and the
// index becomes nearly unique: use IndexBitsRange(expected R) and prefer its
// lower half if the size is uncertain. 16–20 bits are nowhere near enough
// for uniqueness, by design.
const DefaultIndexBits = 16

// IndexEncoding is the text encoding of blind index values.
type IndexEncoding int

const (
	// Hex encodes blind indexes as lowercase hexadecimal (default).
	Hex IndexEncoding = iota
	// Base64URL encodes blind indexes as unpadded base64url.
	Base64URL
)

// blindIndexLabel domain-separates blind-index PRF inputs from any other use
// of the index keyset.
const blindIndexLabel = "nrm/vault/bidx/v1|"

// CoincidenceCount returns C = R / 2^L for R rows, where L is the sum of the
// given index lengths in bits (all blind indexes an attacker can combine).
func CoincidenceCount(rows float64, bits ...int) float64 {
	total := 0
	for _, b := range bits {
		total += b
	}
	return math.Ldexp(rows, -total)
}

// IndexBitsRange returns the smallest and largest total index length L (in
// bits) for which 2 ≤ C < sqrt(R) holds for R rows. ok is false if no L
// qualifies (R < 8).
func IndexBitsRange(rows float64) (minBits, maxBits int, ok bool) {
	minBits, maxBits = -1, -1
	for l := 1; l <= 256; l++ {
		c := CoincidenceCount(rows, l)
		if c >= 2 && c < math.Sqrt(rows) {
			if minBits < 0 {
				minBits = l
			}
			maxBits = l
		}
	}
	return minBits, maxBits, minBits > 0
}

// IndexBits returns the configured length in bits of the named blind index.
func (v *Vault) IndexBits(indexName string) int {
	if b, ok := v.indexBits[indexName]; ok {
		return b
	}
	return v.bits
}

// BlindIndex returns the blind index of an already normalized value (see
// Normalize and JoinIndexParts) for the named index: HMAC-SHA256 under the
// index keyset, over a length-prefixed encoding of indexName followed by the
// value, so different index names give unrelated outputs. The output is
// truncated to IndexBits(indexName) bits (unused low bits of the last byte are
// zero) and encoded per Config.IndexEncoding. It is deterministic for the
// life of KeyDir. Do not index empty values: they all share one bucket.
func (v *Vault) BlindIndex(indexName string, normalized string) string {
	return v.keyedIndex(indexName, normalized, v.IndexBits(indexName))
}

// TagBits is the length of a blind tag (BlindTag): long enough that two
// different values never share one (no bucket).
const TagBits = 128

// BlindTag is the untruncated counterpart of BlindIndex: the same keyed
// HMAC-SHA256 under the index keyset, TagBits long, so equal tags mean equal
// inputs. It confirms an exact match without decrypting (the door's
// duplicate check narrows a coarse BlindIndex bucket with it) and is
// therefore stored only where that equality is already disclosed; see the
// README's leakage note. Use a name no BlindIndex uses.
func (v *Vault) BlindTag(indexName string, normalized string) string {
	return v.keyedIndex(indexName, normalized, TagBits)
}

// keyedIndex computes a blind index of bits bits.
func (v *Vault) keyedIndex(indexName string, normalized string, bits int) string {
	n := (bits + 7) / 8
	in := make([]byte, 0, len(blindIndexLabel)+4+len(indexName)+len(normalized))
	in = append(in, blindIndexLabel...)
	in = binary.BigEndian.AppendUint32(in, uint32(len(indexName))) // #nosec G115 -- index names are short constants
	in = append(in, indexName...)
	in = append(in, normalized...)
	out, err := v.prf.ComputePrimaryPRF(in, uint32(n)) // #nosec G115 -- n is a byte count of at most 32
	if err != nil || len(out) != n {
		// Unreachable: bits is validated to 1..256 and HMAC-SHA256 yields 32
		// bytes. Returning a constant instead would merge every bucket.
		panic(fmt.Sprintf("vault: blind index PRF failed: %v", err))
	}
	if r := bits % 8; r != 0 {
		out[n-1] &= byte(0xff << (8 - r))
	}
	if v.encoding == Base64URL {
		return base64.RawURLEncoding.EncodeToString(out)
	}
	return hex.EncodeToString(out)
}

// indexPartSep separates the parts of a composite index value. Normalize
// removes control characters, so it cannot occur inside a normalized part.
const indexPartSep = "\x1f"

// JoinIndexParts builds the input of a composite blind index (for example
// Normalize(fullName), birth year, nationality code) unambiguously: each part
// is normalized and the parts are joined with a separator that Normalize
// never emits.
func JoinIndexParts(parts ...string) string {
	n := make([]string, len(parts))
	for i, p := range parts {
		n[i] = Normalize(p)
	}
	return strings.Join(n, indexPartSep)
}

// translit maps letters that have no Unicode decomposition to their usual
// Latin base letters, so that e.g. "Đorđe" and "Djordje"-style spellings at
// least agree on "dorde", and "Łukasz" matches "Lukasz". Keys are case-folded.
var translit = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'ħ': "h", 'ŧ': "t",
	'ı': "i", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ŋ': "n",
	'ß': "ss", 'ς': "σ",
}

// intraWord lists punctuation (and modifier letters) that occurs inside a
// single name or abbreviation and is dropped without splitting words.
var intraWord = map[rune]bool{
	'\'': true, '’': true, '‘': true, 'ʼ': true, 'ʻ': true,
	'`': true, '´': true, '.': true, '·': true, '‧': true,
}

// foldRune case-folds one rune as lower(upper(r)). Unlike a plain lower-case
// mapping this also folds variants such as ſ→s and ϐ→β, and unlike
// golang.org/x/text/cases.Fold it is rune-local, hence trivially idempotent
// (cases.Fold maps Cherokee to upper case, which is not stable under NFKD
// round trips). The multi-rune full foldings (ß→ss, final ς→σ) are handled
// by translit.
func foldRune(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }

// Normalize canonicalizes a personal name (or similar free text) for blind
// indexing, so that spelling variants of the same name index identically:
//
//   - Unicode compatibility decomposition (NFKD) and removal of combining
//     marks, so diacritics disappear (Albanian ë→e, ç→c; also é, ş, ć, ž …);
//   - case folding (ß→ss, Σ/ς→σ, ſ→s) and transliteration of a few
//     undecomposable Latin letters (đ→d, ł→l, ø→o, æ→ae, dotless ı→i …);
//   - punctuation is dropped: apostrophes and dots vanish inside a word
//     ("O'Brien" → "obrien", "A.B." → "ab"); any other punctuation or symbol
//     separates words like a space ("Jean-Luc" → "jean luc",
//     "Mehmet,Ali" → "mehmet ali"); control and format characters vanish;
//   - runs of whitespace collapse to one space; leading and trailing space is
//     trimmed; the result is NFC.
//
// Letters of other scripts are kept (case-folded, without marks). Normalize
// is idempotent. It is lossy on purpose: use it only to compute indexes,
// never to store the name.
func Normalize(s string) string {
	s = strings.ToValidUTF8(s, " ") // invalid bytes would stop decomposition
	s = norm.NFKD.String(s)
	s = strings.Map(foldRune, s)
	s = norm.NFKD.String(s) // folding may produce precomposed letters
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me):
			// combining mark: drop (diacritics)
		case unicode.IsSpace(r):
			space = true
		case intraWord[r] || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs):
			// apostrophes, dots, controls, format and private-use characters:
			// drop without separating ("O'Brien" → "obrien")
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mc, r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if t, ok := translit[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteRune(r)
			}
		default:
			// other punctuation and symbols separate words ("Jean-Luc",
			// "Kaçanik/Prishtinë", "Mehmet,Ali")
			space = true
		}
	}
	return norm.NFC.String(b.String())
}
