package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/shareddata"
)

// ctdcCounts counts the file independently of the importer: rows, and rows
// by gender and by majority status, with encoding/csv.
func ctdcCounts(t *testing.T, path string) (rows int, gender, majority map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	gender, majority = map[string]int{}, map[string]int{}
	for _, r := range recs[1:] {
		gender[r[col["gender"]]]++
		majority[r[col["majorityStatus"]]]++
	}
	return len(recs) - 1, gender, majority
}

// upload posts a file to the import form.
func (e *testEnv) upload(t *testing.T, cookie *http.Cookie, csrf, name, source, filename string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"name": name, "source": source} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	hr := httptest.NewRequest("POST", "/statistics/datasets?csrf="+url.QueryEscape(csrf), &body)
	hr.RemoteAddr = e.remote
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.AddCookie(cookie)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, hr)
	return rec
}

// TestCTDCImportAndDashboard imports each CTDC file (the repository's
// fixture; the real dataset when it is beside the checkout) through the
// import form and checks the dashboard's API figures against counts made
// independently from the file and against the figures known of it; a wrong
// file is refused naming the field and nothing of it is kept; the reports
// download in the three formats.
func TestCTDCImportAndDashboard(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	coord := &testUser{Username: "stats.coordinator", Password: "Lumi Ishëm rrjedh ngadalë 2044", Display: "Koordinatorja", OrgID: e.orgA}
	u, err := e.door.CreateUser(ctx, nrm.SystemActor("test"), door.UserInput{OrgID: e.orgA, Username: coord.Username, DisplayName: coord.Display, Roles: []nrm.Role{nrm.RoleCoordinator}, Password: coord.Password})
	if err != nil {
		t.Fatal(err)
	}
	coord.ID = u.ID
	e.enrolThroughPages(t, coord)
	for _, f := range shareddata.CTDC(t) {
		t.Run(f.Name, func(t *testing.T) { checkCTDCImport(t, e, coord, u.ID, f) })
	}
}

