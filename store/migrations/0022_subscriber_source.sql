-- Who added a subscriber: 'public' (a visitor on the page) or 'team' (a
-- member of the owning team). Webhooks of visitors never reach loopback,
-- private or link-local addresses, whatever the instance allows channels.
ALTER TABLE subscribers ADD COLUMN source TEXT NOT NULL DEFAULT 'public';
