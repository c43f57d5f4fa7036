-- Deliveries about one subject go to a channel in order (a resolve never
-- overtakes its trigger); the dispatcher looks for older pending ones.
CREATE INDEX deliveries_subject ON deliveries(channel_id, subject, status, id);
