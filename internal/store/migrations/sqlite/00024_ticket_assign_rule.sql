-- +goose Up
-- The assignment rule (派单规则) that assigned a ticket, kept on the ticket
-- (R-TKT-04): the id and the rule's name at the time, so the detail still
-- says which rule it was after the rule is renamed or deleted. A manual
-- assignment clears both.
ALTER TABLE tickets ADD COLUMN assign_rule_id INTEGER;
ALTER TABLE tickets ADD COLUMN assign_rule_name TEXT;

-- +goose Down
ALTER TABLE tickets DROP COLUMN assign_rule_name;
ALTER TABLE tickets DROP COLUMN assign_rule_id;
