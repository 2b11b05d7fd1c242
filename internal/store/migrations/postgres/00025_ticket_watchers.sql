-- +goose Up
-- Watchers of a ticket (关注人, R-TKT-06). The creator and the assignee watch
-- without a row; a row with watching = false is someone who unwatched (so the
-- creator or assignee can opt out), a row with watching = true someone who
-- chose to watch or was @mentioned.
CREATE TABLE ticket_watchers (
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    watching   BOOLEAN NOT NULL DEFAULT TRUE,
    reason     TEXT    NOT NULL DEFAULT 'manual',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_watchers_user ON ticket_watchers(user_id);

-- +goose Down
DROP TABLE ticket_watchers;
