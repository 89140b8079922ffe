package door

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// E-mail that something waits (issue 14, part 6). A worker who gave a work
// address is told, without being signed in, that work waits for them or
// their organisation: "N items wait for you in nrm" and a link, nothing
// else — no name, no code, no form of exploitation. The work is what the
// worker's own queues hold (worklists.go), read as that worker, so a mail
// never counts what the worker could not see.
//
// Two steps, both background jobs, neither ever inside a request:
//
//   - QueueMail looks at every worker with an address, remembers the items
//     of their queues not told of yet (mail_items), and writes a message to
//     the outbox when one is due: at once for a worker who chose immediate
//     mail, or for an escalated clock whatever they chose; once a day for
//     the daily digest.
//   - SendMail claims due messages, sends them outside any transaction, and
//     records each as sent, or to try again later (at most mailAttempts
//     times, waiting longer each time), or failed.
//
// Each step leaves one audit entry per run that did something, with counts
// only.

// Notification modes of a worker.
const (
	NotifyImmediate = "immediate"
	NotifyDaily     = "daily"
)

// Outbox states.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
	// MailNotSent: no mail server is configured (the demo); the message is
	// kept so that the worker's account page shows what would have gone.
	MailNotSent = "not_sent"
)

// Audit actions of the mail job.
const (
	ActMailQueue    = "mail.queue"
	ActMailSend     = "mail.send"
	ActMailSettings = "mail.settings"
)

const (
	mailAttempts    = 5
	mailItemsCap    = 200 // items remembered per queue and worker per run
	mailUsersPer    = 200 // workers looked at per run
	mailClaimFor    = 2 * time.Minute
	mailDigestGap   = 24 * time.Hour
	mailRememberFor = 60 * 24 * time.Hour
)

// mailBackoff is how long to wait before attempt n+1 after n failed.
func mailBackoff(n int) time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}[min(max(n-1, 0), 4)]
}

// MailSettings are a worker's own e-mail choices.
type MailSettings struct {
	Email string // "" for no mail
	Mode  string // NotifyImmediate or NotifyDaily
}

// MyMailSettings reads the actor's own settings.
func (s *Service) MyMailSettings(ctx context.Context, a *nrm.Actor) (MailSettings, error) {
	var out MailSettings
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var ct []byte
		if err := tx.QueryRow(ctx, `SELECT email, notify_mode FROM users WHERE id = ?`, a.UserID).Scan(&ct, &out.Mode); err != nil {
			return err
		}
		if len(ct) > 0 {
			b, err := s.openSystem(ctx, tx, "users", "email", a.UserID, ct)
			if err != nil {
				return err
			}
			out.Email = string(b)
		}
		return nil
	})
	return out, fail(err)
}

