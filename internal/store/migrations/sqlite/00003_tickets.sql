-- +goose Up
CREATE TABLE assets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    code           TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    brand          TEXT    NOT NULL DEFAULT '',
    model          TEXT    NOT NULL DEFAULT '',
    serial         TEXT    NOT NULL DEFAULT '',
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    vendor_org_id  INTEGER REFERENCES orgs(id),
    station_id     INTEGER REFERENCES orgs(id),
    installed_on   TEXT,
    warranty_until TEXT,
    contract_id    INTEGER,
    status         TEXT    NOT NULL DEFAULT 'in_service',
    location       TEXT    NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX assets_org ON assets(org_id);
CREATE INDEX assets_vendor ON assets(vendor_org_id);
CREATE UNIQUE INDEX assets_serial ON assets(brand, serial) WHERE serial <> '';

CREATE TABLE ticket_types (
    code       TEXT PRIMARY KEY,
    name       TEXT    NOT NULL,
    builtin    BOOLEAN NOT NULL DEFAULT FALSE,
    workflow   TEXT    NOT NULL,
    fields     TEXT    NOT NULL DEFAULT '[]',
    sort       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ticket_numbers (
    day  INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL REFERENCES ticket_types(code),
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    priority       TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    pending_reason TEXT    NOT NULL DEFAULT '',
    channel        TEXT    NOT NULL DEFAULT 'phone',
    customer_id    INTEGER REFERENCES customers(id),
    asset_id       INTEGER REFERENCES assets(id),
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    vendor_org_id  INTEGER REFERENCES orgs(id),
    station_id     INTEGER REFERENCES orgs(id),
    assignee_id    INTEGER REFERENCES users(id),
    parent_id      INTEGER REFERENCES tickets(id),
    category_id    INTEGER,
    custom         TEXT    NOT NULL DEFAULT '{}',
    reported_at    TIMESTAMP NOT NULL,
    assigned_at    TIMESTAMP,
    departed_at    TIMESTAMP,
    arrived_at     TIMESTAMP,
    repaired_at    TIMESTAMP,
    resolved_at    TIMESTAMP,
    closed_at      TIMESTAMP,
    distance_km    REAL,
    pending_seconds INTEGER NOT NULL DEFAULT 0,
    pending_since  TIMESTAMP,
    created_by     INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    day            INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX tickets_org_created ON tickets(org_id, id);
CREATE INDEX tickets_vendor_created ON tickets(vendor_org_id, id);
CREATE INDEX tickets_station_status ON tickets(station_id, status);
CREATE INDEX tickets_assignee_status ON tickets(assignee_id, status);
CREATE INDEX tickets_status_day ON tickets(status, day);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_asset ON tickets(asset_id);
CREATE INDEX tickets_parent ON tickets(parent_id);

CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    kind        TEXT    NOT NULL,
    at          TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    from_status TEXT    NOT NULL DEFAULT '',
    to_status   TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    data        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE ticket_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    author_id  INTEGER REFERENCES users(id),
    body       TEXT    NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments(ticket_id, id);

-- +goose Down
DROP TABLE ticket_comments;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE ticket_numbers;
DROP TABLE ticket_types;
DROP TABLE assets;
