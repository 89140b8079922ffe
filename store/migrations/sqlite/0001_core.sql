-- Core schema: organisations, users, sessions, tokens, persons (identity
-- encrypted per field), per-person data keys, disclosure grants,
-- assignments, break-glass openings and the hash-chained audit trail.
-- Times are Unix microseconds (BIGINT); booleans are 0/1 INTEGER.

CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  regions TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  lang TEXT NOT NULL DEFAULT 'sq',
  disabled INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT NOT NULL,
  totp_secret BLOB,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  recovery_hashes TEXT NOT NULL DEFAULT '',
  require_webauthn INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE webauthn_credentials (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_user ON webauthn_credentials(user_id);

CREATE TABLE sessions (
  id_hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  stage TEXT NOT NULL,
  csrf TEXT NOT NULL,
  lang TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  mfa_at BIGINT NOT NULL DEFAULT 0,
  pending BLOB
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash BLOB NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE subject_keys (
  subject_id TEXT PRIMARY KEY,
  wrapped BLOB NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE persons (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  owner_org TEXT NOT NULL REFERENCES orgs(id),
  region TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  age_group TEXT NOT NULL DEFAULT 'unknown',
  presumed_child INTEGER NOT NULL DEFAULT 0,
  sex TEXT NOT NULL DEFAULT '',
  nationality TEXT NOT NULL DEFAULT '',
  given_name BLOB,
  family_name BLOB,
  aliases BLOB,
  birth_date BLOB,
  doc_number BLOB,
  phone BLOB,
  address BLOB,
  narrative BLOB,
  name_bidx TEXT NOT NULL DEFAULT '',
  dup_bidx TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX persons_owner ON persons(owner_org, updated_at);
CREATE INDEX persons_updated ON persons(updated_at);
CREATE INDEX persons_name_bidx ON persons(name_bidx);
CREATE INDEX persons_dup_bidx ON persons(dup_bidx);

CREATE TABLE assignments (
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (person_id, user_id)
);
CREATE INDEX assignments_user ON assignments(user_id);

CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  parts TEXT NOT NULL,
  basis TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX grants_person_org ON grants(person_id, org_id);
CREATE INDEX grants_org ON grants(org_id);

CREATE TABLE breakglass (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  reason BLOB NOT NULL,
  opened_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX breakglass_user_person ON breakglass(user_id, person_id);
CREATE INDEX breakglass_opened ON breakglass(opened_at);

CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor_user TEXT NOT NULL,
  actor_org TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  fields TEXT NOT NULL,
  outcome TEXT NOT NULL,
  break_glass INTEGER NOT NULL,
  reason BLOB,
  remote TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_subject ON audit_log(subject, seq);
CREATE INDEX audit_actor ON audit_log(actor_user, seq);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash BLOB NOT NULL
);

CREATE TABLE audit_checkpoints (
  size BIGINT PRIMARY KEY,
  root BLOB NOT NULL,
  at BIGINT NOT NULL,
  key_id TEXT NOT NULL,
  sig BLOB NOT NULL
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
