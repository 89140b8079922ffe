package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/heappeak"
	"github.com/nrm-org/nrm/internal/hostile"
	"github.com/nrm-org/nrm/internal/shareddata"
	"github.com/nrm-org/nrm/stats"
)

// counted is an upload body that counts the bytes the server reads from it
// and, every 8 MB read, looks at what is in TMPDIR (where a multipart form
// spools its files).
type counted struct {
	r       io.Reader
	read    atomic.Int64
	tmp     string
	spooled int // the most files seen in tmp while the body was read
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	before := c.read.Add(int64(n)) - int64(n)
	if c.tmp != "" && before>>23 != (before+int64(n))>>23 {
		ents, _ := os.ReadDir(c.tmp)
		c.spooled = max(c.spooled, len(ents))
	}
	return n, err
}

// multipartBody streams an import form: the text fields, then a file part
// with size bytes of file. Nothing of the file is held. It returns the body,
// its content type and its length.
func multipartBody(fields url.Values, filename string, file io.Reader, size int64) (io.Reader, string, int64) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_, _ = mw.CreateFormFile("file", filename)
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	return io.MultiReader(&head, file, strings.NewReader(tail)), mw.FormDataContentType(), int64(head.Len()+len(tail)) + size
}

// postImport sends an import form to /statistics/datasets with csrf in the
// URL (none when empty).
func (e *testEnv) postImport(t testing.TB, cookie *http.Cookie, csrf string, body io.Reader, ctype string, size int64) *httptest.ResponseRecorder {
	t.Helper()
	path := "/statistics/datasets"
	if csrf != "" {
		path += "?csrf=" + url.QueryEscape(csrf)
	}
	hr := httptest.NewRequest("POST", path, body)
	hr.ContentLength = size
	hr.RemoteAddr = e.remote
	hr.Header.Set("Content-Type", ctype)
	hr.AddCookie(cookie)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, hr)
	return rec
}

var (
	keeperOnce sync.Once
	keeper     *testUser
	keeperErr  string
)

// importsKeeper is a coordinator (who may import), enrolled once for the package.
func importsKeeper(t testing.TB, e *testEnv) (*testUser, *nrm.Actor) {
	t.Helper()
	keeperOnce.Do(func() {
		u := &testUser{Username: "imports.coordinator", Password: "Ujëvara e Thanës bie ngadalë 2051", Display: "Koordinatori", OrgID: e.orgA}
		got, err := e.door.CreateUser(context.Background(), nrm.SystemActor("test"), door.UserInput{OrgID: e.orgA, Username: u.Username,
			DisplayName: u.Display, Roles: []nrm.Role{nrm.RoleCoordinator}, Password: u.Password})
		if err != nil {
			keeperErr = err.Error()
			return
		}
		u.ID = got.ID
		e.enrolThroughPages(t, u)
		keeper = u
	})
	if keeper == nil {
		t.Fatalf("the coordinator could not be made: %s", keeperErr)
	}
	return keeper, &nrm.Actor{UserID: keeper.ID, OrgID: e.orgA, Roles: []nrm.Role{nrm.RoleCoordinator}}
}

// hasMessage reports whether a page or answer carries the catalogue's message
// in the page's language.
func (e *testEnv) hasMessage(body, key string, args ...any) bool {
	lang := "sq"
	if m := langRe.FindStringSubmatch(body); m != nil {
		lang = m[1]
	}
	msg := e.cat.T(lang, key, args...)
	return msg != key && (strings.Contains(body, msg) || strings.Contains(body, html.EscapeString(msg)))
}

// TestUploadRefusedBeforeItsBody: a monitor's 60 MB upload, and a keeper's
// without the session's token in the URL, are refused with 403 before one
// byte of the body is read, so nothing is spooled to disk. Before the fix
// the whole body was read and spooled to TMPDIR by ParseMultipartForm before
// the role was checked (issue 13: a monitor's 60 MB post), and the token was
// read from the body.
func TestUploadRefusedBeforeItsBody(t *testing.T) {
	e := env(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	mon, monCSRF := e.login(t, e.admin)
	k, _ := importsKeeper(t, e)
	kc, kCSRF := e.login(t, k)
	for _, c := range []struct {
		name       string
		cookie     *http.Cookie
		urlCSRF    string
		fields     url.Values
		wantForbid string
	}{
		{"a monitor", mon, monCSRF, url.Values{"name": {"Monitor's"}, "source": {"ctdc"}}, "error.forbidden"},
		{"a keeper, token only in the body", kc, "", url.Values{"csrf": {kCSRF}, "name": {"x"}, "source": {"ctdc"}}, "error.csrf"},
		{"a keeper, another session's token", kc, monCSRF, url.Values{"name": {"x"}, "source": {"ctdc"}}, "error.csrf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ctype, size := multipartBody(c.fields, "big.csv", hostile.Repeat(strings.Join(stats.CTDCColumns, ",")+"\n", 60<<20), 60<<20)
			body := &counted{r: r, tmp: tmp}
			rec := e.postImport(t, c.cookie, c.urlCSRF, body, ctype, size)
			if rec.Code != http.StatusForbidden || !e.hasMessage(rec.Body.String(), c.wantForbid) {
				t.Errorf("status %d, want 403 saying %s: %.300s", rec.Code, c.wantForbid, rec.Body.String())
			}
			if n := body.read.Load(); n != 0 || body.spooled != 0 {
				t.Errorf("%d bytes of the refused body read, %d files spooled to TMPDIR", n, body.spooled)
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
				t.Errorf("%d files left in TMPDIR", len(ents))
			}
		})
	}
}

