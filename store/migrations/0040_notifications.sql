-- Notification channels, alert rules and the delivery outbox.
-- Times are Unix milliseconds, UTC.

-- A channel is one configured destination (a Slack webhook, an e-mail
-- list, …). config holds the plain settings as JSON; secrets holds the
-- secret settings as one JSON object sealed with the instance key.
CREATE TABLE channels (
	id         INTEGER PRIMARY KEY,
	team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	type       TEXT NOT NULL, -- webhook email slack discord teams pagerduty opsgenie telegram ntfy
	config     TEXT NOT NULL DEFAULT '{}',
	secrets    TEXT NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX channels_team ON channels(team_id, id);

-- An alert rule matches alert_events of one trigger kind, filtered, and
-- sends them to its channels. threshold and window_seconds parameterise
-- certificate_expiring (days), issue_frequency (events) and issue_users
-- (users). storm_limit: more matches than this in a minute become one
-- summary (0 = off). renotify_minutes: remind while still down (0 = off).
CREATE TABLE alert_rules (
	id               INTEGER PRIMARY KEY,
	team_id          INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	name             TEXT NOT NULL,
	trigger          TEXT NOT NULL,
	filters          TEXT NOT NULL DEFAULT '{}',
	threshold        INTEGER NOT NULL DEFAULT 0,
	window_seconds   INTEGER NOT NULL DEFAULT 0,
	cooldown_seconds INTEGER NOT NULL DEFAULT 0,
	renotify_minutes INTEGER NOT NULL DEFAULT 0,
	storm_limit      INTEGER NOT NULL DEFAULT 10,
	enabled          INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX alert_rules_team ON alert_rules(team_id, trigger);

CREATE TABLE alert_rule_channels (
	rule_id    INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	PRIMARY KEY (rule_id, channel_id)
);
CREATE INDEX alert_rule_channels_channel ON alert_rule_channels(channel_id);

-- What a rule last said about one subject ("monitor:7", "issue:3"):
-- cooldown, re-notify and the resolve of an open alert read it.
CREATE TABLE alert_rule_state (
	rule_id          INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
	subject          TEXT NOT NULL,
	open             INTEGER NOT NULL DEFAULT 0,
	dedup_key        TEXT NOT NULL DEFAULT '',
	last_kind        TEXT NOT NULL DEFAULT '',
	last_event_id    INTEGER,
	last_notified_at INTEGER NOT NULL,
	PRIMARY KEY (rule_id, subject)
);

-- One notification to one channel: the outbox row the delivery pool
-- sends. message is the rendered message (JSON), so every attempt sends
-- the same thing; idem_key is stable across attempts and restarts.
-- status: pending sent failed.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	team_id         INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	rule_id         INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
	alert_event_id  INTEGER,
	kind            TEXT NOT NULL,
	subject         TEXT NOT NULL DEFAULT '',
	title           TEXT NOT NULL DEFAULT '',
	message         TEXT NOT NULL,
	idem_key        TEXT NOT NULL UNIQUE,
	status          TEXT NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	storm_until     INTEGER,
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_channel ON deliveries(channel_id, id);
CREATE INDEX deliveries_team ON deliveries(team_id, id);
CREATE INDEX deliveries_rule ON deliveries(rule_id, created_at);

-- Every attempt of a delivery: when, how long, the answer and the error.
CREATE TABLE delivery_attempts (
	id          INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
	started_at  INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	response    TEXT NOT NULL DEFAULT '',
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);
