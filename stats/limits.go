package stats

import "fmt"

// ImportLimits bound what an imported file may make the server unpack, hold and
// read, so that a small upload cannot take the service down (issue 13: a 1 MB
// workbook that unpacked to 1 GiB took 17–49 s and gigabytes of memory). The
// readers (ReadCTDCLimits, htcds.ReadTemplateLimits) refuse a file that
// exceeds one with a *LimitError naming which; the workbook's sizes are
// checked from its zip directory before anything is unpacked.
type ImportLimits struct {
	File     int64 // bytes of the file as uploaded
	Entries  int   // parts of a workbook (zip entries)
	Unpacked int64 // bytes of all a workbook's parts unpacked, together
	Ratio    int64 // unpacked ÷ packed of any part larger than RatioFloor
	Rows     int   // rows of a sheet or lines of a CSV file, header included
	Columns  int   // the last column holding a value in a sheet's row
	Cell     int   // characters in one cell of a sheet
	Record   int   // bytes in one record of a CSV file
}

// RatioFloor is the unpacked size from which a workbook part's compression
// ratio is checked: small parts (styles, the workbook's own list of sheets)
// may compress very well without harm.
const RatioFloor = 1 << 20

// DefaultImportLimits fit every real dataset we know with room to spare: the
// CTDC synthetic file (21 195 rows, 1.4 MB), IOM's HTCDS template (12 parts,
// 0.5 MB unpacked, ratio 7.5) and a 100 000-record HTCDS workbook written by
// htcds.WriteTemplate (3 MB, 35 MB unpacked, ratio 11). Excel's own cell
// limit is 32 767 characters.
var DefaultImportLimits = ImportLimits{
	File:     64 << 20,
	Entries:  1000,
	Unpacked: 128 << 20,
	Ratio:    100,
	Rows:     100_000,
	Columns:  256,
	Cell:     32_767,
	Record:   64 << 10,
}

// What a LimitError names.
const (
	LimitFile     = "file"     // the file is larger than File
	LimitFormat   = "format"   // not a workbook at all (no zip, or a damaged directory)
	LimitEntries  = "entries"  // more parts than Entries
	LimitUnpacked = "unpacked" // the parts declare more than Unpacked
	LimitRatio    = "ratio"    // a part is compressed more than Ratio times
	LimitDamaged  = "damaged"  // a part does not unpack to the size it declares
	LimitRows     = "rows"     // more rows than Rows
	LimitColumns  = "columns"  // a value beyond column Columns
	LimitCell     = "cell"     // a cell longer than Cell characters
	LimitRecord   = "record"   // a CSV record longer than Record bytes
)

// LimitError is a file refused because it exceeds one of the ImportLimits.
// Row is the sheet row or CSV line at fault, when one is (0 otherwise);
// Limit is the bound that was exceeded, in the unit of What.
type LimitError struct {
	What  string
	Limit int64
	Row   int
}

func (e *LimitError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("import refused: row %d: over the %s limit (%d)", e.Row, e.What, e.Limit)
	}
	return fmt.Sprintf("import refused: over the %s limit (%d)", e.What, e.Limit)
}
