package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
)

func bearer(u *testUser) map[string]string {
	return map[string]string{"Authorization": "Bearer " + u.Token, "Content-Type": "application/json"}
}

func TestAPIAuthentication(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{path: "/api/v1/me"})
	wantStatus(t, rec, 401)
	wantJSONError(t, rec, "unauthorized")
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("no WWW-Authenticate")
	}
	for _, h := range []string{"Bearer nrm_garbage", "Basic dXNlcjpwYXNz", "Bearer " + strings.Repeat("a", 5000)} {
		rec := e.do(t, req{path: "/api/v1/persons", header: map[string]string{"Authorization": h}})
		wantStatus(t, rec, 401)
		wantJSONError(t, rec, "unauthorized")
	}
	me := e.do(t, req{path: "/api/v1/me", header: bearer(e.ana)})
	wantStatus(t, me, 200)
	var m meJSON
	if err := json.Unmarshal(me.Body.Bytes(), &m); err != nil || m.UserID != e.ana.ID || m.Auth != "token" || len(m.Scopes) != 2 {
		t.Errorf("me: %v %+v", err, m)
	}
	// Errors speak the language of Accept-Language; Albanian by default.
	sq := wantJSONError(t, e.do(t, req{path: "/api/v1/persons/x", header: bearer(e.ana)}), "not_found")
	en := wantJSONError(t, e.do(t, req{path: "/api/v1/persons/x", header: map[string]string{
		"Authorization": "Bearer " + e.ana.Token, "Accept-Language": "en-US,en;q=0.9"}}), "not_found")
	if sq.Error.Message == en.Error.Message || !strings.Contains(en.Error.Message, "could not find") {
		t.Errorf("messages sq=%q en=%q", sq.Error.Message, en.Error.Message)
	}
}

