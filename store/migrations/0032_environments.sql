-- Environments seen per project, for the issue filters (releases has the
-- same role for versions).
CREATE TABLE project_environments (
	project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	PRIMARY KEY (project_id, name)
) WITHOUT ROWID;
INSERT OR IGNORE INTO project_environments (project_id, name, first_seen)
	SELECT project_id, environment, MIN(received_at) FROM events WHERE environment != '' GROUP BY 1, 2;
