-- Analytics queries. {{slots}} are filled by the Go code: table (a roll-up
-- table, alias r), dims (the raw group keys, "expr AS g0, …"), joins, where
-- (scope, period and filters, with ? placeholders), group (GROUP BY of the
-- dims). EPOCH(col) becomes whole Unix seconds on each engine (unixepoch on
-- SQLite, EXTRACT(EPOCH …) on PostgreSQL), METRES(col) a distance in whole
-- metres.
--
-- The roll-ups (rollup.go) hold per-ticket durations summed as
-- internal/ticket derives them:
--   fault    reported → repaired (or resolved), less pending time
--   response reported → assigned
--   travel   departed → arrived (出发 → 到达)
--   repair   arrived → repaired (到达 → 修复)
--   work     departed → repaired, less pending time (never below zero)
--   handle   reported → resolved
-- Queries on tickets (alias t) list single tickets or devices, or what is open now.

-- name: org-exists
SELECT count(*) FROM orgs WHERE id = ?

-- name: org-path
SELECT path FROM orgs WHERE id = ?

-- name: orgs-by-id
SELECT id, name, kind, path FROM orgs WHERE id IN ({{ids}})

-- name: users-by-id
SELECT id, name FROM users WHERE id IN ({{ids}})

-- name: categories-by-id
SELECT id, name FROM kb_categories WHERE id IN ({{ids}})

-- name: policies-by-id
SELECT id, name FROM sla_policies WHERE id IN ({{ids}})

-- name: ticket-types
SELECT code AS k, name AS v FROM ticket_types

-- name: roll-measures
-- The ticket figures of each group, from a roll-up table ({{table}}: days or months).
SELECT {{dims}}
       CAST(COALESCE(SUM(r.n), 0) AS BIGINT) AS tickets,
       CAST(COALESCE(SUM(CASE WHEN r.status IN ('resolved', 'closed') THEN r.n ELSE 0 END), 0) AS BIGINT) AS done,
       CAST(COALESCE(SUM(CASE WHEN r.type = 'complaint' THEN r.n ELSE 0 END), 0) AS BIGINT) AS complaints,
       CAST(COALESCE(SUM(CASE WHEN r.type = 'suggestion' THEN r.n ELSE 0 END), 0) AS BIGINT) AS suggestions,
       CAST(COALESCE(SUM(r.fault_n), 0) AS BIGINT) AS fault_n,
       CAST(COALESCE(SUM(r.fault_s), 0) AS BIGINT) AS fault_s,
       CAST(COALESCE(SUM(r.resp_n), 0) AS BIGINT) AS resp_n,
       CAST(COALESCE(SUM(r.resp_s), 0) AS BIGINT) AS resp_s,
       CAST(COALESCE(SUM(r.travel_n), 0) AS BIGINT) AS travel_n,
       CAST(COALESCE(SUM(r.travel_s), 0) AS BIGINT) AS travel_s,
       CAST(COALESCE(SUM(r.repair_n), 0) AS BIGINT) AS repair_n,
       CAST(COALESCE(SUM(r.repair_s), 0) AS BIGINT) AS repair_s,
       CAST(COALESCE(SUM(r.work_n), 0) AS BIGINT) AS work_n,
       CAST(COALESCE(SUM(r.work_s), 0) AS BIGINT) AS work_s,
       CAST(COALESCE(SUM(r.dist_n), 0) AS BIGINT) AS dist_n,
       CAST(COALESCE(SUM(r.dist_m), 0) AS BIGINT) AS dist_m,
       CAST(COALESCE(SUM(r.handle_n), 0) AS BIGINT) AS handle_n,
       CAST(COALESCE(SUM(r.handle_s), 0) AS BIGINT) AS handle_s,
       CAST(COALESCE(SUM(CASE WHEN r.status NOT IN ('resolved', 'closed') THEN r.n ELSE 0 END), 0) AS BIGINT) AS open
FROM {{table}} r{{joins}}
WHERE {{where}}{{group}}

-- name: roll-engineers
-- One row per group and engineer: who worked, and on how many tickets.
SELECT {{dims}} CAST(r.assignee_id AS TEXT) AS eng, CAST(SUM(r.n) AS BIGINT) AS tickets
FROM {{table}} r{{joins}}
WHERE {{where}} AND r.assignee_id <> 0
GROUP BY {{dimgroup}}r.assignee_id

