-- Worklists and e-mail about waiting work (issue 14, parts 2 and 6).
--
-- Every queue of the home page reads an index in the order it pages
-- (keyset on the queue's time, then the row id), most of them partial, so
-- a queue costs the page it shows, never a scan of the register. An
-- index's equality column comes first where SQLite, which plans without
-- statistics, would otherwise prefer an older index on it. The break-glass review's
-- condition is one column, reviewed_at (0: not reviewed), which the
-- review itself sets (door/worklists.go, breakGlassUnreviewed).
--
-- A worker may give a work e-mail address (encrypted with a system key:
-- it is the worker's, not the person's, but a list of who works in
-- shelters and police units is worth protecting) and choose immediate
-- mail or a daily digest. mail_outbox holds what is to be sent (a count
-- and the user, never an address or a record); mail_items remembers which
-- item each user was told about, so no item is mailed twice.

CREATE INDEX persons_unregistered ON persons(created_at, id) WHERE registered_at = 0 AND merged_into = '';
CREATE INDEX duplicate_links_possible ON duplicate_links(created_at, a, b) WHERE state = 'possible';
CREATE INDEX identification_requests_open ON identification_requests(created_at, id) WHERE state = 'open';
CREATE INDEX decisions_signing ON decisions(request_id, created_at) WHERE state = 'signing';
CREATE INDEX decisions_signing_at ON decisions(created_at, id) WHERE state = 'signing';
CREATE INDEX deadlines_due ON deadlines(org_id, met_at, due_at, id) WHERE rule NOT IN ('immediate_needs', 'referral_acknowledgement',
  'referral_acknowledgement_emergency', 'ra_registration', 'identification_decision', 'reconsideration_decision');
CREATE INDEX deadlines_escalated ON deadlines(met_at, escalated_at, id) WHERE escalated_at > 0;
CREATE INDEX tasks_org_open ON tasks(org_id, created_at, id) WHERE state = 'open';
CREATE INDEX service_referrals_to_open ON service_referrals(to_org, sent_at, id) WHERE state IN ('sent', 'received', 'accepted', 'in_progress');

-- breakglass.reviewed_at comes with the review itself (0015_evidence).
CREATE INDEX breakglass_unreviewed ON breakglass(opened_at, id) WHERE reviewed_at = 0;

ALTER TABLE users ADD COLUMN email BYTEA;
ALTER TABLE users ADD COLUMN notify_mode TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE users ADD COLUMN mail_checked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN digest_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE mail_outbox (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,            -- immediate or digest
  items INTEGER NOT NULL,        -- how many items wait (the only thing the message says)
  state TEXT NOT NULL,           -- pending, sent, failed, not_sent (no mail server configured)
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL,       -- the earliest next attempt (µs)
  claimed_until BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', -- a class of failure (smtp 451, dial, tls), never the server's text
  created_at BIGINT NOT NULL,
  sent_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_at, id) WHERE state = 'pending';
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
CREATE INDEX mail_outbox_created ON mail_outbox(created_at);

CREATE TABLE mail_items (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  item TEXT NOT NULL,            -- queue kind and row id, e.g. registration:<person id>
  outbox_id TEXT NOT NULL DEFAULT '', -- the message that told of it ('' while waiting for the digest)
  escalation INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, channel, item)
);
CREATE INDEX mail_items_untold ON mail_items(user_id, channel) WHERE outbox_id = '';
