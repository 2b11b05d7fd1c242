-- +goose Up
-- Duplicate checks look customers up by ID number and by phone with parameters;
-- a partial index (WHERE id_number <> '') cannot serve "id_number = ?", so every
-- check scanned the archive. Plain indexes serve both.
DROP INDEX customers_id_number;
CREATE INDEX customers_id_number ON customers(id_number);
CREATE INDEX customer_phones_number ON customer_phones(number);

-- +goose Down
DROP INDEX customer_phones_number;
DROP INDEX customers_id_number;
CREATE INDEX customers_id_number ON customers(id_number) WHERE id_number <> '';
