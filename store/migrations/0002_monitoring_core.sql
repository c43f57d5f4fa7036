-- Tables that monitoring, status pages and alerts all read. Later
-- migrations of each area add their own tables and columns.
CREATE TABLE monitors (
	id                 INTEGER PRIMARY KEY,
	team_id            INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	name               TEXT NOT NULL,
	type               TEXT NOT NULL,          -- http tls dns tcp ping push manual
	target             TEXT NOT NULL DEFAULT '', -- URL for http, host[:port] otherwise
	config             TEXT NOT NULL DEFAULT '{}', -- type-specific JSON
	description        TEXT NOT NULL DEFAULT '',
	tags               TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	interval_seconds   INTEGER NOT NULL DEFAULT 60,
	timeout_seconds    INTEGER NOT NULL DEFAULT 10,
	failure_threshold  INTEGER NOT NULL DEFAULT 1,
	recovery_threshold INTEGER NOT NULL DEFAULT 1,
	confirm_recheck    INTEGER NOT NULL DEFAULT 1,
	enabled            INTEGER NOT NULL DEFAULT 1,
	status             TEXT NOT NULL DEFAULT 'unknown', -- unknown up degraded down paused maintenance
	status_reason      TEXT NOT NULL DEFAULT '',
	status_changed_at  INTEGER,
	last_checked_at    INTEGER,
	last_latency_ms    INTEGER,
	fail_streak        INTEGER NOT NULL DEFAULT 0,
	ok_streak          INTEGER NOT NULL DEFAULT 0,
	push_token         TEXT UNIQUE,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
);
CREATE INDEX monitors_team ON monitors(team_id, id);

-- Incidents, opened by a monitor or by a person. Status follows the
-- status-page vocabulary: investigating identified monitoring resolved.
CREATE TABLE incidents (
	id          INTEGER PRIMARY KEY,
	team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	status      TEXT NOT NULL DEFAULT 'investigating',
	impact      TEXT NOT NULL DEFAULT 'major',  -- none minor major critical
	monitor_id  INTEGER REFERENCES monitors(id) ON DELETE SET NULL,
	source      TEXT NOT NULL DEFAULT 'manual', -- manual monitor
	started_at  INTEGER NOT NULL,
	resolved_at INTEGER,
	created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX incidents_team ON incidents(team_id, started_at);
CREATE INDEX incidents_monitor ON incidents(monitor_id, resolved_at);

-- The timeline of an incident: state changes with their reason and
-- Markdown updates written by people.
CREATE TABLE incident_updates (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	status      TEXT NOT NULL,
	body        TEXT NOT NULL DEFAULT '',
	created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates(incident_id, created_at);

-- Maintenance windows: one-off (starts_at..ends_at) or recurring
-- (weekdays bitmask Sunday=1<<0, start_time "HH:MM", duration, time zone).
CREATE TABLE maintenance (
	id               INTEGER PRIMARY KEY,
	team_id          INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	title            TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	kind             TEXT NOT NULL DEFAULT 'once', -- once recurring
	starts_at        INTEGER,
	ends_at          INTEGER,
	weekdays         INTEGER NOT NULL DEFAULT 0,
	start_time       TEXT NOT NULL DEFAULT '',
	duration_minutes INTEGER NOT NULL DEFAULT 0,
	timezone         TEXT NOT NULL DEFAULT 'UTC',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX maintenance_team ON maintenance(team_id);

CREATE TABLE maintenance_monitors (
	maintenance_id INTEGER NOT NULL REFERENCES maintenance(id) ON DELETE CASCADE,
	monitor_id     INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
	PRIMARY KEY (maintenance_id, monitor_id)
);
CREATE INDEX maintenance_monitors_monitor ON maintenance_monitors(monitor_id);

-- Domain events that may notify someone. Written in the same transaction
-- as the change that caused them; the alerting pipeline consumes them.
-- kind: monitor_down monitor_recovered monitor_degraded certificate_expiring
-- heartbeat_missed issue_new issue_regressed issue_event; payload is JSON.
CREATE TABLE alert_events (
	id           INTEGER PRIMARY KEY,
	team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	kind         TEXT NOT NULL,
	monitor_id   INTEGER,
	project_id   INTEGER,
	issue_id     INTEGER,
	payload      TEXT NOT NULL DEFAULT '{}',
	created_at   INTEGER NOT NULL,
	processed_at INTEGER
);
CREATE INDEX alert_events_pending ON alert_events(processed_at, id);
CREATE INDEX alert_events_team ON alert_events(team_id, created_at);
