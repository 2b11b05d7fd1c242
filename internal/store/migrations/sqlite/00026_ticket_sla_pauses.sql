-- +goose Up
-- Each pause of a ticket's SLA target (R-SLA-03, shown on the ticket page):
-- ticket_sla_targets keeps only the running total (paused_seconds) and the
-- open pause (paused_since); this keeps every pause with its business time.
-- ended_at is NULL while the pause lasts. Pauses from before this table
-- existed are not here (the total still counts them).
CREATE TABLE ticket_sla_pauses (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
    target         TEXT    NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    paused_seconds INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ticket_sla_pauses_ticket ON ticket_sla_pauses(ticket_id, target, started_at);

-- +goose Down
DROP TABLE ticket_sla_pauses;
