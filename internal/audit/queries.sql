-- name: insert
INSERT INTO audit_log (at, actor_id, actor_name, ip, request_id, action, entity, entity_id, org_id, summary, before_json, after_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: list
SELECT id, at, actor_id, actor_name, ip, request_id, action, entity, entity_id, org_id, summary, before_json, after_json
FROM audit_log