// SetMailSettings stores the actor's own address (sealed under the system
// key of users) and mode. An empty address stops the mail.
func (s *Service) SetMailSettings(ctx context.Context, a *nrm.Actor, m MailSettings) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	m.Email = strings.TrimSpace(m.Email)
	if m.Mode != NotifyImmediate && m.Mode != NotifyDaily {
		return nrm.FieldError("mode", "error.unknown_value")
	}
	if m.Email != "" {
		addr, err := mail.ParseAddress(m.Email)
		if err != nil || addr.Name != "" || addr.Address != m.Email || len(m.Email) > 254 {
			return nrm.FieldError("email", "error.email")
		}
	}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		var ct any
		if m.Email != "" {
			b, err := s.sealSystem(ctx, tx, "users", "email", a.UserID, []byte(m.Email))
			if err != nil {
				return err
			}
			ct = b
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, notify_mode = ?, updated_at = ? WHERE id = ?`, ct, m.Mode, store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActMailSettings, fields: []string{"mode:" + m.Mode, "email:" + strconv.FormatBool(m.Email != "")}})
	}))
}

// MailRun counts what one run of the mail job did.
type MailRun struct {
	Users    int // workers looked at
	Queued   int // messages written to the outbox
	Sent     int
	Retry    int // failed for now, to try again
	Failed   int // given up
	NotSent  int // kept unsent: no mail server
	Attempts int // deliveries tried
}

// mailUser is a worker with an address, as the job reads them.
type mailUser struct {
	actor    *nrm.Actor
	mode     string
	digestAt time.Time
}

// QueueMail is the first step of the mail job: it looks at the workers with
// an address (those looked at longest ago first) and writes the messages
// that are due to the outbox, each worker in a short write of its own.
func (s *Service) QueueMail(ctx context.Context) (MailRun, error) {
	var run MailRun
	var users []mailUser
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		users, err = collect(ctx, tx, func(rows *sql.Rows) (mailUser, error) {
			var u mailUser
			var roles, regions string
			var orgType string
			var dg int64
			a := &nrm.Actor{}
			err := rows.Scan(&a.UserID, &a.OrgID, &roles, &orgType, &regions, &u.mode, &dg)
			a.Roles, a.OrgType, u.digestAt, u.actor = nrm.ParseRoles(roles), nrm.OrgType(orgType), store.Time(dg), a
			if regions != "" {
				a.Regions = strings.Split(regions, ",")
			}
			return u, err
		}, `SELECT u.id, u.org_id, u.roles, o.type, o.regions, u.notify_mode, u.digest_at FROM users u JOIN orgs o ON o.id = u.org_id
			WHERE u.email IS NOT NULL AND u.disabled = 0 ORDER BY u.mail_checked_at, u.id LIMIT ?`, mailUsersPer)
		return err
	})
	if err != nil {
		return run, fail(err)
	}
	for _, u := range users {
		queued, err := s.queueMailFor(ctx, u)
		if err != nil {
			return run, fail(err)
		}
		run.Users++
		if queued {
			run.Queued++
		}
	}
	if run.Queued > 0 {
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			return s.appendAudit(ctx, tx, nrm.SystemActor("mail"), event{action: ActMailQueue, fields: []string{"users:" + strconv.Itoa(run.Users), "queued:" + strconv.Itoa(run.Queued)}})
		})
	}
	return run, fail(err)
}

// queueMailFor remembers the worker's waiting items and writes a message
// when one is due. It reports whether it wrote one.
func (s *Service) queueMailFor(ctx context.Context, u mailUser) (bool, error) {
	queued := false
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		if _, err := tx.Exec(ctx, `UPDATE users SET mail_checked_at = ? WHERE id = ?`, now, u.actor.UserID); err != nil {
			return err
		}
		total, err := s.rememberItems(ctx, tx, u.actor)
		if err != nil {
			return err
		}
		var untold int
		var escalation int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(escalation), 0) FROM mail_items WHERE user_id = ? AND channel = 'email' AND outbox_id = ''`,
			u.actor.UserID).Scan(&untold, &escalation); err != nil {
			return err
		}
		if untold == 0 {
			return nil
		}
		if total == 0 { // what was new has already gone: nothing to tell
			_, err := tx.Exec(ctx, `DELETE FROM mail_items WHERE user_id = ? AND channel = 'email' AND outbox_id = ''`, u.actor.UserID)
			return err
		}
		kind := ""
		switch {
		case u.mode == NotifyImmediate || escalation != 0:
			kind = NotifyImmediate
		case tx.Now.Sub(u.digestAt) >= mailDigestGap:
			kind = "digest"
			if _, err := tx.Exec(ctx, `UPDATE users SET digest_at = ? WHERE id = ?`, now, u.actor.UserID); err != nil {
				return err
			}
		default:
			return nil // the digest's day has not come yet
		}
		id := newID()
		if _, err := tx.Exec(ctx, `INSERT INTO mail_outbox (id, user_id, channel, kind, items, state, next_at, created_at) VALUES (?, ?, 'email', ?, ?, ?, ?, ?)`,
			id, u.actor.UserID, kind, total, MailPending, now, now); err != nil {
			return err
		}
		queued = true
		_, err = tx.Exec(ctx, `UPDATE mail_items SET outbox_id = ? WHERE user_id = ? AND channel = 'email' AND outbox_id = ''`, id, u.actor.UserID)
		return err
	})
	return queued, err
}