-- name: roll-overload-days
-- Per group and engineer, the days whose work time passed the threshold (days
-- are the tickets' report days), from an engineer-day table or, when the
-- device narrows the report, from a daily roll-up.
SELECT {{outer}}x.eng AS eng, COUNT(*) AS days FROM (
SELECT {{dims}} CAST(r.assignee_id AS TEXT) AS eng, r.day AS day
FROM {{table}} r{{joins}}
WHERE {{where}}
GROUP BY {{dimgroup}}r.assignee_id, r.day
HAVING SUM(r.work_s) > ?
) x
GROUP BY {{outer}}x.eng

-- name: roll-sla
-- SLA targets met in time and late per group (tickets under a policy).
SELECT {{dims}}
       CAST(COALESCE(SUM(r.n), 0) AS BIGINT) AS tickets,
       CAST(COALESCE(SUM(r.fr_met), 0) AS BIGINT) AS fr_met,
       CAST(COALESCE(SUM(r.fr_late), 0) AS BIGINT) AS fr_late,
       CAST(COALESCE(SUM(r.ar_met), 0) AS BIGINT) AS ar_met,
       CAST(COALESCE(SUM(r.ar_late), 0) AS BIGINT) AS ar_late,
       CAST(COALESCE(SUM(r.rs_met), 0) AS BIGINT) AS rs_met,
       CAST(COALESCE(SUM(r.rs_late), 0) AS BIGINT) AS rs_late
FROM {{table}} r{{joins}}
WHERE {{where}} AND r.policy_id <> 0{{group}}

-- name: sla-open
-- Targets not met yet, per group and target, and those breached now: flagged
-- (by the scanner, or paused past the deadline) or running past due_at. The
-- targets not met (open tickets') are read first, through their partial
-- index, then their tickets.
WITH s AS MATERIALIZED (
    SELECT ticket_id, target, policy_id, CASE WHEN breached OR (paused_since IS NULL AND due_at <= ?) THEN 1 ELSE 0 END AS overdue
    FROM ticket_sla_targets WHERE met_at IS NULL
)
SELECT {{dims}} s.target AS target, COUNT(*) AS open, CAST(COALESCE(SUM(s.overdue), 0) AS BIGINT) AS overdue
FROM s
JOIN tickets t ON t.id = s.ticket_id
LEFT JOIN assets a ON a.id = t.asset_id{{joins}}
WHERE {{where}}
GROUP BY {{dimgroup}}s.target

-- name: open-by-engineer
-- Open tickets now, per group and engineer (the load of manpower).
SELECT {{dims}} COALESCE(CAST(t.assignee_id AS TEXT), '') AS eng, COUNT(*) AS tickets
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id{{joins}}
WHERE {{where}} AND t.status NOT IN ('resolved', 'closed')
GROUP BY {{dimgroup}}t.assignee_id

-- name: device-counts
-- Devices per group and month of installation (0: unknown), for device counts per month.
SELECT {{dims}} CAST(CASE WHEN LENGTH(COALESCE(a.installed_on, '')) < 7 THEN 0
            ELSE CAST(SUBSTR(a.installed_on, 1, 4) || SUBSTR(a.installed_on, 6, 2) AS INTEGER) END AS BIGINT) AS inst,
       COUNT(*) AS n
FROM assets a{{joins}}
WHERE {{where}}
GROUP BY {{dimgroup}}inst

-- name: device-distribution
SELECT {{dims}}
       COUNT(*) AS devices,
       CAST(COALESCE(SUM(CASE WHEN a.status = 'in_service' THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_service,
       CAST(COALESCE(SUM(CASE WHEN a.status = 'faulty' THEN 1 ELSE 0 END), 0) AS BIGINT) AS faulty,
       CAST(COALESCE(SUM(CASE WHEN a.status = 'retired' THEN 1 ELSE 0 END), 0) AS BIGINT) AS retired,
       CAST(COALESCE(SUM(CASE WHEN a.warranty_until >= ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_warranty,
       CAST(COALESCE(SUM(CASE WHEN a.warranty_until < ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS out_of_warranty
FROM assets a{{joins}}
WHERE {{where}}{{group}}

-- name: abnormal-devices
-- Devices with repeated repairs or long faults or repairs in the period.
SELECT x.* FROM (
SELECT t.asset_id AS asset_id,
       COUNT(*) AS repairs,
       CAST(COALESCE(SUM(CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
                              WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END), 0) AS BIGINT) AS fault_s,
       CAST(COALESCE(MAX(CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
                              WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END), 0) AS BIGINT) AS max_fault_s,
       CAST(COALESCE(SUM(EPOCH(t.repaired_at) - EPOCH(t.arrived_at)), 0) AS BIGINT) AS repair_s,
       CAST(COALESCE(MAX(EPOCH(t.repaired_at) - EPOCH(t.arrived_at)), 0) AS BIGINT) AS max_repair_s
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.asset_id IS NOT NULL
GROUP BY t.asset_id
) x
WHERE {{having}}

-- name: fault-recompute
-- One row of the device roll-ups from the counted tickets (and the ticket being changed).
SELECT COUNT(*) AS n, CAST(COALESCE(SUM(x.f), 0) AS BIGINT) AS fault_s, CAST(MAX(x.f) AS BIGINT) AS max_fault_s,
       CAST(COALESCE(SUM(x.r), 0) AS BIGINT) AS repair_s, CAST(MAX(x.r) AS BIGINT) AS max_repair_s
FROM (SELECT CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
                  WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END AS f,
             EPOCH(t.repaired_at) - EPOCH(t.arrived_at) AS r
      FROM tickets t
      WHERE t.asset_id = ? AND t.day >= ? AND t.day <= ? AND t.org_id = ? AND COALESCE(t.vendor_org_id, 0) = ?
        AND COALESCE(t.station_id, 0) = ? AND COALESCE(t.assignee_id, 0) = ? AND t.type = ?
        AND (t.analytics_state IS NOT NULL OR t.id = ?)) x

-- name: abnormal-page
-- The devices over a threshold, a page of them in the report's order, and how many there are.
SELECT x.asset_id, x.repairs, x.fault_s, x.max_fault_s, x.repair_s, x.max_repair_s, COUNT(*) OVER () AS total
FROM {{from}} x
WHERE {{having}}
ORDER BY x.repairs DESC, x.fault_s DESC, x.asset_id
LIMIT ? OFFSET ?

-- name: abnormal-count
SELECT count(*) FROM {{from}} x WHERE {{having}}

-- name: abnormal-assets
SELECT a.id, a.code, a.type, a.brand, a.model, a.org_id, o.name AS org_name, o.region, COALESCE(p.name, '') AS parent_name,
       a.vendor_org_id, v.name AS vendor_org_name
FROM assets a
JOIN orgs o ON o.id = a.org_id
LEFT JOIN orgs p ON p.id = o.parent_id
LEFT JOIN orgs v ON v.id = a.vendor_org_id
WHERE a.id IN ({{ids}})

-- name: abnormal-tickets
-- The page's devices' tickets first (tickets_asset_day), then the scope and
-- filters: left to itself the planner walked the scope's org index over the
-- whole period.
SELECT t.id, t.number, t.asset_id, t.status, t.reported_at, t.pending_reason, t.pending_since
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE t.id IN (SELECT id FROM tickets WHERE asset_id IN ({{ids}}) AND day >= ? AND day <= ?) AND {{where}}
ORDER BY t.reported_at, t.id

-- name: pending-events
-- Leaving a pausing status records how long and why the ticket waited.
SELECT ticket_id, data FROM ticket_events WHERE ticket_id IN ({{ids}}) AND kind = 'status' AND data LIKE '%pending_seconds%'

-- name: fault-causes
SELECT t.id, t.number, t.title, t.description, t.status, t.reported_at, t.resolved_at, t.repaired_at,
       COALESCE(c.name, '') AS category, COALESCE(a.code, '') AS asset_code, COALESCE(a.type, '') AS type,
       COALESCE(a.brand, '') AS brand, COALESCE(a.model, '') AS model, o.region, o.name AS outlet, COALESCE(p.name, '') AS branch
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
JOIN orgs o ON o.id = t.org_id
LEFT JOIN orgs p ON p.id = o.parent_id
LEFT JOIN kb_categories c ON c.id = t.category_id
WHERE {{where}}
ORDER BY t.reported_at DESC, t.id DESC
LIMIT ? OFFSET ?

-- name: fault-causes-count
SELECT count(*) FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id WHERE {{where}}

-- name: dashboard-today
SELECT r.type AS k, CAST(SUM(r.n) AS BIGINT) AS n
FROM {{table}} r
WHERE {{where}}
GROUP BY r.type

-- name: dashboard-open
-- Open tickets by status. Overdue: under an SLA policy, a target not met and
-- breached now; without a policy, reported before the cut-off.
SELECT t.status AS k, COUNT(*) AS n,
       CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_sla_targets s WHERE s.ticket_id = t.id AND s.met_at IS NULL
                                             AND (s.breached OR (s.paused_since IS NULL AND s.due_at <= ?))) THEN 1 ELSE 0 END), 0) AS BIGINT) AS breached,
       CAST(COALESCE(SUM(CASE WHEN t.reported_at < ? AND NOT EXISTS (SELECT 1 FROM ticket_sla h WHERE h.ticket_id = t.id) THEN 1 ELSE 0 END), 0) AS BIGINT) AS aged,
       CAST(COALESCE(SUM(CASE WHEN t.assignee_id IS NULL AND t.station_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unassigned
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.status NOT IN ('resolved', 'closed')
GROUP BY t.status

-- name: dashboard-resolved-today
-- Today's resolutions first (through their index), then the scope.
SELECT count(*) FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
WHERE t.id IN (SELECT id FROM tickets WHERE resolved_at >= ? AND resolved_at < ?) AND {{where}}

-- name: dashboard-top-faults
SELECT CASE WHEN r.category_id = 0 THEN '' ELSE CAST(r.category_id AS TEXT) END AS k, CAST(SUM(r.n) AS BIGINT) AS n
FROM {{table}} r
WHERE {{where}}
GROUP BY r.category_id

-- name: dashboard-worst-devices
SELECT CAST(t.asset_id AS TEXT) AS k, a.code || ' ' || a.type || ' ' || a.model AS label, COUNT(*) AS n
FROM tickets t
JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.type = 'repair'
GROUP BY t.asset_id, a.code, a.type, a.model
ORDER BY n DESC, k
LIMIT 5

-- name: dashboard-device-repairs
-- Repairs per device from the per-device roll-up ({{table}}: days or months).
SELECT CAST(r.asset_id AS TEXT) AS k, CAST(SUM(r.n) AS BIGINT) AS n
FROM {{table}} r{{joins}}
WHERE {{where}} AND r.type = 'repair'
GROUP BY r.asset_id

-- name: device-labels
SELECT CAST(id AS TEXT) AS k, code || ' ' || type || ' ' || model AS label FROM assets WHERE id IN ({{ids}})

-- name: dashboard-busiest-stations
SELECT CAST(COALESCE(t.station_id, t.vendor_org_id) AS TEXT) AS k, s.name AS label, COUNT(*) AS n
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
JOIN orgs s ON s.id = COALESCE(t.station_id, t.vendor_org_id)
WHERE {{where}} AND t.status NOT IN ('resolved', 'closed')
GROUP BY COALESCE(t.station_id, t.vendor_org_id), s.name
ORDER BY n DESC, k
LIMIT 5

-- name: dashboard-devices
SELECT a.status AS k, COUNT(*) AS n FROM assets a WHERE {{where}} GROUP BY a.status

-- name: export-tickets
-- The ticket history (任务明细), every field, in id order, one batch at a time.
SELECT t.id, t.number, t.type, tt.name AS type_name, t.title, t.description, t.priority, t.status, t.pending_reason, t.channel,
       c.name AS customer_name, a.code AS asset_code, a.type AS asset_type, a.brand AS asset_brand, a.model AS asset_model,
       o.region AS region, COALESCE(p.name, '') AS branch_name, o.name AS org_name, v.name AS vendor_org_name, st.name AS station_name,
       u.name AS assignee_name, k.name AS category_name, t.reported_at, t.assigned_at, t.departed_at, t.arrived_at, t.repaired_at,
       t.resolved_at, t.closed_at, t.distance_km, t.pending_seconds, t.created_at, t.updated_at
FROM tickets t
JOIN ticket_types tt ON tt.code = t.type
JOIN orgs o ON o.id = t.org_id
LEFT JOIN orgs p ON p.id = o.parent_id
LEFT JOIN customers c ON c.id = t.customer_id
LEFT JOIN assets a ON a.id = t.asset_id
LEFT JOIN orgs v ON v.id = t.vendor_org_id
LEFT JOIN orgs st ON st.id = t.station_id
LEFT JOIN users u ON u.id = t.assignee_id
LEFT JOIN kb_categories k ON k.id = t.category_id
WHERE {{where}} AND t.id > ?
ORDER BY t.id
LIMIT ?

-- name: survey-new
-- A vendor rating (one with a ticket) not copied yet, from the newest copy
-- less a margin on: through the partial index ratings_ticket_id_only.
SELECT r.id FROM ratings r
WHERE r.ticket_id IS NOT NULL AND r.id > ?
  AND NOT EXISTS (SELECT 1 FROM analytics_survey_ratings s WHERE s.rating_id = r.id)
LIMIT 1

-- name: survey-copy
-- Copies a batch of new vendor ratings with their ticket's station and type and
-- its device's type, brand and model (counted = 0 until survey-counted).
INSERT INTO analytics_survey_ratings (rating_id, day, org_id, vendor_org_id, station_id, staff_id, ticket_type,
    asset_type, asset_brand, asset_model, level, scale, satisfied, corrects_id)
SELECT r.id, r.day, r.org_id, COALESCE(r.vendor_org_id, 0), COALESCE(t.station_id, t.vendor_org_id, 0), COALESCE(r.staff_id, 0), t.type,
       COALESCE(a.type, ''), COALESCE(a.brand, ''), COALESCE(a.model, ''), r.level, r.scale,
       CASE WHEN r.satisfied THEN 1 ELSE 0 END, r.corrects_id
FROM ratings r
JOIN tickets t ON t.id = r.ticket_id
LEFT JOIN assets a ON a.id = t.asset_id
WHERE r.ticket_id IS NOT NULL AND r.id > ?
  AND NOT EXISTS (SELECT 1 FROM analytics_survey_ratings s WHERE s.rating_id = r.id)
ORDER BY r.id
LIMIT ?
ON CONFLICT (rating_id) DO NOTHING

-- name: survey-count
-- Adds the new copies to the monthly counts.
INSERT INTO analytics_survey_months (month, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied, n)
SELECT day / 100, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied, COUNT(*)
FROM analytics_survey_ratings
WHERE counted = 0
GROUP BY day / 100, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied
ON CONFLICT (month, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied)
DO UPDATE SET n = analytics_survey_months.n + excluded.n

-- name: survey-uncount
-- Takes the ratings the new copies correct out of the monthly counts.
INSERT INTO analytics_survey_months (month, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied, n)
SELECT day / 100, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied, -COUNT(*)
FROM analytics_survey_ratings
WHERE superseded = 0 AND rating_id IN (SELECT corrects_id FROM analytics_survey_ratings WHERE counted = 0 AND corrects_id IS NOT NULL)
GROUP BY day / 100, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied
ON CONFLICT (month, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied)
DO UPDATE SET n = analytics_survey_months.n + excluded.n

-- name: survey-supersede
UPDATE analytics_survey_ratings SET superseded = 1
WHERE superseded = 0 AND rating_id IN (SELECT corrects_id FROM analytics_survey_ratings WHERE counted = 0 AND corrects_id IS NOT NULL)

-- name: survey-counted
UPDATE analytics_survey_ratings SET counted = 1 WHERE counted = 0

-- name: survey-ratings
-- The ratings behind a survey figure, newest first.
SELECT x.id, x.rated_at, x.level, x.scale, r.satisfied, x.comment, x.reasons, x.ticket_id, t.number,
       o.name AS org_name, v.name AS vendor_name, u.name AS staff_name, a.code AS asset_code
FROM analytics_survey_ratings r
JOIN ratings x ON x.id = r.rating_id
JOIN tickets t ON t.id = x.ticket_id
JOIN orgs o ON o.id = r.org_id
LEFT JOIN orgs v ON v.id = x.vendor_org_id
LEFT JOIN users u ON u.id = x.staff_id
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}}
ORDER BY x.rated_at DESC, x.id DESC
LIMIT ? OFFSET ?

-- name: volume-heat
-- Tickets reported per weekday (0 Sunday … 6 Saturday) and hour, Beijing
-- time (UTC+8 all year): whole local seconds, days since 1970-01-01 (a
-- Thursday), seconds into the day.
SELECT CAST(((EPOCH(t.reported_at) + 28800) / 86400 + 4) % 7 AS INTEGER) AS dow,
       CAST(((EPOCH(t.reported_at) + 28800) % 86400) / 3600 AS INTEGER) AS hour,
       COUNT(*) AS n
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}}
GROUP BY 1, 2
