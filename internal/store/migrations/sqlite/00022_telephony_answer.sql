-- +goose Up
-- The agent desk and screen pops need telephony.answer (they used to ride on
-- ticket.create): roles that could open the desk before keep it.
INSERT INTO role_permissions (role_id, code)
SELECT role_id, 'telephony.answer' FROM role_permissions WHERE code = 'ticket.create'
ON CONFLICT DO NOTHING;

-- +goose Down
DELETE FROM role_permissions WHERE code = 'telephony.answer';
