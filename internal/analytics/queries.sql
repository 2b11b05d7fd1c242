-- Analytics queries. {{slots}} are filled by the Go code: dims (the raw group
-- keys, "expr AS g0, …"), joins, where (scope, period and filters, with ?
-- placeholders), group (GROUP BY of the dims). EPOCH(col) becomes whole Unix
-- seconds on each engine (unixepoch on SQLite, EXTRACT(EPOCH …) on PostgreSQL).
--
-- Per-ticket durations, as internal/ticket derives them:
--   fault    reported → repaired (or resolved), less pending time
--   response reported → assigned
--   travel   departed → arrived (出发 → 到达)
--   repair   arrived → repaired (到达 → 修复)
--   work     departed → repaired, less pending time (never below zero)
--   handle   reported → resolved

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

-- name: ticket-types
SELECT code AS k, name AS v FROM ticket_types

-- name: ticket-measures
SELECT {{dims}}
       COUNT(*) AS tickets,
       CAST(COALESCE(SUM(CASE WHEN t.status IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0) AS BIGINT) AS done,
       CAST(COALESCE(SUM(CASE WHEN t.type = 'complaint' THEN 1 ELSE 0 END), 0) AS BIGINT) AS complaints,
       CAST(COALESCE(SUM(CASE WHEN t.type = 'suggestion' THEN 1 ELSE 0 END), 0) AS BIGINT) AS suggestions,
       COUNT(CASE WHEN t.repaired_at IS NOT NULL OR t.resolved_at IS NOT NULL THEN 1 END) AS fault_n,
       CAST(COALESCE(SUM(CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
                              WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END), 0) AS BIGINT) AS fault_s,
       COUNT(t.assigned_at) AS resp_n,
       CAST(COALESCE(SUM(EPOCH(t.assigned_at) - EPOCH(t.reported_at)), 0) AS BIGINT) AS resp_s,
       COUNT(CASE WHEN t.departed_at IS NOT NULL AND t.arrived_at IS NOT NULL THEN 1 END) AS travel_n,
       CAST(COALESCE(SUM(EPOCH(t.arrived_at) - EPOCH(t.departed_at)), 0) AS BIGINT) AS travel_s,
       COUNT(CASE WHEN t.arrived_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 END) AS repair_n,
       CAST(COALESCE(SUM(EPOCH(t.repaired_at) - EPOCH(t.arrived_at)), 0) AS BIGINT) AS repair_s,
       COUNT(CASE WHEN t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 END) AS work_n,
       CAST(COALESCE(SUM(CASE WHEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) > t.pending_seconds
                              THEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) - t.pending_seconds ELSE 0 END), 0) AS BIGINT) AS work_s,
       COUNT(t.distance_km) AS dist_n,
       COALESCE(SUM(t.distance_km), 0) AS dist,
       COUNT(t.resolved_at) AS handle_n,
       CAST(COALESCE(SUM(EPOCH(t.resolved_at) - EPOCH(t.reported_at)), 0) AS BIGINT) AS handle_s,
       CAST(COALESCE(SUM(CASE WHEN t.status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0) AS BIGINT) AS open
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id{{joins}}
WHERE {{where}}{{group}}

-- name: engineers
-- One row per group and engineer: who worked, and on how many tickets.
SELECT {{dims}} CAST(t.assignee_id AS TEXT) AS eng, COUNT(*) AS tickets
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id{{joins}}
WHERE {{where}} AND t.assignee_id IS NOT NULL
GROUP BY {{dimgroup}}t.assignee_id

-- name: overload-days
-- Engineer-days whose work time passed the threshold (days are the tickets' report days).
SELECT {{dims}} CAST(t.assignee_id AS TEXT) AS eng, t.day AS day
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id{{joins}}
WHERE {{where}} AND t.assignee_id IS NOT NULL AND t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL
GROUP BY {{dimgroup}}t.assignee_id, t.day
HAVING SUM(CASE WHEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) > t.pending_seconds
                THEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) - t.pending_seconds ELSE 0 END) > ?

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

-- name: abnormal-assets
SELECT a.id, a.code, a.type, a.brand, a.model, a.org_id, o.name AS org_name, o.region, COALESCE(p.name, '') AS parent_name,
       a.vendor_org_id, v.name AS vendor_org_name
FROM assets a
JOIN orgs o ON o.id = a.org_id
LEFT JOIN orgs p ON p.id = o.parent_id
LEFT JOIN orgs v ON v.id = a.vendor_org_id
WHERE a.id IN ({{ids}})

-- name: abnormal-tickets
SELECT t.id, t.number, t.asset_id, t.status, t.reported_at, t.pending_reason, t.pending_since
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.asset_id IN ({{ids}})
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
SELECT t.type AS k, COUNT(*) AS n
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.day = ?
GROUP BY t.type

-- name: dashboard-open
-- Open tickets by status; overdue ones were reported before the cut-off.
SELECT t.status AS k, COUNT(*) AS n,
       CAST(COALESCE(SUM(CASE WHEN t.reported_at < ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue,
       CAST(COALESCE(SUM(CASE WHEN t.assignee_id IS NULL AND t.station_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unassigned
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.status NOT IN ('resolved', 'closed')
GROUP BY t.status

-- name: dashboard-resolved-today
SELECT count(*) FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.resolved_at >= ? AND t.resolved_at < ?

-- name: dashboard-top-faults
SELECT COALESCE(CAST(t.category_id AS TEXT), '') AS k, COALESCE(c.name, '') AS label, COUNT(*) AS n
FROM tickets t
LEFT JOIN assets a ON a.id = t.asset_id
LEFT JOIN kb_categories c ON c.id = t.category_id
WHERE {{where}} AND t.type = 'repair'
GROUP BY t.category_id, c.name
ORDER BY n DESC, k
LIMIT 5

-- name: dashboard-worst-devices
SELECT CAST(t.asset_id AS TEXT) AS k, a.code || ' ' || a.type || ' ' || a.model AS label, COUNT(*) AS n
FROM tickets t
JOIN assets a ON a.id = t.asset_id
WHERE {{where}} AND t.type = 'repair'
GROUP BY t.asset_id, a.code, a.type, a.model
ORDER BY n DESC, k
LIMIT 5

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
