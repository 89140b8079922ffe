package app

import (
	"context"
	"time"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/mail"
)

// mailer runs the job that tells workers by e-mail that work waits (issue
// 14 part 6), every --mail-interval, through the door: it never runs inside
// a request, so a slow or absent mail server delays no one.
func (a *App) mailer(ctx context.Context) {
	every := a.Config.MailInterval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	send := a.mailSender()
	for {
		if run, err := a.Door.QueueMail(ctx); err != nil {
			a.Log.Error("mail queue failed", "err", err)
		} else if run.Queued > 0 {
			a.Log.Info("mail queued", "messages", run.Queued, "workers", run.Users)
		}
		if run, err := a.Door.SendMail(ctx, send, 50); err != nil {
			a.Log.Error("mail send failed", "err", err)
		} else if run.Sent+run.Retry+run.Failed+run.NotSent > 0 {
			a.Log.Info("mail sent", "sent", run.Sent, "retry", run.Retry, "failed", run.Failed, "not_sent", run.NotSent)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// mailSender sends through --smtp-addr, in each worker's language; nil
// without a server (the demo: messages are kept and shown, not sent).
func (a *App) mailSender() door.Sender {
	if a.Config.SMTPAddr == "" {
		return nil
	}
	c := &mail.SMTP{Addr: a.Config.SMTPAddr, From: a.Config.SMTPFrom, User: a.Config.SMTPUser, Password: a.Config.SMTPPassword}
	link := a.origin + "/"
	return func(ctx context.Context, m door.Mail) (string, bool, error) {
		subject, body := mail.Compose(func(k string, args ...any) string { return a.cat.T(m.Lang, k, args...) }, m.Items, link)
		return c.Deliver(ctx, m.To, subject, body)
	}
}
