package door

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// Attachments (issue 15, part 5). A file added to a record or a referral is
// part of the record's identity part: whoever may see the identity may see
// its name and download it; a reader with less (a shelter under a summary
// scope) sees that it exists — kind, type, size, date, who added it — and
// nothing else. Its content is checked by its bytes (attachment_file.go),
// an image is decoded and encoded again so nothing of its metadata (EXIF,
// GPS, XMP) survives, and it is sealed with the person's own data key in
// chunks, so it streams in and out in flat memory and is crypto-shredded
// with the person. Every list, addition and download leaves an audit entry.
//
// An upload is written in steps so that no write transaction waits on a
// slow client: the pending row is made (the access decided) in one
// transaction, each chunk is written in a short one of its own, and the
// last transaction checks the access again, makes the attachment ready and
// appends the audit entry. Until then it is invisible; on failure it is
// deleted, and the retention job deletes one a crash left pending. A
// download decides the access and appends its audit entry in one
// transaction, which commits before the first byte is read: no byte leaves
// without its entry.

// Audit actions of attachments.
const (
	ActAttachmentAdd      = "attachment.add"
	ActAttachmentList     = "attachment.list"
	ActAttachmentDownload = "attachment.download"
)

// Defaults of the attachment settings.
const (
	DefaultAttachmentMax = 20 << 20
	DefaultAttachWindow  = 24 * time.Hour
)

// TLAttachment is the timeline entry of an added attachment (its kind
// only). It is also the record's activity retention counts from.
const TLAttachment = "attachment_added"

func init() { TimelineKinds = append(TimelineKinds, TLAttachment) }

// attachPendingFor is how long an unfinished upload may stay before the
// retention job deletes it.
const attachPendingFor = 24 * time.Hour

// AttachmentMax is the largest file accepted, in bytes.
func (s *Service) AttachmentMax() int64 {
	if s.set.AttachmentMax > 0 {
		return s.set.AttachmentMax
	}
	return DefaultAttachmentMax
}

func (s *Service) attachWindow() time.Duration {
	if s.set.AttachWindow > 0 {
		return s.set.AttachWindow
	}
	return DefaultAttachWindow
}

// attachTarget is a record as an attachment access sees it.
type attachTarget struct {
	p       *personRow
	content bool   // the reader may see names and content (the identity part)
	mayAdd  bool   // the reader may add a file
	onlyRef string // the referral the reader reaches the record through, its window open; "" for ordinary access
	ref     string // the reader's own referral of the person, its window open ("" if none)
}

