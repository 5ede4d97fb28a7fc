-- The search index, rebuilt so that the inventory's first page costs about as much as the
-- page itself, not as much as every match (docs/performance.md, item 3).
--
-- 0001 keyed the index by its own rowid and joined it to `keys` through the text id of every
-- match, then sorted all of them. Here an entry's rowid is the list's default order, newest
-- first: the key's creation second, descending, times 2^30, plus its rowid within that second,
-- descending (the list's tie-break; it could only go wrong after 2^30 inserts in one second).
-- FTS5 walks its rowids in order and lazily, so a page of 100 stops after 100 matches and a
-- count can stop at a bound. `key_id` joins back to `keys` for the rows actually returned.
-- The expression below is repeated in every trigger (SQLite has no stored functions); times
-- are clamped to 1970-2242 (2^33 seconds), which keeps it within 64 bits.
DROP TRIGGER keys_search_ins;
DROP TRIGGER keys_search_del;
DROP TRIGGER keys_search_upd;
DROP TRIGGER accounts_search_upd;
DROP TABLE key_search;

CREATE VIRTUAL TABLE key_search USING fts5(key_id UNINDEXED, body, tokenize = 'trigram');

INSERT INTO key_search(rowid, key_id, body)
    SELECT (8589934591 - max(0, min(8589934591, coalesce(unixepoch(k.created_at), 0)))) * 1073741824
           + (1073741823 - k.rowid % 1073741824), k.id,
           k.label || ' ' || a.name || ' ' || a.provider || ' ' ||
           coalesce(k.remote_id, '') || ' ' || coalesce(k.hint, '')
    FROM keys k JOIN accounts a ON a.id = k.account_id;

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

-- Every command starts by looking for creates that died half-way: pending rows, few or none.
CREATE INDEX keys_pending ON keys(created_at) WHERE status = 'pending';
