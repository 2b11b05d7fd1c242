-- +goose Up
-- An import's report lists the rows with errors (GET /imports/{id}, the
-- rejected-rows workbook), polled while it validates: without an index each
-- poll read every staged row of the import, 100,000 for a large file. Only
-- rows with errors are indexed.
CREATE INDEX import_rows_errors ON import_rows(import_id, line) WHERE errors <> '[]';
-- The phone-suffix search is "number_rev LIKE '4321%'". SQLite's LIKE ignores
-- case, so it can use an index only when the index does too (NOCASE): with the
-- plain index every search scanned all phones (0.45 s at 10^6 customers).
DROP INDEX customer_phones_rev;
CREATE INDEX customer_phones_rev ON customer_phones(number_rev COLLATE NOCASE);

-- +goose Down
DROP INDEX customer_phones_rev;
CREATE INDEX customer_phones_rev ON customer_phones(number_rev);
DROP INDEX import_rows_errors;
