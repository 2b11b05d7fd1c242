-- +goose Up
CREATE TABLE kb_categories (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id  INTEGER REFERENCES kb_categories(id),
    name       TEXT    NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX kb_categories_parent ON kb_categories(parent_id);

CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id INTEGER REFERENCES kb_categories(id),
    kind        TEXT    NOT NULL DEFAULT 'solution',
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    public      BOOLEAN NOT NULL DEFAULT FALSE,
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX kb_articles_category ON kb_articles(category_id);

-- +goose Down
DROP TABLE kb_articles;
DROP TABLE kb_categories;
