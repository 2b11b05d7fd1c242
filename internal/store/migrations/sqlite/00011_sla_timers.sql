-- +goose Up
-- SLA timers (R-SLA-03), warnings and escalation (R-SLA-04) and notification
-- delivery (R-SLA-05). Instants are UTC; SLA arithmetic happens in Go on the
-- policy's calendar (internal/sla), delivery in internal/notify.

-- The next unmet deadline of a ticket, so lists sort on it (sort=due_at).
ALTER TABLE tickets ADD COLUMN sla_due_at TIMESTAMP;
CREATE INDEX tickets_sla_due ON tickets(sla_due_at) WHERE sla_due_at IS NOT NULL;

-- The policy applied to a ticket, with a snapshot of its warnings and
-- escalations: later edits of the policy do not move running timers.
-- generation grows with every re-application (priority or type changed), so
-- the new plan's warnings fire again.
CREATE TABLE ticket_sla (
    ticket_id   INTEGER  PRIMARY KEY REFERENCES tickets(id),
    policy_id   INTEGER  NOT NULL REFERENCES sla_policies(id),
    calendar_id INTEGER  NOT NULL REFERENCES calendars(id),
    generation  INTEGER NOT NULL DEFAULT 1,
    plan        TEXT    NOT NULL DEFAULT '{}',
    applied_at  TIMESTAMP NOT NULL
);
CREATE INDEX ticket_sla_policy ON ticket_sla(policy_id);

-- One row per ticket and target (first_response, arrival, resolution).
-- due_at is pushed by the business time spent paused; next_fire_at is the
-- next warning/breach/escalation instant (NULL when met or paused), which the
-- scanner reads through its partial index — never a full scan.
CREATE TABLE ticket_sla_targets (
    ticket_id      INTEGER  NOT NULL REFERENCES tickets(id),
    target         TEXT    NOT NULL,
    policy_id      INTEGER  NOT NULL REFERENCES sla_policies(id),
    generation     INTEGER NOT NULL DEFAULT 1,
    minutes        INTEGER NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    due_at         TIMESTAMP NOT NULL,
    met_at         TIMESTAMP,
    breached       BOOLEAN NOT NULL DEFAULT FALSE,
    breached_at    TIMESTAMP,
    paused_since   TIMESTAMP,
    paused_seconds INTEGER  NOT NULL DEFAULT 0,
    next_fire_at   TIMESTAMP,
    PRIMARY KEY (ticket_id, target)
);
CREATE INDEX ticket_sla_targets_next ON ticket_sla_targets(next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX ticket_sla_targets_open_due ON ticket_sla_targets(due_at) WHERE met_at IS NULL AND paused_since IS NULL;
CREATE INDEX ticket_sla_targets_breached ON ticket_sla_targets(ticket_id) WHERE breached;
CREATE INDEX ticket_sla_targets_policy ON ticket_sla_targets(policy_id, target);

-- Every warning, breach and escalation step that fired: the unique key makes
-- each fire exactly once per ticket, target, plan generation and step, also
-- with several processes; it is written in the transaction that writes the
-- step's notifications to the outbox.
CREATE TABLE sla_firings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    INTEGER  NOT NULL REFERENCES tickets(id),
    target       TEXT    NOT NULL,
    generation   INTEGER NOT NULL,
    step         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    level        INTEGER NOT NULL DEFAULT 0,
    due_at       TIMESTAMP NOT NULL,
    scheduled_at TIMESTAMP NOT NULL,
    fired_at     TIMESTAMP NOT NULL,
    skipped      TEXT    NOT NULL DEFAULT '',
    recipients   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ticket_id, target, generation, step)
);

-- The transactional outbox: one row per event, written in the transaction
-- of the change that caused it, with its deliveries (one per recipient and
-- channel, de-duplicated by dedup_key).
CREATE TABLE notifications_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key  TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    level      INTEGER NOT NULL DEFAULT 0,
    urgent     BOOLEAN NOT NULL DEFAULT FALSE,
    ticket_id  INTEGER  REFERENCES tickets(id),
    subject    TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    vars       TEXT    NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_outbox_ticket ON notifications_outbox(ticket_id);

CREATE TABLE notification_endpoints (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL DEFAULT '',
    events     TEXT    NOT NULL DEFAULT '[]',
    min_level  INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE notification_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id       INTEGER  NOT NULL REFERENCES notifications_outbox(id),
    dedup_key       TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL,
    user_id         INTEGER  REFERENCES users(id),
    endpoint_id     INTEGER  REFERENCES notification_endpoints(id),
    recipient       TEXT    NOT NULL DEFAULT '',
    subject         TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_lease ON notification_deliveries(lease_until) WHERE status = 'sending';
CREATE INDEX notification_deliveries_outbox ON notification_deliveries(outbox_id);
CREATE INDEX notification_deliveries_status ON notification_deliveries(status, id);

-- Every attempt to deliver, for the admin's delivery log.
CREATE TABLE notification_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER  NOT NULL REFERENCES notification_deliveries(id),
    attempt     INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    ok          BOOLEAN NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    worker      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_delivery ON notification_attempts(delivery_id, id);

-- In-app notifications (the bell).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER  NOT NULL REFERENCES users(id),
    delivery_id INTEGER  REFERENCES notification_deliveries(id),
    kind        TEXT    NOT NULL,
    level       INTEGER NOT NULL DEFAULT 0,
    ticket_id   INTEGER  REFERENCES tickets(id),
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    read_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- Admin-edited templates; a kind without a row uses the built-in default.
CREATE TABLE notification_templates (
    kind       TEXT PRIMARY KEY,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_by INTEGER  REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);

-- Per-user channel choices and quiet hours (免打扰).
CREATE TABLE notification_prefs (
    user_id     INTEGER  PRIMARY KEY REFERENCES users(id),
    email       BOOLEAN NOT NULL DEFAULT TRUE,
    sms         BOOLEAN NOT NULL DEFAULT TRUE,
    quiet_start TEXT    NOT NULL DEFAULT '',
    quiet_end   TEXT    NOT NULL DEFAULT '',
    time_zone   TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    updated_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notification_prefs;
DROP TABLE notification_templates;
DROP TABLE notifications;
DROP TABLE notification_attempts;
DROP TABLE notification_deliveries;
DROP TABLE notification_endpoints;
DROP TABLE notifications_outbox;
DROP TABLE sla_firings;
DROP TABLE ticket_sla_targets;
DROP TABLE ticket_sla;
DROP INDEX tickets_sla_due;
ALTER TABLE tickets DROP COLUMN sla_due_at;
