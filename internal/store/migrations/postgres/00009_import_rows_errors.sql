-- +goose Up
-- An import's report lists the rows with errors (GET /imports/{id}, the
-- rejected-rows workbook), polled while it validates: without an index each
-- poll read every staged row of the import, 100,000 for a large file. Only
-- rows with errors are indexed.
CREATE INDEX import_rows_errors ON import_rows(import_id, line) WHERE errors <> '[]';

-- +goose Down
DROP INDEX import_rows_errors;
