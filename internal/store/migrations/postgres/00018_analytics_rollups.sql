-- +goose Up
-- Ticket roll-ups for the service reports (internal/analytics/rollup.go),
-- kept in the transaction of every ticket change by the ticket hook: the
-- ticket's previous contribution is subtracted and the new one added. Absent
-- ids are 0 and absent texts '' so every column can be part of the key.

-- NULL: the ticket is not in the roll-ups yet (created before this migration,
-- or written by a bulk loader); analytics counts such tickets on start-up and
-- before it reads (Backfill), through the partial index. Otherwise the SLA
-- outcome it was counted with: policy_id * 64 + per target (first response,
-- arrival, resolution: 2 bits each) 1 met in time or 2 met late.
ALTER TABLE tickets ADD COLUMN analytics_state BIGINT;
CREATE INDEX tickets_analytics_pending ON tickets(id) WHERE analytics_state IS NULL;
-- What reports read live: tickets resolved today, open tickets by status (a
-- scope of everything has no org to start from) and SLA targets not met yet.
CREATE INDEX tickets_resolved_at ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_open_status ON tickets(status) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX ticket_sla_targets_unmet ON ticket_sla_targets(ticket_id) WHERE met_at IS NULL;

-- A device's type, brand, model, outlet and vendor as the roll-ups count its
-- tickets (taken when analytics first meets the device), so a ticket's old
-- contribution is always subtracted under the key it was added with.
CREATE TABLE analytics_assets (
    asset_id      BIGINT  PRIMARY KEY,
    type          TEXT    NOT NULL,
    brand         TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL
);

-- The client orgs that have tickets (a ticket's org never changes): a scope
-- that covers all of them reads the roll-ups without the client org.
CREATE TABLE analytics_orgs (
    org_id BIGINT  PRIMARY KEY
);

-- Three families of roll-ups, each per report day and per month, with the
-- same figures: tickets, durations (summed seconds; distance in metres) and
-- the SLA targets met in time (_met) and late (_late). A report reads the
-- narrowest family that has every column its scope, filters and groupings
-- need.
-- analytics_ticket_*: every key: the fallback for any grouping and filter.
CREATE TABLE analytics_ticket_days (
    day             INTEGER NOT NULL,
    org_id          BIGINT  NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    assignee_id     BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    category_id     BIGINT  NOT NULL,
    policy_id       BIGINT  NOT NULL,
    asset_org_id    BIGINT  NOT NULL,
    asset_vendor_id BIGINT  NOT NULL,
    asset_type      TEXT    NOT NULL,
    asset_brand     TEXT    NOT NULL,
    asset_model     TEXT    NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (day, org_id, vendor_org_id, station_id, assignee_id, type, status, category_id, policy_id, asset_org_id, asset_vendor_id, asset_type, asset_brand, asset_model)
);
CREATE INDEX analytics_ticket_days_org ON analytics_ticket_days(org_id, day);
CREATE TABLE analytics_ticket_months (
    month           INTEGER NOT NULL,
    org_id          BIGINT  NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    assignee_id     BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    category_id     BIGINT  NOT NULL,
    policy_id       BIGINT  NOT NULL,
    asset_org_id    BIGINT  NOT NULL,
    asset_vendor_id BIGINT  NOT NULL,
    asset_type      TEXT    NOT NULL,
    asset_brand     TEXT    NOT NULL,
    asset_model     TEXT    NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, vendor_org_id, station_id, assignee_id, type, status, category_id, policy_id, asset_org_id, asset_vendor_id, asset_type, asset_brand, asset_model)
);
CREATE INDEX analytics_ticket_months_org ON analytics_ticket_months(org_id, month);

-- analytics_vendor_*: without the client org and the device.
CREATE TABLE analytics_vendor_days (
    day             INTEGER NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    assignee_id     BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    policy_id       BIGINT  NOT NULL,
    category_id     BIGINT  NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (day, vendor_org_id, station_id, assignee_id, type, status, policy_id, category_id)
);
CREATE TABLE analytics_vendor_months (
    month           INTEGER NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    assignee_id     BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    policy_id       BIGINT  NOT NULL,
    category_id     BIGINT  NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (month, vendor_org_id, station_id, assignee_id, type, status, policy_id, category_id)
);

