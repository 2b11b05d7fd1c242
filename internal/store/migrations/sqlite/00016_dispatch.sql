-- +goose Up
-- Assignment rules (派单规则): which station gets a ticket, and how an engineer
-- there is chosen; the rotation cursor of round-robin per station.
CREATE TABLE assignment_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    conditions TEXT    NOT NULL DEFAULT '{}',
    station_id INTEGER NOT NULL REFERENCES orgs(id),
    strategy   TEXT    NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE dispatch_cursors (
    station_id   INTEGER PRIMARY KEY REFERENCES orgs(id),
    last_user_id INTEGER NOT NULL
);

-- +goose Down
DROP TABLE dispatch_cursors;
DROP TABLE assignment_rules;
