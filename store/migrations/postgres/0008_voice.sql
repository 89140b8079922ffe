-- Voices (issue #6, points 5–7): anonymous feedback from the persons the NRM
-- helps, the professionals' questionnaire (guide §9.4) and the survivors'
-- Advisory Board register.
--
-- A feedback answer carries no identifier of who gave it: no IP address, no
-- user agent, no cookie, no time of day — only the campaign, the language,
-- the ratings, the comment (encrypted with a system key) and the date.

CREATE TABLE feedback_campaigns (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  title TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX feedback_campaigns_org ON feedback_campaigns(org_id);

CREATE TABLE feedback_answers (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES feedback_campaigns(id),
  lang TEXT NOT NULL,
  answered_on TEXT NOT NULL,
  safe INTEGER NOT NULL DEFAULT 0,
  listened INTEGER NOT NULL DEFAULT 0,
  helped INTEGER NOT NULL DEFAULT 0,
  understood INTEGER NOT NULL DEFAULT 0,
  respected INTEGER NOT NULL DEFAULT 0,
  comment BYTEA
);
CREATE INDEX feedback_answers_campaign ON feedback_answers(campaign_id);

CREATE TABLE advisory_recs (
  id TEXT PRIMARY KEY,
  meeting_on TEXT NOT NULL,
  theme TEXT NOT NULL,
  body TEXT NOT NULL,
  presented_by TEXT NOT NULL DEFAULT '',
  presented_on TEXT NOT NULL DEFAULT '',
  response TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX advisory_recs_meeting ON advisory_recs(meeting_on);

CREATE TABLE advisory_history (
  id TEXT PRIMARY KEY,
  rec_id TEXT NOT NULL REFERENCES advisory_recs(id),
  status TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  by_user TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX advisory_history_rec ON advisory_history(rec_id, at);

CREATE TABLE questionnaire_versions (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL UNIQUE,
  body TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE questionnaire_campaigns (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES questionnaire_versions(id),
  title TEXT NOT NULL,
  opens_on TEXT NOT NULL,
  closes_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE questionnaire_campaign_orgs (
  campaign_id TEXT NOT NULL REFERENCES questionnaire_campaigns(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (campaign_id, org_id)
);

CREATE TABLE questionnaire_answers (
  campaign_id TEXT NOT NULL REFERENCES questionnaire_campaigns(id),
  user_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  org_type TEXT NOT NULL,
  answers TEXT NOT NULL,
  submitted_at BIGINT NOT NULL,
  PRIMARY KEY (campaign_id, user_id)
);
