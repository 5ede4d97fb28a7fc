//! Team store rows: where each store is and how to reach it. The token is in the keychain.

use chrono::Utc;
use rusqlite::{params, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::store::{new_id, time_from_sql, time_to_sql, Store};
use crate::team::TeamStore;

/// What is stored for a new team store.
pub struct TeamStoreRow<'a> {
    /// Unique local name.
    pub name: &'a str,
    /// The server's address (`https://bao.example:8200`).
    pub address: &'a str,
    /// The KV version 2 mount.
    pub mount: &'a str,
    /// The path under the mount that Keymint uses.
    pub prefix: &'a str,
    /// The namespace (Vault Enterprise / OpenBao), if any.
    pub namespace: Option<&'a str>,
    /// Extra CA, PEM.
    pub ca_cert_pem: Option<&'a str>,
    /// This machine's name in the store's entries.
    pub member: &'a str,
}

const SELECT: &str =
    "SELECT id, name, address, mount, prefix, namespace, ca_cert_pem, created_at, member, synced_at,
        sync_error, write_index FROM team_stores";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TeamStore> {
    let ca: Option<String> = r.get(6)?;
    Ok(TeamStore {
        id: r.get(0)?,
        name: r.get(1)?,
        address: r.get(2)?,
        mount: r.get(3)?,
        prefix: r.get(4)?,
        namespace: r.get(5)?,
        has_ca_cert: ca.is_some(),
        ca_cert_pem: ca,
        created_at: time_from_sql(&r.get::<_, String>(7)?),
        member: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        synced_at: r.get::<_, Option<String>>(9)?.as_deref().map(time_from_sql),
        sync_error: r.get(10)?,
        write_index: r.get(11)?,
    })
}

impl Store {
    /// Inserts a team store; its name must be free.
    pub fn insert_team_store(&self, row: &TeamStoreRow<'_>) -> Result<String> {
        if self.team_store_by_name(row.name)?.is_some() {
            return Err(Error::Conflict(format!(
                "a team store named `{}` already exists; choose another name or remove it first",
                crate::values::shorten(row.name)
            )));
        }
        let id = new_id();
        self.conn.execute(
            "INSERT INTO team_stores (id, name, address, mount, prefix, namespace, ca_cert_pem, created_at, member)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                row.name,
                row.address,
                row.mount,
                row.prefix,
                row.namespace,
                row.ca_cert_pem,
                time_to_sql(Utc::now()),
                row.member
            ],
        )?;
        Ok(id)
    }

    /// The team store called `name`.
    pub fn team_store_by_name(&self, name: &str) -> Result<Option<TeamStore>> {
        Ok(self
            .conn
            .query_row(&format!("{SELECT} WHERE name = ?1"), [name], from_row)
            .optional()?)
    }

    /// The team store with local id `id`.
    pub fn team_store_by_id(&self, id: &str) -> Result<Option<TeamStore>> {
        Ok(self
            .conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?)
    }

    /// All team stores, by name.
    pub fn list_team_stores(&self) -> Result<Vec<TeamStore>> {
        let mut stmt = self.conn.prepare(&format!("{SELECT} ORDER BY name"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes a team store's row.
    pub fn delete_team_store(&self, id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM team_stores WHERE id = ?1", [id])?;
        Ok(())
    }
}
