package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/nrm-org/nrm"
)

// The anonymous feedback form (issue #6 point 5): a short public link,
// /f/{code}, that case managers hand out on paper or as a QR code. No
// sign-in, no session, no cookie at all: a cross-site post is refused by
// the same cross-origin protection (Sec-Fetch-Site / Origin) that guards
// the sign-in form, which needs no token. The access log line carries the
// route pattern, never the path (with the code), the client address or the
// user agent (see observe in middleware.go). Nothing about the request
// reaches the door: only the code, the language and the answers.
//
// The form speaks Albanian, English and Italian. The staff catalogue (i18n/)
// has two languages and a third there would be offered across the whole
// staff interface, so the form's words live in its own file,
// feedback/text.json, with a test that every key is in all three.

//go:embed feedback/form.html feedback/text.json
var feedbackFS embed.FS

// feedbackText is the form's words: language → key → text.
var feedbackText = func() map[string]map[string]string {
	b, err := feedbackFS.ReadFile("feedback/text.json")
	if err != nil {
		panic(err)
	}
	m := map[string]map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}()

var feedbackTmpl = template.Must(template.ParseFS(feedbackFS, "feedback/form.html"))

type fbOption struct {
	ID, Name, Value, Label string
	Checked                bool
}

type fbQuestion struct {
	Key, Label, Error string
	Options           []fbOption
}

type fbLang struct {
	Code, Name, Href string
	Current          bool
}

type fbError struct{ Field, Text string }

type feedbackPage struct {
	Lang, Heading, State, Action string
	X                            map[string]string
	Langs                        []fbLang
	Questions                    []fbQuestion
	Errors                       []fbError
	Comment, CommentError        string
}

// feedbackLang picks the form's language: ?lang= (or the form's own field),
// else the browser's preference among the three, else Albanian.
func feedbackLang(r *http.Request, field string) string {
	if l := field; slices.Contains(nrm.FeedbackLangs, l) {
		return l
	}
	if l := r.URL.Query().Get("lang"); slices.Contains(nrm.FeedbackLangs, l) {
		return l
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(nrm.FeedbackLangs, base) {
			return base
		}
	}
	return nrm.FeedbackLangs[0]
}

func (s *Server) feedbackPage(r *http.Request, lang, state string) *feedbackPage {
	x := feedbackText[lang]
	code := r.PathValue("code")
	pg := &feedbackPage{Lang: lang, X: x, State: state, Action: "/f/" + url.PathEscape(code)}
	switch state {
	case "form":
		pg.Heading = x["title"]
	case "thanks":
		pg.Heading = x["thanks_title"]
	default:
		pg.Heading = x["closed_title"]
	}
	for _, l := range nrm.FeedbackLangs {
		href := pg.Action
		if state == "thanks" {
			href += "/thanks"
		}
		pg.Langs = append(pg.Langs, fbLang{Code: l, Name: feedbackText[l]["lang_name"], Href: href + "?lang=" + l, Current: l == lang})
	}
	for _, q := range nrm.FeedbackQuestions {
		fq := fbQuestion{Key: q, Label: x["q_"+q]}
		for v := 1; v <= 5; v++ {
			fq.Options = append(fq.Options, fbOption{ID: fmt.Sprintf("%s-%d", q, v), Name: q, Value: strconv.Itoa(v), Label: x[fmt.Sprintf("scale_%d", v)]})
		}
		pg.Questions = append(pg.Questions, fq)
	}
	return pg
}

