-- +goose Up
-- A counter's open session (started sessions end the one left open; a device's
-- session_end finds it) and its latest ended, unrated one (a device's key) were
-- found through (counter_id, id): every such lookup read the counter's whole
-- history, some 15,000 sessions a year. This index seeks them directly.
CREATE INDEX service_sessions_counter_end ON service_sessions(counter_id, ended_at, id);

-- +goose Down
DROP INDEX service_sessions_counter_end;
