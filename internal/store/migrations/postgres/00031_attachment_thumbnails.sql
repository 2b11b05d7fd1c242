-- +goose Up
-- Thumbnails are made at upload: thumbnail says whether one could be made
-- (NULL: uploaded before, made on first request). The hash index serves the
-- reference count that decides whether a deleted attachment's file may go.
ALTER TABLE attachments ADD COLUMN thumbnail BOOLEAN;
CREATE INDEX attachments_sha256 ON attachments(sha256);

-- +goose Down
DROP INDEX attachments_sha256;
ALTER TABLE attachments DROP COLUMN thumbnail;
