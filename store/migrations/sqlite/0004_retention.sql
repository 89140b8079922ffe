-- Retention and "tell it once" (issue #4, points 5 and 6): a legal hold that
-- stops erasure (its reason encrypted with the person's data key), the time
-- a record's identity and narrative were crypto-shredded, and the interviews
-- of a person: when, what for, who and in what language, the statement
-- encrypted with the person's data key and the organisations the person
-- agreed may reuse it.

ALTER TABLE persons ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN legal_hold_reason BLOB;
ALTER TABLE persons ADD COLUMN erased_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX persons_retention ON persons(erased_at, legal_hold, updated_at);
CREATE INDEX drafts_updated ON drafts(updated_at);

CREATE TABLE interviews (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL,
  held_on TEXT NOT NULL,
  purpose TEXT NOT NULL,
  interviewer_gender TEXT NOT NULL DEFAULT '',
  preferred_gender TEXT NOT NULL DEFAULT '',
  gender_reason BLOB,
  interpreter_lang TEXT NOT NULL DEFAULT '',
  statement BLOB,
  shareable_with TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX interviews_person ON interviews(person_id, created_at);
