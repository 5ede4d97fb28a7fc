//! The audit trail: what happened to which key, when. Never a secret.

use chrono::Utc;
use rusqlite::params;

use crate::error::Result;
use crate::model::Event;
use crate::store::{time_from_sql, time_to_sql, Store};

impl Store {
    /// Records an event.
    pub fn add_event(
        &self,
        kind: &str,
        key_id: Option<&str>,
        account_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO events (at, kind, key_id, account_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![time_to_sql(Utc::now()), kind, key_id, account_id, detail])?;
        Ok(())
    }

    /// Records several events of one kind in one transaction (one commit instead of one each).
    pub fn add_events(
        &self,
        kind: &str,
        events: &[(Option<&str>, Option<&str>, Option<&str>)],
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let at = time_to_sql(Utc::now());
            let mut stmt = tx.prepare_cached(
                "INSERT INTO events (at, kind, key_id, account_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (key_id, account_id, detail) in events {
                stmt.execute(params![at, kind, key_id, account_id, detail])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Events of a key, oldest first.
    pub fn key_events(&self, key_id: &str) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, kind, key_id, account_id, detail FROM events WHERE key_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([key_id], |r| {
            Ok(Event {
                at: time_from_sql(&r.get::<_, String>(0)?),
                kind: r.get(1)?,
                key_id: r.get(2)?,
                account_id: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
