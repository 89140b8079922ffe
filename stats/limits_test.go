package stats

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/nrm-org/nrm/internal/hostile"
)

var ctdcHeader = strings.Join(CTDCColumns, ",") + "\n"

func limitOf(t *testing.T, err error, what string) *LimitError {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.What != what {
		t.Fatalf("want a refusal over the %s limit, got %v", what, err)
	}
	return le
}

// TestCTDCHugeRecordRefused: a CSV whose second line runs on for 64 MB (no
// line break), or whose quoted field never closes, is refused at the record
// bound, having read little more than the bound. Before the limits the reader
// gathered the whole line in memory and then said "wrong number of fields".
func TestCTDCHugeRecordRefused(t *testing.T) {
	for name, body := range map[string]string{"long line": "a", "open quote": "x\n"} {
		t.Run(name, func(t *testing.T) {
			tail := hostile.Repeat(body, 64<<20)
			in := io.MultiReader(strings.NewReader(ctdcHeader+"2019,Female,Adult,,,,,,,,,,,,,\n"), strings.NewReader(map[string]string{"long line": "", "open quote": `"`}[name]), tail)
			n, err := ReadCTDC(in, func(CTDCRecord) error { return nil })
			limitOf(t, err, LimitRecord)
			if n != 1 {
				t.Errorf("%d rows before the refusal, want 1", n)
			}
			if max := int64(DefaultImportLimits.Record) + 16<<10; tail.Taken() > max {
				t.Errorf("read %d bytes of the long record, want at most %d", tail.Taken(), max)
			}
		})
	}
}

// TestCTDCTooManyRowsRefused: one row over DefaultImportLimits.Rows is refused
// naming the line; the bound itself is accepted. Before the limits any number
// of rows was read.
func TestCTDCTooManyRowsRefused(t *testing.T) {
	row := "2019,Female,Adult,,,,,,,,,,,,,\n"
	rows := func(n int) io.Reader {
		return io.MultiReader(strings.NewReader(ctdcHeader), hostile.Repeat(row, int64(n*len(row))))
	}
	max := DefaultImportLimits.Rows
	n, err := ReadCTDC(rows(max-1), func(CTDCRecord) error { return nil })
	if err != nil || n != max-1 {
		t.Fatalf("a file of exactly %d lines: %d rows, %v", max, n, err)
	}
	n, err = ReadCTDC(rows(max), func(CTDCRecord) error { return nil })
	if le := limitOf(t, err, LimitRows); le.Row != max+1 || le.Limit != int64(max) || n != max-1 {
		t.Fatalf("refused at line %d (limit %d) after %d rows", le.Row, le.Limit, n)
	}
}

// TestCTDCFileBound: a file over the File bound is refused once the bound is
// passed.
func TestCTDCFileBound(t *testing.T) {
	row := "2019,Female,Adult,,,,,,,,,,,,,\n"
	lim := DefaultImportLimits
	lim.File = 1 << 20
	tail := hostile.Repeat(row, 8<<20)
	_, err := ReadCTDCLimits(io.MultiReader(strings.NewReader(ctdcHeader), tail), lim, func(CTDCRecord) error { return nil })
	limitOf(t, err, LimitFile)
	if tail.Taken() > lim.File+8<<10 {
		t.Errorf("read %d bytes of a file bounded at %d", tail.Taken(), lim.File)
	}
	// Under the bound, the same rows read.
	small := bytes.Repeat([]byte(row), 1000)
	if n, err := ReadCTDCLimits(io.MultiReader(strings.NewReader(ctdcHeader), bytes.NewReader(small)), lim, func(CTDCRecord) error { return nil }); err != nil || n != 1000 {
		t.Fatalf("%d rows, %v", n, err)
	}
}

// FuzzReadCTDC: no CSV makes the reader panic or read a record past its
// bound.
//
//	go test ./stats -run '^$' -fuzz FuzzReadCTDC -fuzztime 10m
func FuzzReadCTDC(f *testing.F) {
	f.Add([]byte(ctdcHeader + "2019,Female,Adult,,1,Europe,Europe,,,,,,,,,\n"))
	f.Add([]byte(ctdcHeader + `"` + strings.Repeat("x\n", 100)))
	f.Add([]byte(ctdcHeader + strings.Repeat("a", 300)))
	lim := DefaultImportLimits
	lim.Record, lim.Rows = 256, 50
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ReadCTDCLimits(bytes.NewReader(b), lim, func(CTDCRecord) error { return nil })
		var le *LimitError
		if errors.As(err, &le) && le.What != LimitRecord && le.What != LimitRows && le.What != LimitFile {
			t.Fatalf("refused over %q", le.What)
		}
	})
}
