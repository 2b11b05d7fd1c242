-- +goose Up
-- Pinyin-initials search (issue #3, Performance): one row per initials variant
-- of a live customer's name (customer.initials.Of: "bjfx bjfh" → two rows),
-- kept with the search document on every write. A query of initials is then a
-- range of the primary key read by an index-only scan; the GIN query 'py…':*
-- it replaces found the matches but read a customer_search heap row per match
-- (14,875 pages for "zh" at 10^6 customers) only to learn its customer_id.
-- COLLATE "C": byte order, so the range of a prefix is exactly the strings
-- starting with it whatever the database's locale. The py terms stay in
-- customer_search: documents are unchanged, only the query of initials reads
-- this table.
CREATE TABLE customer_initials (
    initials    TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE
);

-- Back-fill from customers.initials (the space-separated variants) before the
-- keys exist: one sort builds them instead of a million B-tree inserts.
INSERT INTO customer_initials (initials, customer_id)
SELECT DISTINCT v, c.id FROM customers c, unnest(string_to_array(c.initials, ' ')) v
WHERE c.deleted_at IS NULL AND v <> '';
ALTER TABLE customer_initials ADD PRIMARY KEY (initials, customer_id);
CREATE INDEX customer_initials_customer ON customer_initials(customer_id);

-- A search's page past its cap walks the live customers newest first and
-- keeps the matches in the caller's scope: with the id, org and level in the
-- index the walk reads no table rows (for "zh" it read 5,400 customers rows
-- to keep 50). SQLite needs none: it tests the id, which customers_updated
-- holds, before it reads a row.
CREATE INDEX customers_live_updated ON customers (updated_at, id) INCLUDE (org_id, confidentiality) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX customers_live_updated;
DROP TABLE customer_initials;
