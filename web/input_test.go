package web

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/store"
)

// hostileText is what no field takes, each as a JSON string body (as
// written, escapes included) and, where a form can carry it, as the raw
// text a form posts.
var hostileText = []struct {
	name, json, raw string
}{
	{"NUL escaped", `\u0000`, "\x00"},
	{"C0 raw", "a\x01b", "a\x01b"},
	{"escape character", `\u001b[31m`, "\x1b[31m"},
	{"DEL", `\u007f`, "\x7f"},
	{"C1 next line", `\u0085`, "\u0085"},
	{"right-to-left override", "invoice\u202Efdp.exe", "invoice\u202Efdp.exe"},
	{"right-to-left override escaped", `Ana \u202e`, "Ana \u202e"},
	{"left-to-right embedding", "\u202A", "\u202A"},
	{"first strong isolate", `\u2068x\u2069`, "\u2068x\u2069"},
	{"invalid UTF-8", "Ana \xff\xfe", "Ana \xff\xfe"},
	{"truncated UTF-8", "Ana \xc3", "Ana \xc3"},
	{"lone high surrogate", `\ud83d`, ""},
	{"lone low surrogate", `\ude00`, ""},
	{"high surrogate, then a letter", `\ud83d\u0041`, ""},
}

func (e *testEnv) countRows(t *testing.T, table string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := e.db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantFieldError fails unless rec is a 400 naming field with a translated
// message.
func wantFieldError(t *testing.T, rec *httptest.ResponseRecorder, field string) {
	t.Helper()
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %.300s", rec.Code, rec.Body.String())
	}
	body := wantJSONError(t, rec, "invalid")
	for _, f := range body.Error.Fields {
		if f.Field == field && f.Text != "" && !strings.HasPrefix(f.Text, "error.") {
			return
		}
	}
	t.Errorf("no translated error naming %q: %+v", field, body.Error.Fields)
}

func TestAPIRefusesUncleanText(t *testing.T) {
	e := env(t)
	h := bearer(e.ana)
	h["Accept-Language"] = "en"
	post := func(path, body string) *httptest.ResponseRecorder {
		return e.do(t, req{method: "POST", path: path, body: body, header: h})
	}
	id := e.createViaAPI(t, e.ana, `{}`)
	for _, c := range hostileText {
		t.Run(c.name, func(t *testing.T) {
			persons := e.countRows(t, "persons")
			// A nested field of a person, a name of an object, an action's field.
			wantFieldError(t, post("/api/v1/persons", `{"identity":{"given_name":"`+c.json+`"}}`), "identity.given_name")
			wantFieldError(t, post("/api/v1/persons", `{"identity":{"aliases":["Ana","`+c.json+`"]}}`), "identity.aliases")
			wantFieldError(t, post("/api/v1/persons/"+id+"/non-punishment", `{"note":"`+c.json+`"}`), "note")
			if e.countRows(t, "persons") != persons {
				t.Error("a refused body was written")
			}
		})
	}
	// A name holding such characters is named without them.
	wantFieldError(t, post("/api/v1/persons", `{"region\u202e":"tirane"}`), "region")
	// The same name twice: encoding/json would keep the last one silently.
	for _, body := range []string{
		`{"region":"tirane","region":"vlore"}`,
		`{"region":"tirane","r\u0065gion":"vlore"}`,
	} {
		wantFieldError(t, post("/api/v1/persons", body), "region")
	}
	wantFieldError(t, post("/api/v1/persons", `{"identity":{"given_name":"Ana","given_name":"Besa"}}`), "identity.given_name")
	// Ordinary whitespace and any printable script pass: tab, line breaks,
	// Albanian, Arabic (right-to-left by itself, no override), an emoji as
	// a surrogate pair.
	rec := post("/api/v1/persons", `{"identity":{"given_name":"Dritë","family_name":"حداد"},"narrative":"Line one\r\nLine\ttwo\n\ud83d\ude00"}`)
	wantStatus(t, rec, 201)
	var p personJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Narrative == nil || *p.Narrative != "Line one\r\nLine\ttwo\n😀" {
		t.Fatalf("clean text did not come back as sent: %v %+v", err, p.Narrative)
	}
}

