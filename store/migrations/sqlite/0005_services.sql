-- Support services (issue #5, sections 1, 2 and 7): the directory of the
-- services organisations give (not personal data), service referrals with
-- every step timestamped (the reasons, which may speak of the person,
-- encrypted with the person's data key), and the periods of the emergency
-- protocol.

CREATE TABLE services (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  regions TEXT NOT NULL DEFAULT '',
  languages TEXT NOT NULL DEFAULT '',
  for_whom TEXT NOT NULL DEFAULT '',
  capacity INTEGER NOT NULL DEFAULT 0,
  accreditation TEXT NOT NULL DEFAULT '',
  accredited_until TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX services_org ON services(org_id);
CREATE INDEX services_kind ON services(kind);

CREATE TABLE service_referrals (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  service_id TEXT NOT NULL REFERENCES services(id),
  from_org TEXT NOT NULL REFERENCES orgs(id),
  to_org TEXT NOT NULL REFERENCES orgs(id),
  state TEXT NOT NULL,
  note BLOB,
  emergency INTEGER NOT NULL DEFAULT 0,
  during_emergency INTEGER NOT NULL DEFAULT 0,
  replaces TEXT NOT NULL DEFAULT '',
  replaced_by TEXT NOT NULL DEFAULT '',
  delivered_on TEXT NOT NULL DEFAULT '',
  delivery_mode TEXT NOT NULL DEFAULT '',
  sent_by TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX service_referrals_person ON service_referrals(person_id, sent_at);
CREATE INDEX service_referrals_to ON service_referrals(to_org, state);
CREATE INDEX service_referrals_service ON service_referrals(service_id, state);

CREATE TABLE service_referral_steps (
  id TEXT PRIMARY KEY,
  referral_id TEXT NOT NULL REFERENCES service_referrals(id) ON DELETE CASCADE,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  at BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  reason BLOB,
  mode TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_referral_steps_referral ON service_referral_steps(referral_id, at);

CREATE TABLE emergencies (
  id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  started_by TEXT NOT NULL,
  started_org TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  ended_at BIGINT NOT NULL DEFAULT 0,
  ended_by TEXT NOT NULL DEFAULT '',
  end_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX emergencies_started ON emergencies(started_at);
