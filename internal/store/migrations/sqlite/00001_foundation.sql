-- +goose Up
CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id  INTEGER REFERENCES orgs(id),
    root_id    INTEGER NOT NULL DEFAULT 0,
    path       TEXT    NOT NULL,
    depth      INTEGER NOT NULL DEFAULT 0,
    kind       TEXT    NOT NULL,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    initials   TEXT    NOT NULL DEFAULT '',
    region     TEXT    NOT NULL DEFAULT '',
    address    TEXT    NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orgs_path ON orgs(path);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id               INTEGER NOT NULL REFERENCES orgs(id),
    login                TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    initials             TEXT    NOT NULL DEFAULT '',
    job_no               TEXT    NOT NULL DEFAULT '',
    phone                TEXT    NOT NULL DEFAULT '',
    email                TEXT    NOT NULL DEFAULT '',
    photo_url            TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL DEFAULT 'active',
    password_hash        TEXT    NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMP,
    last_login_at        TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX users_org ON users(org_id);
-- Logins are matched case-insensitively, so they must be unique that way too.
CREATE UNIQUE INDEX users_login_lower ON users(lower(login));
CREATE UNIQUE INDEX users_job_no ON users(job_no) WHERE job_no <> '';

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    scope       TEXT    NOT NULL,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE TABLE role_permissions (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    code    TEXT    NOT NULL,
    PRIMARY KEY (role_id, code)
);
CREATE TABLE role_scope_orgs (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (role_id, org_id)
);
CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    request_id  TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER,
    org_id      INTEGER,
    summary     TEXT    NOT NULL DEFAULT '',
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_actor ON audit_log(actor_id, at);
CREATE INDEX audit_org ON audit_log(org_id, at);

-- The audit log is append-only: no path in the product may rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE role_scope_orgs;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE orgs;
