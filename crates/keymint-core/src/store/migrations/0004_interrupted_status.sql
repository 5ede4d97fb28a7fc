-- A create cut off after its request left (timeout, cancel, crash) keeps its row as
-- `interrupted`: the provider may hold a key with that label. SQLite cannot change a CHECK
-- constraint in place, so `keys` is rebuilt with its rowids (the search index's order is
-- derived from them), its indexes and the search triggers. `reminders_sent` refers to
-- `keys` with ON DELETE CASCADE: its rows are set aside while the old table is dropped.
DROP TRIGGER keys_search_ins;
DROP TRIGGER keys_search_del;
DROP TRIGGER keys_search_upd;
DROP TRIGGER accounts_search_upd;

CREATE TEMP TABLE reminders_kept AS SELECT * FROM reminders_sent;

CREATE TABLE keys_new (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    remote_id   TEXT,
    hint        TEXT,
    scopes      TEXT,
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    status      TEXT NOT NULL
                CHECK (status IN ('pending', 'stored', 'not_stored', 'missing', 'interrupted')),
    origin      TEXT NOT NULL CHECK (origin IN ('created', 'imported'))
);
INSERT INTO keys_new (rowid, id, account_id, label, remote_id, hint, scopes, extra, created_at,
                      expires_at, status, origin)
    SELECT rowid, id, account_id, label, remote_id, hint, scopes, extra, created_at,
           expires_at, status, origin
    FROM keys;
DROP TABLE keys;
ALTER TABLE keys_new RENAME TO keys;

CREATE INDEX keys_account ON keys(account_id);
CREATE INDEX keys_created ON keys(created_at);
CREATE INDEX keys_expires ON keys(expires_at);
CREATE INDEX keys_label ON keys(label);
CREATE INDEX keys_pending ON keys(created_at) WHERE status = 'pending';

DELETE FROM reminders_sent;
INSERT INTO reminders_sent SELECT * FROM reminders_kept;
DROP TABLE reminders_kept;

-- The triggers of 0003, unchanged.
CREATE TRIGGER keys_search_ins AFTER INSERT ON keys BEGIN
    INSERT INTO key_search(rowid, key_id, body)
    SELECT (8589934591 - max(0, min(8589934591, coalesce(unixepoch(NEW.created_at), 0)))) * 1073741824
           + (1073741823 - NEW.rowid % 1073741824), NEW.id,
           NEW.label || ' ' || a.name || ' ' || a.provider || ' ' ||
           coalesce(NEW.remote_id, '') || ' ' || coalesce(NEW.hint, '')
    FROM accounts a WHERE a.id = NEW.account_id;
END;
CREATE TRIGGER keys_search_del AFTER DELETE ON keys BEGIN
    DELETE FROM key_search
    WHERE rowid = (8589934591 - max(0, min(8589934591, coalesce(unixepoch(OLD.created_at), 0)))) * 1073741824
           + (1073741823 - OLD.rowid % 1073741824);
END;
CREATE TRIGGER keys_search_upd AFTER UPDATE OF label, remote_id, hint, created_at ON keys BEGIN
    DELETE FROM key_search
    WHERE rowid = (8589934591 - max(0, min(8589934591, coalesce(unixepoch(OLD.created_at), 0)))) * 1073741824
           + (1073741823 - OLD.rowid % 1073741824);
    INSERT INTO key_search(rowid, key_id, body)
    SELECT (8589934591 - max(0, min(8589934591, coalesce(unixepoch(NEW.created_at), 0)))) * 1073741824
           + (1073741823 - NEW.rowid % 1073741824), NEW.id,
           NEW.label || ' ' || a.name || ' ' || a.provider || ' ' ||
           coalesce(NEW.remote_id, '') || ' ' || coalesce(NEW.hint, '')
    FROM accounts a WHERE a.id = NEW.account_id;
END;
CREATE TRIGGER accounts_search_upd AFTER UPDATE OF name, provider ON accounts BEGIN
    DELETE FROM key_search WHERE rowid IN (
        SELECT (8589934591 - max(0, min(8589934591, coalesce(unixepoch(k.created_at), 0)))) * 1073741824
           + (1073741823 - k.rowid % 1073741824)
        FROM keys k WHERE k.account_id = NEW.id);
    INSERT INTO key_search(rowid, key_id, body)
    SELECT (8589934591 - max(0, min(8589934591, coalesce(unixepoch(k.created_at), 0)))) * 1073741824
           + (1073741823 - k.rowid % 1073741824), k.id,
           k.label || ' ' || NEW.name || ' ' || NEW.provider || ' ' ||
           coalesce(k.remote_id, '') || ' ' || coalesce(k.hint, '')
    FROM keys k WHERE k.account_id = NEW.id;
END;
