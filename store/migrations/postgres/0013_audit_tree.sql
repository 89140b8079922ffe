-- Audit checkpoints in constant work (issue 21). A checkpoint used to read
-- every hash of the log inside the write transaction; its cost grew with
-- the log. The Merkle tree's state is now kept between checkpoints, as
-- transparency logs do (RFC 6962 compact range, github.com/transparency-dev/merkle):
--
-- audit_tree: the tree over entries 1..size — the right frontier (one
-- 32-byte hash per perfect subtree, largest first, concatenated) and the
-- hash of entry `size`, which ties the state to the hash chain. A
-- checkpoint appends only the entries after `size`, reading those rows,
-- and stores the new state in a short write. It starts empty: the first
-- checkpoint after this migration reads the existing log once, in rounds.
--
-- audit_nodes: the tree's perfect subtrees from level 4 up (one row per 16
-- entries), kept as they complete, so a consistency proof between two
-- checkpoints reads O(log n) rows; lower nodes are recomputed from at most
-- 8 entry hashes each.
CREATE TABLE audit_tree (
  id INTEGER PRIMARY KEY,
  size BIGINT NOT NULL,
  frontier BYTEA NOT NULL,
  last_hash BYTEA NOT NULL
);
INSERT INTO audit_tree (id, size, frontier, last_hash) VALUES (1, 0, ''::bytea, ''::bytea);

CREATE TABLE audit_nodes (
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
