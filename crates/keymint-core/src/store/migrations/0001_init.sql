-- Accounts, keys and the audit trail. No secret is ever written here.
CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    provider        TEXT NOT NULL,
    base_url        TEXT,
    ca_cert_pem     TEXT,
    client_cert_pem TEXT,
    fields          TEXT NOT NULL DEFAULT '{}',
    sandbox         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

CREATE TABLE keys (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    remote_id   TEXT,
    hint        TEXT,
    scopes      TEXT,
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'not_stored', 'missing')),
    origin      TEXT NOT NULL CHECK (origin IN ('created', 'imported'))
);
CREATE INDEX keys_account ON keys(account_id);
CREATE INDEX keys_created ON keys(created_at);
CREATE INDEX keys_expires ON keys(expires_at);
CREATE INDEX keys_label ON keys(label);

-- Events outlive the keys they name: no foreign key.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key_id      TEXT,
    account_id  TEXT,
    detail      TEXT
);
CREATE INDEX events_key ON events(key_id);

-- Substring search over what a person types to find a key.
CREATE VIRTUAL TABLE key_search USING fts5(key_id UNINDEXED, body, tokenize = 'trigram');

CREATE TRIGGER keys_search_ins AFTER INSERT ON keys BEGIN
    INSERT INTO key_search(key_id, body)
    SELECT NEW.id, NEW.label || ' ' || a.name || ' ' || a.provider || ' ' ||
           coalesce(NEW.remote_id, '') || ' ' || coalesce(NEW.hint, '')
    FROM accounts a WHERE a.id = NEW.account_id;
END;
CREATE TRIGGER keys_search_del AFTER DELETE ON keys BEGIN
    DELETE FROM key_search WHERE key_id = OLD.id;
END;
CREATE TRIGGER keys_search_upd AFTER UPDATE OF label, remote_id, hint ON keys BEGIN
    DELETE FROM key_search WHERE key_id = OLD.id;
    INSERT INTO key_search(key_id, body)
    SELECT NEW.id, NEW.label || ' ' || a.name || ' ' || a.provider || ' ' ||
           coalesce(NEW.remote_id, '') || ' ' || coalesce(NEW.hint, '')
    FROM accounts a WHERE a.id = NEW.account_id;
END;
CREATE TRIGGER accounts_search_upd AFTER UPDATE OF name ON accounts BEGIN
    DELETE FROM key_search WHERE key_id IN (SELECT id FROM keys WHERE account_id = NEW.id);
    INSERT INTO key_search(key_id, body)
    SELECT k.id, k.label || ' ' || NEW.name || ' ' || NEW.provider || ' ' ||
           coalesce(k.remote_id, '') || ' ' || coalesce(k.hint, '')
    FROM keys k WHERE k.account_id = NEW.id;
END;
