-- +goose Up
-- Two more roll-ups for the satisfaction reports (issue #6), kept in the same
-- transaction as rating_daily, rating_monthly and session_daily (rating.roll,
-- rating.rollSession, rating.LoadHistory):
-- session_monthly: session_daily by month. Twelve months of sessions were
-- read day by day (~190,000 rows for a bank with 10^7 ratings).
CREATE TABLE session_monthly (
    month            INTEGER NOT NULL,
    org_id           BIGINT NOT NULL,
    staff_id         BIGINT NOT NULL,
    counter_id       BIGINT NOT NULL,
    business_type_id BIGINT NOT NULL,
    sessions         BIGINT NOT NULL,
    ended            BIGINT NOT NULL,
    handle_seconds   BIGINT NOT NULL,
    waited           BIGINT NOT NULL,
    wait_seconds     BIGINT NOT NULL,
    PRIMARY KEY (month, org_id, staff_id, counter_id, business_type_id)
);
CREATE INDEX session_monthly_org ON session_monthly(org_id, month);
CREATE INDEX session_monthly_staff ON session_monthly(staff_id, month);
INSERT INTO session_monthly (month, org_id, staff_id, counter_id, business_type_id, sessions, ended, handle_seconds, waited, wait_seconds)
SELECT day / 100, org_id, staff_id, counter_id, business_type_id, SUM(sessions), SUM(ended), SUM(handle_seconds), SUM(waited), SUM(wait_seconds)
FROM session_daily GROUP BY day / 100, org_id, staff_id, counter_id, business_type_id;

-- rating_org_monthly: rating_monthly without staff and counter, for reports
-- that neither filter nor group by them and whose caller's scope does not
-- depend on the staff member (a third of the rows to group).
CREATE TABLE rating_org_monthly (
    month            INTEGER NOT NULL,
    org_id           BIGINT NOT NULL,
    business_type_id BIGINT NOT NULL,
    channel          TEXT    NOT NULL,
    vendor_org_id    BIGINT NOT NULL,
    level            INTEGER NOT NULL,
    scale            INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied)
);
CREATE INDEX rating_org_monthly_org ON rating_org_monthly(org_id, month);
-- A report of every org by month reads this covering index in the order of
-- its GROUP BY (month, level, scale, satisfied, channel): no sort.
CREATE INDEX rating_org_monthly_grouped ON rating_org_monthly(month, level, scale, satisfied, channel, org_id, vendor_org_id, n);
INSERT INTO rating_org_monthly (month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied, n)
SELECT month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied, SUM(n)
FROM rating_monthly GROUP BY month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied;

-- A staff ranking groups rating_monthly by (org, staff, level, scale,
-- satisfied, channel) over the orgs of a subtree: this covering index hands
-- the rows over in that order, org by org, so nothing is sorted.
CREATE INDEX rating_monthly_org_staff ON rating_monthly(org_id, staff_id, level, scale, satisfied, channel, month, vendor_org_id, n);

-- The planner's statistics of the backfilled tables, before any report runs.
ANALYZE session_monthly;
ANALYZE rating_org_monthly;

-- +goose Down
DROP INDEX rating_monthly_org_staff;
DROP TABLE rating_org_monthly;
DROP TABLE session_monthly;
