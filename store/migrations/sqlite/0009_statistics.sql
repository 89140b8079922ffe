-- Statistics (issue #6): the monitoring side keeps, for every person, a
-- fact of codes and durations (no identity) and a rollup of those facts by
-- dataset, period, region and emergency flag, so the dashboards and reports
-- sum a few thousand rows instead of scanning the register. The live
-- register is dataset 'nrm'; imported datasets (CTDC, an HTCDS workbook)
-- live beside it, statistics only, never mixed with the register.
--
-- The door keeps the facts current by reading the audit log as its change
-- feed: every write of case data leaves an audit entry naming the person,
-- so the persons named since the last watermark are the ones to recompute.

CREATE TABLE stat_datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  rows_read BIGINT NOT NULL DEFAULT 0,
  imported_at BIGINT NOT NULL,
  imported_by TEXT NOT NULL
);

CREATE TABLE stat_facts (
  dataset TEXT NOT NULL,
  fact_key TEXT NOT NULL,
  p_from INTEGER NOT NULL,
  p_to INTEGER NOT NULL,
  region TEXT NOT NULL,
  emergency INTEGER NOT NULL,
  items TEXT NOT NULL,
  PRIMARY KEY (dataset, fact_key)
);

CREATE TABLE stat_counts (
  dataset TEXT NOT NULL,
  p_from INTEGER NOT NULL,
  p_to INTEGER NOT NULL,
  region TEXT NOT NULL,
  emergency INTEGER NOT NULL,
  dim TEXT NOT NULL,
  val TEXT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (dataset, p_from, p_to, region, emergency, dim, val)
);
CREATE INDEX stat_counts_dim ON stat_counts(dataset, dim, p_from, p_to, region);

CREATE TABLE stat_state (
  id INTEGER PRIMARY KEY,
  audit_seq BIGINT NOT NULL
);
INSERT INTO stat_state (id, audit_seq) VALUES (1, 0);

-- Bulk walks (exports, reassignment) page through persons in (created_at,
-- id) order; without this index every page scanned and sorted the register.
CREATE INDEX persons_created ON persons(created_at, id);
