package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// When the storage is full, a writer is told so (503, "nothing was saved")
// instead of a bare 500, nothing of the write is kept, and /readyz says
// not ready until writes go through again.
//
// SQLite is filled for real: PRAGMA max_page_count caps the database at
// its current size and filler rows take the free pages, so the next write
// that needs a page gets SQLITE_FULL from SQLite itself. PostgreSQL cannot
// be filled from a test (a tablespace on a small file system needs a
// superuser and a mount): a trigger makes the real server raise SQLSTATE
// 53100 (disk_full), the code it raises when it cannot extend a file, on
// every insert into the audit log (which every write of case data makes)
// and into the readiness probe's table.

func TestStorageFullIs503AndNotReady(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) { storageFull(t, engine) })
	}
}

func storageFull(t *testing.T, engine string) {
	w := newWalkWorld(t, engine, idSeats[0]) // the border officer
	ctx := context.Background()
	db := w.env.DB
	narrative := func() string {
		b := make([]byte, 12000)
		_, _ = rand.Read(b)
		return base64.RawStdEncoding.EncodeToString(b)[:15000] // several pages: it cannot fit in the free space of a page
	}
	create := func() *httptest.ResponseRecorder {
		return w.send(w.rw["border"], "POST", "/persons", "application/json", `{"region":"tirane","narrative":"`+narrative()+`"}`)
	}
	ready := func() int {
		r := httptest.NewRequest("GET", "/readyz", nil)
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, r)
		return rec.Code
	}
	persons := func() int {
		var n int
		if err := db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if rec := create(); rec.Code != http.StatusCreated {
		t.Fatalf("a write with room: %d %s", rec.Code, rec.Body.String())
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("readyz with room: %d", got)
	}

	fill, free := fillSQLite, freeSQLite
	if engine == store.Postgres {
		fill, free = fillPostgres, freePostgres
	}
	fill(t, db)
	before := persons()
	rec := create()
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("a write on a full storage: %d, want 503: %s", rec.Code, rec.Body.String())
	}
	oa := &oaValidator{}
	if err := json.Unmarshal(openapiJSON, &oa.doc); err != nil {
		t.Fatal(err)
	}
	oa.checkResponse(t, "/persons", "POST", rec) // the document describes the answer
	body := wantJSONError(t, rec, nrm.EStorageFull)
	if want := w.srv.cat.T("en", "error.storage_full"); body.Error.Message != want || !strings.Contains(want, "nothing was saved") {
		t.Errorf("message %q, want %q", body.Error.Message, want)
	}
	if persons() != before {
		t.Error("a write that failed for want of room left a record")
	}
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("readyz while writes fail: %d, want 503", got)
	}
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("readyz asked again while writes fail: %d, want 503", got)
	}

	free(t, db)
	if got := ready(); got != http.StatusOK {
		t.Errorf("readyz once there is room again: %d, want 200", got)
	}
	if rec := create(); rec.Code != http.StatusCreated {
		t.Fatalf("a write once there is room again: %d %s", rec.Code, rec.Body.String())
	}
	if persons() != before+1 {
		t.Error("the write after the storage was freed is missing")
	}
}

// fillSQLite caps the database at its size and fills its free pages.
func fillSQLite(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	// The writer pool is one connection, kept open: the cap holds for
	// every write the door makes.
	var pages int
	if err := db.W.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	var capped int
	if err := db.W.QueryRowContext(ctx, `PRAGMA max_page_count = `+itoa(int64(pages))).Scan(&capped); err != nil || capped != pages {
		t.Fatalf("max_page_count %d (want %d): %v", capped, pages, err)
	}
	// Large rows take the free pages quickly, small ones what is left.
	i := 0
	for _, size := range []int{48 << 10, 1 << 10} {
		for full := false; !full; i++ {
			if i > 100000 {
				t.Fatal("the capped database never filled")
			}
			b := make([]byte, size)
			_, _ = rand.Read(b)
			_, err := db.W.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "filler-"+itoa(int64(i)), base64.StdEncoding.EncodeToString(b))
			if full = store.IsStorageFull(err); err != nil && !full {
				t.Fatal(err)
			}
		}
	}
}

func freeSQLite(t *testing.T, db *store.DB) {
	t.Helper()
	var capped int
	if err := db.W.QueryRowContext(context.Background(), `PRAGMA max_page_count = 1073741823`).Scan(&capped); err != nil {
		t.Fatal(err)
	}
}

// fillPostgres makes the server answer disk_full to every write of the
// audit log and of the probe's table.
func fillPostgres(t *testing.T, db *store.DB) {
	t.Helper()
	for _, q := range []string{
		`CREATE FUNCTION nrm_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER disk_full BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION nrm_test_disk_full()`,
		`CREATE TRIGGER disk_full BEFORE INSERT ON settings FOR EACH ROW EXECUTE FUNCTION nrm_test_disk_full()`,
	} {
		if _, err := db.W.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

func freePostgres(t *testing.T, db *store.DB) {
	t.Helper()
	for _, q := range []string{`DROP TRIGGER disk_full ON audit_log`, `DROP TRIGGER disk_full ON settings`} {
		if _, err := db.W.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStorageFullPage: a form that hits a full storage gets the same
// answer as a page: 503, the translated heading and message.
func TestStorageFullPage(t *testing.T) {
	e := env(t)
	r := httptest.NewRequest("POST", "/persons", nil)
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqState{id: "test", lang: i18n.Default}))
	rec := httptest.NewRecorder()
	e.srv.fail(rec, r, &nrm.Error{Code: nrm.EStorageFull, Key: "error.storage_full"})
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	page := rec.Body.String()
	for _, key := range []string{"errpage.storage_full", "error.storage_full"} {
		if !strings.Contains(page, e.srv.cat.T(i18n.Default, key)) {
			t.Errorf("the page lacks %s: %.2000s", key, page)
		}
	}
}
