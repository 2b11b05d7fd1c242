-- +goose Up
-- Incoming calls pushed by a PBX; each process's event streams poll this table,
-- so a call reaches the agent whichever process holds the agent's stream.
CREATE TABLE calls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    caller      TEXT    NOT NULL,
    callee      TEXT    NOT NULL DEFAULT '',
    agent_id    INTEGER NOT NULL REFERENCES users(id),
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX calls_agent ON calls(agent_id, id);

-- +goose Down
DROP TABLE calls;
