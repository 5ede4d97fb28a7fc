//! Rows of keys whose account is kept in a team store (SPEC §8): where each secret is, the
//! keys a sync brings from other members, and each store's last sync.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::error::Result;
use crate::model::{KeyRecord, StoreState};
use crate::store::keys::{from_row, SELECT};
use crate::store::{time_to_sql, Store};

/// A key another member's Keymint put in a team store, as a sync records it.
pub struct SyncedKey<'a> {
    /// The key's id, shared by every member (its path in the store ends with it).
    pub id: &'a str,
    /// The local account (the store's account of the same name).
    pub account_id: &'a str,
    /// Label.
    pub label: &'a str,
    /// Provider's id.
    pub remote_id: Option<&'a str>,
    /// Display hint.
    pub hint: Option<&'a str>,
    /// Scopes / permissions / roles.
    pub scopes: Option<&'a serde_json::Value>,
    /// Other metadata.
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// `created` or `imported`.
    pub origin: &'a str,
    /// The member who created it.
    pub created_by: Option<&'a str>,
}

impl Store {
    /// Sets where a key's secret is.
    pub fn set_store_state(&self, id: &str, state: StoreState) -> Result<()> {
        self.conn.execute(
            "UPDATE keys SET store_state = ?2 WHERE id = ?1",
            params![id, state.as_sql()],
        )?;
        Ok(())
    }

    /// Keys of the accounts kept in team store `store_id` whose secret is at `state`.
    pub fn team_keys(&self, store_id: &str, state: StoreState) -> Result<Vec<KeyRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE a.team_store_id = ?1 AND k.store_state IS ?2 ORDER BY k.created_at"
        ))?;
        let rows = stmt.query_map(params![store_id, state.as_sql()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records keys synced from a team store (status `stored`, secret in the store) with one
    /// `synced` event each, in one transaction.
    pub fn insert_synced_keys(&self, keys: &[SyncedKey<'_>], detail: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO keys (id, account_id, label, remote_id, hint, scopes, extra, created_at,
                     expires_at, status, origin, store_state, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'stored', ?10, 'uploaded', ?11)",
            )?;
            for k in keys {
                insert.execute(params![
                    k.id,
                    k.account_id,
                    k.label,
                    k.remote_id,
                    k.hint,
                    k.scopes.map(|s| s.to_string()),
                    serde_json::Value::Object(k.extra.clone()).to_string(),
                    time_to_sql(k.created_at),
                    k.expires_at.map(time_to_sql),
                    k.origin,
                    k.created_by,
                ])?;
                self.add_event("synced", Some(k.id), Some(k.account_id), Some(detail))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes keys removed from their team store, with a `removed_in_store` event each
    /// (the events keep the key's id), in one transaction.
    pub fn delete_keys_removed_in_store(&self, keys: &[KeyRecord], detail: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for k in keys {
            self.delete_key(&k.id)?;
            self.add_event(
                "removed_in_store",
                Some(&k.id),
                Some(&k.account_id),
                Some(detail),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records how a team store's sync went: its time, and the error if it failed.
    pub fn set_team_store_sync(&self, id: &str, error: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE team_stores SET synced_at = ?2, sync_error = ?3 WHERE id = ?1",
            params![id, time_to_sql(Utc::now()), error],
        )?;
        Ok(())
    }

    /// Keeps the storage index of this machine's latest write to a team store.
    pub fn set_team_store_index(&self, id: &str, index: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE team_stores SET write_index = ?2 WHERE id = ?1",
            params![id, index],
        )?;
        Ok(())
    }

    /// Sets the name this machine's member has in a team store's entries.
    pub fn set_team_store_member(&self, id: &str, member: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE team_stores SET member = ?2 WHERE id = ?1",
            params![id, member],
        )?;
        Ok(())
    }
}
