-- +goose Up
-- 满意度调查 (R-ANA-03): the ratings of a vendor's service on a ticket (channels
-- ticket and survey: every rating with a ticket_id) with the ticket's and the
-- device's properties, copied by analytics when it first meets the rating
-- (internal/analytics/survey.go, surveyCatchUp). Ratings are immutable, so a
-- copy never goes stale; a correction is a new rating, and the one it corrects
-- is marked superseded. Absent ids are 0 and absent texts '' (key columns).
CREATE TABLE analytics_survey_ratings (
    rating_id     BIGINT  PRIMARY KEY,
    day           INTEGER NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    station_id    BIGINT  NOT NULL,
    staff_id      BIGINT  NOT NULL,
    ticket_type   TEXT    NOT NULL,
    asset_type    TEXT    NOT NULL,
    asset_brand   TEXT    NOT NULL,
    asset_model   TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    scale         INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    corrects_id   BIGINT,
    superseded    INTEGER NOT NULL DEFAULT 0,
    counted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX analytics_survey_ratings_day ON analytics_survey_ratings(day);
CREATE INDEX analytics_survey_ratings_uncounted ON analytics_survey_ratings(rating_id) WHERE counted = 0;
-- The same per month and key, n ratings in force (superseded ones subtracted):
-- what a report over whole months reads.
CREATE TABLE analytics_survey_months (
    month         INTEGER NOT NULL,
    org_id        BIGINT  NOT NULL,
    vendor_org_id BIGINT  NOT NULL,
    station_id    BIGINT  NOT NULL,
    staff_id      BIGINT  NOT NULL,
    ticket_type   TEXT    NOT NULL,
    asset_type    TEXT    NOT NULL,
    asset_brand   TEXT    NOT NULL,
    asset_model   TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    scale         INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    n             BIGINT  NOT NULL,
    PRIMARY KEY (month, org_id, vendor_org_id, station_id, staff_id, ticket_type, asset_type, asset_brand, asset_model, level, scale, satisfied)
);
-- Finds the vendor ratings analytics has not copied yet without reading the
-- counter ratings (the great majority).
CREATE INDEX ratings_ticket_id_only ON ratings(id) WHERE ticket_id IS NOT NULL;

-- +goose Down
DROP INDEX ratings_ticket_id_only;
DROP TABLE analytics_survey_months;
DROP TABLE analytics_survey_ratings;
