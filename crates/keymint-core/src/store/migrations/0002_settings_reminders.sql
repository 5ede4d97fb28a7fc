-- Settings the user changes in the app (or with `keymint settings`), one row per name; a
-- missing row means the default.
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Expiry reminders already shown: one row per key and threshold (days before expiry; 0 is
-- "expired"), so a reminder is never raised twice. Cleared with the key.
CREATE TABLE reminders_sent (
    key_id      TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
    threshold   INTEGER NOT NULL,
    expires_at  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (key_id, threshold, expires_at)
);
