-- Components may show a response-time chart of their first monitor.
ALTER TABLE components ADD COLUMN show_latency INTEGER NOT NULL DEFAULT 0;
