-- Individual support and closure (issue #5, sections 3 and 4): the adult's
-- independent advocate (a child's guardian is in guardians), versioned needs
-- assessments, individual plans and safety plans, and closure periods with
-- follow-up. Nothing is overwritten: a revision is a new version, a closure
-- is a row that a reopening stamps, so the history stays readable. Free text
-- about the person is encrypted with their data key.

CREATE TABLE advocates (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT '',
  name BLOB,
  contact BLOB,
  recorded_by TEXT NOT NULL,
  recorded_org TEXT NOT NULL,
  recorded_at BIGINT NOT NULL
);
CREATE INDEX advocates_person ON advocates(person_id, recorded_at);

CREATE TABLE needs_assessments (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  assessed_on TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (person_id, version)
);

CREATE TABLE needs (
  assessment_id TEXT NOT NULL REFERENCES needs_assessments(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  area TEXT NOT NULL,
  level TEXT NOT NULL,
  note BLOB,
  PRIMARY KEY (assessment_id, area)
);
CREATE INDEX needs_person ON needs(person_id);

CREATE TABLE support_plans (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  support_level TEXT NOT NULL,
  agreed INTEGER NOT NULL DEFAULT 0,
  agreed_on TEXT NOT NULL DEFAULT '',
  agreed_how TEXT NOT NULL DEFAULT '',
  agreed_lang TEXT NOT NULL DEFAULT '',
  review_on TEXT NOT NULL DEFAULT '',
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (person_id, version)
);

CREATE TABLE plan_goals (
  id TEXT PRIMARY KEY,
  plan_id TEXT NOT NULL REFERENCES support_plans(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  area TEXT NOT NULL,
  text BLOB,
  action BLOB,
  responsible_org TEXT NOT NULL DEFAULT '',
  due_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_goals_plan ON plan_goals(plan_id, seq);
CREATE INDEX plan_goals_person ON plan_goals(person_id);

CREATE TABLE safety_plans (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  risk_level TEXT NOT NULL,
  risks TEXT NOT NULL DEFAULT '',
  measures BLOB,
  review_on TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (person_id, version)
);

CREATE TABLE closures (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  closed_on TEXT NOT NULL,
  note BLOB,
  follow_up_on TEXT NOT NULL DEFAULT '',
  closed_by TEXT NOT NULL,
  closed_org TEXT NOT NULL,
  closed_at BIGINT NOT NULL,
  reopened_at BIGINT NOT NULL DEFAULT 0,
  reopen_reason TEXT NOT NULL DEFAULT '',
  reopen_note BLOB,
  reopened_by TEXT NOT NULL DEFAULT '',
  reopened_org TEXT NOT NULL DEFAULT ''
);
CREATE INDEX closures_person ON closures(person_id, closed_at);
-- At most one open closure period per record.
CREATE UNIQUE INDEX closures_open ON closures(person_id) WHERE reopened_at = 0;

CREATE TABLE follow_ups (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  closure_id TEXT NOT NULL REFERENCES closures(id) ON DELETE CASCADE,
  held_on TEXT NOT NULL,
  how TEXT NOT NULL,
  note BLOB,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX follow_ups_person ON follow_ups(person_id, created_at);
