-- Accounts, teams and access. Times are Unix milliseconds, UTC.
CREATE TABLE teams (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name          TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

CREATE TABLE memberships (
	team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,           -- sha256 of the cookie value, hex
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	csrf         TEXT NOT NULL,
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,              -- first characters, shown in lists
	hash         TEXT NOT NULL UNIQUE,       -- sha256 of the whole token, hex
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE INDEX api_tokens_team ON api_tokens(team_id);

CREATE TABLE invites (
	id          INTEGER PRIMARY KEY,
	team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	email       TEXT NOT NULL COLLATE NOCASE,
	role        TEXT NOT NULL CHECK (role IN ('admin','member','viewer')),
	token_hash  TEXT NOT NULL UNIQUE,
	created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	accepted_at INTEGER,
	revoked_at  INTEGER
);
CREATE INDEX invites_team ON invites(team_id);

-- Instance-wide key/value settings (setup done, and so on).
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
