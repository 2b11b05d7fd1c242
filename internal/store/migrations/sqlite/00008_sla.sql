-- +goose Up
-- Service levels (R-SLA-01/02): business calendars and SLA policies. Both are
-- shared configuration (like the knowledge base), not scoped to an org. Lists
-- and objects are JSON text, read and written whole by internal/sla.

CREATE TABLE calendars (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL UNIQUE,
    time_zone          TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    weekly             TEXT    NOT NULL,
    holidays           TEXT    NOT NULL DEFAULT '[]',
    workdays           TEXT    NOT NULL DEFAULT '[]',
    workday_hours_from TEXT    NOT NULL DEFAULT 'mon',
    created_by         INTEGER REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE sla_policies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    sort        INTEGER NOT NULL DEFAULT 0,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id),
    conditions  TEXT    NOT NULL DEFAULT '{}',
    targets     TEXT    NOT NULL DEFAULT '{}',
    warnings    TEXT    NOT NULL DEFAULT '[]',
    escalations TEXT    NOT NULL DEFAULT '[]',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX sla_policies_order ON sla_policies(active, sort, id);
CREATE INDEX sla_policies_calendar ON sla_policies(calendar_id);

-- +goose Down
DROP TABLE sla_policies;
DROP TABLE calendars;
