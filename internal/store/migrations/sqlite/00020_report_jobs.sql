-- +goose Up
-- Scheduled reports (R-ANA-11) and background exports (issue #7 item 13).
-- A subscription names a report, its filters (the report page's query
-- string) and a schedule in Asia/Shanghai; next_run_at is the next due time.
CREATE TABLE report_subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    report      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    query       TEXT    NOT NULL DEFAULT '',
    frequency   TEXT    NOT NULL,
    weekday     INTEGER NOT NULL DEFAULT 0,
    month_day   INTEGER NOT NULL DEFAULT 0,
    time_of_day TEXT    NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at TIMESTAMP,
    last_run_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- The scheduler's due-time scan.
CREATE INDEX report_subscriptions_due ON report_subscriptions(next_run_at) WHERE active;
CREATE INDEX report_subscriptions_user ON report_subscriptions(user_id);

-- An export job: one .xlsx written in the background, either asked for by a
-- user (scope captured at request time) or one run of a subscription (the
-- subscriber's permissions and scope at run time; at most one job per
-- subscription and due time).
CREATE TABLE export_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subscription_id INTEGER  REFERENCES report_subscriptions(id) ON DELETE CASCADE,
    due_at          TIMESTAMP,
    report          TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    query           TEXT    NOT NULL DEFAULT '',
    access          TEXT,
    status          TEXT    NOT NULL,
    rows_done       INTEGER  NOT NULL DEFAULT 0,
    rows_total      INTEGER  NOT NULL DEFAULT 0,
    file_name       TEXT    NOT NULL DEFAULT '',
    file_path       TEXT    NOT NULL DEFAULT '',
    file_size       INTEGER  NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_at          TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    worker          TEXT    NOT NULL DEFAULT '',
    delivery_key    TEXT    NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,
    expires_at      TIMESTAMP
);
CREATE UNIQUE INDEX export_jobs_run ON export_jobs(subscription_id, due_at);
-- The worker's due-time scan (queued by run_at) and lease recovery (running by lease_until).
CREATE INDEX export_jobs_due ON export_jobs(status, run_at);
CREATE INDEX export_jobs_lease ON export_jobs(lease_until) WHERE status = 'running';
CREATE INDEX export_jobs_user ON export_jobs(user_id, id);
CREATE INDEX export_jobs_expires ON export_jobs(expires_at) WHERE file_path <> '';

-- Files attached to an e-mail: [{"name", "path", "content_type"}], the path
-- under the data directory (the bytes stay on disk, not in the outbox).
ALTER TABLE notifications_outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE notifications_outbox DROP COLUMN attachments;
DROP TABLE export_jobs;
DROP TABLE report_subscriptions;