// TestUploadRefusedOverTheWire: over a real connection, a client that asks
// before sending its body (Expect: 100-continue, as curl does for large
// posts) gets the monitor's 403 without sending any of it.
func TestUploadRefusedOverTheWire(t *testing.T) {
	e := env(t)
	mon, monCSRF := e.login(t, e.admin)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	r, ctype, size := multipartBody(url.Values{"name": {"Monitor's"}, "source": {"ctdc"}}, "big.csv",
		hostile.Repeat(strings.Join(stats.CTDCColumns, ",")+"\n", 60<<20), 60<<20)
	body := &counted{r: r}
	hr, err := http.NewRequest("POST", ts.URL+"/statistics/datasets?csrf="+url.QueryEscape(monCSRF), body)
	if err != nil {
		t.Fatal(err)
	}
	hr.ContentLength = size
	hr.Header.Set("Content-Type", ctype)
	hr.Header.Set("Expect", "100-continue")
	hr.AddCookie(mon)
	// A generous wait for the server's first answer: only a server that says
	// nothing for a minute makes the client send the body unasked.
	tr := &http.Transport{ExpectContinueTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusForbidden || body.read.Load() != 0 {
		t.Fatalf("status %d, %d bytes of the body sent; want 403 with none sent", res.StatusCode, body.read.Load())
	}
}

// TestUploadBombRefused: the hostile files through the form and the API are
// refused with the reason in the person's language, the file field named,
// and nothing kept.
func TestUploadBombRefused(t *testing.T) {
	e := env(t)
	k, actor := importsKeeper(t, e)
	cookie, csrf := e.login(t, k)
	before, err := e.door.Datasets(context.Background(), actor)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Join(stats.CTDCColumns, ",") + "\n" + strings.Repeat("a", 1<<20) + "\n"
	for _, c := range []struct {
		name, source string
		file         []byte
		key          string
		args         []any
	}{
		{"a workbook of 1 GiB unpacked", "htcds", hostile.GiB(), "error.import_limit_unpacked", []any{int64(128)}},
		{"a part lying about its size", "htcds", hostile.Lying(4<<10, 64<<20), "error.import_limit_damaged", nil},
		{"100 000 parts", "htcds", hostile.ManyParts(100_000), "error.import_limit_entries", []any{int64(1000)}},
		{"a CSV line of 1 MB", "ctdc", []byte(line), "error.import_limit_record", []any{int64(64)}},
		{"a CSV as a workbook", "htcds", []byte(line), "error.import_limit_format", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ctype, size := multipartBody(url.Values{"name": {c.name}, "source": {c.source}}, "file", bytes.NewReader(c.file), int64(len(c.file)))
			rec := e.postImport(t, cookie, csrf, r, ctype, size)
			b := rec.Body.String()
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(b, `href="#file"`) || !e.hasMessage(b, c.key, c.args...) {
				t.Fatalf("form: status %d, want 422 naming the file with %s: %.3000s", rec.Code, c.key, b)
			}
			api := httptest.NewRequest("POST", "/api/v1/statistics/datasets?source="+c.source+"&name=x", bytes.NewReader(c.file))
			api.RemoteAddr = e.remote
			api.Header.Set("Accept-Language", "en")
			api.AddCookie(cookie)
			arec := httptest.NewRecorder()
			e.srv.ServeHTTP(arec, api)
			var got apiError
			_ = json.Unmarshal(arec.Body.Bytes(), &got)
			if arec.Code != http.StatusBadRequest || len(got.Error.Fields) != 1 || got.Error.Fields[0].Field != "file" ||
				got.Error.Fields[0].Text != e.cat.T("en", c.key, c.args...) {
				t.Fatalf("API: status %d, want 400 naming the file with %s: %.1000s", arec.Code, c.key, arec.Body.String())
			}
		})
	}
	if after, _ := e.door.Datasets(context.Background(), actor); len(after) != len(before) {
		t.Fatal("a refused import left a dataset behind")
	}
}