// attachLoad decides an attachment access. Beside the ordinary relation, the
// referrer of a referral sent within the window may add files to it and
// see the list of what they added (never the content of others' files).
func (s *Service) attachLoad(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string, acc nrm.Access) (*attachTarget, error) {
	ref, err := s.windowReferral(ctx, tx, a, personID)
	if err != nil {
		return nil, err
	}
	p, parts, err := s.load(ctx, tx, a, personID, acc)
	var d *denied
	if errors.As(err, &d) && ref != "" {
		p, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM persons WHERE id = ?`, personID), false)
		if err != nil {
			return nil, err
		}
		return &attachTarget{p: p, mayAdd: true, onlyRef: ref, ref: ref}, nil
	}
	if err != nil {
		return nil, err
	}
	t := &attachTarget{p: p, content: hasPart(parts, nrm.PartIdentity), ref: ref}
	t.mayAdd = ref != "" || (scoped(a, nrm.Write) == nil && hasPart(nrm.Decide(a, p.rel, nrm.Write), nrm.PartIdentity))
	return t, nil
}

// windowReferral is the actor's latest referral of the person sent within
// the window, or "".
func (s *Service) windowReferral(ctx context.Context, tx *store.Tx, a *nrm.Actor, personID string) (string, error) {
	if a.UserID == "" {
		return "", nil
	}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM referrals WHERE person_id = ? AND user_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1`,
		personID, a.UserID, store.Micros(tx.Now.Add(-s.attachWindow()))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// AttachmentList is the attachments of a record as the reader may see them.
type AttachmentList struct {
	PersonID, Code string
	Items          []nrm.Attachment
	MayAdd         bool // the reader may add a file
	Content        bool // the reader may see names and download
}

const attachCols = `a.id, a.person_id, a.referral_id, a.kind, a.content_type, a.name, a.size, a.chunks, a.added_by, COALESCE(u.display_name, ''), a.added_org, a.created_at`

type attachRow struct {
	nrm.Attachment
	name   []byte
	chunks int
}

func scanAttachment(sc interface{ Scan(...any) error }) (attachRow, error) {
	var r attachRow
	var at int64
	err := sc.Scan(&r.ID, &r.PersonID, &r.ReferralID, &r.Kind, &r.ContentType, &r.name, &r.Size, &r.chunks, &r.AddedBy, &r.AddedByName, &r.AddedOrg, &at)
	r.CreatedAt = store.Time(at)
	return r, err
}

// ListAttachments lists a record's attachments: kind, type, size, date and
// who added each; the names only for a reader who may see the identity.
func (s *Service) ListAttachments(ctx context.Context, a *nrm.Actor, personID string) (*AttachmentList, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *AttachmentList
	err := s.access(ctx, a, ActAttachmentList, func(tx *store.Tx) error {
		t, err := s.attachLoad(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		q := `SELECT ` + attachCols + ` FROM attachments a LEFT JOIN users u ON u.id = a.added_by WHERE a.person_id = ? AND a.state = 'ready'`
		args := []any{personID}
		if t.onlyRef != "" {
			q += ` AND a.referral_id = ? AND a.added_by = ?`
			args = append(args, t.onlyRef, a.UserID)
		}
		rows, err := collect(ctx, tx, func(r *sql.Rows) (attachRow, error) { return scanAttachment(r) }, q+` ORDER BY a.created_at, a.id`, args...)
		if err != nil {
			return err
		}
		out = &AttachmentList{PersonID: t.p.ID, Code: t.p.Code, MayAdd: t.mayAdd, Content: t.content}
		for _, r := range rows {
			if t.content && len(r.name) > 0 {
				if r.Name, err = s.openFor(ctx, tx, t.p, "attachments", "name", r.ID, r.name); err != nil {
					return err
				}
			}
			r.ContentShown = t.content
			out.Items = append(out.Items, r.Attachment)
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAttachmentList, subject: t.p.ID,
			fields: []string{"count:" + strconv.Itoa(len(rows)), "content:" + strconv.FormatBool(t.content)}, breakGlass: t.p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddAttachment adds a file to a record (or, for its referrer within the
// window, to their referral), reading body once, in chunks. The content
// must be a PDF, a JPEG or a PNG (by its bytes) of at most AttachmentMax
// bytes; an image is stored re-encoded, without its metadata. Bad input is
// an error naming the field ("kind", "file"); nothing of a refused or
// failed upload is kept.
func (s *Service) AddAttachment(ctx context.Context, a *nrm.Actor, personID string, in nrm.AttachmentInput, body io.Reader) (*nrm.Attachment, error) {
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	att, dek, err := s.beginAttachment(ctx, a, personID, in)
	if err != nil {
		return nil, err
	}
	f, err := s.writeAttachment(ctx, att.ID, dek, body)
	if err == nil {
		err = s.finishAttachment(ctx, a, att, f)
	}
	if err != nil {
		s.dropAttachment(context.WithoutCancel(ctx), att.ID)
		return nil, fail(err)
	}
	return att, nil
}

// beginAttachment decides the access and writes the pending row.
func (s *Service) beginAttachment(ctx context.Context, a *nrm.Actor, personID string, in nrm.AttachmentInput) (*nrm.Attachment, *vault.DEK, error) {
	var att *nrm.Attachment
	var dek *vault.DEK
	err := s.access(ctx, a, ActAttachmentAdd, func(tx *store.Tx) error {
		t, err := s.attachLoad(ctx, tx, a, personID, nrm.Write)
		if err != nil {
			return err
		}
		if !t.mayAdd {
			return &denied{subject: t.p.ID}
		}
		if dek, err = s.dataKey(ctx, tx, t.p, true); err != nil {
			return err
		}
		att = &nrm.Attachment{ID: newID(), PersonID: t.p.ID, ReferralID: t.ref, Kind: in.Kind, Name: in.Name,
			AddedBy: a.UserID, AddedOrg: a.OrgID, CreatedAt: tx.Now, ContentShown: t.content}
		var name []byte
		if in.Name != "" {
			if name, err = dek.Seal([]byte(in.Name), "attachments", "name", att.ID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO attachments (id, person_id, referral_id, kind, name, state, added_by, added_org, created_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, att.ID, att.PersonID, att.ReferralID, att.Kind, name, att.AddedBy, att.AddedOrg, store.Micros(tx.Now))
		return err
	})
	return att, dek, err
}

// finishAttachment checks the access again and makes the attachment ready,
// with its audit entry.
func (s *Service) finishAttachment(ctx context.Context, a *nrm.Actor, att *nrm.Attachment, f storedFile) error {
	return s.access(ctx, a, ActAttachmentAdd, func(tx *store.Tx) error {
		t, err := s.attachLoad(ctx, tx, a, att.PersonID, nrm.Write)
		if err != nil {
			return err
		}
		if !t.mayAdd || !t.p.ErasedAt.IsZero() {
			return &denied{subject: t.p.ID}
		}
		res, err := tx.Exec(ctx, `UPDATE attachments SET state = 'ready', content_type = ?, size = ?, chunks = ? WHERE id = ? AND state = 'pending'`,
			f.contentType, f.size, f.chunks, att.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("door: attachment %s is no longer pending", att.ID)
		}
		att.ContentType, att.Size = f.contentType, f.size
		fields := []string{"attachment:" + att.ID, "kind:" + att.Kind, "type:" + f.contentType, "size:" + strconv.FormatInt(f.size, 10)}
		if att.ReferralID != "" {
			fields = append(fields, "referral:"+att.ReferralID)
		}
		if err := s.tl(ctx, tx, a, t.p.ID, TLAttachment, nrm.PartSummary, map[string]string{"kind": att.Kind}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAttachmentAdd, subject: t.p.ID, fields: fields})
	})
}

// dropAttachment deletes what a failed upload wrote (best effort: the
// retention job deletes what is left pending).
func (s *Service) dropAttachment(ctx context.Context, id string) {
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM attachment_chunks WHERE attachment_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM attachments WHERE id = ? AND state = 'pending'`, id)
		return err
	})
	if err != nil {
		s.log.Warn("attachment: dropping a failed upload", "err", err)
	}
}

// AttachmentContent is an attachment opened for download: its audit entry
// is written; WriteTo streams the content, one chunk in memory at a time.
type AttachmentContent struct {
	nrm.Attachment
	ctx    context.Context
	s      *Service
	dek    *vault.DEK
	chunks int
}

// OpenAttachment opens an attachment for download. Only a reader who may
// see the record's identity may; to anyone else it answers as missing
// (and the refusal is audited).
func (s *Service) OpenAttachment(ctx context.Context, a *nrm.Actor, personID, id string) (*AttachmentContent, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out *AttachmentContent
	err := s.access(ctx, a, ActAttachmentDownload, func(tx *store.Tx) error {
		t, err := s.attachLoad(ctx, tx, a, personID, nrm.Read)
		if err != nil {
			return err
		}
		if !t.content || !t.p.ErasedAt.IsZero() {
			return &denied{subject: t.p.ID}
		}
		r, err := scanAttachment(tx.QueryRow(ctx, `SELECT `+attachCols+` FROM attachments a LEFT JOIN users u ON u.id = a.added_by
			WHERE a.id = ? AND a.person_id = ? AND a.state = 'ready'`, id, t.p.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return &denied{subject: t.p.ID}
		} else if err != nil {
			return err
		}
		if r.Name, err = s.openFor(ctx, tx, t.p, "attachments", "name", r.ID, r.name); err != nil {
			return err
		}
		dek, err := s.dataKey(ctx, tx, t.p, false)
		if err != nil {
			return err
		}
		r.ContentShown = true
		out = &AttachmentContent{Attachment: r.Attachment, ctx: ctx, s: s, dek: dek, chunks: r.chunks}
		return s.appendAudit(ctx, tx, a, event{action: ActAttachmentDownload, subject: t.p.ID,
			fields: []string{"attachment:" + r.ID, "kind:" + r.Kind}, breakGlass: t.p.glass})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteTo writes the content to w, reading and opening one chunk at a time.
func (c *AttachmentContent) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for seq := 0; seq < c.chunks; seq++ {
		var ct []byte
		err := c.s.db.View(c.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(c.ctx, `SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?`, c.ID, seq).Scan(&ct)
		})
		if err != nil {
			return total, fail(err) // erased meanwhile, or a storage error
		}
		pt, err := c.dek.Open(ct, chunkTable, chunkColumn, chunkRecord(c.ID, seq, seq == c.chunks-1))
		if err != nil {
			return total, err
		}
		n, err := w.Write(pt)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// eraseAttachments deletes a person's attachments (retention's erase).
func eraseAttachments(ctx context.Context, tx *store.Tx, personID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE person_id = ?)`, personID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM attachments WHERE person_id = ?`, personID)
	return err
}

// dropPending deletes uploads left pending before cutoff (a crash mid-upload).
func dropPending(ctx context.Context, tx *store.Tx, cutoff time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE state = 'pending' AND created_at < ?)`, store.Micros(cutoff)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM attachments WHERE state = 'pending' AND created_at < ?`, store.Micros(cutoff))
	return err
}