// TestAPINotFoundIsTheSame: another organisation's record answers exactly
// as a missing one, for reads and for writes.
func TestAPINotFoundIsTheSame(t *testing.T) {
	e := env(t)
	id := e.createViaAPI(t, e.ana, `{"region":"tirane","identity":{"given_name":"Teuta"}}`)
	reqID := regexp.MustCompile(`"request_id":"[0-9a-f]+"`)
	norm := func(s string) string { return reqID.ReplaceAllString(s, `"request_id":""`) }
	for _, m := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"version":1,"region":"vlore"}`}} {
		other := e.do(t, req{method: m.method, path: "/api/v1/persons/" + id, body: m.body, header: bearer(e.besa)})
		missing := e.do(t, req{method: m.method, path: "/api/v1/persons/" + strings.Repeat("0", 32), body: m.body, header: bearer(e.besa)})
		wantStatus(t, other, 404)
		wantStatus(t, missing, 404)
		if norm(other.Body.String()) != norm(missing.Body.String()) {
			t.Errorf("%s: out of scope %s, missing %s", m.method, other.Body.String(), missing.Body.String())
		}
		if strings.Contains(other.Body.String(), "Teuta") {
			t.Error("the answer leaks the record")
		}
	}
	// And the owner does see it.
	own := e.do(t, req{path: "/api/v1/persons/" + id, header: bearer(e.ana)})
	wantStatus(t, own, 200)
	if !strings.Contains(own.Body.String(), `"given_name":"Teuta"`) {
		t.Errorf("owner's read: %s", own.Body.String())
	}
	// Lists never carry identity.
	list := e.do(t, req{path: "/api/v1/persons?region=tirane&limit=200", header: bearer(e.ana)})
	wantStatus(t, list, 200)
	if strings.Contains(list.Body.String(), "Teuta") || !strings.Contains(list.Body.String(), id) {
		t.Error("list shows identity or misses the record")
	}
	if strings.Contains(e.do(t, req{path: "/api/v1/persons?limit=200", header: bearer(e.besa)}).Body.String(), id) {
		t.Error("another organisation lists the record")
	}
}

func TestAPIHostileBodies(t *testing.T) {
	e := env(t)
	id := e.createViaAPI(t, e.ana, `{}`)
	big := `{"narrative":"` + strings.Repeat("a", 600<<10) + `"}`
	cases := []struct {
		name, method, body, ctype string
		status                    int
		field                     string
	}{
		{"empty", "POST", "", "", 400, ""},
		{"null", "POST", "null", "", 400, ""},
		{"array", "POST", "[]", "", 400, ""},
		{"number", "POST", "42", "", 400, ""},
		{"truncated", "POST", `{"region":`, "", 400, ""},
		{"trailing object", "POST", `{"region":"tirane"} {"region":"vlore"}`, "", 400, ""},
		{"trailing bracket", "POST", `{"region":"tirane"}]`, "", 400, ""},
		{"unknown field", "POST", `{"regoin":"tirane"}`, "", 400, "regoin"},
		{"unknown nested", "POST", `{"identity":{"nickname":"x"}}`, "", 400, "nickname"},
		{"wrong type", "POST", `{"region":5}`, "", 400, "region"},
		{"wrong nested type", "POST", `{"identity":{"aliases":"x"}}`, "", 400, ""},
		{"huge number", "POST", `{"presumed_child":1e999}`, "", 400, ""},
		{"deep nesting", "POST", `{"narrative":` + strings.Repeat("[", 20000) + `}`, "", 400, ""},
		{"version on create", "POST", `{"version":1}`, "", 400, "version"},
		{"bad value", "POST", `{"status":"cured","age_group":"old"}`, "", 400, "age_group"},
		{"narrative too long", "POST", `{"narrative":"` + strings.Repeat("ë", nrm.MaxNarrative+1) + `"}`, "", 400, "narrative"},
		{"too many aliases", "POST", `{"identity":{"aliases":[` + strings.TrimSuffix(strings.Repeat(`"a",`, 21), ",") + `]}}`, "", 400, "aliases"},
		{"not json", "POST", `region=tirane`, "application/x-www-form-urlencoded", 400, ""},
		{"no content type", "POST", `{}`, "-", 400, ""},
		{"bad utf-8 escape", "POST", `{"region":"\ud800"}`, "", 400, "region"},
		{"control bytes", "POST", "{\"region\":\"\x00\"}", "", 400, ""},
		{"over 512 KiB", "POST", big, "", 413, ""},
		{"over 1 MiB", "POST", `{"narrative":"` + strings.Repeat("a", 2<<20) + `"}`, "", 413, ""},
		{"patch without version", "PATCH", `{"region":"tirane"}`, "", 400, "version"},
		{"patch string version", "PATCH", `{"version":"1"}`, "", 400, "version"},
		{"patch negative version", "PATCH", `{"version":-1}`, "", 400, "version"},
		{"patch overflow version", "PATCH", `{"version":99999999999999999999}`, "", 400, "version"},
		{"patch old version", "PATCH", `{"version":7}`, "", 409, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := bearer(e.ana)
			switch c.ctype {
			case "-":
				delete(h, "Content-Type")
			case "":
			default:
				h["Content-Type"] = c.ctype
			}
			path := "/api/v1/persons"
			if c.method == "PATCH" {
				path += "/" + id
			}
			rec := e.do(t, req{method: c.method, path: path, body: c.body, header: h})
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, c.status, rec.Body.String())
			}
			code := map[int]string{400: "invalid", 413: "too_large", 409: "conflict"}[c.status]
			body := wantJSONError(t, rec, code)
			if c.field != "" {
				found := false
				for _, f := range body.Error.Fields {
					found = found || f.Field == c.field && f.Text != ""
				}
				if !found {
					t.Errorf("no error for field %q in %+v", c.field, body.Error.Fields)
				}
			}
		})
	}
	// A body of unknown length over the limit (chunked) is refused too.
	r := httptest.NewRequest("POST", "/api/v1/persons", strings.NewReader(`{"narrative":"`+strings.Repeat("a", 2<<20)+`"}`))
	r.ContentLength = -1
	for k, v := range bearer(e.ana) {
		r.Header.Set(k, v)
	}
	rec := serve(e.srv, r)
	wantStatus(t, rec, 413)
	// Forms too.
	c, csrf := e.anaLogin(t)
	form := e.do(t, req{method: "POST", path: "/persons", cookies: []*http.Cookie{c},
		body: "csrf=" + csrf + "&narrative=" + strings.Repeat("a", 2<<20), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	wantStatus(t, form, 413)
}

// FuzzDecodePersonInput: no input makes the decoder panic or answer
// anything but a person input or an invalid/too-large error.
func FuzzDecodePersonInput(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"region":"tirane","status":"referred","age_group":"child","presumed_child":true,"sex":"female",` +
			`"nationality":"ALB","identity":{"given_name":"A","family_name":"B","aliases":["C"],"birth_date":"2001-02",` +
			`"doc_number":"X","phone":"1","address":"Y"},"narrative":"n","version":3}`,
		`{"version":1}`, `{"version":0}`, `{"version":1e3}`, `{"identity":null}`, `{"identity":{}}`, `{"a":1}`, `{"region":1}`,
		`{"region":"x"}{}`, `{"region":"x"}   `, "\ufeff{}", `{"narrative":"\u0000"}`, `{"region":"\xff"}`, `{{{{`, `{"region":"tirane",}`,
		`{"identity":{"aliases":[1]}}`, `{"Region":"tirane"}`, `{"region":"a","region":"b"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, patch bool) {
		in, version, err := decodePersonInput(bytes.NewReader(data), patch)
		if err != nil {
			var e *nrm.Error
			if !errors.As(err, &e) || (e.Code != nrm.EInvalid && e.Code != nrm.ETooLarge) {
				t.Fatalf("error %v (%T), want invalid or too_large", err, err)
			}
			return
		}
		if patch && version < 1 || !patch && version != 0 {
			t.Fatalf("version %d with patch=%v", version, patch)
		}
		_ = in.Validate(time.Now()) // must not panic either
	})
}

// ---- OpenAPI: the document describes the real answers ----

type oaValidator struct {
	doc map[string]any
}

func (v *oaValidator) resolve(s map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s = v.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	return s
}

// validate checks value against schema: type, nullable, enum, required,
// properties, additionalProperties false, items, allOf, minimum, maximum,
// maxLength, maxItems, pattern and format date-time — the subset the
// document uses. It returns every violation found.
func (v *oaValidator) validate(schema map[string]any, value any, at string) []string {
	s := v.resolve(schema)
	if value == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{at + ": null not allowed"}
	}
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, v.validate(sub.(map[string]any), value, at)...)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, value) {
		errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, value, enum))
	}
	switch s["type"] {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			return append(errs, at+": not an object")
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				errs = append(errs, at+": missing "+r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, at+": unexpected property "+k)
				}
				continue
			}
			errs = append(errs, v.validate(ps, obj[k], at+"."+k)...)
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return append(errs, at+": not an array")
		}
		if mx, ok := s["maxItems"].(float64); ok && float64(len(arr)) > mx {
			errs = append(errs, at+": too many items")
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				errs = append(errs, v.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "string":
		str, ok := value.(string)
		if !ok {
			return append(errs, at+": not a string")
		}
		if mx, ok := s["maxLength"].(float64); ok && float64(len([]rune(str))) > mx {
			errs = append(errs, at+": too long")
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			errs = append(errs, at+": does not match "+p)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, at+": not a date-time")
			}
		}
	case "integer", "number":
		n, ok := value.(float64)
		if !ok {
			return append(errs, at+": not a number")
		}
		if s["type"] == "integer" && n != math.Trunc(n) {
			errs = append(errs, at+": not an integer")
		}
		if mn, ok := s["minimum"].(float64); ok && n < mn {
			errs = append(errs, at+": below minimum")
		}
		if mx, ok := s["maximum"].(float64); ok && n > mx {
			errs = append(errs, at+": above maximum")
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			errs = append(errs, at+": not a boolean")
		}
	case nil:
	default:
		errs = append(errs, at+": unknown type in schema")
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	if a, ok := v.([]any); ok {
		for _, x := range a {
			out = append(out, x.(string))
		}
	}
	return out
}

func (v *oaValidator) op(path, method string) map[string]any {
	p, ok := v.doc["paths"].(map[string]any)[path].(map[string]any)
	if !ok {
		return nil
	}
	o, _ := p[strings.ToLower(method)].(map[string]any)
	return o
}

// checkResponse validates a real response against the document.
func (v *oaValidator) checkResponse(t *testing.T, path, method string, rec *httptest.ResponseRecorder) {
	t.Helper()
	op := v.op(path, method)
	if op == nil {
		t.Fatalf("%s %s is not in the document", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(rec.Code)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: status %d is not documented (body %s)", method, path, rec.Code, rec.Body.String())
	}
	schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("%s %s: content type %q", method, path, rec.Header().Get("Content-Type"))
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	for _, e := range v.validate(schema, body, "body") {
		t.Errorf("%s %s %d: %s", method, path, rec.Code, e)
	}
}

// checkRequest validates a request body we send against the document.
func (v *oaValidator) checkRequest(t *testing.T, path, method, body string) {
	t.Helper()
	schema := v.op(path, method)["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	var b any
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	for _, e := range v.validate(schema, b, "request") {
		t.Errorf("request %s %s: %s", method, path, e)
	}
}

// apiOperations lists the document's operations as "METHOD /template"
// (the template relative to /api/v1), sorted.
func apiOperations(paths map[string]any) []string {
	var out []string
	for p, item := range paths {
		for m := range item.(map[string]any) {
			if m != "parameters" {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// checkRoutesDocumented fails unless the document lists exactly the API
// routes the server has.
func checkRoutesDocumented(t *testing.T, paths map[string]any, srv *Server) {
	t.Helper()
	var documented, served []string
	for _, op := range apiOperations(paths) {
		m, p, _ := strings.Cut(op, " ")
		documented = append(documented, m+" /api/v1"+p)
	}
	for _, p := range srv.patterns {
		if strings.Contains(p, " /api/v1/") && !strings.HasSuffix(p, "openapi.json") {
			served = append(served, p)
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented %v, served %v", documented, served)
	}
}

func TestOpenAPIDescribesTheRealAnswers(t *testing.T) {
	e := env(t)
	rec := e.do(t, req{path: "/api/v1/openapi.json"})
	wantStatus(t, rec, 200)
	v := &oaValidator{}
	if err := json.Unmarshal(rec.Body.Bytes(), &v.doc); err != nil {
		t.Fatal(err)
	}
	if v.doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi %v", v.doc["openapi"])
	}
	checkRoutesDocumented(t, v.doc["paths"].(map[string]any), e.srv)

	seen := map[string]bool{}
	call := func(method, path, tmpl, body string, h map[string]string) *httptest.ResponseRecorder {
		t.Helper()
		rec := e.do(t, req{method: method, path: "/api/v1" + path, body: body, header: h})
		v.checkResponse(t, tmpl, method, rec)
		if rec.Code < 300 && (method == "POST" || method == "PATCH") {
			v.checkRequest(t, tmpl, method, body) // what the server accepted, the document accepts
		}
		seen[method+" "+tmpl+" "+strconv.Itoa(rec.Code)] = true
		return rec
	}
	ana, besa := bearer(e.ana), bearer(e.besa)
	c, _ := e.anaLogin(t)
	call("GET", "/me", "/me", "", ana)
	sessionMe := e.do(t, req{path: "/api/v1/me", cookies: []*http.Cookie{c}})
	v.checkResponse(t, "/me", "GET", sessionMe)
	if !strings.Contains(sessionMe.Body.String(), `"auth":"session"`) || !strings.Contains(sessionMe.Body.String(), `"display_name":"Ana Hoxha"`) {
		t.Errorf("session me: %s", sessionMe.Body.String())
	}
	call("GET", "/me", "/me", "", nil)
	full := `{"region":"tirane","status":"at_risk","age_group":"adult","presumed_child":false,"sex":"male","nationality":"ALB",` +
		`"identity":{"given_name":"Gjon","family_name":"Marku","aliases":["Xhoni"],"birth_date":"1990-05-01","doc_number":"I123","phone":"+355","address":"Rr. e Kavajës"},` +
		`"narrative":"Rekrutuar me premtim pune."}`
	created := call("POST", "/persons", "/persons", full, ana)
	if created.Code != 201 || !strings.HasPrefix(created.Header().Get("Location"), "/api/v1/persons/") {
		t.Fatalf("create: %d %s", created.Code, created.Body.String())
	}
	var p personJSON
	_ = json.Unmarshal(created.Body.Bytes(), &p)
	call("POST", "/persons", "/persons", `{}`, ana)
	call("POST", "/persons", "/persons", `{"region":"mars","identity":{"birth_date":"2999"}}`, ana)
	call("POST", "/persons", "/persons", `{"narrative":"`+strings.Repeat("x", 600<<10)+`"}`, ana)
	call("POST", "/persons", "/persons", `{}`, nil)
	call("GET", "/persons", "/persons", "", ana)
	call("GET", "/persons?limit=1", "/persons", "", ana)
	call("GET", "/persons?status=referred&region=tirane", "/persons", "", besa)
	call("GET", "/persons?limit=0", "/persons", "", ana)
	call("GET", "/persons/"+p.ID, "/persons/{id}", "", ana)
	call("GET", "/persons/"+p.ID, "/persons/{id}", "", besa)
	call("PATCH", "/persons/"+p.ID, "/persons/{id}", `{"version":1,"status":"potential_victim","narrative":null}`, ana)
	call("PATCH", "/persons/"+p.ID, "/persons/{id}", `{"version":1,"region":"vlore"}`, ana)
	call("PATCH", "/persons/"+p.ID, "/persons/{id}", `{"version":2,"sex":"dragon"}`, ana)
	call("PATCH", "/persons/"+p.ID, "/persons/{id}", `{"version":2,"bogus":true}`, ana)
	call("PATCH", "/persons/"+p.ID, "/persons/{id}", `{"version":2}`, besa)
	// A token without the write scope is refused with 403.
	ro, err := e.door.MintToken(t.Context(), nrm.SystemActor("test"), e.ana.ID, []string{"persons:read"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call("POST", "/persons", "/persons", `{}`, map[string]string{"Authorization": "Bearer " + ro, "Content-Type": "application/json"})
	// The monitor's session may not list persons at all.
	adm, _ := e.login(t, e.admin)
	r403 := e.do(t, req{path: "/api/v1/persons", cookies: []*http.Cookie{adm}})
	v.checkResponse(t, "/persons", "GET", r403)
	seen["GET /persons "+strconv.Itoa(r403.Code)] = true

	for _, want := range []string{
		"GET /me 200", "GET /me 401", "POST /persons 201", "POST /persons 400", "POST /persons 413", "POST /persons 401", "POST /persons 403",
		"GET /persons 200", "GET /persons 400", "GET /persons 403", "GET /persons/{id} 200", "GET /persons/{id} 404",
		"PATCH /persons/{id} 200", "PATCH /persons/{id} 409", "PATCH /persons/{id} 400", "PATCH /persons/{id} 404",
	} {
		if !seen[want] {
			t.Errorf("no response checked for %s (saw %v)", want, seen)
		}
	}
}
