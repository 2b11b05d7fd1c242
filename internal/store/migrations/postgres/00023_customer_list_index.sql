-- +goose Up
-- The customer list (issue #3, Performance) filters live customers by the
-- caller's orgs and clearance, "org_id IN (…) AND confidentiality IN (…)", and
-- sorts by updated_at. With this index each (org, level) pair is one range
-- already in updated_at order: a page reads the first rows of each range, and
-- the capped count reads index entries only (deleted customers are not in it).
-- It replaces customers_org_updated, which needed a table row per customer to
-- test confidentiality and deleted_at (10,001 of them for a capped count).
DROP INDEX customers_org_updated;
CREATE INDEX customers_live_org ON customers(org_id, confidentiality, updated_at) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX customers_live_org;
CREATE INDEX customers_org_updated ON customers(org_id, updated_at);
