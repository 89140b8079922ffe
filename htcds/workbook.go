package htcds

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"

	"github.com/nrm-org/nrm/stats"
)

// A workbook is a zip of XML parts. A small one can unpack to gigabytes (a
// "zip bomb": 1 MB of deflate is up to 1 GB of text), lie about its parts'
// sizes, or hold a million empty parts. openWorkbook reads at most lim.File
// bytes and checks the zip before excelize sees it:
//
//  1. it must be a zip (an xlsx); an encrypted (OLE) workbook or anything else
//     is refused;
//  2. the number of parts, counted from the raw bytes before the zip
//     directory is parsed (each directory entry starts with a signature, so
//     the count is never below the real one) and again after;
//  3. each part's declared unpacked size, their sum, and the ratio of
//     unpacked to packed of any part above stats.RatioFloor;
//  4. each part is unpacked to nowhere and must give exactly its declared
//     size and checksum, so a part that lies about its size is refused
//     instead of being read cut short (excelize ignores that error).
//
// All of this works on the declared sizes first, so a bomb is refused in
// microseconds; step 4 unpacks at most lim.Unpacked bytes.
func openWorkbook(r io.Reader, lim stats.ImportLimits) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, lim.File+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > lim.File {
		return nil, &stats.LimitError{What: stats.LimitFile, Limit: lim.File}
	}
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return nil, &stats.LimitError{What: stats.LimitFormat}
	}
	if n := bytes.Count(b, []byte("PK\x01\x02")); n > lim.Entries {
		return nil, &stats.LimitError{What: stats.LimitEntries, Limit: int64(lim.Entries)}
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, &stats.LimitError{What: stats.LimitFormat}
	}
	if len(zr.File) > lim.Entries {
		return nil, &stats.LimitError{What: stats.LimitEntries, Limit: int64(lim.Entries)}
	}
	var total int64
	for _, f := range zr.File {
		if f.UncompressedSize64 > 1<<62 { // far past any bound; keeps the sums below from overflowing
			return nil, &stats.LimitError{What: stats.LimitUnpacked, Limit: lim.Unpacked}
		}
		size := int64(f.UncompressedSize64) // #nosec G115 -- checked just above
		total += size
		if size > lim.Unpacked || total > lim.Unpacked {
			return nil, &stats.LimitError{What: stats.LimitUnpacked, Limit: lim.Unpacked}
		}
		packed := int64(min(f.CompressedSize64, 1<<62)) // #nosec G115 -- bounded by min
		if size > stats.RatioFloor && size/max(packed, 1) > lim.Ratio {
			return nil, &stats.LimitError{What: stats.LimitRatio, Limit: lim.Ratio}
		}
	}
	for _, f := range zr.File {
		if err := unpacksAsDeclared(f); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// unpacksAsDeclared unpacks a part to nowhere, never more than one byte past
// its declared size (openWorkbook has bounded it): more bytes than declared,
// fewer, or a wrong checksum (archive/zip's checks) refuse the workbook.
func unpacksAsDeclared(f *zip.File) error {
	declared := int64(f.UncompressedSize64) // #nosec G115 -- openWorkbook checked it against the unpacked bound
	rc, err := f.Open()
	if errors.Is(err, zip.ErrAlgorithm) { // not deflate: no spreadsheet program writes that
		return &stats.LimitError{What: stats.LimitFormat}
	}
	if err != nil {
		return &stats.LimitError{What: stats.LimitDamaged}
	}
	defer func() { _ = rc.Close() }()
	if n, err := io.CopyN(io.Discard, rc, declared+1); n != declared || !errors.Is(err, io.EOF) {
		return &stats.LimitError{What: stats.LimitDamaged}
	}
	return nil
}
