package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

type loginPage struct{ Page }

type codePage struct {
	Page
	Passkey bool // offer "use a passkey instead"
	Upgrade bool // the policy now wants a passkey: a code once more, then register one
}

type enrolPage struct {
	Page
	PasskeyOnly bool   // the policy accepts only a passkey: no authenticator app
	Secret      string // the key, for the hidden field
	Grouped     string // the key in groups of four, for reading
	URL         string // otpauth:// URL
	QR          template.URL
}

type recoveryPage struct {
	Page
	Codes []string
}

// stagePath is where a session at a stage goes next.
func stagePath(stage string) string {
	switch stage {
	case door.StagePassword:
		return "/login/code"
	case door.StageEnrol:
		return "/login/enrol"
	}
	return "/"
}

// partialSession loads the session of the cookie at any stage, for the
// sign-in pages. It sets the request's language from the session.
func (s *Server) partialSession(r *http.Request) (*door.Session, error) {
	st := state(r)
	st.lang = s.requestLang(r)
	tok := s.sessionToken(r)
	if tok == "" {
		return nil, nrm.Errorf(nrm.EUnauthorized, "error.signin")
	}
	sess, err := s.door.SessionInfo(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	st.sess, st.token = sess, tok
	s.useSessionLang(st, sess)
	return sess, nil
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	st.lang = s.requestLang(r)
	if s.sessionToken(r) != "" {
		if sess, err := s.partialSession(r); err == nil && sess.Stage == door.StageFull {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, http.StatusOK, "login", &loginPage{Page: s.base(r)})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	st.lang = s.requestLang(r)
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	token, sess, err := s.door.Login(r.Context(), username, password, remote(r))
	if err != nil {
		code := nrm.ErrorCode(err)
		if code != nrm.EUnauthorized && code != nrm.ETooMany {
			s.fail(w, r, err)
			return
		}
		// One answer for an unknown user, a wrong password or a disabled
		// account: the door gives the same error, and so does the page.
		pg := &loginPage{Page: s.base(r)}
		p := s.problemOf(r, err, st.lang)
		if p.Retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
		}
		pg.Summary = []errItem{{Field: "username", Text: p.Message}}
		pg.Values["username"] = username
		s.render(w, r, p.Status, "login", pg)
		return
	}
	// A new sign-in ends the session this browser had before.
	if old := s.sessionToken(r); old != "" {
		_ = s.door.Logout(r.Context(), old, remote(r))
	}
	// A language chosen on the sign-in page wins over the stored one.
	if c, err := r.Cookie(langCookie); err == nil && s.cat.Has(c.Value) && c.Value != sess.Lang {
		_ = s.door.SetLanguage(r.Context(), token, c.Value)
	}
	s.setSession(w, token)
	http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
}

func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess.Stage != door.StagePassword {
		http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
		return
	}
	pg, passkeyOnly, err := s.newCodePage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if passkeyOnly { // nothing to type here: the passkey page
		http.Redirect(w, r, "/login/passkey", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "code", pg)
}

// newCodePage builds the code page for the session's factors; passkeyOnly
// says a passkey is the only way on.
func (s *Server) newCodePage(r *http.Request) (pg *codePage, passkeyOnly bool, err error) {
	f, err := s.door.Factors(r.Context(), state(r).token)
	if err != nil {
		return nil, false, err
	}
	pg = &codePage{Page: s.base(r), Passkey: f.Passkeys > 0, Upgrade: f.PasskeyOnly && f.Passkeys == 0}
	return pg, f.Passkeys > 0 && !codeAllowed(f), nil
}

func (s *Server) codeSubmit(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := state(r)
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if sess.Stage != door.StagePassword {
		http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
		return
	}
	newToken, err := s.door.VerifySecondFactor(r.Context(), st.token, r.PostFormValue("code"), remote(r))
	if err != nil {
		s.rerenderCode(w, r, err)
		return
	}
	// Usually a full session; a user the policy now requires a passkey of
	// goes on to register one.
	http.Redirect(w, r, stagePath(s.replaced(w, r, newToken).Stage), http.StatusSeeOther)
}

// replaced installs the session that replaced this request's one (after a
// second factor): its cookie, and for a page rendered now, its CSRF token
// (the door renews it with every replacement). It returns the new session.
func (s *Server) replaced(w http.ResponseWriter, r *http.Request, token string) *door.Session {
	s.setSession(w, token)
	st := state(r)
	ns, err := s.door.SessionInfo(r.Context(), token)
	if err != nil {
		return &door.Session{Stage: door.StageFull} // the next page finds out
	}
	st.sess, st.token = ns, token
	return ns
}

// rerenderCode shows the code page again with the error beside the field.
func (s *Server) rerenderCode(w http.ResponseWriter, r *http.Request, err error) {
	st := state(r)
	code := nrm.ErrorCode(err)
	if code != nrm.EInvalid && code != nrm.ETooMany {
		s.fail(w, r, err)
		return
	}
	pg, _, ferr := s.newCodePage(r)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	p := s.problemOf(r, err, st.lang)
	if p.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.Retry))
	}
	msg := p.Message
	if len(p.Fields) > 0 {
		msg = p.Fields[0].Text
	}
	pg.Errs["code"] = msg
	pg.Summary = []errItem{{Field: "code", Text: msg}}
	status := http.StatusUnprocessableEntity
	if code == nrm.ETooMany {
		status = http.StatusTooManyRequests
	}
	s.render(w, r, status, "code", pg)
}

