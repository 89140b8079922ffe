package web

import (
	"net/http"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/mail"
)

// The worker's own choices for the e-mail that work waits (issue 14 part
// 6): an address and immediate or daily, and the last messages with what
// each one says — where no mail server is set up (the demo), this is where
// a worker sees what would have been sent.

type accountMailPage struct {
	Page
	Modes   []Option
	Sent    []string
	Preview string // what a message says (subject and body)
	Saved   bool
}

// accountMail is GET /account/mail.
func (s *Server) accountMail(w http.ResponseWriter, r *http.Request, st *reqState) {
	m, err := s.door.MyMailSettings(r.Context(), st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.accountMailPage(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Values["email"], pg.Values["mode"] = m.Email, m.Mode
	pg.Saved = r.URL.Query().Has("saved")
	s.render(w, r, http.StatusOK, "accountmail", pg)
}

func (s *Server) accountMailPage(r *http.Request, st *reqState) (*accountMailPage, error) {
	sent, err := s.door.MyMail(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	T := func(k string, a ...any) string { return s.cat.T(st.lang, k, a...) }
	pg := &accountMailPage{Page: s.base(r), Modes: []Option{
		{Value: door.NotifyImmediate, Label: T("mailpref.mode.immediate")}, {Value: door.NotifyDaily, Label: T("mailpref.mode.daily")}}}
	kinds := map[string]string{door.NotifyImmediate: "mailpref.kind.immediate", "digest": "mailpref.kind.digest"}
	states := map[string]string{door.MailPending: "mailpref.state.pending", door.MailSent: "mailpref.state.sent",
		door.MailFailed: "mailpref.state.failed", door.MailNotSent: "mailpref.state.not_sent"}
	for _, m := range sent {
		pg.Sent = append(pg.Sent, T("mailpref.line", s.when(m.At), T(kinds[m.Kind]), m.Items, T(states[m.State])))
	}
	n := 3
	if len(sent) > 0 {
		n = sent[0].Items
	}
	subject, body := mail.Compose(T, n, "https://"+r.Host+"/")
	pg.Preview = subject + "\n\n" + body
	return pg, nil
}

// accountMailSave is POST /account/mail.
func (s *Server) accountMailSave(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	m := door.MailSettings{Email: r.PostFormValue("email"), Mode: r.PostFormValue("mode")}
	if err := s.door.SetMailSettings(r.Context(), st.actor, m); err != nil {
		pg, perr := s.accountMailPage(r, st)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		summary, byField, ok := s.formErrors(r, err, st.lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg.Summary, pg.Errs = summary, byField
		pg.Values["email"], pg.Values["mode"] = m.Email, m.Mode
		s.render(w, r, http.StatusUnprocessableEntity, "accountmail", pg)
		return
	}
	http.Redirect(w, r, "/account/mail?saved=1", http.StatusSeeOther)
}
