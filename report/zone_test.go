package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestReportTimeSaysItsZone: a report made at 23:30 UTC on 6 December, in
// the jurisdiction's time (Tirana), says 00:30 on 7 December and names the
// zone, in the PDF and in the workbook: the file leaves the system.
func TestReportTimeSaysItsZone(t *testing.T) {
	tirana, err := time.LoadLocation("Europe/Tirane")
	if err != nil {
		t.Fatal(err)
	}
	r := sample(t)
	r.GeneratedAt = time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC).In(tirana)
	want := "2026-12-07 00:30 (Europe/Tirane, UTC+01:00)"

	var pdfBuf bytes.Buffer
	if err := PDF(&pdfBuf, r, fake("sq")); err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(pdfText(t, pdfBuf.Bytes()), " "); !strings.Contains(text, want) {
		t.Errorf("the PDF lacks %q:\n%s", want, text)
	}

	var xBuf bytes.Buffer
	if err := XLSX(&xBuf, r, fake("sq")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xBuf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	found := false
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if strings.Contains(strings.Join(row, "|"), want) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the workbook lacks %q", want)
	}
}
