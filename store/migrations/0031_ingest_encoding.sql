-- How an ingest_queue payload is encoded: zstd (compressed by us) or gzip
-- (the request body as the SDK sent it, already compressed).
ALTER TABLE ingest_queue ADD COLUMN encoding TEXT NOT NULL DEFAULT 'zstd';
