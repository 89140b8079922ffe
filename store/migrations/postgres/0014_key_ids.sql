-- The keys the database was written under (issue #13): every key-encryption
-- key that wrapped a data key (recorded in the transaction that wrapped it),
-- the blind-index key and the audit checkpoint signing key. A server and a
-- restore compare them with the keys present and refuse, naming the missing
-- one, instead of making new keys beside data no new key can read.
-- kind: 'kek' | 'index' | 'audit'; key_id: the key's id as text.

CREATE TABLE key_ids (
  kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (kind, key_id)
);
