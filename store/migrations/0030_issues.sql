-- Error tracking: projects and their client keys, the durable ingest
-- queue, issues with their grouping hashes, events and the rollups the
-- issue pages read. Times are Unix milliseconds, UTC.
CREATE TABLE projects (
	id                    INTEGER PRIMARY KEY,
	team_id               INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	name                  TEXT NOT NULL,
	platform              TEXT NOT NULL DEFAULT 'other',
	rate_limit_per_minute INTEGER,            -- NULL: no quota
	scrub_data            INTEGER NOT NULL DEFAULT 1,
	scrub_fields          TEXT NOT NULL DEFAULT '[]', -- extra sensitive field names, JSON array
	fingerprint_rules     TEXT NOT NULL DEFAULT '',   -- one rule a line: matcher:value ... -> fingerprint
	stack_rules           TEXT NOT NULL DEFAULT '',   -- one rule a line: matcher:value ... +app|-app
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL
);
CREATE INDEX projects_team ON projects(team_id, id);

CREATE TABLE project_keys (
	id                    INTEGER PRIMARY KEY,
	project_id            INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	team_id               INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	label                 TEXT NOT NULL DEFAULT 'Default',
	public_key            TEXT NOT NULL UNIQUE,  -- 32 lowercase hex
	enabled               INTEGER NOT NULL DEFAULT 1,
	rate_limit_per_minute INTEGER,
	created_at            INTEGER NOT NULL
);
CREATE INDEX project_keys_project ON project_keys(project_id, id);

-- Accepted envelopes waiting for the process pool. The compressed body is
-- kept in the row (payload) or, when large, in the blob store (blob_key).
CREATE TABLE ingest_queue (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	project_id  INTEGER NOT NULL,
	key_id      INTEGER NOT NULL,
	kind        TEXT NOT NULL,               -- envelope store
	event_id    TEXT NOT NULL DEFAULT '',    -- answered to the SDK; used when the body has none
	payload     BLOB,
	blob_key    TEXT,
	client_ip   TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT '',
	received_at INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	failed_at   INTEGER,
	last_error  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE issues (
	id                       INTEGER PRIMARY KEY,
	team_id                  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	project_id               INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	title                    TEXT NOT NULL,
	culprit                  TEXT NOT NULL DEFAULT '',
	type                     TEXT NOT NULL DEFAULT '',
	value                    TEXT NOT NULL DEFAULT '',
	level                    TEXT NOT NULL DEFAULT 'error',
	platform                 TEXT NOT NULL DEFAULT '',
	status                   TEXT NOT NULL DEFAULT 'unresolved', -- unresolved resolved ignored
	substatus                TEXT NOT NULL DEFAULT 'new',        -- new ongoing regressed
	first_seen               INTEGER NOT NULL,
	last_seen                INTEGER NOT NULL,
	event_count              INTEGER NOT NULL DEFAULT 0,
	user_count               INTEGER NOT NULL DEFAULT 0,
	first_release            TEXT NOT NULL DEFAULT '',
	last_release             TEXT NOT NULL DEFAULT '',
	last_environment         TEXT NOT NULL DEFAULT '',
	resolved_at              INTEGER,
	resolved_in_release      TEXT,
	resolved_in_next_release INTEGER NOT NULL DEFAULT 0,
	resolved_after_release   TEXT,            -- latest release seen when "next release" was chosen
	ignore_until             INTEGER,
	ignore_count             INTEGER,
	ignore_user_count        INTEGER,
	ignore_base_events       INTEGER NOT NULL DEFAULT 0,
	ignore_base_users        INTEGER NOT NULL DEFAULT 0,
	assignee_id              INTEGER REFERENCES users(id) ON DELETE SET NULL,
	merged_into              INTEGER REFERENCES issues(id) ON DELETE SET NULL,
	created_at               INTEGER NOT NULL,
	updated_at               INTEGER NOT NULL
);
CREATE INDEX issues_team_last ON issues(team_id, last_seen DESC, id DESC);
CREATE INDEX issues_team_status_last ON issues(team_id, status, last_seen DESC, id DESC);
CREATE INDEX issues_project_last ON issues(project_id, last_seen DESC, id DESC);
CREATE INDEX issues_team_first ON issues(team_id, first_seen DESC, id DESC);
CREATE INDEX issues_team_events ON issues(team_id, event_count DESC, id DESC);
CREATE INDEX issues_team_users ON issues(team_id, user_count DESC, id DESC);

-- Grouping hashes; version says which grouping produced the hash, so rules
-- can change without splitting old issues.
CREATE TABLE issue_hashes (
	project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	hash       TEXT NOT NULL,
	version    TEXT NOT NULL,
	issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, hash)
);
CREATE INDEX issue_hashes_issue ON issue_hashes(issue_id);

