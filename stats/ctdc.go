package stats

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// CTDCColumns are the columns of CTDC's Global Victim-Perpetrator Synthetic Dataset,
// condensed form (CTDC_VPsynthetic_condensed.csv, December 2022), in file order. The
// reader refuses a file whose header differs. Meanings are inferred (see
// ../shared/data/ctdc/README.md): the official codebook was not available.
var CTDCColumns = []string{
	"yearRegister", "gender", "majorityStatus", "isForcedLabour", "isSexualExploit",
	"UN_COO_Region", "UN_COE_Region", "IP_Exploiter", "IP_Gender", "IP_ageBroad",
	"IP_citizen_UNRegion", "IP_Relation", "IP_PayMoney", "IP_RecruiterBroker",
	"IP_TransactionProcess", "IP_ControlAbuseKidnap",
}

// Missing is the key under which the aggregates count rows with the value not recorded
// (an empty field in the file).
const Missing = ""

// CTDCRecord is one row of the condensed dataset: one synthetic victim, with the
// attributes of the perpetrator(s) (IP_) folded in. Strings are the file's values as
// written, "" when missing; multi-valued perpetrator fields (joined by ";" in the file) are
// split. Flags are true for "1" and false for an empty field (CTDC: empty means missing or
// not recorded, not "no").
type CTDCRecord struct {
	YearRegister    string // band of the year of registration: 2005-2013, 2014-2018, 2019, 2020, 2021-2022
	Gender          string // Female, Male
	MajorityStatus  string // Adult, Minor
	IsForcedLabour  bool
	IsSexualExploit bool
	OriginRegion    string // UN_COO_Region: UN region of the country of origin (the file has no citizenship column)
	ExploitRegion   string // UN_COE_Region: UN region of the country of exploitation

	PerpExploiter          bool     // IP_Exploiter
	PerpGender             []string // IP_Gender
	PerpAgeBroad           []string // IP_ageBroad: 0--29, 30--38, 39--47, 48+
	PerpCitizenRegion      []string // IP_citizen_UNRegion
	PerpRelation           []string // IP_Relation
	PerpPayMoney           []string // IP_PayMoney: No, Yes
	PerpRecruiterBroker    bool     // IP_RecruiterBroker
	PerpTransactionProcess bool     // IP_TransactionProcess
	PerpControlAbuseKidnap bool     // IP_ControlAbuseKidnap
}

// ReadCTDC reads the dataset from r as a stream, calling fn for each row in order; memory
// does not grow with the file. It returns the number of rows read. It stops at the first
// malformed row (wrong header, wrong number of fields, a flag other than "1" or empty) or
// at the first error fn returns. The file is held to DefaultImportLimits.
func ReadCTDC(r io.Reader, fn func(CTDCRecord) error) (int, error) {
	return ReadCTDCLimits(r, DefaultImportLimits, fn)
}

// ReadCTDCLimits is ReadCTDC with the file, its lines and each record bounded by
// lim (File, Rows, Record): a file over a bound is refused with a *LimitError
// once the bound is passed, never after reading the rest.
func ReadCTDCLimits(r io.Reader, lim ImportLimits, fn func(CTDCRecord) error) (int, error) {
	budget := &recordBudget{r: r, file: lim.File, record: int64(lim.Record)}
	budget.reset()
	cr := csv.NewReader(budget)
	cr.FieldsPerRecord = len(CTDCColumns)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return 0, budget.cause(fmt.Errorf("ctdc: header: %w", err))
	}
	for i, name := range CTDCColumns {
		if strings.TrimPrefix(head[i], "\ufeff") != name {
			return 0, fmt.Errorf("ctdc: column %d is %q, want %q", i+1, head[i], name)
		}
	}
	n := 0
	for {
		budget.reset()
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, budget.cause(fmt.Errorf("ctdc: %w", err))
		}
		line, _ := cr.FieldPos(0)
		if line > lim.Rows {
			return n, &LimitError{What: LimitRows, Limit: int64(lim.Rows), Row: line}
		}
		rec, err := ctdcRecord(row)
		if err != nil {
			return n, fmt.Errorf("ctdc: line %d: %w", line, err)
		}
		n++
		if err := fn(rec); err != nil {
			return n, err
		}
	}
}

// recordBudget stops a CSV file at its size bound and at a record that runs
// on past its bound (a line of hundreds of megabytes, or a quoted field that
// never closes), which encoding/csv would otherwise gather whole. The budget
// of a record is renewed before each record is read; the CSV reader reads
// ahead in 4 KiB blocks, so a record gets 8 KiB of slack over its bound.
type recordBudget struct {
	r            io.Reader
	file, record int64 // bounds
	read, left   int64 // bytes read in all; bytes left for this record
	err          *LimitError
}

func (b *recordBudget) reset() { b.left = b.record + 8<<10 }

