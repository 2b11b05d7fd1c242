-- +goose Up
-- Satisfaction evaluation, performance (issue #6).

-- rating_staff_monthly: rating_monthly by staff member and whether satisfied,
-- without counter, business type, channel and level: all a staff ranking
-- shows (n, satisfied, Wilson bounds). A branch's 12 months were ~68,000
-- rating_monthly rows to group; here ~10,000. Written in the transaction of
-- every rating (rating.roll) and by rating.LoadHistory, like the others.
CREATE TABLE rating_staff_monthly (
    month         INTEGER NOT NULL,
    org_id        INTEGER NOT NULL,
    staff_id      INTEGER NOT NULL,
    vendor_org_id INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, staff_id, vendor_org_id, satisfied)
);
INSERT INTO rating_staff_monthly (month, org_id, staff_id, vendor_org_id, satisfied, n)
SELECT month, org_id, staff_id, vendor_org_id, satisfied, SUM(n)
FROM rating_monthly GROUP BY month, org_id, staff_id, vendor_org_id, satisfied;

-- The 回访 (follow-up) ticket of a poor rating from a hardware evaluator is
-- no longer opened inside the rating's transaction (the ticket, its SLA and
-- analytics cost a quarter of a batch of device events): the transaction
-- writes this row instead, and rating.Service.DrainFollowups opens the
-- ticket and deletes the row in one transaction, so that every committed
-- rating gets its follow-up exactly once, also after a crash.
CREATE TABLE rating_followup_outbox (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- Device events are found by their key (device, event_id) alone: one B-tree
-- (WITHOUT ROWID) instead of a table and its primary-key index, one page
-- less for every device event to write.
CREATE TABLE rating_device_events_by_key (
    device_id  INTEGER NOT NULL REFERENCES rating_devices(id),
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    result     TEXT    NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (device_id, event_id)
) WITHOUT ROWID;
INSERT INTO rating_device_events_by_key (device_id, event_id, type, result, created_at)
SELECT device_id, event_id, type, result, created_at FROM rating_device_events;
DROP TABLE rating_device_events;
ALTER TABLE rating_device_events_by_key RENAME TO rating_device_events;

-- No query reads ratings by link (the QR cool-down reads by counter or staff
-- member): the index only cost every rating an insert.
DROP INDEX ratings_link_fp;
-- The QR cool-down (one rating per phone per counter or staff member per N
-- minutes) read a counter's QR ratings through no index at all: a scan of
-- every rating. Partial indexes: other channels' ratings never enter them.
CREATE INDEX ratings_qr_counter ON ratings(counter_id, rated_at) WHERE channel = 'qr';
CREATE INDEX ratings_qr_staff ON ratings(staff_id, rated_at) WHERE channel = 'qr';

-- +goose Down
CREATE TABLE rating_device_events_rowid (
    device_id  INTEGER NOT NULL REFERENCES rating_devices(id),
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    result     TEXT    NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (device_id, event_id)
);
INSERT INTO rating_device_events_rowid SELECT device_id, event_id, type, result, created_at FROM rating_device_events;
DROP TABLE rating_device_events;
ALTER TABLE rating_device_events_rowid RENAME TO rating_device_events;
DROP INDEX ratings_qr_staff;
DROP INDEX ratings_qr_counter;
CREATE INDEX ratings_link_fp ON ratings(link_id, rated_at);
DROP TABLE rating_followup_outbox;
DROP TABLE rating_staff_monthly;
