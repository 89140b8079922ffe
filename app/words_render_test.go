package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"

	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/web"
)

// TestEveryPageInBothLanguages renders every page, report and export of
// the demo (seeded as `nrm demo` seeds it) as each demo user, in Albanian
// and in English, by following the links from each home page (a few of
// each kind of page), and fails on a raw catalogue key ("deadline.…",
// "orgtype.", "region.…") anywhere, and on English words or catalogue
// sentences in an Albanian page, PDF, workbook or CSV.
func TestEveryPageInBothLanguages(t *testing.T) {
	skipnote.Short(t, "renders every page and file of the demo in both languages")
	ctx := context.Background()
	e := testenv.Door(t, "sqlite")
	clock := e.UseClock()
	logins, err := app.Seed(ctx, e.Door, 30)
	if err != nil {
		t.Fatal(err)
	}
	cat := i18n.MustLoad()
	srv, err := web.New(web.Config{Addr: "127.0.0.1:0"}, e.Door, cat, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	chk := newWordCheck(cat)
	for _, l := range logins {
		if l.TOTPSecret == "" {
			continue // a passkey-only role: signed in through the browser tests
		}
		tok, _, err := e.Door.Login(ctx, l.Username, app.DemoPassword, "192.0.2.90")
		if err != nil {
			t.Fatal(err)
		}
		code, err := totp.GenerateCode(l.TOTPSecret, clock.Advance(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if tok, err = e.Door.VerifySecondFactor(ctx, tok, code, "192.0.2.90"); err != nil {
			t.Fatalf("%s: %v", l.Username, err)
		}
		for _, lang := range []string{"sq", "en"} {
			if err := e.Door.SetLanguage(ctx, tok, lang); err != nil {
				t.Fatal(err)
			}
			crawl(t, srv, tok, func(path, ctype string, body []byte) {
				chk.check(t, l.Username+" "+lang+" "+path, lang, ctype, body)
			})
		}
	}
	if chk.pages < 100 {
		t.Errorf("only %d pages and files rendered: is the walk broken?", chk.pages)
	}
	t.Logf("%d pages and files rendered (%d PDFs, %d workbooks, %d CSV files)", chk.pages, chk.kinds["pdf"], chk.kinds["xlsx"], chk.kinds["csv"])
	for _, k := range []string{"pdf", "xlsx", "csv"} {
		if chk.kinds[k] == 0 {
			t.Errorf("no %s file was reached", k)
		}
	}
}

// perShape is how many pages of one shape (a path with its ids taken
// out) the walk renders: a few persons' pages, not all of them.
const perShape = 2

var idSeg = regexp.MustCompile(`^[0-9a-f]{8,}$|^[A-Z]+-[0-9A-Z-]+$|^[0-9]+$`)

func shape(u string) string {
	path, query, _ := strings.Cut(u, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if idSeg.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	var keys []string
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

// hrefRe finds the links of a page and the actions of its GET forms (the
// own file, the filters), followed with the form's defaults.
var hrefRe = regexp.MustCompile(`href="(/[^"#]*)|<form method="get" action="(/[^"#]*)`)

// skipPath are the links the walk does not follow: they end the session,
// are static files or change the language through a form.
func skipPath(p string) bool {
	return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/logout") || strings.HasPrefix(p, "/lang") ||
		strings.HasPrefix(p, "/metrics") || strings.HasPrefix(p, "/api/")
}

// crawl follows every same-site link from home, a few of each shape.
func crawl(t *testing.T, srv http.Handler, tok string, visit func(path, ctype string, body []byte)) {
	t.Helper()
	seen, shapes := map[string]bool{"/": true}, map[string]int{}
	queue := []string{"/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		r := httptest.NewRequest("GET", p, nil)
		r.RemoteAddr = "192.0.2.90:1"
		r.AddCookie(&http.Cookie{Name: "nrm", Value: tok})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Errorf("GET %s: %d", p, rec.Code)
			continue
		}
		if rec.Code != http.StatusOK {
			continue
		}
		ctype := rec.Header().Get("Content-Type")
		body := rec.Body.Bytes()
		visit(p, ctype, body)
		if !strings.HasPrefix(ctype, "text/html") {
			continue
		}
		for _, m := range hrefRe.FindAllStringSubmatch(string(body), -1) {
			next := html.UnescapeString(m[1] + m[2])
			if seen[next] || skipPath(next) {
				continue
			}
			seen[next] = true
			if sh := shape(next); shapes[sh] < perShape {
				shapes[sh]++
				queue = append(queue, next)
			}
		}
	}
}

// wordCheck knows the catalogue's key prefixes and its English sentences.
type wordCheck struct {
	keyRe   *regexp.Regexp
	english []string
	pages   int
	kinds   map[string]int
}

// englishWords are words no Albanian sentence uses.
var englishWords = regexp.MustCompile(`\b(the|and|your|with|from|this|that|not|was|were|has|have|which|will|been|Yes|No)\b`)

func newWordCheck(cat *i18n.Catalog) *wordCheck {
	prefixes := map[string]bool{}
	var english []string
	for _, k := range cat.Keys("en") {
		first, _, _ := strings.Cut(k, ".")
		prefixes[regexp.QuoteMeta(first)] = true
		en, _ := cat.Lookup("en", k)
		sq, _ := cat.Lookup("sq", k)
		if en != sq && !strings.Contains(en, "%") && len(strings.Fields(en)) >= 3 {
			english = append(english, en)
		}
	}
	// Profile and domain prefixes that are not catalogue files' first words.
	for _, p := range []string{"deadline", "orgtype", "region", "nationality", "country", "status", "role", "need", "form"} {
		prefixes[p] = true
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for p := range prefixes {
			if !yield(p) {
				return
			}
		}
	})
	return &wordCheck{
		keyRe:   regexp.MustCompile(`(?:^|[^\w.@/-])((?:` + strings.Join(names, "|") + `)\.(?:[a-z0-9_]+(?:\.[a-z0-9_]+)*)?)(?:[^\w.]|$)`),
		english: english,
		kinds:   map[string]int{},
	}
}

var (
	scriptRe = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
	tagRe    = regexp.MustCompile(`(?s)<[^>]*>`)
	attrRe   = regexp.MustCompile(`\b(?:aria-label|title|placeholder|alt)="([^"]*)"`)
)

// text is what a reader sees of a page or file.
func (c *wordCheck) text(t *testing.T, where, ctype string, body []byte) string {
	switch {
	case strings.HasPrefix(ctype, "text/html"):
		c.kinds["html"]++
		s := scriptRe.ReplaceAllString(string(body), " ")
		var attrs []string
		for _, m := range attrRe.FindAllStringSubmatch(s, -1) {
			attrs = append(attrs, m[1])
		}
		return html.UnescapeString(tagRe.ReplaceAllString(s, "\n") + "\n" + strings.Join(attrs, "\n"))
	case strings.HasPrefix(ctype, "application/pdf"):
		c.kinds["pdf"]++
		r, err := pdf.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Errorf("%s: not a PDF: %v", where, err)
			return ""
		}
		var b strings.Builder
		for i := 1; i <= r.NumPage(); i++ {
			s, err := r.Page(i).GetPlainText(nil)
			if err != nil {
				t.Errorf("%s: page %d: %v", where, i, err)
			}
			b.WriteString(s + "\n")
		}
		return b.String()
	case strings.Contains(ctype, "spreadsheetml"):
		c.kinds["xlsx"]++
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: not a workbook: %v", where, err)
			return ""
		}
		defer func() { _ = f.Close() }()
		var b strings.Builder
		for _, sh := range f.GetSheetList() {
			rows, _ := f.GetRows(sh)
			for _, row := range rows {
				b.WriteString(strings.Join(row, "\n") + "\n")
			}
		}
		return b.String()
	case strings.HasPrefix(ctype, "text/csv"):
		c.kinds["csv"]++
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil && err != io.EOF {
			t.Errorf("%s: not CSV: %v", where, err)
		}
		var b strings.Builder
		for _, r := range recs {
			b.WriteString(strings.Join(r, "\n") + "\n")
		}
		return b.String()
	}
	return ""
}

// reported keeps one failure per problem, not one per page.
var reported = map[string]bool{}

func (c *wordCheck) check(t *testing.T, where, lang, ctype string, body []byte) {
	t.Helper()
	c.pages++
	text := c.text(t, where, ctype, body)
	if strings.HasPrefix(ctype, "text/csv") && strings.Contains(where, "/persons/export.csv") ||
		strings.Contains(where, "/statistics/htcds.") {
		// The data export is for machines (codes, not words), and the HTCDS
		// workbook is the international standard's own template, in English.
		return
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// A key with nothing after its dot ("orgtype.") is a value looked
		// up empty; a word ending a sentence is not: only a line that is
		// nothing else counts.
		if m := c.keyRe.FindStringSubmatch(line); m != nil && (!strings.HasSuffix(m[1], ".") || m[1] == line) {
			if k := "key " + m[1]; !reported[k] {
				reported[k] = true
				t.Errorf("%s: a raw catalogue key %q in %q", where, m[1], line)
			}
		}
		if lang != "sq" {
			continue
		}
		if m := englishWords.FindString(line); m != "" {
			if k := "en " + line; !reported[k] {
				reported[k] = true
				t.Errorf("%s: English (%q) in Albanian: %q", where, m, line)
			}
		}
	}
	if lang == "sq" {
		for _, en := range c.english {
			if strings.Contains(text, en) && !reported["sentence "+en] {
				reported["sentence "+en] = true
				t.Errorf("%s: an English sentence of the catalogue in Albanian: %q", where, en)
			}
		}
	}
}
