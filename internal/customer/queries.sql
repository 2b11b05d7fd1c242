-- name: select
SELECT c.id, c.code, c.kind, c.name, c.initials, c.phone, c.id_type, c.id_number, c.email, c.address,
       c.region, c.org_id, o.name AS org_name, c.manager_id, m.name AS manager_name, c.grade,
       g.name AS grade_name, c.source, c.status, c.birthday, c.anniversaries, c.confidentiality,
       c.custom, c.notes, c.merged_into, c.created_at, c.updated_at
FROM customers c
JOIN orgs o ON o.id = c.org_id
LEFT JOIN users m ON m.id = c.manager_id
LEFT JOIN customer_grades g ON g.code = c.grade

-- name: insert
INSERT INTO customers (code, kind, name, initials, phone, id_type, id_number, email, address, region, org_id,
                       manager_id, grade, source, status, birthday, anniversaries, confidentiality, custom, notes,
                       import_id, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: update
UPDATE customers SET kind = ?, name = ?, initials = ?, phone = ?, id_type = ?, id_number = ?, email = ?,
       address = ?, region = ?, org_id = ?, manager_id = ?, grade = ?, source = ?, status = ?, birthday = ?,
       anniversaries = ?, confidentiality = ?, custom = ?, notes = ?, updated_at = ?
WHERE id = ?

-- name: duplicate-name-phone
SELECT c.id FROM customers c JOIN customer_phones p ON p.customer_id = c.id
WHERE c.name = ? AND p.number = ? AND c.id <> ? AND c.deleted_at IS NULL
LIMIT 1
