package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// pageTypes lists every page template with a zero value of its data, so
// New can parse and test-render each one at start-up.
var pageTypes = map[string]func() any{
	"login":        func() any { return &loginPage{} },
	"code":         func() any { return &codePage{} },
	"enrol":        func() any { return &enrolPage{} },
	"recovery":     func() any { return &recoveryPage{} },
	"home":         func() any { return &homePage{} },
	"persons":      func() any { return &personsPage{} },
	"person":       func() any { return &personPage{} },
	"personform":   func() any { return &personFormPage{} },
	"breakglass":   func() any { return &breakGlassPage{} },
	"error":        func() any { return &errorPage{} },
	"passkey":      func() any { return &passkeyLoginPage{} },
	"account":      func() any { return &accountPage{} },
	"refer":        func() any { return &referPage{} },
	"referstart":   func() any { return &referStartPage{} },
	"referdone":    func() any { return &referDonePage{} },
	"register":     func() any { return &registerPage{} },
	"work":         func() any { return &workPage{} },
	"accountmail":  func() any { return &accountMailPage{} },
	"action":       func() any { return &actionPage{} },
	"disclosures":  func() any { return &disclosuresPage{} },
	"reassign":     func() any { return &reassignPage{} },
	"referreceipt": func() any { return &receiptPage{} },
	// Support services (services.go).
	"services":         func() any { return &servicesPage{} },
	"serviceform":      func() any { return &serviceFormPage{} },
	"servicereferrals": func() any { return &serviceReferralsPage{} },
	"servicestep":      func() any { return &serviceStepPage{} },
	"emergency":        func() any { return &emergencyPage{} },

	"feedbacklinks":   func() any { return &feedbackLinksPage{} },
	"feedbackresults": func() any { return &feedbackResultsPage{} },
	"advisory":        func() any { return &advisoryPage{} },
	// Monitoring (statistics_pages.go).
	"statistics":         func() any { return &statisticsPage{} },
	"statisticsdatasets": func() any { return &datasetsPage{} },
	// Evidence on screen (issue 14): signing a decision, duplicates side by
	// side, the DPO's review of break-glass openings.
	"decisionsign":      func() any { return &signPage{} },
	"duplicate":         func() any { return &duplicatePage{} },
	"breakglassreviews": func() any { return &glassReviewsPage{} },
	"breakglassreview":  func() any { return &glassReviewPage{} },
}

// partialTypes lists the templates that are parts of pages, not pages: each is parsed
// into every page's set (so any page can call it) and test-rendered at start-up with a
// zero value of its data, like the pages.
var partialTypes = map[string]func() any{
	"report_figures":  func() any { return &reportViewModel{} },
	"worklist":        func() any { return &queueView{} },
	"evidence":        func() any { return &evidenceView{} },
	"audit_sentences": func() any { return []auditRow(nil) }, // audit_words.go
}

// parseTemplates parses layout.html with each page into one set per page,
// then clones it once per language with T bound to that language. Each
// clone is rendered once with zero data, so a template that cannot execute
// stops start-up rather than a request.
func (s *Server) parseTemplates() error {
	s.tmpl = map[string]map[string]*template.Template{}
	ents, err := fs.ReadDir(assets, "templates")
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for _, e := range ents {
		found[strings.TrimSuffix(e.Name(), ".html")] = true
	}
	for name := range pageTypes {
		if !found[name] {
			return fmt.Errorf("web: template %s.html missing", name)
		}
	}
	for name := range partialTypes {
		if !found[name] {
			return fmt.Errorf("web: template %s.html missing", name)
		}
	}
	partials := []string{"templates/layout.html"}
	for _, name := range slices.Sorted(maps.Keys(partialTypes)) {
		partials = append(partials, path.Join("templates", name+".html"))
	}
	for name := range found {
		if name == "layout" || partialTypes[name] != nil {
			continue
		}
		if _, ok := pageTypes[name]; !ok {
			return fmt.Errorf("web: template %s.html has no page type", name)
		}
	}
	for _, lang := range s.cat.Langs() {
		s.tmpl[lang] = map[string]*template.Template{}
	}
	for name, zero := range pageTypes {
		base, err := template.New(name).Funcs(template.FuncMap{"T": func(string, ...any) string { return "" }}).
			ParseFS(assets, append(slices.Clone(partials), path.Join("templates", name+".html"))...)
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		for _, lang := range s.cat.Langs() {
			t, err := base.Clone()
			if err != nil {
				return err
			}
			t.Funcs(template.FuncMap{"T": s.translator(lang)})
			if err := t.ExecuteTemplate(io.Discard, "layout", zero()); err != nil {
				return fmt.Errorf("web: template %s: %w", name, err)
			}
			for pname, pzero := range partialTypes {
				if err := t.ExecuteTemplate(io.Discard, pname, pzero()); err != nil {
					return fmt.Errorf("web: template %s in %s: %w", pname, name, err)
				}
			}
			s.tmpl[lang][name] = t
		}
	}
	return nil
}

func (s *Server) translator(lang string) func(string, ...any) string {
	return func(key string, args ...any) string { return s.cat.T(lang, key, args...) }
}

