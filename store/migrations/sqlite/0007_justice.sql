-- Return and reintegration, linked persons, and the justice track (issue #5,
-- sections 5 and 6). Free text about the person, contacts, names and
-- references are encrypted with the person's data key; codes and dates are
-- in clear for the register and monitoring. Nothing else in the schema
-- refers to the justice tables: the justice track stands beside the rest.

CREATE TABLE return_risk_assessments (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  assessed_on TEXT NOT NULL,
  outcome TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  note BLOB,
  created_at BIGINT NOT NULL
);
CREATE INDEX return_risk_person ON return_risk_assessments(person_id, created_at);

CREATE TABLE child_return_assessments (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  assessed_on TEXT NOT NULL,
  decision TEXT NOT NULL DEFAULT '',
  child_views BLOB,
  note BLOB,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX child_return_person ON child_return_assessments(person_id, created_at);

CREATE TABLE receiving_contacts (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  organisation TEXT NOT NULL,
  country TEXT NOT NULL,
  contact BLOB,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX receiving_contacts_person ON receiving_contacts(person_id, created_at);

-- A family member or dependant of person_id; linked_person_id is their own
-- record once referred ('' until then). Read from both sides.
CREATE TABLE person_links (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  relationship TEXT NOT NULL,
  at_risk INTEGER NOT NULL DEFAULT 0,
  name BLOB,
  note BLOB,
  linked_person_id TEXT NOT NULL DEFAULT '',
  linked_at BIGINT NOT NULL DEFAULT 0,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX person_links_person ON person_links(person_id, created_at);
CREATE INDEX person_links_linked ON person_links(linked_person_id);

CREATE TABLE justice_proceedings (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  reported_on TEXT NOT NULL,
  own_choice INTEGER NOT NULL DEFAULT 0,
  police_ref BLOB,
  witness INTEGER NOT NULL DEFAULT 0,
  witness_note BLOB,
  lawyer_org TEXT NOT NULL DEFAULT '',
  free_legal_aid INTEGER NOT NULL DEFAULT 0,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX justice_proceedings_person ON justice_proceedings(person_id, created_at);

CREATE TABLE justice_stages (
  id TEXT PRIMARY KEY,
  proceeding_id TEXT NOT NULL REFERENCES justice_proceedings(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  stage TEXT NOT NULL,
  stage_on TEXT NOT NULL,
  reference BLOB,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX justice_stages_proceeding ON justice_stages(proceeding_id, created_at);

CREATE TABLE protective_measures (
  id TEXT PRIMARY KEY,
  proceeding_id TEXT NOT NULL REFERENCES justice_proceedings(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  measure TEXT NOT NULL,
  state TEXT NOT NULL,
  asked_on TEXT NOT NULL DEFAULT '',
  decided_on TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (proceeding_id, measure)
);

CREATE TABLE compensation_claims (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  proceeding_id TEXT NOT NULL DEFAULT '',
  route TEXT NOT NULL,
  amount_asked BIGINT NOT NULL DEFAULT 0,
  amount_awarded BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  filed_on TEXT NOT NULL,
  decided_on TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX compensation_person ON compensation_claims(person_id, created_at);

CREATE TABLE residence_permits (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  valid_from TEXT NOT NULL DEFAULT '',
  valid_to TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX residence_permits_person ON residence_permits(person_id, created_at);