func checkCTDCImport(t *testing.T, e *testEnv, coord *testUser, userID string, file shareddata.CTDCFile) {
	ctx := context.Background()
	cookie, csrf := e.login(t, coord)
	path := file.Path
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.door.Datasets(ctx, &nrm.Actor{UserID: userID, OrgID: e.orgA, Roles: []nrm.Role{nrm.RoleCoordinator}})

	// The wrong kind of file: refused, the field named, nothing kept.
	bad := e.upload(t, cookie, csrf, "Wrong kind", "htcds", "ctdc.csv", content)
	if bad.Code != http.StatusUnprocessableEntity || !strings.Contains(bad.Body.String(), `href="#file"`) {
		t.Fatalf("a CSV imported as an HTCDS workbook must be refused naming the file: %d %.1500s", bad.Code, bad.Body.String())
	}
	if after, _ := e.door.Datasets(ctx, &nrm.Actor{UserID: userID, OrgID: e.orgA, Roles: []nrm.Role{nrm.RoleCoordinator}}); len(after) != len(before) {
		t.Fatal("a refused import left a dataset behind")
	}

	rec := e.upload(t, cookie, csrf, "CTDC "+file.Name, "ctdc", filepath.Base(path), content)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("import: %d %.1500s", rec.Code, rec.Body.String())
	}
	loc := rec.Header().Get("Location")
	id := strings.TrimPrefix(loc, "/statistics/datasets?imported=")
	if id == loc || id == "" {
		t.Fatalf("redirect %q", loc)
	}

	api := e.do(t, req{path: "/api/v1/statistics?dataset=" + id, cookies: []*http.Cookie{cookie}})
	wantStatus(t, api, 200)
	var got statisticsJSON
	if err := json.Unmarshal(api.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	rows, gender, majority := ctdcCounts(t, path)
	if got.Persons.Value == nil || *got.Persons.Value != rows || rows != file.Rows {
		t.Fatalf("persons %v, file rows %d, known %d", got.Persons.Value, rows, file.Rows)
	}
	for _, c := range [][2]string{{"gender", "Female"}, {"gender", "Male"}, {"majorityStatus", "Minor"}, {"majorityStatus", "Adult"}} {
		m := gender
		if c[0] == "majorityStatus" {
			m = majority
		}
		if want, ok := file.Counts[c[0]][c[1]]; !ok || m[c[1]] != want {
			t.Errorf("%s=%s: %d rows in the file, known %d (%v)", c[0], c[1], m[c[1]], want, ok)
		}
	}
	var sexAge *figureJSON
	for i := range got.Figures {
		if got.Figures[i].ID == "sex_age" {
			sexAge = &got.Figures[i]
		}
	}
	if sexAge == nil {
		t.Fatal("no sex × age figure")
	}
	byRow := map[string]*int{}
	for _, r := range sexAge.Rows {
		byRow[r.Code] = r.Value
	}
	byCol := map[string]*int{}
	for _, c := range sexAge.Cols {
		byCol[c.Code] = c.Value
	}
	for sex, code := range map[string]string{"Female": "female", "Male": "male"} {
		if v := byRow[code]; v == nil || *v != gender[sex] {
			t.Errorf("%s: dashboard %v, file %d", sex, v, gender[sex])
		}
	}
	if v := byCol["child_unknown"]; v == nil || *v != majority["Minor"] {
		t.Errorf("minors: dashboard %v, file %d", v, majority["Minor"])
	}
	if v := byCol["adult"]; v == nil || *v != majority["Adult"] {
		t.Errorf("adults: dashboard %v, file %d", v, majority["Adult"])
	}
	for _, k := range got.KPIs {
		if k.Definition == "" || k.Definition == "kpi."+k.ID+".def" {
			t.Errorf("KPI %s has no definition", k.ID)
		}
	}

	// The dashboard page, a bad filter named, the downloads.
	page := e.do(t, req{path: "/statistics?dataset=" + id, cookies: []*http.Cookie{cookie}})
	wantStatus(t, page, 200)
	if b := page.Body.String(); !strings.Contains(b, `data-testid="report-figures"`) || !strings.Contains(b, `role="img"`) || !containsCount(b, rows) {
		t.Fatalf("dashboard page lacks its figures: %.2000s", b)
	}
	badF := e.do(t, req{path: "/statistics?period=2026-Q7", cookies: []*http.Cookie{cookie}})
	if badF.Code != http.StatusUnprocessableEntity || !strings.Contains(badF.Body.String(), `href="#period"`) {
		t.Fatalf("a bad period must be named: %d %.1500s", badF.Code, badF.Body.String())
	}
	for ext, ctype := range map[string]string{"xlsx": "spreadsheetml", "csv": "text/csv", "pdf": "application/pdf"} {
		dl := e.do(t, req{path: "/statistics/report." + ext + "?dataset=" + id, cookies: []*http.Cookie{cookie}})
		if dl.Code != 200 || !strings.Contains(dl.Header().Get("Content-Type"), ctype) || dl.Body.Len() < 100 {
			t.Errorf("report.%s: %d %s %d bytes", ext, dl.Code, dl.Header().Get("Content-Type"), dl.Body.Len())
		}
	}
	agg := e.do(t, req{path: "/statistics/ctdc.csv?dataset=" + id, cookies: []*http.Cookie{cookie}})
	if agg.Code != 200 || !strings.Contains(agg.Body.String(), "yearRegister") || !strings.Contains(agg.Body.String(), strconv.Itoa(rows)) {
		t.Errorf("CTDC aggregate: %d %.500s", agg.Code, agg.Body.String())
	}

	// The monitor reads the figures but may not import.
	adm, admCSRF := e.login(t, e.admin)
	wantStatus(t, e.do(t, req{path: "/statistics?dataset=" + id, cookies: []*http.Cookie{adm}}), 200)
	if r := e.upload(t, adm, admCSRF, "Monitor's", "ctdc", "x.csv", content); r.Code != http.StatusForbidden {
		t.Fatalf("a monitor must not import: %d", r.Code)
	}
}

// containsCount reports whether the page shows n, written plainly or with
// its thousands grouped by a space, a no-break space or a dot.
func containsCount(page string, n int) bool {
	plain := strconv.Itoa(n)
	if strings.Contains(page, plain) {
		return true
	}
	for _, sep := range []string{" ", "\u00a0", "\u202f", "."} {
		var b strings.Builder
		for i, c := range plain {
			if i > 0 && (len(plain)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(c)
		}
		if strings.Contains(page, b.String()) {
			return true
		}
	}
	return false
}
