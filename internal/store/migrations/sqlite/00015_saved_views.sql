-- +goose Up
-- A user's saved list filters.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, kind, name)
);

-- +goose Down
DROP TABLE saved_views;