// rememberItems records the worker's waiting items not yet remembered and
// returns how many items wait for the worker now (each queue's count).
func (s *Service) rememberItems(ctx context.Context, tx *store.Tx, a *nrm.Actor) (int, error) {
	total := 0
	for _, q := range nrm.Queues(a) {
		if !q.Waits() {
			continue
		}
		qq, _ := s.queueSQL(a, q, tx.Now)
		c, err := s.queueCount(ctx, tx, qq)
		if err != nil {
			return 0, err
		}
		total += c.N
		if c.N == 0 {
			continue
		}
		rows, err := s.queueItems(ctx, tx, q, qq, nil, mailItemsCap)
		if err != nil {
			return 0, err
		}
		for _, r := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO mail_items (user_id, channel, item, outbox_id, escalation, created_at) VALUES (?, 'email', ?, '', ?, ?)
				ON CONFLICT (user_id, channel, item) DO NOTHING`, a.UserID, string(q)+":"+r.item.ID, store.Int(q == nrm.QueueEscalations), store.Micros(tx.Now)); err != nil {
				return 0, err
			}
		}
	}
	// Forget items told of long ago, so the table stays small; one still
	// waiting then is told of again, once.
	_, err := tx.Exec(ctx, `DELETE FROM mail_items WHERE user_id = ? AND outbox_id <> '' AND created_at < ?`, a.UserID, store.Micros(tx.Now.Add(-mailRememberFor)))
	return total, err
}

// Mail is one message to send: to whom, in which language, how many items.
type Mail struct {
	ID       string
	To       string
	Lang     string
	Items    int
	Kind     string // NotifyImmediate or "digest"
	Attempts int
}

// Sender delivers one message; its error says whether to try again (see
// mail.Error: Temporary, Class). Nil: no mail server is configured.
type Sender func(ctx context.Context, m Mail) (class string, temporary bool, err error)

// SendMail is the second step of the mail job: it claims up to limit due
// messages, sends them (no transaction is open while it does) and records
// the outcome of each. With send nil the messages are kept as not sent.
func (s *Service) SendMail(ctx context.Context, send Sender, limit int) (MailRun, error) {
	var run MailRun
	claimed, err := s.claimMail(ctx, limit)
	if err != nil || len(claimed) == 0 {
		return run, fail(err)
	}
	type outcome struct {
		m         Mail
		class     string
		ok, retry bool
	}
	outs := make([]outcome, 0, len(claimed))
	for _, m := range claimed {
		o := outcome{m: m}
		if send != nil && m.To != "" {
			run.Attempts++
			class, temporary, err := send(ctx, m)
			o.ok, o.class, o.retry = err == nil, class, err != nil && temporary && m.Attempts+1 < mailAttempts
		}
		outs = append(outs, o)
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		now := tx.Now
		for _, o := range outs {
			var err error
			switch {
			case send == nil || o.m.To == "":
				run.NotSent++
				_, err = tx.Exec(ctx, `UPDATE mail_outbox SET state = ?, claimed_until = 0 WHERE id = ?`, MailNotSent, o.m.ID)
			case o.ok:
				run.Sent++
				_, err = tx.Exec(ctx, `UPDATE mail_outbox SET state = ?, attempts = attempts + 1, sent_at = ?, claimed_until = 0, last_error = '' WHERE id = ?`,
					MailSent, store.Micros(now), o.m.ID)
			case o.retry:
				run.Retry++
				_, err = tx.Exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_at = ?, claimed_until = 0, last_error = ? WHERE id = ?`,
					store.Micros(now.Add(mailBackoff(o.m.Attempts+1))), o.class, o.m.ID)
			default:
				run.Failed++
				_, err = tx.Exec(ctx, `UPDATE mail_outbox SET state = ?, attempts = attempts + 1, claimed_until = 0, last_error = ? WHERE id = ?`,
					MailFailed, o.class, o.m.ID)
			}
			if err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, nrm.SystemActor("mail"), event{action: ActMailSend, fields: []string{
			"sent:" + strconv.Itoa(run.Sent), "retry:" + strconv.Itoa(run.Retry), "failed:" + strconv.Itoa(run.Failed), "not_sent:" + strconv.Itoa(run.NotSent)}})
	})
	return run, fail(err)
}

// claimMail claims due messages for mailClaimFor, so that two jobs never
// send the same message, and opens their addresses.
func (s *Service) claimMail(ctx context.Context, limit int) ([]Mail, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Mail
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		type row struct {
			m  Mail
			ct []byte
		}
		rows, err := collect(ctx, tx, func(rows *sql.Rows) (row, error) {
			var r row
			err := rows.Scan(&r.m.ID, &r.m.Items, &r.m.Kind, &r.m.Attempts, &r.m.Lang, &r.ct, &r.m.To)
			return r, err
		}, `SELECT m.id, m.items, m.kind, m.attempts, u.lang, u.email, u.id FROM mail_outbox m JOIN users u ON u.id = m.user_id
			WHERE m.state = 'pending' AND m.next_at <= ? AND m.claimed_until < ? ORDER BY m.next_at, m.id LIMIT ?`, now, now, limit)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, r := range rows {
			userID := r.m.To
			r.m.To = ""
			if len(r.ct) > 0 {
				b, err := s.openSystem(ctx, tx, "users", "email", userID, r.ct)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				r.m.To = string(b)
			}
			if _, err := tx.Exec(ctx, `UPDATE mail_outbox SET claimed_until = ? WHERE id = ?`, store.Micros(tx.Now.Add(mailClaimFor)), r.m.ID); err != nil {
				return err
			}
			out = append(out, r.m)
		}
		return nil
	})
	return out, err
}

// SentMail is one message of the outbox as its worker's account page shows
// it: when, how many items, and what became of it.
type SentMail struct {
	Kind, State string
	Items       int
	At          time.Time
}

// MyMail lists the actor's last messages, newest first.
func (s *Service) MyMail(ctx context.Context, a *nrm.Actor) ([]SentMail, error) {
	var out []SentMail
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		out, err = collect(ctx, tx, func(rows *sql.Rows) (SentMail, error) {
			var m SentMail
			var at int64
			err := rows.Scan(&m.Kind, &m.State, &m.Items, &at)
			m.At = store.Time(at)
			return m, err
		}, `SELECT kind, state, items, created_at FROM mail_outbox WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT 10`, a.UserID)
		return err
	})
	return out, fail(err)
}
