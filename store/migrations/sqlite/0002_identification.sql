-- Identification and protection (issue #3): referrals with structured
-- indicator answers, the status history the Responsible Authority's register
-- and the monitoring work read, immediate-needs tasks, deadlines from the
-- jurisdiction profile, notifications, guardians, formal identification
-- requests and two-party panel decisions, return steps under the reflection
-- period guard, non-punishment flags, duplicate links, referral drafts and a
-- per-person timeline. Free text about a person is encrypted with that
-- person's data key (BLOB columns); codes and times stay in clear for the
-- register and statistics.

ALTER TABLE persons ADD COLUMN age_basis TEXT NOT NULL DEFAULT 'uncertain';
ALTER TABLE persons ADD COLUMN age_years INTEGER NOT NULL DEFAULT -1;
ALTER TABLE persons ADD COLUMN age_assessed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN age_method TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN nationalities TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN interpreter INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN preferred_gender TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN foreign_national INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN first_contact_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN potential_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN reflection_start BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN reflection_end BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN guardian_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN forms TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN non_punishment INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN justice_note BLOB;
ALTER TABLE persons ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN registered_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX persons_status ON persons(status, updated_at);

CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL,
  referrer_type TEXT NOT NULL,
  referrer_outside BLOB,
  met_on TEXT NOT NULL DEFAULT '',
  met_region TEXT NOT NULL DEFAULT '',
  met_place BLOB,
  met_how TEXT NOT NULL DEFAULT '',
  consent TEXT NOT NULL,
  safety TEXT NOT NULL DEFAULT '',
  safety_note BLOB,
  indicators TEXT NOT NULL DEFAULT '',
  catalogue TEXT NOT NULL DEFAULT '',
  profile TEXT NOT NULL DEFAULT '',
  threshold_met INTEGER NOT NULL DEFAULT 0,
  judged INTEGER NOT NULL DEFAULT 0,
  judged_reason BLOB,
  account BLOB,
  created_at BIGINT NOT NULL
);
CREATE INDEX referrals_person ON referrals(person_id, created_at);
CREATE INDEX referrals_org ON referrals(org_id, created_at);

CREATE TABLE status_changes (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  at BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  reason BLOB,
  ref TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_changes_person ON status_changes(person_id, at);
CREATE INDEX status_changes_at ON status_changes(at);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  done_at BIGINT NOT NULL DEFAULT 0,
  done_by TEXT NOT NULL DEFAULT '',
  note BLOB,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tasks_org ON tasks(org_id, state, created_at);
CREATE INDEX tasks_person ON tasks(person_id);

CREATE TABLE deadlines (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  rule TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  ref TEXT NOT NULL DEFAULT '',
  started_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  met_at BIGINT NOT NULL DEFAULT 0,
  escalated_at BIGINT NOT NULL DEFAULT 0,
  legal_ref TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deadlines_open ON deadlines(met_at, due_at);
CREATE INDEX deadlines_org ON deadlines(org_id, met_at, due_at);
CREATE INDEX deadlines_person ON deadlines(person_id);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  read_at BIGINT NOT NULL DEFAULT 0,
  read_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_org ON notifications(org_id, read_at, created_at);
CREATE INDEX notifications_person ON notifications(person_id);

CREATE TABLE guardians (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  org_id TEXT NOT NULL DEFAULT '',
  name BLOB,
  contact BLOB,
  recorded_at BIGINT NOT NULL,
  recorded_by TEXT NOT NULL
);
CREATE INDEX guardians_person ON guardians(person_id);

CREATE TABLE identification_requests (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  requested_by TEXT NOT NULL,
  explanation BLOB,
  language TEXT NOT NULL DEFAULT '',
  panel_orgs TEXT NOT NULL,
  reconsideration_of TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX identification_requests_person ON identification_requests(person_id, created_at);

CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES identification_requests(id),
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  outcome TEXT NOT NULL,
  reasons BLOB,
  interview_on TEXT NOT NULL,
  interviewer_gender TEXT NOT NULL DEFAULT '',
  gender_reason BLOB,
  interpreter_lang TEXT NOT NULL DEFAULT '',
  child_views BLOB,
  handover BLOB,
  told_on TEXT NOT NULL DEFAULT '',
  told_how TEXT NOT NULL DEFAULT '',
  told_lang TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  effective_at BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX decisions_person ON decisions(person_id, created_at);

CREATE TABLE decision_signatures (
  decision_id TEXT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id),
  org_id TEXT NOT NULL,
  org_type TEXT NOT NULL,
  signed_at BIGINT NOT NULL,
  PRIMARY KEY (decision_id, user_id)
);

CREATE TABLE return_steps (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  own_request INTEGER NOT NULL,
  note BLOB,
  at BIGINT NOT NULL,
  by_user TEXT NOT NULL
);
CREATE INDEX return_steps_person ON return_steps(person_id);

CREATE TABLE duplicate_links (
  a TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  b TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL DEFAULT 0,
  decided_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (a, b)
);
CREATE INDEX duplicate_links_b ON duplicate_links(b);

CREATE TABLE timeline (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  part TEXT NOT NULL,
  org_id TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  args TEXT NOT NULL DEFAULT ''
);
CREATE INDEX timeline_person ON timeline(person_id, at);

CREATE TABLE drafts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  step TEXT NOT NULL DEFAULT '',
  data BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX drafts_user ON drafts(user_id, updated_at);
