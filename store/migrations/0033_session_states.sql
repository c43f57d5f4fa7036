-- Release health: what each session (by sid) has already been counted as, so
-- that a session reported over several updates is counted once.
CREATE TABLE session_states (
	project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	sid         TEXT NOT NULL,
	release     TEXT NOT NULL,
	environment TEXT NOT NULL DEFAULT '',
	hour        INTEGER NOT NULL,
	started     INTEGER NOT NULL DEFAULT 0, -- 1 once counted as started
	outcome     INTEGER NOT NULL DEFAULT 0, -- 0 healthy, 1 errored, 2 abnormal, 3 crashed
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (project_id, sid)
) WITHOUT ROWID;
CREATE INDEX session_states_updated ON session_states(updated_at);
