-- The duplicate check's confirming tag (issue 21 part 3): a keyed HMAC
-- (the blind-index key, through the vault; 128 bits) of what two records
-- must share to be possibly the same person — normalised name, birth year,
-- nationality. The coarse dup_bidx finds the bucket (about fifteen
-- unrelated people at a million records); the tag picks the candidates that
-- match inside it without decrypting them. Never plaintext. Rows written
-- before this migration have '' until the door's backfill (started by
-- `nrm serve`) computes their tag from the decrypted identity; until then
-- the duplicate check decrypts them as before.
ALTER TABLE persons ADD COLUMN dup_tag TEXT NOT NULL DEFAULT '';
CREATE INDEX persons_dup_tag ON persons(dup_bidx, dup_tag);
