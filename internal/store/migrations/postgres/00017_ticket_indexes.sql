-- +goose Up
-- Ticket lists filtered by status and report days within an org subtree
-- (R-TKT-07; issue #4, Performance): each org of the subtree is one index
-- range holding exactly the matching tickets, so the capped count reads no
-- table rows and the page sorts only the matches. (status, day) alone made
-- both read every ticket of that status in the period, then the table for
-- the org.
CREATE INDEX tickets_org_status_day ON tickets(org_id, status, day);

-- +goose Down
DROP INDEX tickets_org_status_day;
