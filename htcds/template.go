package htcds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/nrm-org/nrm/stats"
)

// The official template (HTCDS_Excel_Spreadsheet_single_select_with_validation_v2.0.xlsx)
// keeps its data on the sheet "Case Sheet": row 1 holds the field names, row 2 their
// labels, data starts on row 3, and column A, with no field name, numbers the rows.
// Its picklists are validated against label lists on a hidden-style "validation" sheet.
const (
	DataSheet  = "Case Sheet"
	HeaderRow  = 1
	LabelRow   = 2
	FirstRow   = 3
	aboutSheet = "about"
)

// templateHeader is row 1 of the official template, cell for cell, its two slips
// included: "vic_TraffickinStatusDecisionMakingOrg" (a letter short) and an empty cell in
// column AJ where cas_ReasonForOutgoingReferral belongs (row 2 labels it so). Written as it
// is, so tools built on the template find their columns; read through headerField.
var templateHeader = []string{"", "cas_CaseOwner", "prs_Salutation", "prs_FirstName", "prs_SecondName", "con_Consent", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "prs_Title", "prs_Email", "prs_HomePhone", "prs_MobilePhone", "prs_MailingCity", "prs_MailingCountry", "prs_MailingState", "prs_MailingStreet", "prs_MailingPostalCode", "vic_TraffickingStatus", "vic_TraffickinStatusDecisionMakingOrg", "vic_MethodOfRecruitment", "vic_LocationOfRecruitment", "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry", "vic_TypeOfSexExploitation", "vic_LocationOfExploitation", "cas_Status", "cas_ReferringOrganisation", "cas_IncomingReferralDate", "cas_ReferringPrimaryCaseWorker", "cas_ReasonForIncomingReferral", "cas_IncomingReferralDetails", "cas_ReferredOrganisation", "cas_ReferredPrimaryCaseWorker", "", "cas_OutgoingReferralDate", "cas_OutgoingReferralDetails", "cas_ReasonForCaseClosure"}

// templateLabels is row 2 of the official template, as it is (the mailing labels sit one
// column off their fields there).
var templateLabels = []string{"", "Case Owner", "Salutation", "First Name", "Second Name", "Consent", "Birthdate", "Gender", "Citizenship", "Title", "Email", "Home Phone", "Mobile Phone", "Mailing Street", "Mailing City", "Mailing State/Province", "Mailing Zip/Postal Code", "Mailing Country", "Trafficking Status", "Trafficking Status Decision Making Organization", "Method of Recruitment", "Location of Recruitment", "Methods of Control", "Type of Exploitation", "Forced Labour Industry", "Type of Sex Exploitation", "Location of Exploitation", "Status", "Referring Organisation", "Incoming Referral Date", "Referring Primary Case Worker", "Reason for Incoming Referral", "Incoming Referral Details", "Referred Organisation", "Referred Primary Case Worker", "Reason for Outgoing Referral", "Outgoing Referral Date", "Outgoing Referral Details", "Reason for Case Closure"}

// extraColumns are the fields Record writes that the template has no column for; they
// follow the template's last column.
var extraColumns = []string{FAge, FOrgType}

// outgoingReasonCol is column AJ (0-based), the template's unnamed column.
const outgoingReasonCol = 35

// headerAlias reads the template's misspelt field name.
var headerAlias = map[string]string{"vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg"}

// columns is the layout written: the template's fields in its columns, then extraColumns.
func columns() []string {
	cols := make([]string, 0, len(templateHeader)+len(extraColumns))
	for i, h := range templateHeader {
		if i == outgoingReasonCol {
			h = "cas_ReasonForOutgoingReferral"
		}
		if a, ok := headerAlias[h]; ok {
			h = a
		}
		cols = append(cols, h)
	}
	return append(cols, extraColumns...)
}

