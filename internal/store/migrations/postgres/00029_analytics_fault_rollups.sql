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
    asset_id      BIGINT NOT NULL,
    day           BIGINT NOT NULL,
    org_id        BIGINT NOT NULL,
    vendor_org_id BIGINT NOT NULL,
    station_id    BIGINT NOT NULL,
    assignee_id   BIGINT NOT NULL,
    type          TEXT NOT NULL,
    n             BIGINT NOT NULL,
    fault_s       BIGINT NOT NULL,
    max_fault_s   BIGINT,
    repair_s      BIGINT NOT NULL,
    max_repair_s  BIGINT,
    PRIMARY KEY (asset_id, day, org_id, vendor_org_id, station_id, assignee_id, type)
);
CREATE INDEX analytics_fault_days_day ON analytics_fault_days(day);
CREATE TABLE analytics_fault_months (
    asset_id      BIGINT NOT NULL,
    month         BIGINT NOT NULL,
    org_id        BIGINT NOT NULL,
    vendor_org_id BIGINT NOT NULL,
    station_id    BIGINT NOT NULL,
    assignee_id   BIGINT NOT NULL,
    type          TEXT NOT NULL,
    n             BIGINT NOT NULL,
    fault_s       BIGINT NOT NULL,
    max_fault_s   BIGINT,
    repair_s      BIGINT NOT NULL,
    max_repair_s  BIGINT,
    PRIMARY KEY (asset_id, month, org_id, vendor_org_id, station_id, assignee_id, type)
);

-- The tickets counted already (the others are counted by Backfill, which
-- adds them here too): fault = reported → repaired (or resolved) less
-- pending; repair = arrived → repaired.
INSERT INTO analytics_fault_days (asset_id, day, org_id, vendor_org_id, station_id, assignee_id, type, n, fault_s, max_fault_s, repair_s, max_repair_s)
SELECT x.asset_id, x.day, x.org_id, x.vendor_org_id, x.station_id, x.assignee_id, x.type,
       COUNT(*), COALESCE(SUM(x.f), 0), MAX(x.f), COALESCE(SUM(x.r), 0), MAX(x.r)
FROM (SELECT t.asset_id, t.day, t.org_id, COALESCE(t.vendor_org_id, 0) AS vendor_org_id, COALESCE(t.station_id, 0) AS station_id,
             COALESCE(t.assignee_id, 0) AS assignee_id, t.type,
             CASE WHEN t.repaired_at IS NOT NULL THEN CAST(FLOOR(EXTRACT(EPOCH FROM t.repaired_at)) AS BIGINT) - CAST(FLOOR(EXTRACT(EPOCH FROM t.reported_at)) AS BIGINT) - t.pending_seconds
                  WHEN t.resolved_at IS NOT NULL THEN CAST(FLOOR(EXTRACT(EPOCH FROM t.resolved_at)) AS BIGINT) - CAST(FLOOR(EXTRACT(EPOCH FROM t.reported_at)) AS BIGINT) - t.pending_seconds END AS f,
             CAST(FLOOR(EXTRACT(EPOCH FROM t.repaired_at)) AS BIGINT) - CAST(FLOOR(EXTRACT(EPOCH FROM t.arrived_at)) AS BIGINT) AS r
      FROM tickets t WHERE t.asset_id IS NOT NULL AND t.analytics_state IS NOT NULL) x
GROUP BY x.asset_id, x.day, x.org_id, x.vendor_org_id, x.station_id, x.assignee_id, x.type;
INSERT INTO analytics_fault_months (asset_id, month, org_id, vendor_org_id, station_id, assignee_id, type, n, fault_s, max_fault_s, repair_s, max_repair_s)
SELECT asset_id, day / 100, org_id, vendor_org_id, station_id, assignee_id, type, SUM(n), SUM(fault_s), MAX(max_fault_s), SUM(repair_s), MAX(max_repair_s)
FROM analytics_fault_days
GROUP BY asset_id, day / 100, org_id, vendor_org_id, station_id, assignee_id, type;

-- +goose Down
DROP TABLE analytics_fault_months;
DROP TABLE analytics_fault_days;
