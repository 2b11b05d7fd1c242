-- name: org-select
SELECT o.id, o.parent_id, o.root_id, o.path, o.depth, o.kind, o.code, o.name, o.initials,
       o.region, o.address, o.sort_order, o.created_at, o.updated_at
FROM orgs o

-- name: org-insert
INSERT INTO orgs (parent_id, root_id, path, depth, kind, code, name, initials, region, address, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: org-update
UPDATE orgs SET kind = ?, code = ?, name = ?, initials = ?, region = ?, address = ?, updated_at = ?
WHERE id = ?

-- name: org-move-subtree
-- Rewrites the path prefix of a subtree: new prefix || the rest after the old prefix.
UPDATE orgs SET path = ? || substr(path, ?), depth = depth + ?
WHERE path LIKE ?

-- name: user-select
SELECT u.id, u.org_id, o.name AS org_name, u.login, u.name, u.initials, u.job_no, u.phone, u.email,
       u.photo_url, u.status, u.must_change_password, u.failed_logins, u.locked_until,
       u.last_login_at, u.created_at, u.updated_at
FROM users u JOIN orgs o ON o.id = u.org_id

-- name: user-insert
INSERT INTO users (org_id, login, name, initials, job_no, phone, email, status, password_hash,
                   must_change_password, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)
RETURNING id

-- name: user-update
UPDATE users SET org_id = ?, name = ?, initials = ?, job_no = ?, phone = ?, email = ?, status = ?,
       failed_logins = ?, locked_until = ?, updated_at = ?
WHERE id = ?

-- name: user-roles
SELECT ur.user_id, r.id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id

-- name: role-select
SELECT r.id, r.name, r.description, r.scope, r.builtin, r.created_at, r.updated_at,
       (SELECT count(*) FROM user_roles ur WHERE ur.role_id = r.id) AS user_count
FROM roles r

-- name: role-insert
INSERT INTO roles (name, description, scope, builtin, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id

-- name: caller-grants
-- Every (role scope, permission, custom org) of a user's roles, for building permissions and scope.
SELECT r.id AS role_id, r.scope, COALESCE(rp.code, '') AS code
FROM user_roles ur
JOIN roles r ON r.id = ur.role_id
LEFT JOIN role_permissions rp ON rp.role_id = r.id
WHERE ur.user_id = ?