// RowError is a bad value in one row (its sheet row number) and field.
type RowError struct {
	Row   int
	Field string
	Err   error
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("htcds: row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("htcds: row %d, %s: %v", e.Row, e.Field, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// WriteTemplate writes records as an XLSX workbook in the official template's layout: the
// sheet "Case Sheet" with the template's field-name row and label row (cell for cell, as
// the template has them) and one data row per record from row 3, column A numbering the
// rows as the template does; the fields the template lacks (vic_AgeWhenTrafficked,
// org_Type) follow its last column. The data sheet is written with excelize's stream
// writer, so memory does not grow with the rows. The template's "validation" sheet and
// its drop-down lists are not copied (the lists hold labels, not the standard's values,
// and a streamed sheet cannot take data validations); an "about" sheet names the
// standard. Each record is validated first: a bad one stops the writing with a *RowError.
func WriteTemplate(w io.Writer, records iter.Seq[map[string]string]) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", DataSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(DataSheet)
	if err != nil {
		return err
	}
	cols := columns()
	at := func(col, row int) string {
		c, _ := excelize.CoordinatesToCellName(col, row)
		return c
	}
	header := make([]any, len(cols))
	labels := make([]any, len(cols))
	for i := range cols {
		if i < len(templateHeader) {
			header[i], labels[i] = templateHeader[i], templateLabels[i]
		} else {
			fd, _ := stats.HTCDS().Field(cols[i])
			header[i], labels[i] = cols[i], fd.Label
		}
	}
	if err := sw.SetRow(at(1, HeaderRow), header); err != nil {
		return err
	}
	if err := sw.SetRow(at(1, LabelRow), labels); err != nil {
		return err
	}
	index := map[string]int{}
	for i, c := range cols {
		if c != "" {
			index[c] = i
		}
	}
	row, n := FirstRow, 0
	var werr error
	for rec := range records {
		if errs := stats.ValidateHTCDS(rec); len(errs) > 0 {
			werr = rowErr(row, errs[0])
			break
		}
		cells := make([]any, len(cols))
		n++
		cells[0] = n
		for k, v := range rec {
			i, ok := index[k]
			if !ok {
				werr = &RowError{Row: row, Field: k, Err: errors.New("no column for this field in the template layout")}
				break
			}
			if v == "" {
				continue
			}
			cells[i] = v
			if fd, _ := stats.HTCDS().Field(k); fd.Type == stats.HTCDSNumber {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					cells[i] = x
				}
			}
		}
		if werr != nil {
			break
		}
		if err := sw.SetRow(at(1, row), cells); err != nil {
			return err
		}
		row++
	}
	if werr != nil {
		return werr
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet(aboutSheet); err != nil {
		return err
	}
	for i, v := range []string{"Microsoft Excel HTCDS 2.0", "https://github.com/UNMigration/HTCDS",
		"Human Trafficking Case Data Standard (HTCDS) by IOM, CC BY 4.0. IOM does not endorse this software."} {
		if err := f.SetCellStr(aboutSheet, at(1, i+1), v); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// rowErr wraps the first validation error of a row.
func rowErr(row int, err error) *RowError {
	var he *stats.HTCDSError
	if errors.As(err, &he) {
		return &RowError{Row: row, Field: he.Field, Err: err}
	}
	return &RowError{Row: row, Err: err}
}

// ReadTemplate reads records from an HTCDS workbook: the official template (filled in)
// or WriteTemplate's output. It reads the sheet "Case Sheet" (or, failing that, the first
// sheet) row by row with excelize's streaming iterator, takes the first row naming at
// least three HTCDS fields as the header (the template's misspelt and unnamed columns
// are read as the fields they stand for), skips a label row under it and rows with no
// value in any field column (the template numbers 1000 empty rows in column A), and
// calls fn with each other row's sheet row number and record. Picklist values may be the
// standard's value names or, as the template's drop-down lists give them, their labels
// (and country names, where the workbook has the template's validation sheet); dates
// Excel stored as numbers are read as dates. Every record is checked with
// stats.ValidateHTCDS: the first bad value stops the reading with a *RowError naming the
// row and field; an error from fn stops it too. It returns how many records fn accepted.
// The workbook is held to stats.DefaultImportLimits (see ReadTemplateLimits).
func ReadTemplate(r io.Reader, fn func(row int, rec map[string]string) error) (int, error) {
	return ReadTemplateLimits(r, stats.DefaultImportLimits, fn)
}

// ReadTemplateLimits is ReadTemplate with the workbook bounded by lim: its size, its
// parts, their unpacked sizes and compression ratios are checked from the zip before
// anything is unpacked (openWorkbook), excelize unpacks nothing to disk and no more than
// lim.Unpacked, and the sheets' rows, the columns holding values and the cells' lengths
// are bounded while reading. A workbook over a bound is refused with a *stats.LimitError.
func ReadTemplateLimits(r io.Reader, lim stats.ImportLimits, fn func(row int, rec map[string]string) error) (int, error) {
	b, err := openWorkbook(r, lim)
	if err != nil {
		return 0, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: lim.Unpacked, UnzipXMLSizeLimit: lim.Unpacked})
	if err != nil {
		return 0, fmt.Errorf("htcds: %w", err)
	}
	defer f.Close()
	sheet := DataSheet
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		sheet = f.GetSheetName(0)
	}
	countries, err := countryNames(f, lim)
	if err != nil {
		return 0, err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return 0, fmt.Errorf("htcds: %w", err)
	}
	defer rows.Close()
	cat := stats.HTCDS()
	var cols []string // field per column, "" ignored; nil until the header is found
	n, row, labelsNext := 0, 0, false
	for rows.Next() {
		row++
		cells, err := boundedRow(rows, row, lim, excelize.Options{RawCellValue: true})
		if err != nil {
			return n, err
		}
		if cols == nil {
			if cols, err = header(row, cells); err != nil {
				return n, err
			}
			labelsNext = cols != nil
			continue
		}
		if labelsNext {
			labelsNext = false
			if labelRow(cols, cells) {
				continue
			}
		}
		rec := map[string]string{}
		for i, v := range cells {
			if i >= len(cols) || cols[i] == "" {
				continue
			}
			if v = strings.TrimSpace(v); v != "" {
				fd, _ := cat.Field(cols[i])
				rec[cols[i]] = normalise(fd, v, countries)
			}
		}
		if len(rec) == 0 {
			continue
		}
		if errs := cat.Validate(rec); len(errs) > 0 {
			return n, rowErr(row, errs[0])
		}
		if err := fn(row, rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Error(); err != nil {
		return n, fmt.Errorf("htcds: %w", err)
	}
	if cols == nil {
		return 0, &RowError{Row: row, Err: fmt.Errorf("no header row naming HTCDS fields on sheet %q", sheet)}
	}
	return n, nil
}

// header returns the field of each column when cells is a header row (at least three
// HTCDS field names), nil when it is not, and a *RowError for a header naming something
// the standard does not have.
func header(row int, cells []string) ([]string, error) {
	cat := stats.HTCDS()
	cols := make([]string, len(cells))
	known := 0
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if a, ok := headerAlias[c]; ok {
			c = a
		}
		if _, ok := cat.Field(c); ok {
			known++
		}
		cols[i] = c
	}
	if known < 3 {
		return nil, nil
	}
	if outgoingReasonCol+1 < len(cols) && cols[outgoingReasonCol] == "" &&
		cols[outgoingReasonCol-1] == "cas_ReferredPrimaryCaseWorker" && cols[outgoingReasonCol+1] == "cas_OutgoingReferralDate" {
		cols[outgoingReasonCol] = "cas_ReasonForOutgoingReferral"
	}
	for _, c := range cols {
		if _, ok := cat.Field(c); c != "" && !ok {
			return nil, &RowError{Row: row, Field: c, Err: errors.New("not a field of HTCDS v2.0")}
		}
	}
	return cols, nil
}

// labelRow reports whether cells are the labels of the header's fields (as the
// catalogue or the template writes them).
func labelRow(cols, cells []string) bool {
	seen := false
	for i, c := range cells {
		if c = strings.TrimSpace(c); c == "" || i >= len(cols) || cols[i] == "" {
			continue
		}
		fd, _ := stats.HTCDS().Field(cols[i])
		if !strings.EqualFold(c, fd.Label) && !(i < len(templateLabels) && strings.EqualFold(c, templateLabels[i])) {
			return false
		}
		seen = true
	}
	return seen
}

// normalise turns a cell into the standard's spelling: a picklist label (or country
// name) into its value name, an Excel date serial into YYYY-MM-DD, a checkbox's Yes/No
// into TRUE/FALSE. Anything it does not recognise is returned unchanged, for Validate to
// judge.
func normalise(fd stats.HTCDSField, v string, countries map[string]string) string {
	switch fd.Type {
	case stats.HTCDSDate:
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			if t, err := excelize.ExcelDateToTime(x, false); err == nil {
				return t.Format("2006-01-02")
			}
		}
	case stats.HTCDSCheckbox:
		switch strings.ToLower(v) {
		case "yes", "true", "1":
			return "TRUE"
		case "no", "false", "0":
			return "FALSE"
		}
	case stats.HTCDSPicklist, stats.HTCDSMultiselect:
		parts := strings.Split(v, stats.HTCDSMultiSeparator)
		for i, p := range parts {
			parts[i] = pickValue(fd, strings.TrimSpace(p), countries)
		}
		return strings.Join(parts, stats.HTCDSMultiSeparator)
	}
	return v
}

// pickValue maps one picklist entry to the standard's value name.
func pickValue(fd stats.HTCDSField, v string, countries map[string]string) string {
	if fd.CodeList == stats.ISO3166 {
		if c, ok := countries[fold(v)]; ok && !country(v) {
			return c
		}
		return v
	}
	for _, ok := range fd.Values {
		if v == ok {
			return v
		}
	}
	k := fold(v)
	for i, val := range fd.Values {
		bare := val
		if len(bare) > 2 && bare[1] == '_' { // the industries: "A_AgricultureForestryAndFishing"
			bare = bare[2:]
		}
		if k == fold(val) || k == fold(bare) || k == fold(fd.ValueLabels[i]) {
			return val
		}
	}
	// Labels that drop or add a word against the value name ("Threats of law
	// enforcement" for ThreatsLawEnforcement): compare without the small words.
	k = fold(dropSmall(v))
	for _, val := range fd.Values {
		if k == fold(dropSmall(splitCamel(val))) {
			return val
		}
	}
	return v
}

// fold keeps the letters and digits of s, lower-cased.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// splitCamel writes "ThreatsLawEnforcement" as "Threats Law Enforcement".
func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dropSmall removes the small words labels add or leave out.
func dropSmall(s string) string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		switch strings.ToLower(w) {
		case "of", "a", "an", "the", "and", "or", "by", "to":
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// countryNames reads the template's validation sheet, when the workbook has it: country
// name (column E) → ISO 3166 alpha-2 code (column D), from row 4, folded names as keys.
func countryNames(f *excelize.File, lim stats.ImportLimits) (map[string]string, error) {
	out := map[string]string{}
	if idx, err := f.GetSheetIndex("validation"); err != nil || idx < 0 {
		return out, nil
	}
	rows, err := f.Rows("validation")
	if err != nil {
		return nil, fmt.Errorf("htcds: %w", err)
	}
	defer rows.Close()
	for row := 1; rows.Next(); row++ {
		cells, err := boundedRow(rows, row, lim)
		if err != nil {
			return nil, err
		}
		if row < 4 || len(cells) < 5 {
			continue
		}
		if code, name := strings.TrimSpace(cells[3]), strings.TrimSpace(cells[4]); country(code) && name != "" {
			out[fold(name)] = code
		}
	}
	return out, rows.Error()
}

// boundedRow reads the cells of sheet row row, refusing a row past lim.Rows, a value
// beyond column lim.Columns and a cell longer than lim.Cell characters.
func boundedRow(rows *excelize.Rows, row int, lim stats.ImportLimits, opts ...excelize.Options) ([]string, error) {
	if row > lim.Rows {
		return nil, &stats.LimitError{What: stats.LimitRows, Limit: int64(lim.Rows), Row: row}
	}
	cells, err := rows.Columns(opts...)
	if err != nil {
		return nil, fmt.Errorf("htcds: row %d: %w", row, err)
	}
	for i, c := range cells {
		if c == "" {
			continue
		}
		if i >= lim.Columns {
			return nil, &stats.LimitError{What: stats.LimitColumns, Limit: int64(lim.Columns), Row: row}
		}
		if len(c) > lim.Cell && utf8.RuneCountInString(c) > lim.Cell {
			return nil, &stats.LimitError{What: stats.LimitCell, Limit: int64(lim.Cell), Row: row}
		}
	}
	return cells, nil
}
