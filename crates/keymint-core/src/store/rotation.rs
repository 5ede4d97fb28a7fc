//! What rotation keeps: each created key's form, and which key replaced which.

use rusqlite::OptionalExtension;

use crate::error::Result;

use super::Store;

/// The create form a key was made with.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyForm {
    /// Field name → value, as the form gave them.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The expiry asked for, in seconds after creation.
    pub lifetime_secs: Option<i64>,
}

impl Store {
    /// Remembers the form key `key_id` is being created with.
    pub fn set_key_form(&self, key_id: &str, form: &KeyForm) -> Result<()> {
        let fields = serde_json::Value::Object(form.fields.clone()).to_string();
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO key_forms (key_id, fields, lifetime_secs) VALUES (?1, ?2, ?3)",
            )?
            .execute(rusqlite::params![key_id, fields, form.lifetime_secs])?;
        Ok(())
    }

    /// The form key `key_id` was created with, if Keymint made it and remembers it.
    pub fn key_form(&self, key_id: &str) -> Result<Option<KeyForm>> {
        let row: Option<(String, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT fields, lifetime_secs FROM key_forms WHERE key_id = ?1")?
            .query_row([key_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(fields, lifetime_secs)| KeyForm {
            fields: serde_json::from_str(&fields).unwrap_or_default(),
            lifetime_secs,
        }))
    }

    /// Marks `old` as replaced by `new`, with an event on each, in one transaction.
    pub fn supersede(&self, old: &str, new: &str, account_id: &str) -> Result<()> {
        let now = super::time_to_sql(chrono::Utc::now());
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE keys SET superseded_by = ?2 WHERE id = ?1",
            [old, new],
        )?;
        for (key, kind, detail) in [(old, "superseded", new), (new, "rotated", old)] {
            tx.execute(
                "INSERT INTO events (at, kind, key_id, account_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                [now.as_str(), kind, key, account_id, detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
