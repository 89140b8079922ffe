// Package hostile builds hostile uploads for the tests of the import limits
// (issue 13): real, valid xlsx zips that unpack to far more than they weigh,
// that lie about their parts' sizes, or that hold a great many parts, and
// endless streams for CSV files with huge lines. The content is generated as
// a stream, so a 1 GiB sheet never sits in memory; only the compressed bytes
// do.
package hostile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
)

// Header is the sheet's first row: three HTCDS v2.0 field names, so a reader
// takes it as the header and every row under it as a record.
var Header = []string{"prs_Gender", "cas_Status", "prs_Citizenship"}

// Row is one data row: a valid value of prs_Gender, nothing else.
const Row = `<row><c t="inlineStr"><is><t>Feminine</t></is></c></row>`

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// parts are the workbook's parts other than the sheet: the least an xlsx
// needs for excelize to open it and find the sheet "Case Sheet".
var parts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="Case Sheet" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
}

// SheetPath is where the workbook's only sheet lives.
const SheetPath = "xl/worksheets/sheet1.xml"

// sheet returns the sheet's XML as a stream: the header row, then body (raw
// row XML), then the closing tags.
func sheet(body io.Reader) io.Reader {
	var head strings.Builder
	head.WriteString(sheetHead + `<row r="1">`)
	for i, h := range Header {
		fmt.Fprintf(&head, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	head.WriteString(`</row>`)
	return io.MultiReader(strings.NewReader(head.String()), body, strings.NewReader(sheetTail))
}

// Stream yields a pattern over and over, up to a length, without holding it,
// and counts what was read of it.
type Stream struct {
	pattern string
	n, read int64
}

// Repeat is the stream of pattern repeated to n bytes in all.
func Repeat(pattern string, n int64) *Stream { return &Stream{pattern: pattern, n: n} }

// Taken is how many bytes have been read from the stream.
func (r *Stream) Taken() int64 { return r.read }

func (r *Stream) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && r.read < r.n {
		c := copy(p[i:min(int64(len(p)), int64(i)+r.n-r.read)], r.pattern[r.read%int64(len(r.pattern)):])
		i += c
		r.read += int64(c)
	}
	return i, nil
}

// Rows is the stream of about n bytes of Row repeated (whole rows).
func Rows(n int64) *Stream { return Repeat(Row, n/int64(len(Row))*int64(len(Row))) }

// deflate compresses a stream at the best compression and returns the raw
// deflate bytes, the stream's length and its CRC-32.
func deflate(r io.Reader) (raw []byte, size uint64, crc uint32) {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	h := crc32.NewIEEE()
	n, _ := io.Copy(io.MultiWriter(w, h), r)
	_ = w.Close()
	return buf.Bytes(), uint64(n), h.Sum32() // #nosec G115 -- n is a count of bytes copied, never negative
}

// build writes the fixed parts and then the sheet, already deflated, with the
// uncompressed size it declares.
func build(raw []byte, declared uint64, crc uint32) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		w, _ := zw.Create(p.name)
		_, _ = io.WriteString(w, p.body)
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: SheetPath, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(raw)), UncompressedSize64: declared})
	_, _ = w.Write(raw)
	_ = zw.Close()
	return out.Bytes()
}

// Workbook returns a valid xlsx whose sheet's XML unpacks to about unpacked
// bytes of valid rows, declared honestly. 1 GiB weighs about 3 MB.
func Workbook(unpacked int64) []byte {
	raw, size, crc := deflate(sheet(Rows(unpacked)))
	return build(raw, size, crc)
}

var (
	gibOnce sync.Once
	gib     []byte
)

// GiB is Workbook(1 GiB), built once per test binary (about 2 s).
func GiB() []byte {
	gibOnce.Do(func() { gib = Workbook(1 << 30) })
	return gib
}

// Lying returns a workbook whose sheet declares declared bytes unpacked (with
// the checksum of what it declares nothing about) but unpacks to actual.
func Lying(declared uint64, actual int64) []byte {
	raw, _, crc := deflate(sheet(Rows(actual)))
	return build(raw, declared, crc)
}

// ManyParts returns a workbook with n empty parts beside its real ones.
func ManyParts(n int) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		w, _ := zw.Create(p.name)
		_, _ = io.WriteString(w, p.body)
	}
	w, _ := zw.Create(SheetPath)
	_, _ = io.Copy(w, sheet(Rows(10*int64(len(Row)))))
	for i := range n {
		_, _ = zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("x/%d", i), Method: zip.Store})
	}
	_ = zw.Close()
	return out.Bytes()
}

// WithSheet returns a workbook whose sheet holds the header row and then the
// given raw rows (for rows, columns and cells over their bounds).
func WithSheet(rows string) []byte {
	raw, size, crc := deflate(sheet(strings.NewReader(rows)))
	return build(raw, size, crc)
}
