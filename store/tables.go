package store

import (
	"context"
	"fmt"
	"strings"
)

// Column is a column for ReadTable; Binary marks bytes (BLOB, bytea).
type Column struct {
	Name   string
	Binary bool
}

// TableReader reads whole tables: the live database, or a backup before it
// is restored (so a restore can vet what it is about to bring back). A
// table the source does not have reads as empty; a NULL reads as nil.
type TableReader interface {
	ReadTable(ctx context.Context, table string, cols []Column, fn func(row [][]byte) error) error
}

// ReadTable reads every row of table.
func (db *DB) ReadTable(ctx context.Context, table string, cols []Column, fn func(row [][]byte) error) error {
	names, err := columnList(table, cols)
	if err != nil {
		return err
	}
	if ok, err := db.tableExists(ctx, table); err != nil || !ok {
		return err
	}
	rows, err := db.R.QueryContext(ctx, `SELECT `+names+` FROM `+table) // #nosec G202 -- names checked against tableName
	if err != nil {
		return err
	}
	defer rows.Close()
	row := make([][]byte, len(cols))
	dest := make([]any, len(cols))
	for i := range row {
		dest[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// columnList checks a table's and its columns' names and joins the columns.
func columnList(table string, cols []Column) (string, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		if !tableName.MatchString(c.Name) {
			return "", fmt.Errorf("store: bad column name %q", c.Name)
		}
		names[i] = c.Name
	}
	if !tableName.MatchString(table) || len(cols) == 0 {
		return "", fmt.Errorf("store: bad table %q", table)
	}
	return strings.Join(names, ", "), nil
}

// tableExists reports whether the schema has the table.
func (db *DB) tableExists(ctx context.Context, table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if db.Engine == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	err := db.R.QueryRowContext(ctx, q, table).Scan(&n)
	return n > 0, err
}
