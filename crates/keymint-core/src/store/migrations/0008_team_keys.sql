-- Keys of accounts kept in a team store (SPEC §8).
-- store_state: NULL for a key whose secret is in this machine's keychain; 'uploaded' when its
-- secret lives in the team store (at PREFIX/keys/ACCOUNT/ID) and nowhere here;
-- 'upload_pending' while it waits in this keychain for the next sync to upload it.
ALTER TABLE keys ADD COLUMN store_state TEXT;
-- The member whose Keymint created a key another machine synced; NULL for keys made here.
ALTER TABLE keys ADD COLUMN created_by TEXT;
-- Who this machine is in the store's entries, and how its last sync went.
ALTER TABLE team_stores ADD COLUMN member TEXT;
ALTER TABLE team_stores ADD COLUMN synced_at TEXT;
ALTER TABLE team_stores ADD COLUMN sync_error TEXT;
-- The storage index (X-Vault-Index) of this machine's latest write to the store: sent with
-- reads so that a standby which has not caught up forwards them to the leader. Not a secret.
ALTER TABLE team_stores ADD COLUMN write_index TEXT;
