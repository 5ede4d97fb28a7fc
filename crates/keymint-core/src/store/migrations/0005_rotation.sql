-- Rotation (SPEC §6). A key's successor, once it has been rotated; and the create form a key
-- was made with, so that its successor is asked for with exactly the same values. A form holds
-- the provider's key-form fields (scopes, roles, names) and never a secret.
ALTER TABLE keys ADD COLUMN superseded_by TEXT;

CREATE TABLE key_forms (
    key_id TEXT PRIMARY KEY REFERENCES keys(id) ON DELETE CASCADE,
    -- JSON object: field name -> value, as the form gave them.
    fields TEXT NOT NULL,
    -- The expiry asked for, as seconds after creation; NULL when the key had none.
    lifetime_secs INTEGER
);
