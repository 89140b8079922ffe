-- Informed consent (issue #4): a versioned consent ledger that the door
-- enforces at every access, and protection measures for children with the
-- child's own consent or an interim decision awaiting a court.
--
-- A consent row is never edited in substance: a change is a new version
-- (same chain) that supersedes the old one; a withdrawal stamps the row.
-- Recipients are named organisations or types of organisation; the door
-- discloses to them only the parts the consent's scope covers, and only
-- while the consent is active.

CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  chain TEXT NOT NULL,
  version INTEGER NOT NULL,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  scope TEXT NOT NULL,
  given_by TEXT NOT NULL,
  guardian_name BYTEA,
  child_assent TEXT NOT NULL DEFAULT '',
  how TEXT NOT NULL DEFAULT '',
  interpreter INTEGER NOT NULL DEFAULT 0,
  language TEXT NOT NULL DEFAULT '',
  text_version TEXT NOT NULL DEFAULT '',
  explained TEXT NOT NULL DEFAULT '',
  given_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  recorded_by TEXT NOT NULL,
  recorded_org TEXT NOT NULL,
  recorded_at BIGINT NOT NULL,
  withdrawn_at BIGINT NOT NULL DEFAULT 0,
  withdrawn_by TEXT NOT NULL DEFAULT '',
  withdrawn_how TEXT NOT NULL DEFAULT '',
  superseded_at BIGINT NOT NULL DEFAULT 0,
  superseded_by TEXT NOT NULL DEFAULT '',
  UNIQUE (chain, version)
);
CREATE INDEX consents_person ON consents(person_id, recorded_at);

CREATE TABLE consent_recipients (
  consent_id TEXT NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  org_id TEXT NOT NULL DEFAULT '',
  org_type TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consent_recipients_org ON consent_recipients(person_id, org_id);
CREATE INDEX consent_recipients_type ON consent_recipients(person_id, org_type);

-- Disclosures made "by consent" before the ledger existed become ledger
-- entries (given at referral), so that consent is the only way in besides a
-- recorded legal basis.
INSERT INTO consents (id, chain, version, person_id, purpose, scope, given_by, given_at, expires_at, recorded_by, recorded_org, recorded_at, withdrawn_at)
  SELECT g.id, g.id, 1, g.person_id, 'services',
    CASE WHEN g.parts LIKE '%identity%' AND g.parts LIKE '%narrative%' THEN 'full'
         WHEN g.parts LIKE '%identity%' THEN 'identity'
         WHEN g.parts LIKE '%narrative%' THEN 'account'
         ELSE 'summary' END,
    'referral', g.granted_at, g.expires_at, g.granted_by, '', g.granted_at, g.revoked_at
  FROM grants g WHERE g.basis = 'consent';
INSERT INTO consent_recipients (consent_id, person_id, org_id, org_type)
  SELECT g.id, g.person_id, g.org_id, '' FROM grants g WHERE g.basis = 'consent';
DELETE FROM grants WHERE basis = 'consent';

-- Protection measures for a child. A child of the jurisdiction's consent
-- age or over consents; if they refuse, the head of the responsible
-- social-services structure may decide, as an interim decision valid until
-- a court rules (the deadline to seek the ruling is tracked).
CREATE TABLE measures (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  consent_by TEXT NOT NULL,
  consent TEXT NOT NULL,
  child_views BYTEA,
  interim INTEGER NOT NULL DEFAULT 0,
  decided_by_role TEXT NOT NULL DEFAULT '',
  decided_org TEXT NOT NULL DEFAULT '',
  decided_at BIGINT NOT NULL,
  recorded_by TEXT NOT NULL,
  court_ruled_at BIGINT NOT NULL DEFAULT 0,
  court_outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX measures_person ON measures(person_id);
