//! Settings rows: name → text value. Typed access and validation live in [`crate::settings`].

use chrono::Utc;
use rusqlite::params;

use crate::error::Result;
use crate::store::{time_to_sql, Store};

impl Store {
    /// Every stored setting, by name.
    pub fn setting_rows(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, value FROM settings ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Writes settings in one transaction; `None` removes the row (back to the default).
    pub fn put_settings(&mut self, values: &[(&str, Option<String>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = time_to_sql(Utc::now());
        for (name, value) in values {
            match value {
                Some(v) => tx.execute(
                    "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    params![name, v, now],
                )?,
                None => tx.execute("DELETE FROM settings WHERE name = ?1", [name])?,
            };
        }
        tx.commit()?;
        Ok(())
    }
}
