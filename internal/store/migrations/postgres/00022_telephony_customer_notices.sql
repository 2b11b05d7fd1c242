-- +goose Up
-- The agent desk and screen pops need telephony.answer (they used to ride on
-- ticket.create): roles that could open the desk before keep it.
INSERT INTO role_permissions (role_id, code)
SELECT role_id, 'telephony.answer' FROM role_permissions WHERE code = 'ticket.create'
ON CONFLICT DO NOTHING;

-- Notifications to customers (internal/notify/customer.go), switched per org
-- (the nearest org up the ticket's org that has a row wins) or globally
-- (org_id 0, no org: hence no foreign key).
CREATE TABLE notification_customer_settings (
    org_id          BIGINT NOT NULL PRIMARY KEY,
    ticket_received BOOLEAN NOT NULL DEFAULT FALSE,
    ticket_resolved BOOLEAN NOT NULL DEFAULT FALSE,
    survey          BOOLEAN NOT NULL DEFAULT TRUE,
    updated_by      BIGINT,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE notification_customer_settings;
DELETE FROM role_permissions WHERE code = 'telephony.answer';