func (b *recordBudget) Read(p []byte) (int, error) {
	switch {
	case b.read > b.file:
		b.err = &LimitError{What: LimitFile, Limit: b.file}
	case b.left <= 0:
		b.err = &LimitError{What: LimitRecord, Limit: b.record}
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	b.left -= int64(n)
	return n, err
}

// cause returns the budget's refusal when it stopped the reading, else err.
func (b *recordBudget) cause(err error) error {
	if b.err != nil {
		return b.err
	}
	return err
}

// ReadCTDCFile is ReadCTDC on the file at path.
func ReadCTDCFile(path string, fn func(CTDCRecord) error) (int, error) {
	f, err := os.Open(path) // #nosec G304 -- the path is the operator's choice of dataset
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	return ReadCTDC(f, fn)
}

func ctdcRecord(row []string) (CTDCRecord, error) {
	var err error
	flag := func(i int) bool {
		switch row[i] {
		case "1":
			return true
		case "":
			return false
		}
		if err == nil {
			err = fmt.Errorf("%s: flag %q is neither 1 nor empty", CTDCColumns[i], row[i])
		}
		return false
	}
	multi := func(i int) []string {
		if row[i] == "" {
			return nil
		}
		return strings.Split(row[i], ";")
	}
	// row is reused by the csv reader; strings taken from it are fresh copies.
	rec := CTDCRecord{
		YearRegister:           row[0],
		Gender:                 row[1],
		MajorityStatus:         row[2],
		IsForcedLabour:         flag(3),
		IsSexualExploit:        flag(4),
		OriginRegion:           row[5],
		ExploitRegion:          row[6],
		PerpExploiter:          flag(7),
		PerpGender:             multi(8),
		PerpAgeBroad:           multi(9),
		PerpCitizenRegion:      multi(10),
		PerpRelation:           multi(11),
		PerpPayMoney:           multi(12),
		PerpRecruiterBroker:    flag(13),
		PerpTransactionProcess: flag(14),
		PerpControlAbuseKidnap: flag(15),
	}
	return rec, err
}

// Exploitation keys of CTDCAggregate.ByExploitation. The flags are not exclusive: a row
// with both counts under both; a row with neither counts under ExploitNone.
const (
	ExploitForcedLabour = "ForcedLabour"
	ExploitSexual       = "SexualExploitation"
	ExploitNone         = "NotRecorded"
)

// CTDCAggregate accumulates counts over a stream of records (Add), so a report never holds
// the rows. Missing values count under the key Missing ("").
type CTDCAggregate struct {
	Rows           int
	ByYear         map[string]int    // YearRegister band
	ByGenderAge    map[[2]string]int // {Gender, MajorityStatus}
	ByExploitation map[string]int    // ExploitForcedLabour, ExploitSexual, ExploitNone
	ByOrigin       map[string]int    // OriginRegion (region of origin, the file's nearest to citizenship)
}

// NewCTDCAggregate returns an empty aggregate.
func NewCTDCAggregate() *CTDCAggregate {
	return &CTDCAggregate{
		ByYear:         map[string]int{},
		ByGenderAge:    map[[2]string]int{},
		ByExploitation: map[string]int{},
		ByOrigin:       map[string]int{},
	}
}

// Add counts one record.
func (a *CTDCAggregate) Add(r CTDCRecord) error {
	a.Rows++
	a.ByYear[r.YearRegister]++
	a.ByGenderAge[[2]string{r.Gender, r.MajorityStatus}]++
	if r.IsForcedLabour {
		a.ByExploitation[ExploitForcedLabour]++
	}
	if r.IsSexualExploit {
		a.ByExploitation[ExploitSexual]++
	}
	if !r.IsForcedLabour && !r.IsSexualExploit {
		a.ByExploitation[ExploitNone]++
	}
	a.ByOrigin[r.OriginRegion]++
	return nil
}

// AggregateCTDC reads the dataset from r and returns its counts.
func AggregateCTDC(r io.Reader) (*CTDCAggregate, error) {
	a := NewCTDCAggregate()
	_, err := ReadCTDC(r, a.Add)
	return a, err
}

// GenderAgeTable returns the gender × age-group counts as a Table for Suppress: rows are
// genders, columns Adult, Minor (marked as children) and Missing, each in sorted order
// with Missing last.
func (a *CTDCAggregate) GenderAgeTable() Table {
	genders, ages := map[string]int{}, map[string]int{}
	for k, n := range a.ByGenderAge {
		genders[k[0]] += n
		ages[k[1]] += n
	}
	t := Table{Rows: missingLast(sortedKeys(genders)), Cols: missingLast(sortedKeys(ages))}
	for _, c := range t.Cols {
		t.ChildCols = append(t.ChildCols, c == "Minor")
	}
	for _, g := range t.Rows {
		row := make([]int, len(t.Cols))
		for j, c := range t.Cols {
			row[j] = a.ByGenderAge[[2]string{g, c}]
		}
		t.Counts = append(t.Counts, row)
	}
	return t
}

// AsList returns one of the aggregate's one-dimensional counts as a List for
// SuppressList, labels sorted with Missing last.
func AsList(m map[string]int) List {
	l := List{Labels: missingLast(sortedKeys(m))}
	for _, k := range l.Labels {
		l.Counts = append(l.Counts, m[k])
	}
	return l
}

func missingLast(ks []string) []string {
	if len(ks) > 0 && ks[0] == Missing {
		return append(ks[1:], Missing)
	}
	return ks
}