-- Events. data is the whole normalised event as zstd-compressed JSON;
-- user_key is the user's id, e-mail, username or IP (first present) for
-- unique-user counts.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	event_id    TEXT NOT NULL,               -- 32 hex
	team_id     INTEGER NOT NULL,
	project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	hash        TEXT NOT NULL,
	timestamp   INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	level       TEXT NOT NULL,
	title       TEXT NOT NULL DEFAULT '',
	message     TEXT NOT NULL DEFAULT '',
	release     TEXT NOT NULL DEFAULT '',
	environment TEXT NOT NULL DEFAULT '',
	user_key    TEXT NOT NULL DEFAULT '',
	tags        TEXT NOT NULL DEFAULT '{}',  -- JSON object
	data        BLOB NOT NULL,
	UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue_time ON events(issue_id, timestamp);
CREATE INDEX events_issue_id ON events(issue_id, id);
CREATE INDEX events_team_time ON events(team_id, timestamp);

CREATE TABLE issue_users (
	issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	user_key TEXT NOT NULL,
	PRIMARY KEY (issue_id, user_key)
) WITHOUT ROWID;

-- Tag value counts per issue (facets and value bars).
CREATE TABLE issue_tags (
	issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	key      TEXT NOT NULL,
	value    TEXT NOT NULL,
	count    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (issue_id, key, value)
) WITHOUT ROWID;

-- Event counts per issue per hour (sparklines, events-over-time chart).
CREATE TABLE issue_hourly (
	issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	hour     INTEGER NOT NULL,               -- Unix ms at the start of the hour
	count    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (issue_id, hour)
) WITHOUT ROWID;

-- The activity log of an issue: state changes, merges and comments.
CREATE TABLE issue_activity (
	id         INTEGER PRIMARY KEY,
	issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
	user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
	kind       TEXT NOT NULL,                -- comment status assign merge unmerge regressed
	body       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX issue_activity_issue ON issue_activity(issue_id, id);

CREATE TABLE releases (
	project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	version    TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	PRIMARY KEY (project_id, version)
) WITHOUT ROWID;

-- Envelope items kept for later: transactions, sessions, session
-- aggregates, client reports, check-ins, attachments, user feedback.
CREATE TABLE envelope_items (
	id          INTEGER PRIMARY KEY,
	team_id     INTEGER NOT NULL,
	project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	type        TEXT NOT NULL,
	event_id    TEXT NOT NULL DEFAULT '',
	received_at INTEGER NOT NULL,
	headers     TEXT NOT NULL DEFAULT '{}',
	data        BLOB NOT NULL                -- zstd-compressed payload
);
CREATE INDEX envelope_items_project ON envelope_items(project_id, type, received_at);

-- Release health: session counts per release, environment and hour.
CREATE TABLE release_sessions (
	project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	release     TEXT NOT NULL,
	environment TEXT NOT NULL DEFAULT '',
	hour        INTEGER NOT NULL,
	started     INTEGER NOT NULL DEFAULT 0,
	errored     INTEGER NOT NULL DEFAULT 0,
	crashed     INTEGER NOT NULL DEFAULT 0,
	abnormal    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (project_id, release, environment, hour)
) WITHOUT ROWID;