// TestSecondImportToldBusy: while an import holds the slot, an upload is
// answered 409 "another import is running" on the form, without its body
// being read; once the slot is free the same upload goes through.
func TestSecondImportToldBusy(t *testing.T) {
	e := env(t)
	k, actor := importsKeeper(t, e)
	cookie, csrf := e.login(t, k)
	imp, err := e.door.StartImport(context.Background(), actor)
	if err != nil {
		t.Fatal(err)
	}
	file := []byte(strings.Join(stats.CTDCColumns, ",") + "\n" + strings.Repeat("2019,Female,Adult,,1,Europe,Europe,,,,,,,,,\n", 12))
	post := func() (*httptest.ResponseRecorder, int64) {
		r, ctype, size := multipartBody(url.Values{"name": {"While busy"}, "source": {"ctdc"}}, "ctdc.csv", bytes.NewReader(file), int64(len(file)))
		body := &counted{r: r}
		return e.postImport(t, cookie, csrf, body, ctype, size), body.read.Load()
	}
	rec, read := post()
	if rec.Code != http.StatusConflict || !e.hasMessage(rec.Body.String(), "error.import_busy") || read != 0 {
		t.Fatalf("while another import runs: status %d, %d bytes read, want 409 with nothing read: %.2000s", rec.Code, read, rec.Body.String())
	}
	imp.Close()
	if rec, _ := post(); rec.Code != http.StatusSeeOther {
		t.Fatalf("once the slot is free: status %d: %.2000s", rec.Code, rec.Body.String())
	}
}

// TestEveryLimitIsNamed: each import limit has its own message, in both
// languages, on the file field.
func TestEveryLimitIsNamed(t *testing.T) {
	e := env(t)
	for _, what := range []string{stats.LimitFile, stats.LimitFormat, stats.LimitEntries, stats.LimitUnpacked, stats.LimitRatio,
		stats.LimitDamaged, stats.LimitRows, stats.LimitColumns, stats.LimitCell, stats.LimitRecord} {
		var fe *nrm.Error
		err := limitError(&stats.LimitError{What: what, Limit: 1 << 20, Row: 7})
		if !errors.As(err, &fe) || fe.Field != "file" || fe.Key != "error.import_limit_"+what {
			t.Errorf("%s: %v", what, err)
			continue
		}
		for _, lang := range []string{"sq", "en"} {
			if msg := e.cat.T(lang, fe.Key, fe.Args...); msg == fe.Key || strings.Contains(msg, "%!") {
				t.Errorf("%s in %s: %q", what, lang, msg)
			}
		}
	}
}

// BenchmarkUploadRefusal posts the 1 GiB bomb through the import form, the
// whole way (session, door, CSRF, slot, multipart, zip checks, the page
// naming the reason), and reports the time per refusal and the peak live
// heap beside the same form importing IOM's official template (75 KB,
// read in full) as the baseline:
//
//	go test ./web -run '^$' -bench UploadRefusal -benchtime 20x
func BenchmarkUploadRefusal(b *testing.B) {
	e := env(b)
	k, _ := importsKeeper(b, e)
	cookie, csrf := e.login(b, k)
	official, err := os.ReadFile(shareddata.HTCDS(b, "HTCDS_Excel_Spreadsheet_single_select_with_validation_v2.0.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		file []byte
		want int
	}{{"bomb-1GiB", hostile.GiB(), http.StatusUnprocessableEntity}, {"official-template", official, http.StatusSeeOther}} {
		b.Run(c.name, func(b *testing.B) {
			post := func() {
				r, ctype, size := multipartBody(url.Values{"name": {c.name}, "source": {"htcds"}}, "file.xlsx", bytes.NewReader(c.file), int64(len(c.file)))
				if rec := e.postImport(b, cookie, csrf, r, ctype, size); rec.Code != c.want {
					b.Fatalf("status %d, want %d: %.1000s", rec.Code, c.want, rec.Body.String())
				}
			}
			for b.Loop() {
				post()
			}
			b.StopTimer()
			b.ReportMetric(heappeak.Of(post), "peak-heap-MB")
			b.ReportMetric(float64(len(c.file))/(1<<20), "file-MB")
		})
	}
}
