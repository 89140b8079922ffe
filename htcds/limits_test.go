package htcds

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/heappeak"
	"github.com/nrm-org/nrm/internal/hostile"
	"github.com/nrm-org/nrm/internal/shareddata"
	"github.com/nrm-org/nrm/stats"
)

// errTaken stops a reading at the first record a hostile workbook yields:
// reaching it means the workbook was unpacked and read instead of refused.
var errTaken = errors.New("a record of a hostile workbook was read")

// refused reads a hostile workbook with the default limits and returns the
// refusal, failing unless it is over the named bound and nothing was read.
func refused(t *testing.T, b []byte, what string) *stats.LimitError {
	t.Helper()
	n, err := ReadTemplate(bytes.NewReader(b), func(int, map[string]string) error { return errTaken })
	var le *stats.LimitError
	if !errors.As(err, &le) || le.What != what || n != 0 {
		t.Fatalf("want a refusal over the %s limit with nothing read, got %d records, %.300v", what, n, err)
	}
	return le
}

// TestWorkbookBombRefused: a valid 3 MB workbook whose sheet unpacks to 1 GiB
// is refused from its zip directory, before anything is unpacked: the whole
// refusal allocates little more than the file itself. Before the limits
// excelize unpacked the sheet to a temporary file and the rows were read
// (issue 13: 17–49 s and 2.2–3.5 GB per upload).
func TestWorkbookBombRefused(t *testing.T) {
	b := hostile.GiB()
	if len(b) > 8<<20 {
		t.Fatalf("the bomb weighs %d bytes", len(b))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	le := refused(t, b, stats.LimitUnpacked)
	runtime.ReadMemStats(&after)
	if le.Limit != stats.DefaultImportLimits.Unpacked {
		t.Errorf("limit %d", le.Limit)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(len(b))+(4<<20) {
		t.Errorf("refusing a %d-byte bomb allocated %d bytes", len(b), alloc)
	}
}

// TestWorkbookRatioRefused: a sheet under the unpacked bound but compressed
// far beyond any spreadsheet (64 MiB in about 200 KB) is refused by its ratio.
func TestWorkbookRatioRefused(t *testing.T) {
	refused(t, hostile.Workbook(64<<20), stats.LimitRatio)
}

// TestWorkbookLyingSizeRefused: a sheet that declares 4 KiB but unpacks to
// 64 MiB is refused as damaged once it passes its declared size (excelize
// would have read it cut short, ignoring the error).
func TestWorkbookLyingSizeRefused(t *testing.T) {
	refused(t, hostile.Lying(4<<10, 64<<20), stats.LimitDamaged)
}

// TestWorkbookManyPartsRefused: 100 000 empty parts are refused before the zip
// directory is parsed.
func TestWorkbookManyPartsRefused(t *testing.T) {
	refused(t, hostile.ManyParts(100_000), stats.LimitEntries)
}

// TestWorkbookNotAZip: anything but a zip (a CSV, an encrypted workbook) is
// refused as not a workbook.
func TestWorkbookNotAZip(t *testing.T) {
	refused(t, []byte(strings.Join(stats.CTDCColumns, ",")+"\n"), stats.LimitFormat)
	refused(t, append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 600)...), stats.LimitFormat)
}

