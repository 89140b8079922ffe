-- Free text that can identify a person is encrypted (issue 13 §6): three
-- columns were stored in clear. Each becomes a byte column holding a vault
-- envelope (door/freetext.go says which key seals it). The plaintext of
-- rows written before this migration moves to <column>_plain; the door
-- seals it into <column> and empties <column>_plain when it next opens
-- (the keys are outside the database, so SQL cannot do it), then scrubs
-- the tables. A later migration drops the _plain columns.

ALTER TABLE receiving_contacts ADD COLUMN organisation_plain TEXT;
UPDATE receiving_contacts SET organisation_plain = organisation;
ALTER TABLE receiving_contacts DROP COLUMN organisation;
ALTER TABLE receiving_contacts ADD COLUMN organisation BYTEA;

ALTER TABLE advisory_recs ADD COLUMN body_plain TEXT;
UPDATE advisory_recs SET body_plain = body;
ALTER TABLE advisory_recs DROP COLUMN body;
ALTER TABLE advisory_recs ADD COLUMN body BYTEA;

ALTER TABLE feedback_campaigns ADD COLUMN title_plain TEXT;
UPDATE feedback_campaigns SET title_plain = title;
ALTER TABLE feedback_campaigns DROP COLUMN title;
ALTER TABLE feedback_campaigns ADD COLUMN title BYTEA;
