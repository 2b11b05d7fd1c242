-- +goose Up
-- Analytics (internal/analytics) reads tickets by report day within the
-- caller's scope: a branch by org_id, a vendor by vendor_org_id, the service
-- centre by day alone. (org_id, id) and (vendor_org_id, id) served the lists but
-- made every report read a branch's whole history to keep one period; these
-- serve "org in subtree AND day BETWEEN" as index ranges. Open work (dashboard,
-- manpower load) is a small part of all tickets: partial indexes hold only it.
CREATE INDEX tickets_day ON tickets(day);
CREATE INDEX tickets_org_day ON tickets(org_id, day);
CREATE INDEX tickets_vendor_day ON tickets(vendor_org_id, day);
CREATE INDEX tickets_asset_day ON tickets(asset_id, day);
CREATE INDEX tickets_open_org ON tickets(org_id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_open_vendor ON tickets(vendor_org_id) WHERE status NOT IN ('resolved', 'closed');

-- +goose Down
DROP INDEX tickets_open_vendor;
DROP INDEX tickets_open_org;
DROP INDEX tickets_asset_day;
DROP INDEX tickets_vendor_day;
DROP INDEX tickets_org_day;
DROP INDEX tickets_day;
