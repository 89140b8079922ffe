package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// postAttach sends an attachment form with csrf in the URL (none when empty).
func (e *testEnv) postAttach(t testing.TB, cookie *http.Cookie, personID, csrf string, body io.Reader, ctype string, size int64) *httptest.ResponseRecorder {
	t.Helper()
	return e.postUpload(t, cookie, "/persons/"+personID+"/attachments", csrf, body, ctype, size)
}

// The attachments page: linked from the record, the upload refused before
// its body without the session's token, a PDF added and downloaded, a text
// file refused naming the file field, another organisation answered as
// for a missing record.
func TestAttachmentPages(t *testing.T) {
	e := env(t)
	c, csrf := e.anaLogin(t)
	created := e.do(t, req{method: "POST", path: "/api/v1/persons", body: `{"region":"tirane","sex":"female","age_group":"adult","identity":{"given_name":"Teuta"}}`,
		header: bearer(e.ana)})
	wantStatus(t, created, 201)
	var p personJSON
	if err := json.Unmarshal(created.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	list := "/persons/" + p.ID + "/attachments"
	rec := e.do(t, req{path: "/persons/" + p.ID, cookies: []*http.Cookie{c}})
	wantStatus(t, rec, 200)
	if !strings.Contains(rec.Body.String(), `href="`+list+`"`) {
		t.Fatal("the record page has no link to its attachments")
	}

	pdf := []byte("%PDF-1.4\n% a medical certificate\n" + strings.Repeat("x", 300<<10) + "\n%%EOF\n")
	r, ctype, size := multipartBody(url.Values{"kind": {"medical_certificate"}}, "certificate.pdf", bytes.NewReader(pdf), int64(len(pdf)))
	body := &counted{r: r}
	rec = e.postAttach(t, c, p.ID, "", body, ctype, size)
	if rec.Code != http.StatusForbidden || body.read.Load() != 0 {
		t.Fatalf("without the token in the URL: %d, %d bytes read", rec.Code, body.read.Load())
	}
	r, ctype, size = multipartBody(url.Values{"kind": {"medical_certificate"}}, "certificate.pdf", bytes.NewReader(pdf), int64(len(pdf)))
	rec = e.postAttach(t, c, p.ID, csrf, r, ctype, size)
	wantRedirect(t, rec, list+"?added=1")

	rec = e.do(t, req{path: list, cookies: []*http.Cookie{c}})
	wantStatus(t, rec, 200)
	page := rec.Body.String()
	if !e.hasMessage(page, "attach.kind.medical_certificate") || !strings.Contains(page, "certificate.pdf") {
		t.Fatalf("the list does not show the certificate: %.2000s", page)
	}
	i := strings.Index(page, list+"/")
	if i < 0 {
		t.Fatal("no download link")
	}
	href := page[i : i+len(list)+1+32]
	rec = e.do(t, req{path: href, cookies: []*http.Cookie{c}})
	wantStatus(t, rec, 200)
	if !bytes.Equal(rec.Body.Bytes(), pdf) || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d bytes, %v", rec.Body.Len(), rec.Header())
	}

	txt := []byte("not a document, whatever its name says")
	r, ctype, size = multipartBody(url.Values{"kind": {"other"}}, "scan.pdf", bytes.NewReader(txt), int64(len(txt)))
	rec = e.postAttach(t, c, p.ID, csrf, r, ctype, size)
	if rec.Code != http.StatusUnprocessableEntity || !e.hasMessage(rec.Body.String(), "error.attachment_type") || !strings.Contains(rec.Body.String(), `id="file-error"`) {
		t.Fatalf("a text file: %d %.1500s", rec.Code, rec.Body.String())
	}

	bc, _ := e.login(t, e.besa)
	rec = e.do(t, req{path: list, cookies: []*http.Cookie{bc}})
	wantStatus(t, rec, 404)
	rec = e.do(t, req{path: href, cookies: []*http.Cookie{bc}})
	wantStatus(t, rec, 404)
}
