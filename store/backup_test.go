package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/nrm-org/nrm/internal/skipnote"
)

// TestPostgresBackupReadsBack: a pg_dump backup of the schema the URL names
// (libpq takes the search_path as an option), read table by table before
// any restore as the restore's key check does: text with COPY's escapes
// and bytes come back exact, a table the backup lacks reads as empty.
func TestPostgresBackupReadsBack(t *testing.T) {
	base := os.Getenv("NRM_TEST_PG_URL")
	if base == "" {
		if os.Getenv("NRM_REQUIRE_PG") == "1" {
			t.Fatal("NRM_REQUIRE_PG=1 but NRM_TEST_PG_URL is not set")
		}
		skipnote.Skip(t, "PostgreSQL not configured: the PostgreSQL backup test did not run; set NRM_TEST_PG_URL (see .ci/pg-setup.sh)")
	}
	ctx := context.Background()
	admin, err := Open(ctx, Config{URL: base})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	schema := "t_backup_" + hex.EncodeToString(rb[:])
	if _, err := admin.W.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	defer admin.W.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	url, _, err := libpqURL(base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, Config{URL: url + "&search_path=" + schema})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{"plain", "tab\there", "new\nline", `back\slash`, `\x41 not bytes`, "çë"}
	blobs := [][]byte{{0}, {1, 2, 255}, []byte(`\\`), bytes.Repeat([]byte{9, 10, 13, 92}, 50)}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE things (label TEXT, data BYTEA)`); err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		if _, err := db.W.ExecContext(ctx, `INSERT INTO things VALUES ($1, $2)`, s, blobs[i%len(blobs)]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO things VALUES (NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.dump")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	var got [][][]byte
	cols := []Column{{Name: "data", Binary: true}, {Name: "label"}}
	if err := pgDump(path).ReadTable(ctx, "things", cols, func(r [][]byte) error {
		got = append(got, [][]byte{bytes.Clone(r[0]), bytes.Clone(r[1])})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts)+1 {
		t.Fatalf("%d rows back, want %d", len(got), len(texts)+1)
	}
	for i, s := range texts {
		if string(got[i][1]) != s || !bytes.Equal(got[i][0], blobs[i%len(blobs)]) {
			t.Errorf("row %d: %q %x, want %q %x", i, got[i][1], got[i][0], s, blobs[i%len(blobs)])
		}
	}
	if last := got[len(texts)]; last[0] != nil || last[1] != nil {
		t.Errorf("NULLs read back as %q", last)
	}
	n := 0
	if err := pgDump(path).ReadTable(ctx, "no_such_table", cols, func([][]byte) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("a table the backup lacks: %d rows, %v", n, err)
	}
}