// render executes a page in the request's language into a buffer, then
// writes it: a template failure becomes a clean 500, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	lang := s.langOf(r)
	t := s.tmpl[lang][name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		st := state(r)
		s.log.Error("template", "request_id", st.id, "template", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, s.cat.T(lang, "error.internal")+"\n"+s.cat.T(lang, "error.request_id", st.id)+"\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// langOf is the language already chosen for the request, or the one its
// cookie or Accept-Language asks for.
func (s *Server) langOf(r *http.Request) string {
	if st := state(r); st != nil && st.lang != "" {
		return st.lang
	}
	return s.requestLang(r)
}

// Page is what every page template gets: the layout's needs, and the form
// values and errors of pages that have a form.
type Page struct {
	Lang    string
	Title   string
	Nonce   string
	CSRF    string
	Path    string
	ReqID   string
	User    *PageUser
	Langs   []LangOption
	Nav     bool // show the link to persons
	Summary []errItem
	Errs    map[string]string
	Values  map[string]string
	// PasskeyJS loads /static/passkey.js (pages with a passkey button).
	PasskeyJS bool
	// Done is the catalogue key of the success banner after an action (done.go).
	Done string
}

// PasskeyWidget is what the "passkey" partial draws: a button that runs one
// WebAuthn ceremony through passkey.js, and the place its messages appear.
type PasskeyWidget struct {
	Kind          string // "create" (registration) or "get" (an assertion)
	Begin, Finish string // the two JSON steps
	CSRF          string
	Label, TestID string
	Submit        bool // after success, submit the enclosing form instead of following "next"
}

// Passkey builds a passkey button for the page (and makes the page load
// passkey.js).
func (p *Page) Passkey(kind, begin, finish, label, testID string) PasskeyWidget {
	p.PasskeyJS = true
	return PasskeyWidget{Kind: kind, Begin: begin, Finish: finish, CSRF: p.CSRF, Label: label, TestID: testID}
}

// Submitting makes the button submit its form once the ceremony succeeded.
func (w PasskeyWidget) Submitting() PasskeyWidget { w.Submit = true; return w }

// PageUser is the signed-in user as the header shows them.
type PageUser struct {
	Name string
	Org  string
}

// LangOption is one button of the language switcher.
type LangOption struct {
	Code, Name string
	Current    bool
}

// Err is the message beside a field.
func (p *Page) Err(field string) string { return p.Errs[field] }

// Val is a field's value as entered.
func (p *Page) Val(field string) string { return p.Values[field] }

// Field is one form control as the "input", "select" and "textarea"
// partials draw it.
type Field struct {
	Name, ID, Label, Hint, Value, Error string
	Type, Auto, Class                   string
	Options                             []Option
	Rows                                int
	Describedby                         string
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// Field builds a text control named name with its value and error.
func (p *Page) Field(name, label, hint string) Field {
	f := Field{Name: name, ID: name, Label: label, Hint: hint, Value: p.Values[name], Error: p.Errs[name], Type: "text", Rows: 8}
	var ids []string
	if hint != "" {
		ids = append(ids, name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, name+"-error")
	}
	f.Describedby = strings.Join(ids, " ")
	return f
}

// Select builds a select control, marking the option matching its value.
func (p *Page) Select(name, label, hint string, opts []Option) Field {
	f := p.Field(name, label, hint)
	f.Options = make([]Option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == f.Value
		f.Options[i] = o
	}
	return f
}

// WithAuto sets the autocomplete attribute.
func (f Field) WithAuto(a string) Field { f.Auto = a; return f }

// WithType sets the input type.
func (f Field) WithType(t string) Field { f.Type = t; return f }

// WithClass adds a width class.
func (f Field) WithClass(c string) Field { f.Class = c; return f }

// base fills the layout's part of a page.
func (s *Server) base(r *http.Request) Page {
	st := state(r)
	lang := s.langOf(r)
	p := Page{Lang: lang, Nonce: st.nonce, ReqID: st.id, Path: r.URL.Path, Values: map[string]string{}, Errs: map[string]string{}, Done: doneKey(r)}
	if st.sess != nil {
		p.CSRF = st.sess.CSRF
	}
	if st.actor != nil && st.sess != nil {
		p.User = &PageUser{Name: st.sess.Display, Org: s.orgName(r, st.actor.OrgID)}
		p.Nav = listsPersons(st.actor)
	}
	for _, l := range s.cat.Langs() {
		p.Langs = append(p.Langs, LangOption{Code: l, Name: s.cat.T(l, "lang.name"), Current: l == lang})
	}
	return p
}

// errorPage is the page for every error that is not a form's.
type errorPage struct {
	Page
	Status     int
	Heading    string
	Message    string
	ShowReqID  bool
	BreakGlass *breakGlassForm // offered on a person's 404 to those who may break glass
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p problem) {
	lang := s.langOf(r)
	pg := &errorPage{Page: s.base(r), Status: p.Status, Message: p.Message, ShowReqID: p.Code == "internal"}
	pg.Heading = s.cat.T(lang, "errpage."+p.Code)
	for _, f := range p.Fields {
		pg.Summary = append(pg.Summary, errItem{Text: f.Label + ": " + f.Text})
	}
	s.render(w, r, p.Status, "error", pg)
}

// when formats a time for a page, in the service's time zone.
func (s *Server) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format("2006-01-02 15:04")
}

// bgData is what the break-glass partial needs: the page and the form.
type bgData struct {
	Page *Page
	Form *breakGlassForm
}

// WithForm pairs the page with a break-glass form for the partial.
func (p *Page) WithForm(f *breakGlassForm) bgData { return bgData{Page: p, Form: f} }
