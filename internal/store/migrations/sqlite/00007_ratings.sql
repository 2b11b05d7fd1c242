-- +goose Up
-- Satisfaction evaluation (客户评价): counters, service sessions, ratings from
-- every channel, and the roll-ups reports read instead of the raw rows.

CREATE TABLE rating_settings (
    org_id              INTEGER PRIMARY KEY REFERENCES orgs(id),
    scale               INTEGER NOT NULL,
    satisfied_min       INTEGER NOT NULL,
    followup_max        INTEGER NOT NULL,
    timeout_seconds     INTEGER NOT NULL,
    qr_cooldown_minutes INTEGER NOT NULL,
    min_ranked_n        INTEGER NOT NULL,
    reasons             TEXT    NOT NULL DEFAULT '[]',
    welcome             TEXT    NOT NULL DEFAULT '',
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE business_types (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE counters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    code             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    business_type_id INTEGER REFERENCES business_types(id),
    staff_id         INTEGER REFERENCES users(id),
    signed_in_at     TIMESTAMP,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX counters_org ON counters(org_id);
CREATE INDEX counters_staff ON counters(staff_id);

CREATE TABLE rating_devices (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    counter_id         INTEGER NOT NULL REFERENCES counters(id),
    kind               TEXT    NOT NULL,
    name               TEXT    NOT NULL DEFAULT '',
    token_hash         TEXT    UNIQUE,
    pairing_hash       TEXT,
    pairing_expires_at TIMESTAMP,
    last_seen_at       TIMESTAMP,
    offline_alerted_at TIMESTAMP,
    revoked            BOOLEAN NOT NULL DEFAULT FALSE,
    created_by         INTEGER REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX rating_devices_counter ON rating_devices(counter_id);

CREATE TABLE service_sessions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    counter_id       INTEGER NOT NULL REFERENCES counters(id),
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    staff_id         INTEGER NOT NULL REFERENCES users(id),
    business_type_id INTEGER REFERENCES business_types(id),
    channel          TEXT    NOT NULL,
    queue_no         TEXT    NOT NULL DEFAULT '',
    queued_at        TIMESTAMP,
    started_at       TIMESTAMP NOT NULL,
    ended_at         TIMESTAMP,
    idem_key         TEXT    UNIQUE,
    day              INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX service_sessions_counter ON service_sessions(counter_id, id);
CREATE INDEX service_sessions_org_day ON service_sessions(org_id, day);
CREATE INDEX service_sessions_staff_day ON service_sessions(staff_id, day);

CREATE TABLE rating_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token         TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,
    counter_id    INTEGER REFERENCES counters(id),
    staff_id      INTEGER REFERENCES users(id),
    ticket_id     INTEGER REFERENCES tickets(id),
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    vendor_org_id INTEGER REFERENCES orgs(id),
    expires_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX rating_links_counter ON rating_links(counter_id);
CREATE INDEX rating_links_staff ON rating_links(staff_id);

-- Ratings are immutable: a correction is a new row naming the one it corrects.
-- once_key makes "one rating per session, ticket or survey link" a constraint;
-- idem_key makes a resent kiosk or device rating count once.
CREATE TABLE ratings (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    channel          TEXT    NOT NULL,
    session_id       INTEGER REFERENCES service_sessions(id),
    ticket_id        INTEGER REFERENCES tickets(id),
    link_id          INTEGER REFERENCES rating_links(id),
    counter_id       INTEGER REFERENCES counters(id),
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    vendor_org_id    INTEGER REFERENCES orgs(id),
    staff_id         INTEGER REFERENCES users(id),
    business_type_id INTEGER REFERENCES business_types(id),
    level            INTEGER NOT NULL,
    scale            INTEGER NOT NULL,
    satisfied        BOOLEAN NOT NULL,
    reasons          TEXT    NOT NULL DEFAULT '[]',
    comment          TEXT    NOT NULL DEFAULT '',
    once_key         TEXT    UNIQUE,
    idem_key         TEXT    UNIQUE,
    fingerprint      TEXT    NOT NULL DEFAULT '',
    device_cookie    TEXT    NOT NULL DEFAULT '',
    corrects_id      INTEGER UNIQUE REFERENCES ratings(id),
    correction_note  TEXT    NOT NULL DEFAULT '',
    rated_at         TIMESTAMP NOT NULL,
    day              INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users(id),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX ratings_org_day ON ratings(org_id, day);
CREATE INDEX ratings_vendor_day ON ratings(vendor_org_id, day);
CREATE INDEX ratings_staff_day ON ratings(staff_id, day);
CREATE INDEX ratings_link_fp ON ratings(link_id, rated_at);
CREATE TRIGGER ratings_no_update BEFORE UPDATE ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are immutable'); END;
CREATE TRIGGER ratings_no_delete BEFORE DELETE ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are immutable'); END;

CREATE TABLE rating_followups (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE rating_device_events (
    device_id  INTEGER NOT NULL REFERENCES rating_devices(id),
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    result     TEXT    NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (device_id, event_id)
);

-- Roll-ups, kept in the same transaction as each write. Absent dimensions are
-- 0, not NULL, so they can be part of the key. month is day / 100.
CREATE TABLE rating_daily (
    day              INTEGER NOT NULL,
    org_id           INTEGER NOT NULL,
    staff_id         INTEGER NOT NULL,
    counter_id       INTEGER NOT NULL,
    business_type_id INTEGER NOT NULL,
    channel          TEXT    NOT NULL,
    vendor_org_id    INTEGER NOT NULL,
    level            INTEGER NOT NULL,
    scale            INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (day, org_id, staff_id, counter_id, business_type_id, channel, vendor_org_id, level, scale, satisfied)
);
CREATE INDEX rating_daily_org ON rating_daily(org_id, day);
CREATE INDEX rating_daily_staff ON rating_daily(staff_id, day);
CREATE TABLE rating_monthly (
    month            INTEGER NOT NULL,
    org_id           INTEGER NOT NULL,
    staff_id         INTEGER NOT NULL,
    counter_id       INTEGER NOT NULL,
    business_type_id INTEGER NOT NULL,
    channel          TEXT    NOT NULL,
    vendor_org_id    INTEGER NOT NULL,
    level            INTEGER NOT NULL,
    scale            INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, staff_id, counter_id, business_type_id, channel, vendor_org_id, level, scale, satisfied)
);
CREATE INDEX rating_monthly_org ON rating_monthly(org_id, month);
CREATE INDEX rating_monthly_staff ON rating_monthly(staff_id, month);

CREATE TABLE session_daily (
    day              INTEGER NOT NULL,
    org_id           INTEGER NOT NULL,
    staff_id         INTEGER NOT NULL,
    counter_id       INTEGER NOT NULL,
    business_type_id INTEGER NOT NULL,
    sessions         INTEGER NOT NULL,
    ended            INTEGER NOT NULL,
    handle_seconds   INTEGER NOT NULL,
    waited           INTEGER NOT NULL,
    wait_seconds     INTEGER NOT NULL,
    PRIMARY KEY (day, org_id, staff_id, counter_id, business_type_id)
);
CREATE INDEX session_daily_org ON session_daily(org_id, day);
CREATE INDEX session_daily_staff ON session_daily(staff_id, day);

-- +goose Down
DROP TABLE session_daily;
DROP TABLE rating_monthly;
DROP TABLE rating_daily;
DROP TABLE rating_device_events;
DROP TABLE rating_followups;
DROP TABLE ratings;
DROP TABLE rating_links;
DROP TABLE service_sessions;
DROP TABLE rating_devices;
DROP TABLE counters;
DROP TABLE business_types;
DROP TABLE rating_settings;
