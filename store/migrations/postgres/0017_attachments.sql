-- Attachments of a record or a referral (issue 15 part 5): a photo of a
-- document, a medical certificate, a signed consent form. The content is
-- encrypted with the person's own data key in chunks (attachment_chunks:
-- each chunk a vault envelope bound to the attachment, its position and
-- whether it is the last), so a file streams in and out in flat memory and
-- is crypto-shredded with the person. The file's name is sealed too; the
-- kind, type, size and date are what a summary scope may see.
-- kind: 'identity_document' | 'medical_certificate' | 'consent_form' | 'other';
-- content_type: 'application/pdf' | 'image/jpeg' | 'image/png';
-- state: 'pending' while the chunks are written, 'ready' once complete.

CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  referral_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  name BYTEA,
  size BIGINT NOT NULL DEFAULT 0,
  chunks INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending',
  added_by TEXT NOT NULL,
  added_org TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX attachments_person ON attachments(person_id, created_at);

CREATE TABLE attachment_chunks (
  attachment_id TEXT NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (attachment_id, seq)
);
