//! Account rows.

use std::collections::BTreeMap;

use chrono::Utc;
use rusqlite::{params, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::model::Account;
use crate::store::{new_id, time_from_sql, time_to_sql, Store};

/// What is stored for a new or edited account.
pub struct AccountRow<'a> {
    /// Unique name.
    pub name: &'a str,
    /// Provider id.
    pub provider: &'a str,
    /// Base URL override.
    pub base_url: Option<&'a str>,
    /// Extra CA, PEM.
    pub ca_cert_pem: Option<&'a str>,
    /// Client certificate, PEM.
    pub client_cert_pem: Option<&'a str>,
    /// Account fields.
    pub fields: &'a BTreeMap<String, String>,
    /// Sandbox flag.
    pub sandbox: bool,
}

const SELECT: &str =
    "SELECT a.id, a.name, a.provider, a.base_url, a.ca_cert_pem, a.client_cert_pem,
        a.fields, a.sandbox, a.created_at,
        (SELECT count(*) FROM keys k WHERE k.account_id = a.id),
        a.team_store_id, (SELECT t.name FROM team_stores t WHERE t.id = a.team_store_id)
    FROM accounts a";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let fields: String = r.get(6)?;
    let ca: Option<String> = r.get(4)?;
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        provider: r.get(2)?,
        base_url_override: r.get(3)?,
        base_url: String::new(),
        has_ca_cert: ca.is_some(),
        ca_cert_pem: ca,
        client_cert_pem: r.get(5)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        sandbox: r.get(7)?,
        created_at: time_from_sql(&r.get::<_, String>(8)?),
        key_count: r.get(9)?,
        team_store_id: r.get(10)?,
        team_store: r.get(11)?,
    })
}

impl Store {
    /// Inserts an account; its name must be free.
    pub fn insert_account(&self, row: &AccountRow<'_>) -> Result<String> {
        if self.account_by_name(row.name)?.is_some() {
            return Err(Error::Conflict(format!(
                "an account named `{}` already exists; choose another name or remove it first",
                row.name
            )));
        }
        let id = new_id();
        self.conn.execute(
            "INSERT INTO accounts (id, name, provider, base_url, ca_cert_pem, client_cert_pem, fields, sandbox, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                row.name,
                row.provider,
                row.base_url,
                row.ca_cert_pem,
                row.client_cert_pem,
                serde_json::to_string(row.fields).unwrap_or_else(|_| "{}".into()),
                row.sandbox,
                time_to_sql(Utc::now())
            ],
        )?;
        Ok(id)
    }

    /// Replaces an account's editable data.
    pub fn update_account(&self, id: &str, row: &AccountRow<'_>) -> Result<()> {
        if let Some(other) = self.account_by_name(row.name)? {
            if other.id != id {
                return Err(Error::Conflict(format!(
                    "an account named `{}` already exists; choose another name",
                    row.name
                )));
            }
        }
        self.conn.execute(
            "UPDATE accounts SET name = ?2, base_url = ?3, ca_cert_pem = ?4, client_cert_pem = ?5, fields = ?6, sandbox = ?7
             WHERE id = ?1",
            params![
                id,
                row.name,
                row.base_url,
                row.ca_cert_pem,
                row.client_cert_pem,
                serde_json::to_string(row.fields).unwrap_or_else(|_| "{}".into()),
                row.sandbox
            ],
        )?;
        Ok(())
    }

    /// The account called `name`.
    pub fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        Ok(self
            .conn
            .query_row(&format!("{SELECT} WHERE a.name = ?1"), [name], from_row)
            .optional()?)
    }

    /// All accounts, by name.
    pub fn list_accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self.conn.prepare(&format!("{SELECT} ORDER BY a.name"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks an account's credential as kept in the team store `store_id`.
    pub fn set_account_team_store(&self, id: &str, store_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE accounts SET team_store_id = ?2 WHERE id = ?1",
            params![id, store_id],
        )?;
        Ok(())
    }

    /// How many accounts keep their credential in the team store `store_id`.
    pub fn team_store_account_count(&self, store_id: &str) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM accounts WHERE team_store_id = ?1",
            [store_id],
            |r| r.get(0),
        )?)
    }

    /// Deletes an account and (by cascade) its keys.
    pub fn delete_account(&self, id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        Ok(())
    }
}
