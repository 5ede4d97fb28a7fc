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

/// A key that expires before some moment (what reminders are about).
#[derive(Clone, Debug)]
pub struct ExpiringKey {
    /// Local id.
    pub id: String,
    /// Local label.
    pub label: String,
    /// Account name.
    pub account: String,
    /// Provider id.
    pub provider: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Keys (not pending) that expire at or before `before`, soonest first.
    pub fn keys_expiring_before(&self, before: DateTime<Utc>) -> Result<Vec<ExpiringKey>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT k.id, k.label, a.name, a.provider, k.expires_at
             FROM keys k JOIN accounts a ON a.id = k.account_id
             WHERE k.expires_at IS NOT NULL AND k.expires_at <= ?1 AND k.status != 'pending'
             ORDER BY k.expires_at",
        )?;
        let rows = stmt.query_map([time_to_sql(before)], |r| {
            Ok(ExpiringKey {
                id: r.get(0)?,
                label: r.get(1)?,
                account: r.get(2)?,
                provider: r.get(3)?,
                expires_at: crate::store::time_from_sql(&r.get::<_, String>(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
