-- Status pages: pages, their components, the links of incidents and
-- maintenance to components, and visitors' subscriptions with their
-- delivery outbox.
CREATE TABLE status_pages (
	id              INTEGER PRIMARY KEY,
	team_id         INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	slug            TEXT NOT NULL UNIQUE,
	title           TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	logo_url        TEXT NOT NULL DEFAULT '',
	favicon_url     TEXT NOT NULL DEFAULT '',
	brand_color     TEXT NOT NULL DEFAULT '',
	theme           TEXT NOT NULL DEFAULT 'auto',   -- auto light dark
	header_links    TEXT NOT NULL DEFAULT '[]',     -- JSON [{"label","url"}]
	footer_text     TEXT NOT NULL DEFAULT '',
	timezone        TEXT NOT NULL DEFAULT 'UTC',
	custom_css      TEXT NOT NULL DEFAULT '',
	noindex         INTEGER NOT NULL DEFAULT 0,
	access          TEXT NOT NULL DEFAULT 'public', -- public password team
	password_hash   TEXT NOT NULL DEFAULT '',
	custom_domain   TEXT UNIQUE COLLATE NOCASE,
	auto_incidents  INTEGER NOT NULL DEFAULT 1,     -- show incidents monitors open
	hide_powered_by INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX status_pages_team ON status_pages(team_id, id);

-- status_override: '' (follow monitors) or a Statuspage component status.
CREATE TABLE components (
	id              INTEGER PRIMARY KEY,
	team_id         INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	status_page_id  INTEGER NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	group_name      TEXT NOT NULL DEFAULT '',
	position        INTEGER NOT NULL DEFAULT 0,
	status_override TEXT NOT NULL DEFAULT '',
	show_uptime     INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX components_page ON components(status_page_id, position, id);
CREATE INDEX components_team ON components(team_id, id);

CREATE TABLE component_monitors (
	component_id INTEGER NOT NULL REFERENCES components(id) ON DELETE CASCADE,
	monitor_id   INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
	PRIMARY KEY (component_id, monitor_id)
);
CREATE INDEX component_monitors_monitor ON component_monitors(monitor_id);

-- Components an incident affects, with the status it gives them.
CREATE TABLE incident_components (
	incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	component_id INTEGER NOT NULL REFERENCES components(id) ON DELETE CASCADE,
	status       TEXT NOT NULL DEFAULT 'partial_outage',
	PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX incident_components_component ON incident_components(component_id);

CREATE TABLE maintenance_components (
	maintenance_id INTEGER NOT NULL REFERENCES maintenance(id) ON DELETE CASCADE,
	component_id   INTEGER NOT NULL REFERENCES components(id) ON DELETE CASCADE,
	PRIMARY KEY (maintenance_id, component_id)
);
CREATE INDEX maintenance_components_component ON maintenance_components(component_id);

-- Subscribers of a page: kind email (target = address) or webhook
-- (target = URL, secret = whsec_… encrypted at rest). component_ids is a
-- JSON array; empty means every component. token confirms and unsubscribes.
CREATE TABLE subscribers (
	id             INTEGER PRIMARY KEY,
	team_id        INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	status_page_id INTEGER NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
	kind           TEXT NOT NULL,
	target         TEXT NOT NULL COLLATE NOCASE,
	secret         TEXT NOT NULL DEFAULT '',
	component_ids  TEXT NOT NULL DEFAULT '[]',
	token          TEXT NOT NULL UNIQUE,
	confirmed_at   INTEGER,
	created_at     INTEGER NOT NULL,
	UNIQUE (status_page_id, kind, target)
);
CREATE INDEX subscribers_page ON subscribers(status_page_id, id);

-- Outbox of messages to subscribers. event_key makes each (subscriber,
-- event) pair unique, so a re-run never sends twice.
CREATE TABLE subscriber_deliveries (
	id            INTEGER PRIMARY KEY,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	event_key     TEXT NOT NULL,
	subject       TEXT NOT NULL,
	body          TEXT NOT NULL,           -- plain text for mail
	payload       TEXT NOT NULL DEFAULT '{}', -- JSON for webhooks
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       INTEGER NOT NULL,
	sent_at       INTEGER,
	failed_at     INTEGER,
	last_error    TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	UNIQUE (subscriber_id, event_key)
);
CREATE INDEX subscriber_deliveries_due ON subscriber_deliveries(sent_at, failed_at, next_at);

-- Progress of the notifier that turns incident updates and maintenance
-- boundaries into deliveries.
CREATE TABLE statuspage_cursors (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
