-- Outbox of incident events that status-page subscribers hear about. A
-- trigger adds a row for every incident update in the transaction that
-- writes it, whoever writes it (people, the API, monitors opening and
-- resolving their incidents). AUTOINCREMENT ids are never reused, so the
-- notifier's cursor never skips an event after incidents are deleted.
CREATE TABLE statuspage_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	update_id   INTEGER NOT NULL,
	incident_id INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
);

CREATE TRIGGER statuspage_events_on_update AFTER INSERT ON incident_updates BEGIN
	INSERT INTO statuspage_events(update_id, incident_id, created_at)
	VALUES (NEW.id, NEW.incident_id, NEW.created_at);
END;

-- Maintenance windows whose start subscribers were told about, kept until
-- the end is told too. pages maps each page id to the component ids the
-- window affected there when it started.
CREATE TABLE statuspage_maint_notices (
	maintenance_id INTEGER NOT NULL,
	window_start   INTEGER NOT NULL,
	team_id        INTEGER NOT NULL,
	title          TEXT NOT NULL,
	pages          TEXT NOT NULL DEFAULT '{}',
	ended          INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (maintenance_id, window_start)
);
CREATE INDEX statuspage_maint_notices_open ON statuspage_maint_notices(ended);
