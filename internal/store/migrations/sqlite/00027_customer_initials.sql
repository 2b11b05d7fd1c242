-- +goose Up
-- Pinyin-initials search (issue #3, Performance): one row per initials variant
-- of a live customer's name (customer.initials.Of: "bjfx bjfh" → two rows),
-- kept with the search document on every write. A query of initials is then a
-- range of this table's primary key, read from the key alone (WITHOUT ROWID:
-- the key is the row). The FTS5 prefix query "py…"* it replaces merged the
-- doclists of every matching term across the index's segments (15-22 ms of CPU
-- for two letters at 10^6 customers). The py terms stay in customer_search:
-- documents are unchanged, only the query of initials reads this table.
CREATE TABLE customer_initials (
    initials    TEXT    NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (initials, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_initials_customer ON customer_initials(customer_id);

-- Back-fill from customers.initials (the space-separated variants), in key
-- order so that the B-tree is appended to rather than split at random.
INSERT OR IGNORE INTO customer_initials (initials, customer_id)
WITH RECURSIVE split(customer_id, word, rest) AS (
    SELECT id, '', initials || ' ' FROM customers WHERE deleted_at IS NULL AND initials <> ''
    UNION ALL
    SELECT customer_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> ''
)
SELECT word, customer_id FROM split WHERE word <> '' ORDER BY word, customer_id;

-- +goose Down
DROP TABLE customer_initials;
