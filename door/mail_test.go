package door_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"net"

	"github.com/emersion/go-smtp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/mail"
	"github.com/nrm-org/nrm/store"
)

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) on a free
// local port, keeping what it receives; it answers 451 to the next
// `reject` recipients.
type smtpServer struct {
	mu     sync.Mutex
	got    []smtpMessage
	reject int
	addr   string
}

type smtpMessage struct {
	from string
	to   []string
	data string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s}, nil }

func (s *smtpServer) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.got...)
}

type smtpSession struct {
	srv *smtpServer
	msg smtpMessage
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error { x.msg.from = from; return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.srv.mu.Lock()
	defer x.srv.mu.Unlock()
	if x.srv.reject > 0 {
		x.srv.reject--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.msg.to = append(x.msg.to, to)
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.msg.data = string(b)
	x.srv.mu.Lock()
	x.srv.got = append(x.srv.got, x.msg)
	x.srv.mu.Unlock()
	return nil
}
func (x *smtpSession) Reset()        { x.msg = smtpMessage{} }
func (x *smtpSession) Logout() error { return nil }

// TestMailThatWorkWaits: workers with an address are told, by a real SMTP
// server, how many items wait — and nothing else: no name, no code, no
// form of exploitation. Immediate mail goes at once, the daily digest once
// a day, an escalation at once even to a digest reader; a refused delivery
// is tried again later; without a server the message is kept as not sent;
// each run is audited as counts.
func TestMailThatWorkWaits(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		srv := startSMTP(t)
		c := &mail.SMTP{Addr: srv.addr, From: "nrm@nrm.example", Timeout: 10 * time.Second}
		const link = "https://nrm.example/"
		send := func(ctx context.Context, m door.Mail) (string, bool, error) {
			subject, body := mail.Compose(func(k string, a ...any) string { return cat.T(m.Lang, k, a...) }, m.Items, link)
			return c.Deliver(ctx, m.To, subject, body)
		}
		for a, m := range map[*nrm.Actor]door.MailSettings{
			w.raOff: {Email: "ra@nrm.example", Mode: door.NotifyDaily},
			w.cmB:   {Email: "cmb@nrm.example", Mode: door.NotifyImmediate},
		} {
			if err := w.Door.SetMailSettings(ctx, a, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Door.SetMailSettings(ctx, w.sp, door.MailSettings{Email: "Someone <x@y>", Mode: door.NotifyDaily}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("an address with a name: %v", err)
		}
		if got, err := w.Door.MyMailSettings(ctx, w.cmB); err != nil || got.Email != "cmb@nrm.example" || got.Mode != door.NotifyImmediate {
			t.Fatalf("settings read back: %+v %v", got, err)
		}
		var sealed []byte
		if err := readRow(w.DB, `SELECT email FROM users WHERE id = ?`, w.cmB.UserID)(&sealed); err != nil || strings.Contains(string(sealed), "cmb@") {
			t.Fatalf("the address is not sealed at rest: %v", err)
		}

		refer := func(given string) *nrm.Person {
			t.Helper()
			res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
				MetOn: clock.Now().Format("2006-01-02"), MetRegion: "tirane", MetHow: "border_check",
				Identity: &nrm.Identity{GivenName: given, FamilyName: "Haddad", BirthDate: "1994"},
				Sex:      "male", Nationalities: []string{"SYR"}, AgeBasis: nrm.AgeDeclared, AgeYears: ptr(32),
				Needs:      []nrm.NeedRequest{{Need: nrm.NeedShelter, OrgID: "org-b"}},
				Indicators: indicators(t, "labour", "A", "B", "C"), Consent: nrm.ConsentGiven,
			})
			if err != nil {
				t.Fatal(err)
			}
			return res.Person
		}
		p := refer("Amir")

		run, err := w.Door.QueueMail(ctx)
		if err != nil || run.Queued != 2 {
			t.Fatalf("first round: %+v %v", run, err)
		}
		sent, err := w.Door.SendMail(ctx, send, 50)
		if err != nil || sent.Sent != 2 {
			t.Fatalf("send: %+v %v", sent, err)
		}
		msgs := srv.messages()
		if len(msgs) != 2 {
			t.Fatalf("the server received %d messages", len(msgs))
		}
		forbidden := []string{p.Code, p.ID, "Amir", "Haddad", "SYR", "labour", "pun", "shelter", "strehë", "cmb.user", "ra.user"}
		for _, m := range msgs {
			low := strings.ToLower(m.data)
			for _, f := range forbidden {
				if strings.Contains(low, strings.ToLower(f)) {
					t.Fatalf("the message to %v carries %q:\n%s", m.to, f, m.data)
				}
			}
			if !strings.Contains(m.data, link) || !strings.Contains(m.data, "nrm") {
				t.Fatalf("no link in:\n%s", m.data)
			}
		}
		// Nothing new: nothing sent; one more referral goes at once to the
		// immediate reader, not to the digest reader within its day.
		if run, _ := w.Door.QueueMail(ctx); run.Queued != 0 {
			t.Fatalf("a second round with nothing new queued %d", run.Queued)
		}
		clock.Advance(time.Hour)
		refer("Bashir")
		if run, _ := w.Door.QueueMail(ctx); run.Queued != 1 {
			t.Fatalf("a new referral: %d queued, want 1 (the immediate reader)", run.Queued)
		}
		// A refused delivery is tried again later, not at once.
		srv.reject = 1
		if s, err := w.Door.SendMail(ctx, send, 50); err != nil || s.Retry != 1 {
			t.Fatalf("a 451: %+v %v", s, err)
		}
		if s, _ := w.Door.SendMail(ctx, send, 50); s.Attempts != 0 {
			t.Fatalf("tried again before its time: %+v", s)
		}
		clock.Advance(2 * time.Minute)
		if s, _ := w.Door.SendMail(ctx, send, 50); s.Sent != 1 {
			t.Fatalf("the retry: %+v", s)
		}
		msgs = srv.messages()
		if last := msgs[len(msgs)-1]; last.to[0] != "cmb@nrm.example" {
			t.Fatalf("retry went to %v", last.to)
		}

		// Days later: missed clocks escalate to the RA, who is told at once
		// (kind immediate) although a digest reader.
		clock.Advance(6 * 24 * time.Hour)
		if n, err := w.Door.EscalateDeadlines(ctx); err != nil || n == 0 {
			t.Fatalf("escalations: %d %v", n, err)
		}
		if _, err := w.Door.QueueMail(ctx); err != nil {
			t.Fatal(err)
		}
		var kind string
		if err := readRow(w.DB, `SELECT kind FROM mail_outbox WHERE user_id = ? ORDER BY created_at DESC LIMIT 1`, w.raOff.UserID)(&kind); err != nil || kind != door.NotifyImmediate {
			t.Fatalf("the RA's message after an escalation: %q %v", kind, err)
		}

		// No mail server (the demo): kept as not sent, shown to its worker.
		if s, err := w.Door.SendMail(ctx, nil, 50); err != nil || s.NotSent == 0 || s.Attempts != 0 {
			t.Fatalf("without a server: %+v %v", s, err)
		}
		mine, err := w.Door.MyMail(ctx, w.raOff)
		if err != nil || len(mine) == 0 || mine[0].State != door.MailNotSent || mine[0].Items == 0 {
			t.Fatalf("the RA's messages: %+v %v", mine, err)
		}

		// Audited as counts: no entry of the job names a record.
		var n int
		if err := readRow(w.DB, `SELECT COUNT(*) FROM audit_log WHERE action IN ('mail.queue', 'mail.send') AND subject = ''`)(&n); err != nil || n < 4 {
			t.Fatalf("audit entries of the mail job: %d %v", n, err)
		}
	})
}

// readRow reads one row through a transaction (which binds for the engine).
func readRow(db *store.DB, q string, args ...any) func(dest ...any) error {
	return func(dest ...any) error {
		return db.Update(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(dest...) })
	}
}
