// Package mail sends the e-mail that tells a worker that something waits for
// them in nrm (issue 14 part 6), over SMTP with the standard library's
// net/smtp: STARTTLS whenever the server offers it, PLAIN authentication
// only over TLS (or to a server on this host). The message carries no
// personal data at all: only how many items wait and a link to nrm.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// Message is one e-mail.
type Message struct {
	To, Subject, Body string
}

// Compose writes the message that n items wait, in the reader's language
// (t translates a catalogue key), linking to link. Nothing else goes in.
func Compose(t func(key string, args ...any) string, n int, link string) (subject, body string) {
	return t("mail.subject", n), t("mail.body", n, link)
}

// SMTP sends through one mail server.
type SMTP struct {
	Addr     string // host:port
	From     string // the envelope and header sender
	User     string // for PLAIN authentication ("" for none)
	Password string
	// Timeout bounds one delivery, from dial to QUIT (default 30 s).
	Timeout time.Duration
	// TLS overrides the TLS settings of STARTTLS (tests: a server's own
	// certificate); nil: the system roots and the server's host name.
	TLS *tls.Config
}

// Failure classes: what a failed delivery is recorded as, never the
// server's own text (which may echo an address).
const (
	FailDial = "dial"
	FailTLS  = "tls"
	FailAuth = "auth"
	FailSMTP = "smtp" // followed by the reply code: "smtp 451"
)

// Error is a failed delivery: its class, and whether trying again later
// may help (a 4xx reply, a connection that failed).
type Error struct {
	Class     string
	Temporary bool
	err       error
}

func (e *Error) Error() string { return "mail: " + e.Class + ": " + e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// Send delivers m, or returns an *Error.
func (c *SMTP) Send(ctx context.Context, m Message) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return &Error{Class: FailDial, err: err}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return &Error{Class: FailDial, Temporary: true, err: err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		return classify(err)
	}
	defer cl.Close()
	if err := cl.Hello("nrm"); err != nil {
		return classify(err)
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		cfg := c.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := cl.StartTLS(cfg); err != nil {
			return &Error{Class: FailTLS, Temporary: true, err: err}
		}
	}
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, host)); err != nil {
			return &Error{Class: FailAuth, err: err}
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return classify(err)
	}
	if err := cl.Rcpt(m.To); err != nil {
		return classify(err)
	}
	w, err := cl.Data()
	if err != nil {
		return classify(err)
	}
	if _, err := w.Write(c.format(m)); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	return classify(cl.Quit())
}

// format writes the message: plain text, UTF-8, quoted-printable free (the
// text is short and its lines are short), headers without any user input
// but the address.
func (c *SMTP) format(m Message) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", c.From)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", encodeHeader(m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// encodeHeader encodes a subject with letters outside ASCII (ë, ç) as an
// RFC 2047 word.
func encodeHeader(s string) string {
	for _, r := range s {
		if r > 126 || r < 32 {
			return mime.QEncoding.Encode("utf-8", s)
		}
	}
	return s
}

func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return &Error{Class: fmt.Sprintf("%s %d", FailSMTP, te.Code), Temporary: te.Code >= 400 && te.Code < 500, err: err}
	}
	return &Error{Class: FailDial, Temporary: true, err: err}
}

// Deliver sends one message and says what a failure was: its class and
// whether to try again later (the shape door.Sender asks for).
func (c *SMTP) Deliver(ctx context.Context, to, subject, body string) (class string, temporary bool, err error) {
	err = c.Send(ctx, Message{To: to, Subject: subject, Body: body})
	var me *Error
	if errors.As(err, &me) {
		return me.Class, me.Temporary, err
	}
	return "", false, err
}
