-- +goose Up
-- Tickets on devices per device (internal/analytics/faultroll.go): what
-- 异常服务 (repeated repairs, longest fault and repair per device) and the
-- fault counts read instead of every ticket of the period. Keyed by the
-- device first, so a period's rows come grouped by device; the client org,
-- vendor, station, engineer and ticket type are there for scopes and filters.
-- max_fault_s / max_repair_s are NULL when no ticket of the row has the time
-- (not repaired yet), as the raw MAX over NULLs. Kept by the ticket hook, which
-- recomputes the rows a ticket change touches from the counted tickets.
CREATE TABLE analytics_fault_days (
    asset_id      INTEGER NOT NULL,
    day           INTEGER NOT NULL,
    org_id        INTEGER NOT NULL,
    vendor_org_id INTEGER NOT NULL,
    station_id    INTEGER NOT NULL,
    assignee_id   INTEGER NOT NULL,
    type          TEXT NOT NULL,
    n             INTEGER NOT NULL,
    fault_s       INTEGER NOT NULL,
    max_fault_s   INTEGER,
    repair_s      INTEGER NOT NULL,
    max_repair_s  INTEGER,
    PRIMARY KEY (asset_id, day, org_id, vendor_org_id, station_id, assignee_id, type)
) WITHOUT ROWID;
CREATE INDEX analytics_fault_days_day ON analytics_fault_days(day);
CREATE TABLE analytics_fault_months (
    asset_id      INTEGER NOT NULL,
    month         INTEGER NOT NULL,
    org_id        INTEGER NOT NULL,
    vendor_org_id INTEGER NOT NULL,
    station_id    INTEGER NOT NULL,
    assignee_id   INTEGER NOT NULL,
    type          TEXT NOT NULL,
    n             INTEGER NOT NULL,
    fault_s       INTEGER NOT NULL,
    max_fault_s   INTEGER,
    repair_s      INTEGER NOT NULL,
    max_repair_s  INTEGER,
    PRIMARY KEY (asset_id, month, org_id, vendor_org_id, station_id, assignee_id, type)
) WITHOUT ROWID;

-- The tickets counted already (the others are counted by Backfill, which
-- adds them here too): fault = reported → repaired (or resolved) less
-- pending; repair = arrived → repaired.
INSERT INTO analytics_fault_days (asset_id, day, org_id, vendor_org_id, station_id, assignee_id, type, n, fault_s, max_fault_s, repair_s, max_repair_s)
SELECT x.asset_id, x.day, x.org_id, x.vendor_org_id, x.station_id, x.assignee_id, x.type,
       COUNT(*), COALESCE(SUM(x.f), 0), MAX(x.f), COALESCE(SUM(x.r), 0), MAX(x.r)
FROM (SELECT t.asset_id, t.day, t.org_id, COALESCE(t.vendor_org_id, 0) AS vendor_org_id, COALESCE(t.station_id, 0) AS station_id,
             COALESCE(t.assignee_id, 0) AS assignee_id, t.type,
             CASE WHEN t.repaired_at IS NOT NULL THEN unixepoch(t.repaired_at) - unixepoch(t.reported_at) - t.pending_seconds
                  WHEN t.resolved_at IS NOT NULL THEN unixepoch(t.resolved_at) - unixepoch(t.reported_at) - t.pending_seconds END AS f,
             unixepoch(t.repaired_at) - unixepoch(t.arrived_at) AS r
      FROM tickets t WHERE t.asset_id IS NOT NULL AND t.analytics_state IS NOT NULL) x
GROUP BY x.asset_id, x.day, x.org_id, x.vendor_org_id, x.station_id, x.assignee_id, x.type;
INSERT INTO analytics_fault_months (asset_id, month, org_id, vendor_org_id, station_id, assignee_id, type, n, fault_s, max_fault_s, repair_s, max_repair_s)
SELECT asset_id, day / 100, org_id, vendor_org_id, station_id, assignee_id, type, SUM(n), SUM(fault_s), MAX(max_fault_s), SUM(repair_s), MAX(max_repair_s)
FROM analytics_fault_days
GROUP BY asset_id, day / 100, org_id, vendor_org_id, station_id, assignee_id, type;

-- +goose Down
DROP TABLE analytics_fault_months;
DROP TABLE analytics_fault_days;
