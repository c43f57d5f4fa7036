-- The dispatcher asks, per channel, for the oldest due deliveries.
CREATE INDEX deliveries_channel_due ON deliveries(channel_id, status, next_attempt_at, id);
