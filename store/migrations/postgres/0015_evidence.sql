-- Issue 14 (evidence): work that ends with access, and break-glass reviewed.
--
-- A task ends (state 'ended') when the organisation it was given to loses
-- access to the record (consent withdrawn or expired) or the record is
-- closed; ended_why says which. A task fulfilled by a service referral is
-- done, and fulfilled_by names that referral.
ALTER TABLE tasks ADD COLUMN ended_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN ended_why TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN fulfilled_by TEXT NOT NULL DEFAULT '';
-- A clock that ended with its work is neither met nor missed: met_at is
-- set (so it leaves every open list) and ended_at says it was not met.
ALTER TABLE deadlines ADD COLUMN ended_at BIGINT NOT NULL DEFAULT 0;
-- The data protection officer's review of a break-glass opening.
ALTER TABLE breakglass ADD COLUMN reviewed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE breakglass ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE breakglass ADD COLUMN review_outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE breakglass ADD COLUMN review_note BYTEA;
CREATE INDEX breakglass_review ON breakglass(reviewed_at, opened_at);
