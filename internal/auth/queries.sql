-- name: session-insert
INSERT INTO sessions (id, user_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: session-get
SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id = ?

-- name: token-insert
INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id

-- name: token-list
SELECT id, name, prefix, created_at, expires_at, last_used_at FROM api_tokens
WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC

-- name: token-get
SELECT id, user_id, expires_at, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL

-- name: count-failure
-- Counts a failed login; the fifth failure locks the account and restarts the count.
UPDATE users SET
    locked_until  = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,
    failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END
WHERE id = ?
RETURNING locked_until IS NOT NULL AND failed_logins = 0