func TestFormsRefuseUncleanText(t *testing.T) {
	e := env(t)
	tr := func(key string) string { return e.srv.cat.T(i18n.Default, key) }
	c, csrf := e.anaLogin(t)
	cookies := []*http.Cookie{c}
	for _, h := range hostileText {
		if h.raw == "" {
			continue // a form carries no escapes
		}
		t.Run(h.name, func(t *testing.T) {
			persons := e.countRows(t, "persons")
			rec := e.do(t, req{method: "POST", path: "/persons", cookies: cookies,
				form: url.Values{"csrf": {csrf}, "given_name": {h.raw}, "narrative": {"fine"}}})
			wantStatus(t, rec, http.StatusBadRequest)
			page := rec.Body.String()
			if !strings.Contains(page, `data-testid="error-summary"`) || !strings.Contains(page, e.srv.fieldLabel(i18n.Default, "given_name")+": "+tr("error.input_chars")) {
				t.Errorf("the page does not name the field: %.2000s", page)
			}
			if e.countRows(t, "persons") != persons {
				t.Error("a refused form was written")
			}
		})
	}
	// The field's name is checked too, and tab and line breaks pass in a
	// multi-line field.
	rec := e.do(t, req{method: "POST", path: "/persons", cookies: cookies, form: url.Values{"csrf": {csrf}, "x\u202e": {"1"}}})
	wantStatus(t, rec, http.StatusBadRequest)
	rec = e.do(t, req{method: "POST", path: "/persons", cookies: cookies, form: url.Values{"csrf": {csrf}, "narrative": {"One\r\nTwo\tthree"}}})
	wantStatus(t, rec, http.StatusSeeOther)

	// The sign-in form, before any session.
	rec = e.do(t, req{method: "POST", path: "/login", form: url.Values{"username": {"ana\x00"}, "password": {"x"}}})
	wantStatus(t, rec, http.StatusBadRequest)

	// A multipart form (the dataset import, by a user who may import, the
	// token in the form's address): its fields are checked as well.
	k, _ := importsKeeper(t, e)
	c, csrf = e.login(t, k)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"name": "Data\u202eset", "source": "ctdc"} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	_ = mw.Close()
	hr := httptest.NewRequest("POST", "/statistics/datasets?csrf="+url.QueryEscape(csrf), &body)
	hr.RemoteAddr = e.remote
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.AddCookie(c)
	rec = serve(e.srv, hr)
	wantStatus(t, rec, http.StatusBadRequest)
	if !strings.Contains(rec.Body.String(), tr("error.input_chars")) {
		t.Errorf("the import page does not say why: %.1000s", rec.Body.String())
	}
}

// TestFeedbackFormRefusesUncleanText: the anonymous form says which answer
// holds what it cannot take, in the form's language, and keeps nothing.
func TestFeedbackFormRefusesUncleanText(t *testing.T) {
	e := env(t)
	cm := &nrm.Actor{UserID: "fb-input", OrgID: e.orgA, OrgType: nrm.OrgPolice, Roles: []nrm.Role{nrm.RoleCaseManager}}
	c, err := e.door.CreateFeedbackCampaign(context.Background(), cm, "Input test")
	if err != nil {
		t.Fatal(err)
	}
	answers := e.countRows(t, "feedback_answers")
	rec := e.do(t, req{method: "POST", path: "/f/" + c.Code, form: url.Values{"lang": {"en"}, "safe": {"5"}, "comment": {"thanks\u202egnp.exe"}}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if page := rec.Body.String(); !strings.Contains(page, feedbackText["en"]["err_chars"]) || strings.Contains(page, "gnp.exe") {
		t.Errorf("the form must name the comment and not show the text back: %.3000s", page)
	}
	if e.countRows(t, "feedback_answers") != answers {
		t.Error("a refused answer was kept")
	}
}

// FuzzCheckJSON: no body makes the check panic, and whatever it lets
// through decodes (with encoding/json) to names and strings that are all
// clean text, no name given twice.
func FuzzCheckJSON(f *testing.F) {
	for _, h := range hostileText {
		f.Add([]byte(`{"a":"` + h.json + `"}`))
	}
	f.Add([]byte(`{"a":{"b":["x","y\t\n"]},"c":"\ud83d\ude00"}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkJSON(body) != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		var walk func(any)
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				if !cleanText(x) {
					t.Fatalf("%q let through %q", body, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(v)
	})
}
