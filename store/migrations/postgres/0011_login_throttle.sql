-- The sign-in throttle (issue 13 §4): one row per key ("u:" + username,
-- "ip:" + client address, "mfa:" + user id), kept in the database so that a
-- restart or a second instance does not forget the count. An attempt is
-- reserved on its row, under the row's lock, before the password is
-- hashed. Rows for unknown usernames are kept exactly like the others;
-- rows whose window has passed are swept by the sign-ins.
CREATE TABLE login_throttle (
  throttle_key TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL DEFAULT 0,     -- counted since the window began
  last_at BIGINT NOT NULL DEFAULT 0,       -- the last counted attempt (µs)
  next_at BIGINT NOT NULL DEFAULT 0,       -- the earliest next attempt (µs)
  refused_minute BIGINT NOT NULL DEFAULT 0, -- the minute of the last audited refusal (Unix minutes)
  refused INTEGER NOT NULL DEFAULT 0       -- refusals in that minute
);
CREATE INDEX login_throttle_last ON login_throttle(last_at);