func (s *Server) renderFeedback(w http.ResponseWriter, status int, pg *feedbackPage) {
	var buf bytes.Buffer
	if err := feedbackTmpl.ExecuteTemplate(&buf, "page", pg); err != nil {
		s.log.Error("template", "template", "feedback", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", pg.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// feedbackForm is GET /f/{code}.
func (s *Server) feedbackForm(w http.ResponseWriter, r *http.Request) {
	lang := feedbackLang(r, "")
	open, err := s.door.FeedbackOpen(r.Context(), r.PathValue("code"))
	if err != nil {
		s.renderFeedback(w, http.StatusInternalServerError, s.feedbackPage(r, lang, "closed"))
		return
	}
	if !open {
		s.renderFeedback(w, http.StatusNotFound, s.feedbackPage(r, lang, "closed"))
		return
	}
	s.renderFeedback(w, http.StatusOK, s.feedbackPage(r, lang, "form"))
}

// feedbackThanks is GET /f/{code}/thanks, where a sent form lands (so that
// reloading the page does not send it again).
func (s *Server) feedbackThanks(w http.ResponseWriter, r *http.Request) {
	s.renderFeedback(w, http.StatusOK, s.feedbackPage(r, feedbackLang(r, ""), "thanks"))
}

// feedbackSubmit is POST /f/{code}.
func (s *Server) feedbackSubmit(w http.ResponseWriter, r *http.Request) {
	var es nrm.Errors // a field with characters no field takes comes back named
	if err := parseForm(r); err != nil && !errors.As(err, &es) {
		s.renderFeedback(w, nrmStatus(err), s.feedbackPage(r, feedbackLang(r, ""), "closed"))
		return
	}
	lang := feedbackLang(r, r.PostFormValue("lang"))
	in := nrm.FeedbackInput{Lang: lang, Ratings: map[string]int{}, Comment: strings.ReplaceAll(r.PostFormValue("comment"), "\r\n", "\n")}
	if !cleanText(in.Comment) {
		in.Comment = "" // not shown back
	}
	for _, q := range nrm.FeedbackQuestions {
		v := r.PostFormValue(q)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			es = append(es, nrm.FieldError(q, "error.unknown_value"))
			continue
		}
		in.Ratings[q] = n
	}
	err := es.Err()
	if err == nil {
		err = s.door.SubmitFeedback(r.Context(), r.PathValue("code"), in)
	}
	if err == nil {
		http.Redirect(w, r, "/f/"+url.PathEscape(r.PathValue("code"))+"/thanks?lang="+lang, http.StatusSeeOther)
		return
	}
	if errors.Is(err, nrm.ErrNotFound) {
		s.renderFeedback(w, http.StatusNotFound, s.feedbackPage(r, lang, "closed"))
		return
	}
	pg := s.feedbackPage(r, lang, "form")
	x := pg.X
	pg.Comment = in.Comment
	var list nrm.Errors
	if !errors.As(err, &list) {
		e := nrm.ErrorOf(err)
		if e.Field == "" {
			status := nrmStatus(err)
			msg := x["err_too_many"]
			if status != http.StatusTooManyRequests {
				s.problemOf(r, err, "en") // logs an internal error with the request id
				msg = x["closed_body"]
			}
			pg.Errors = []fbError{{Field: "safe", Text: msg}}
			s.markChecked(pg, in)
			s.renderFeedback(w, status, pg)
			return
		}
		list = nrm.Errors{e}
	}
	for _, e := range list {
		text := x["err_choice"]
		switch {
		case e.Key == "error.input_chars":
			text = x["err_chars"]
			if e.Field == "comment" {
				pg.CommentError = text
			}
		case e.Key == "error.feedback_empty":
			text = x["err_empty"]
		case e.Field == "comment":
			text = x["err_too_long"]
			pg.CommentError = text
		}
		field := e.Field
		if field == "lang" {
			field = "safe"
		}
		pg.Errors = append(pg.Errors, fbError{Field: field, Text: text})
		for i := range pg.Questions {
			if pg.Questions[i].Key == field {
				pg.Questions[i].Error = text
			}
		}
	}
	s.markChecked(pg, in)
	s.renderFeedback(w, http.StatusUnprocessableEntity, pg)
}

// markChecked keeps the answers given when the form comes back with errors.
func (s *Server) markChecked(pg *feedbackPage, in nrm.FeedbackInput) {
	for i, q := range pg.Questions {
		for j, o := range q.Options {
			pg.Questions[i].Options[j].Checked = o.Value == strconv.Itoa(in.Ratings[q.Key])
		}
	}
}

func nrmStatus(err error) int { return httpStatus(nrm.ErrorCode(err)) }

// feedbackURL is the public address of a feedback link.
func (s *Server) feedbackURL(r *http.Request, code string) string {
	if len(s.cfg.Origins) > 0 {
		return strings.TrimRight(s.cfg.Origins[0], "/") + "/f/" + code
	}
	base := "http://" + r.Host
	if s.secure {
		base = "https://" + r.Host
	}
	return base + "/f/" + code
}

// qrSVG draws content as a QR code (error correction M, a quiet zone of
// four modules) in SVG: one path, crisp at any print size.
func qrSVG(content string) ([]byte, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	n := code.Bounds().Dx()
	const quiet = 4
	size := n + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges" role="img">`, size, size, size*8, size*8)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if c, _, _, _ := code.At(x, y).RGBA(); c < 0x8000 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
