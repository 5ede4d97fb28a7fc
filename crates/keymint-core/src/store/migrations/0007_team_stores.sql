-- Team stores (SPEC §8): KV version 2 mounts on an OpenBao or HashiCorp Vault server. The
-- token lives in the keychain (item user `store:<id>`), never here.
CREATE TABLE team_stores (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    address     TEXT NOT NULL,
    mount       TEXT NOT NULL DEFAULT 'secret',
    prefix      TEXT NOT NULL DEFAULT 'keymint',
    namespace   TEXT,
    ca_cert_pem TEXT,
    created_at  TEXT NOT NULL
);

-- An account whose credential lives in a team store (at PREFIX/accounts/NAME/credential)
-- rather than in the local keychain; NULL for a local account.
ALTER TABLE accounts ADD COLUMN team_store_id TEXT REFERENCES team_stores(id);
