-- One statistics import at a time (issue 13): an import holds this lease
-- while it reads its file and writes its facts, so a second import, on this
-- instance or another, is told that one is running instead of piling up
-- parsers and write transactions. The lease expires, so an instance that
-- dies mid-import does not block imports for ever.
CREATE TABLE stat_import_lease (
  id INTEGER PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
INSERT INTO stat_import_lease (id, holder, expires_at) VALUES (1, '', 0);
