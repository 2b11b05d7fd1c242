-- +goose Up
CREATE TABLE customer_grades (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO customer_grades (code, name, sort) VALUES ('normal', '普通', 1), ('silver', '银卡', 2), ('gold', '金卡', 3), ('diamond', '钻石', 4);

CREATE TABLE customer_fields (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT    NOT NULL UNIQUE,
    label      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    options    TEXT    NOT NULL DEFAULT '[]',
    required   BOOLEAN NOT NULL DEFAULT FALSE,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL DEFAULT 'individual',
    name            TEXT    NOT NULL,
    initials        TEXT    NOT NULL DEFAULT '',
    phone           TEXT    NOT NULL DEFAULT '',
    id_type         TEXT    NOT NULL DEFAULT '',
    id_number       TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL DEFAULT '',
    address         TEXT    NOT NULL DEFAULT '',
    region          TEXT    NOT NULL DEFAULT '',
    org_id          INTEGER NOT NULL REFERENCES orgs(id),
    manager_id      INTEGER REFERENCES users(id),
    grade           TEXT    NOT NULL DEFAULT '',
    source          TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'formal',
    birthday        TEXT,
    anniversaries   TEXT    NOT NULL DEFAULT '[]',
    confidentiality INTEGER NOT NULL DEFAULT 1,
    custom          TEXT    NOT NULL DEFAULT '{}',
    notes           TEXT    NOT NULL DEFAULT '',
    import_id       INTEGER,
    merged_into     INTEGER,
    deleted_at      TIMESTAMP,
    purged_at       TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX customers_org_updated ON customers(org_id, updated_at);
CREATE INDEX customers_updated ON customers(updated_at);
CREATE INDEX customers_manager ON customers(manager_id);
CREATE INDEX customers_id_number ON customers(id_number) WHERE id_number <> '';
CREATE INDEX customers_name_phone ON customers(name, phone);
CREATE INDEX customers_deleted ON customers(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE customer_phones (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    number      TEXT    NOT NULL,
    number_rev  TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (customer_id, number)
);
CREATE INDEX customer_phones_rev ON customer_phones(number_rev);

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags(tag);

-- Search document: CJK unigrams and bigrams, ASCII words, pinyin initials (see customer/search.go).
CREATE VIRTUAL TABLE customer_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX contacts_customer ON contacts(customer_id);

CREATE TABLE interactions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind        TEXT    NOT NULL,
    at          TIMESTAMP NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    content     TEXT    NOT NULL,
    next_step   TEXT    NOT NULL DEFAULT '',
    next_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id, at);

CREATE TABLE access_grants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    org_id        INTEGER NOT NULL,
    requester_id  INTEGER NOT NULL REFERENCES users(id),
    reason        TEXT    NOT NULL,
    hours         INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending',
    decided_by    INTEGER REFERENCES users(id),
    decided_at    TIMESTAMP,
    decision_note TEXT    NOT NULL DEFAULT '',
    expires_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX access_grants_lookup ON access_grants(requester_id, customer_id, status);
CREATE INDEX access_grants_status ON access_grants(status, org_id);

CREATE TABLE imports (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    filename         TEXT    NOT NULL,
    content          BLOB,
    status           TEXT    NOT NULL,
    duplicate_policy TEXT    NOT NULL DEFAULT 'skip',
    needs_review     BOOLEAN NOT NULL DEFAULT FALSE,
    org_id           INTEGER NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    reviewed_by      INTEGER REFERENCES users(id),
    reviewed_at      TIMESTAMP,
    review_note      TEXT    NOT NULL DEFAULT '',
    progress         INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    duplicates       INTEGER NOT NULL DEFAULT 0,
    failure          TEXT    NOT NULL DEFAULT '',
    claimed_by       TEXT    NOT NULL DEFAULT '',
    claimed_at       TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    applied_at       TIMESTAMP
);
CREATE INDEX imports_status ON imports(status);

CREATE TABLE import_rows (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    action    TEXT    NOT NULL,
    target_id INTEGER,
    cells     TEXT    NOT NULL,
    data      TEXT    NOT NULL DEFAULT '{}',
    errors    TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, line)
);

-- +goose Down
DROP TABLE import_rows;
DROP TABLE imports;
DROP TABLE access_grants;
DROP TABLE interactions;
DROP TABLE contacts;
DROP TABLE customer_search;
DROP TABLE customer_tags;
DROP TABLE customer_phones;
DROP TABLE customers;
DROP TABLE customer_fields;
DROP TABLE customer_grades;
