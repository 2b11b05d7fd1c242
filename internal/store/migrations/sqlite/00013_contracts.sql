-- +goose Up
-- Service contracts (维保合同) between a client org and a vendor; devices name
-- the contract that covers them (assets.contract_id).
CREATE TABLE contracts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    client_org_id INTEGER NOT NULL REFERENCES orgs(id),
    vendor_org_id INTEGER NOT NULL REFERENCES orgs(id),
    starts_on     TEXT    NOT NULL,
    ends_on       TEXT    NOT NULL,
    sla_policy_id INTEGER,
    commitments   TEXT    NOT NULL DEFAULT '{}',
    notes         TEXT    NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX contracts_client ON contracts(client_org_id);
CREATE INDEX contracts_vendor ON contracts(vendor_org_id);
CREATE INDEX contracts_ends ON contracts(ends_on);
CREATE INDEX assets_contract ON assets(contract_id);

-- +goose Down
DROP INDEX assets_contract;
DROP TABLE contracts;