func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess.Stage != door.StageEnrol {
		http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
		return
	}
	f, err := s.door.Factors(r.Context(), state(r).token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.PasskeyOnly { // no authenticator app: a passkey only
		pg := &enrolPage{Page: s.base(r), PasskeyOnly: true}
		pg.PasskeyJS = true
		s.render(w, r, http.StatusOK, "enrol", pg)
		return
	}
	secret, url, err := s.door.BeginTOTPEnrolment(r.Context(), state(r).token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "enrol", s.enrolPage(r, secret, url))
}

func (s *Server) enrolPage(r *http.Request, secret, url string) *enrolPage {
	pg := &enrolPage{Page: s.base(r), Secret: secret, Grouped: groupFour(secret), URL: url}
	pg.PasskeyJS = true // a passkey is offered beside the app
	if png := qrPNG(url); png != "" {
		pg.QR = template.URL(png) // #nosec G203 -- a data: URL built here from our own PNG bytes, which html/template may emit
	}
	return pg
}

func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request) {
	sess, err := s.partialSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := state(r)
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if sess.Stage != door.StageEnrol {
		http.Redirect(w, r, stagePath(sess.Stage), http.StatusSeeOther)
		return
	}
	newToken, codes, err := s.door.ConfirmTOTPEnrolment(r.Context(), st.token, r.PostFormValue("code"), remote(r))
	if err != nil {
		if nrm.ErrorCode(err) != nrm.EInvalid {
			s.fail(w, r, err)
			return
		}
		// The pending key stays in the session; show the same one again
		// (the door does not hand it out twice, so it comes back from the
		// form, checked for shape; a tampered one only misleads its sender).
		secret, url := r.PostFormValue("secret"), r.PostFormValue("otpauth")
		if !validSecret(secret) || !strings.HasPrefix(url, "otpauth://totp/") || len(url) > 500 {
			http.Redirect(w, r, "/login/enrol", http.StatusSeeOther)
			return
		}
		pg := s.enrolPage(r, secret, url)
		msg := s.problemOf(r, err, st.lang)
		text := msg.Message
		if len(msg.Fields) > 0 {
			text = msg.Fields[0].Text
		}
		pg.Errs["code"] = text
		pg.Summary = []errItem{{Field: "code", Text: text}}
		s.render(w, r, http.StatusUnprocessableEntity, "enrol", pg)
		return
	}
	s.replaced(w, r, newToken)
	pg := &recoveryPage{Page: s.base(r), Codes: codes}
	s.render(w, r, http.StatusOK, "recovery", pg)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if _, err := s.partialSession(r); err == nil {
		st := state(r)
		if err := s.form(r, st); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.door.Logout(r.Context(), st.token, remote(r)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang switches the language: in the session when there is one, and in
// a cookie for the signed-out pages. It goes back to a path of this site
// only.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	st.lang = s.requestLang(r)
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := r.PostFormValue("lang")
	if !s.cat.Has(lang) {
		s.fail(w, r, nrm.FieldError("lang", "error.unknown_value"))
		return
	}
	if s.sessionToken(r) != "" {
		if _, err := s.partialSession(r); err == nil {
			if !checkCSRF(r, st.sess) {
				s.fail(w, r, errCSRF)
				return
			}
			if err := s.door.SetLanguage(r.Context(), st.token, lang); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, // #nosec G124 -- the language cookie holds no secret: sq or en
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// groupFour splits a key into groups of four for reading aloud or typing.
func groupFour(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func validSecret(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' || c == '=') {
			return false
		}
	}
	return true
}

// qrPNG draws the otpauth URL as a QR code with a quiet zone, as a data:
// URL of a small grey-scale PNG; "" if it cannot.
func qrPNG(content string) string {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return ""
	}
	n := code.Bounds().Dx()
	const scale, quiet = 4, 4
	size := (n + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if c, _, _, _ := code.At(x, y).RGBA(); c < 0x8000 {
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
