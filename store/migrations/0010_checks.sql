-- Monitoring: raw check results, rollups, and the runtime state a monitor
-- keeps between checks (certificate, push heartbeats, recent changes).
ALTER TABLE monitors ADD COLUMN cert_expires_at INTEGER;
ALTER TABLE monitors ADD COLUMN cert_info TEXT NOT NULL DEFAULT '';
ALTER TABLE monitors ADD COLUMN cert_alerted_at INTEGER;
ALTER TABLE monitors ADD COLUMN push_last_at INTEGER;
ALTER TABLE monitors ADD COLUMN push_started_at INTEGER;
ALTER TABLE monitors ADD COLUMN state_changes TEXT NOT NULL DEFAULT '';

-- One row per check. status: 0 up, 1 degraded, 2 down. reason is empty
-- when up, which keeps a healthy monitor's rows around 20 bytes.
CREATE TABLE check_results (
	monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
	checked_at INTEGER NOT NULL,
	status     INTEGER NOT NULL,
	latency_ms INTEGER,
	reason     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (monitor_id, checked_at)
) WITHOUT ROWID;

-- Rollups per monitor and bucket. res is the bucket size in seconds
-- (60, 3600, 86400); bucket is the bucket start in Unix ms.
CREATE TABLE check_rollups (
	monitor_id   INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
	res          INTEGER NOT NULL,
	bucket       INTEGER NOT NULL,
	checks       INTEGER NOT NULL,
	failures     INTEGER NOT NULL,
	degraded     INTEGER NOT NULL,
	downtime_s   INTEGER NOT NULL,
	latency_p50  INTEGER,
	latency_p95  INTEGER,
	latency_max  INTEGER,
	PRIMARY KEY (monitor_id, res, bucket)
) WITHOUT ROWID;

-- Which buckets have been rolled up, so a restart neither skips nor
-- repeats work.
CREATE TABLE check_rollup_marks (
	res  INTEGER PRIMARY KEY,
	done INTEGER NOT NULL
);