-- analytics_device_*: tickets on devices, by the device and the fault category, without the client org or assignee.
CREATE TABLE analytics_device_days (
    day             INTEGER NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    category_id     BIGINT  NOT NULL,
    asset_vendor_id BIGINT  NOT NULL,
    asset_type      TEXT    NOT NULL,
    asset_brand     TEXT    NOT NULL,
    asset_model     TEXT    NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (day, vendor_org_id, station_id, type, status, category_id, asset_vendor_id, asset_type, asset_brand, asset_model)
);
CREATE TABLE analytics_device_months (
    month           INTEGER NOT NULL,
    vendor_org_id   BIGINT  NOT NULL,
    station_id      BIGINT  NOT NULL,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    category_id     BIGINT  NOT NULL,
    asset_vendor_id BIGINT  NOT NULL,
    asset_type      TEXT    NOT NULL,
    asset_brand     TEXT    NOT NULL,
    asset_model     TEXT    NOT NULL,
    n INTEGER NOT NULL, fault_n INTEGER NOT NULL, fault_s BIGINT  NOT NULL, resp_n INTEGER NOT NULL,
    resp_s BIGINT  NOT NULL, travel_n INTEGER NOT NULL, travel_s BIGINT  NOT NULL, repair_n INTEGER NOT NULL,
    repair_s BIGINT  NOT NULL, work_n INTEGER NOT NULL, work_s BIGINT  NOT NULL, dist_n INTEGER NOT NULL,
    dist_m BIGINT  NOT NULL, handle_n INTEGER NOT NULL, handle_s BIGINT  NOT NULL, fr_met INTEGER NOT NULL,
    fr_late INTEGER NOT NULL, ar_met INTEGER NOT NULL, ar_late INTEGER NOT NULL, rs_met INTEGER NOT NULL,
    rs_late INTEGER NOT NULL,
    PRIMARY KEY (month, vendor_org_id, station_id, type, status, category_id, asset_vendor_id, asset_type, asset_brand, asset_model)
);

-- Work per engineer and report day (tickets with 出发 and 修复), for
-- overload (超负荷): without and with the client org.
CREATE TABLE analytics_engineer_days (
    day           INTEGER NOT NULL,
    assignee_id   BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    station_id    BIGINT  NOT NULL,
    type          TEXT    NOT NULL,
    n             INTEGER NOT NULL,
    work_s        BIGINT  NOT NULL,
    PRIMARY KEY (day, assignee_id, vendor_org_id, station_id, type)
);
CREATE TABLE analytics_engineer_org_days (
    day           INTEGER NOT NULL,
    assignee_id   BIGINT  NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    station_id    BIGINT  NOT NULL,
    type          TEXT    NOT NULL,
    n             INTEGER NOT NULL,
    work_s        BIGINT  NOT NULL,
    PRIMARY KEY (day, assignee_id, org_id, vendor_org_id, station_id, type)
);
CREATE INDEX analytics_engineer_org_days_org ON analytics_engineer_org_days(org_id, day);

-- Tickets per device, report day (month), client org, vendor and type: the
-- dashboard's devices with most repairs.
CREATE TABLE analytics_asset_days (
    day           INTEGER NOT NULL,
    asset_id      BIGINT  NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    type          TEXT    NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (day, asset_id, org_id, vendor_org_id, type)
);
CREATE INDEX analytics_asset_days_org ON analytics_asset_days(org_id, day);
CREATE TABLE analytics_asset_months (
    month         INTEGER NOT NULL,
    asset_id      BIGINT  NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    type          TEXT    NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (month, asset_id, org_id, vendor_org_id, type)
);
CREATE INDEX analytics_asset_months_org ON analytics_asset_months(org_id, month);

-- +goose Down
DROP TABLE analytics_asset_months;
DROP TABLE analytics_asset_days;
DROP TABLE analytics_engineer_org_days;
DROP TABLE analytics_engineer_days;
DROP TABLE analytics_device_months;
DROP TABLE analytics_device_days;
DROP TABLE analytics_vendor_months;
DROP TABLE analytics_vendor_days;
DROP TABLE analytics_ticket_months;
DROP TABLE analytics_ticket_days;
DROP TABLE analytics_orgs;
DROP TABLE analytics_assets;
DROP INDEX ticket_sla_targets_unmet;
DROP INDEX tickets_open_status;
DROP INDEX tickets_resolved_at;
DROP INDEX tickets_analytics_pending;
ALTER TABLE tickets DROP COLUMN analytics_state;