// TestWorkbookRowsColumnsCellsBounded: a row past the row bound, a value past
// the column bound and a cell past Excel's own length are refused naming the
// row; the sheet's rows up to the bound are read.
func TestWorkbookRowsColumnsCellsBounded(t *testing.T) {
	lim := stats.DefaultImportLimits
	cell := func(ref, v string) string {
		return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>`
	}
	for _, c := range []struct {
		what, rows string
		row        int
	}{
		{stats.LimitRows, `<row r="100001">` + cell("A100001", "Feminine") + `</row>`, lim.Rows + 1},
		{stats.LimitColumns, `<row r="3">` + cell("A3", "Feminine") + cell("KZ3", "x") + `</row>`, 3},
		{stats.LimitCell, `<row r="3">` + cell("B3", strings.Repeat("ë", lim.Cell+1)) + `</row>`, 3},
	} {
		t.Run(c.what, func(t *testing.T) {
			if le := refused(t, hostile.WithSheet(c.rows), c.what); le.Row != c.row {
				t.Errorf("refused at row %d, want %d", le.Row, c.row)
			}
		})
	}
	// At the bounds: the last row, the last column, the longest cell.
	edge := `<row r="2">` + cell("A2", "Feminine") + cell("B2", "FollowUp") + `</row>` +
		`<row r="100000">` + cell("A100000", "Masculine") + cell("IV100000", strings.Repeat("ë", lim.Cell)) + `</row>`
	var rows []int
	n, err := ReadTemplate(bytes.NewReader(hostile.WithSheet(edge)), func(row int, _ map[string]string) error {
		rows = append(rows, row)
		return nil
	})
	if err != nil || n != 2 || rows[1] != lim.Rows {
		t.Fatalf("at the bounds: %d records %v, %v", n, rows, err)
	}
}

// BenchmarkWorkbookRefusal measures refusing the 1 GiB bomb (time per
// refusal and the peak live heap, reported as peak-heap-MB) beside reading
// IOM's official template, a genuine 75 KB workbook, as the baseline:
//
//	go test ./htcds -run '^$' -bench WorkbookRefusal -benchtime 20x
func BenchmarkWorkbookRefusal(b *testing.B) {
	for _, c := range []struct {
		name string
		file func(testing.TB) []byte
	}{
		{"bomb-1GiB", func(testing.TB) []byte { return hostile.GiB() }},
		{"official-template", func(t testing.TB) []byte {
			f, err := os.ReadFile(shareddata.HTCDS(t, official))
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			file := c.file(b)
			read := func() {
				_, err := ReadTemplate(bytes.NewReader(file), func(int, map[string]string) error { return nil })
				var le *stats.LimitError
				if c.name == "bomb-1GiB" && !errors.As(err, &le) || c.name != "bomb-1GiB" && err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				read()
			}
			b.StopTimer()
			peak := heappeak.Of(read)
			b.ReportMetric(peak, "peak-heap-MB")
			b.ReportMetric(float64(len(file))/(1<<20), "file-MB")
		})
	}
}

// FuzzReadTemplate: no workbook, however broken, makes the reader panic or
// pass its bounds; the seeds are the official template and the hostile
// files' shapes (made small).
//
//	go test ./htcds -run '^$' -fuzz FuzzReadTemplate -fuzztime 10m
func FuzzReadTemplate(f *testing.F) {
	if b, err := os.ReadFile(shareddata.HTCDS(f, official)); err == nil {
		f.Add(b)
	}
	f.Add(hostile.Workbook(2 << 20))
	f.Add(hostile.Lying(64, 1<<20))
	f.Add(hostile.ManyParts(50))
	f.Add(hostile.WithSheet(`<row r="3"><c r="A3" t="inlineStr"><is><t>Feminine</t></is></c></row>`))
	lim := stats.DefaultImportLimits
	lim.File, lim.Unpacked, lim.Entries, lim.Rows = 1<<20, 4<<20, 100, 2000
	f.Fuzz(func(t *testing.T, b []byte) {
		rows := 0
		_, err := ReadTemplateLimits(bytes.NewReader(b), lim, func(row int, _ map[string]string) error {
			if row > lim.Rows {
				t.Fatalf("row %d read past the bound %d", row, lim.Rows)
			}
			rows++
			return nil
		})
		var le *stats.LimitError
		if errors.As(err, &le) && rows != 0 && le.What != stats.LimitRows && le.What != stats.LimitColumns && le.What != stats.LimitCell {
			t.Fatalf("refused over %s after reading %d rows", le.What, rows)
		}
	})
}
