//! Which expiry reminders were already raised (key, threshold, the expiry it was about).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::store::{time_to_sql, Store};

impl Store {
    /// Whether the reminder for `key_id` at `threshold` days about `expires_at` was raised.
    pub fn reminder_sent(
        &self,
        key_id: &str,
        threshold: u32,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let found: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM reminders_sent WHERE key_id = ?1 AND threshold = ?2 AND expires_at = ?3",
            )?
            .query_row(params![key_id, threshold, time_to_sql(expires_at)], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(found.is_some())
    }

    /// Records reminders as raised; one that is already recorded stays as it was.
    pub fn mark_reminders_sent(&mut self, sent: &[(String, u32, DateTime<Utc>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = time_to_sql(Utc::now());
        for (key_id, threshold, expires_at) in sent {
            tx.execute(
                "INSERT OR IGNORE INTO reminders_sent (key_id, threshold, expires_at, sent_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![key_id, threshold, time_to_sql(*expires_at), now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
