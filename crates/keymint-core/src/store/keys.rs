//! Key rows, the inventory query and key references (id, id prefix or label).

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::ToSql;
use rusqlite::{params, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::model::{KeyRecord, KeyStatus};
use crate::store::{new_id, time_from_sql, time_to_sql, Store};

/// A key to record.
pub struct NewKey<'a> {
    /// Id chosen in advance (the keychain item is named after it), or `None` for a fresh one.
    pub id: &'a str,
    /// Owning account id.
    pub account_id: &'a str,
    /// Local label.
    pub label: &'a str,
    /// Provider's id.
    pub remote_id: Option<&'a str>,
    /// Display hint.
    pub hint: Option<&'a str>,
    /// Scopes / permissions / roles.
    pub scopes: Option<&'a serde_json::Value>,
    /// Other metadata.
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Keychain status.
    pub status: KeyStatus,
    /// `created` or `imported`.
    pub origin: &'a str,
}

/// Status filter of the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatusFilter {
    /// Not expired.
    Active,
    /// Expiring within 14 days, not yet expired.
    Expiring,
    /// Past its expiry.
    Expired,
    /// Secret not in the keychain.
    NotStored,
}

/// Sort order of the inventory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySort {
    /// Newest first.
    #[default]
    Created,
    /// Soonest expiry first; keys without expiry last.
    Expiry,
    /// By label.
    Label,
}

/// An inventory query.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct KeyQuery {
    /// Substring of label, account, provider, remote id or hint.
    pub search: Option<String>,
    /// Provider id.
    pub provider: Option<String>,
    /// Account name.
    pub account: Option<String>,
    /// Status filter.
    pub status: Option<KeyStatusFilter>,
    /// Only keys expiring within this many seconds from now (expired ones excluded).
    pub expiring_within_secs: Option<i64>,
    /// Order.
    pub sort: KeySort,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return (0 = all).
    pub limit: i64,
}

/// Days before expiry when a key counts as expiring.
pub const EXPIRING_DAYS: i64 = 14;

const SELECT: &str = "SELECT k.id, a.name, k.account_id, a.provider, k.label, k.remote_id, k.hint,
        k.scopes, k.created_at, k.expires_at, k.status, a.sandbox, k.origin, k.extra
    FROM keys k JOIN accounts a ON a.id = k.account_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    let scopes: Option<String> = r.get(7)?;
    let expires: Option<String> = r.get(9)?;
    let extra: String = r.get(13)?;
    Ok(KeyRecord {
        id: r.get(0)?,
        account: r.get(1)?,
        account_id: r.get(2)?,
        provider: r.get(3)?,
        label: r.get(4)?,
        remote_id: r.get(5)?,
        hint: r.get(6)?,
        scopes: scopes.and_then(|s| serde_json::from_str(&s).ok()),
        created_at: time_from_sql(&r.get::<_, String>(8)?),
        expires_at: expires.as_deref().map(time_from_sql),
        status: KeyStatus::parse(&r.get::<_, String>(10)?),
        sandbox: r.get(11)?,
        origin: r.get(12)?,
        extra: serde_json::from_str(&extra).unwrap_or_default(),
    })
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Store {
    /// Records a key; returns its id.
    pub fn insert_key(&self, k: &NewKey<'_>) -> Result<String> {
        let id = if k.id.is_empty() {
            new_id()
        } else {
            k.id.to_owned()
        };
        self.conn.execute(
            "INSERT INTO keys (id, account_id, label, remote_id, hint, scopes, extra, created_at, expires_at, status, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                k.account_id,
                k.label,
                k.remote_id,
                k.hint,
                k.scopes.map(|s| s.to_string()),
                serde_json::Value::Object(k.extra.clone()).to_string(),
                time_to_sql(Utc::now()),
                k.expires_at.map(time_to_sql),
                k.status.as_str(),
                k.origin
            ],
        )?;
        Ok(id)
    }

    /// The key with exactly this id.
    pub fn key_by_id(&self, id: &str) -> Result<Option<KeyRecord>> {
        Ok(self
            .conn
            .query_row(&format!("{SELECT} WHERE k.id = ?1"), [id], from_row)
            .optional()?)
    }

    /// Resolves a reference: a full id, a unique id prefix, or a unique label.
    pub fn resolve_key(&self, reference: &str) -> Result<KeyRecord> {
        if let Some(k) = self.key_by_id(reference)? {
            return Ok(k);
        }
        let mut found: Vec<KeyRecord> = Vec::new();
        if reference.len() >= 4 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut stmt = self
                .conn
                .prepare(&format!("{SELECT} WHERE k.id LIKE ?1 LIMIT 10"))?;
            let rows =
                stmt.query_map([format!("{}%", reference.to_ascii_lowercase())], from_row)?;
            found = rows.collect::<rusqlite::Result<_>>()?;
        }
        if found.is_empty() {
            let mut stmt = self
                .conn
                .prepare(&format!("{SELECT} WHERE k.label = ?1 LIMIT 10"))?;
            let rows = stmt.query_map([reference], from_row)?;
            found = rows.collect::<rusqlite::Result<_>>()?;
        }
        match found.len() {
            0 => Err(Error::NotFound(format!(
                "no key matches `{}`; give a key id, a unique id prefix (4+ characters) or a label (see `keymint key list`)",
                crate::values::shorten(reference)
            ))),
            1 => Ok(found.remove(0)),
            _ => Err(Error::Ambiguous(format!(
                "`{}` matches several keys: {}; give more of the id",
                crate::values::shorten(reference),
                found
                    .iter()
                    .map(|k| format!("{} ({} / {})", &k.id[..12.min(k.id.len())], k.account, k.label))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Runs an inventory query; returns the total number of matches and the requested page.
    pub fn list_keys(&self, q: &KeyQuery) -> Result<(i64, Vec<KeyRecord>)> {
        let now = Utc::now();
        let mut wheres: Vec<String> = Vec::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if s.chars().count() >= 3 {
                wheres.push(format!(
                    "k.id IN (SELECT key_id FROM key_search WHERE key_search MATCH ?{})",
                    args.len() + 1
                ));
                args.push(Box::new(format!("\"{}\"", s.replace('"', "\"\""))));
            } else {
                let n = args.len() + 1;
                wheres.push(format!(
                    "(k.label LIKE ?{n} ESCAPE '\\' OR a.name LIKE ?{n} ESCAPE '\\' OR a.provider LIKE ?{n} ESCAPE '\\' OR k.remote_id LIKE ?{n} ESCAPE '\\' OR k.hint LIKE ?{n} ESCAPE '\\')"
                ));
                args.push(Box::new(like_escape(s)));
            }
        }
        if let Some(p) = &q.provider {
            wheres.push(format!("a.provider = ?{}", args.len() + 1));
            args.push(Box::new(p.clone()));
        }
        if let Some(a) = &q.account {
            wheres.push(format!("a.name = ?{}", args.len() + 1));
            args.push(Box::new(a.clone()));
        }
        let now_s = time_to_sql(now);
        let soon = time_to_sql(now + Duration::days(EXPIRING_DAYS));
        match q.status {
            Some(KeyStatusFilter::Active) => {
                wheres.push(format!(
                    "(k.expires_at IS NULL OR k.expires_at > ?{})",
                    args.len() + 1
                ));
                args.push(Box::new(now_s.clone()));
            }
            Some(KeyStatusFilter::Expiring) => {
                let n = args.len() + 1;
                wheres.push(format!(
                    "(k.expires_at > ?{n} AND k.expires_at <= ?{})",
                    n + 1
                ));
                args.push(Box::new(now_s.clone()));
                args.push(Box::new(soon));
            }
            Some(KeyStatusFilter::Expired) => {
                wheres.push(format!("k.expires_at <= ?{}", args.len() + 1));
                args.push(Box::new(now_s.clone()));
            }
            Some(KeyStatusFilter::NotStored) => wheres.push("k.status != 'stored'".to_owned()),
            None => {}
        }
        if let Some(secs) = q.expiring_within_secs {
            let n = args.len() + 1;
            wheres.push(format!(
                "(k.expires_at > ?{n} AND k.expires_at <= ?{})",
                n + 1
            ));
            args.push(Box::new(now_s));
            args.push(Box::new(time_to_sql(now + Duration::seconds(secs.max(0)))));
        }
        let filter = if wheres.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", wheres.join(" AND "))
        };
        let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM keys k JOIN accounts a ON a.id = k.account_id{filter}"),
            refs.as_slice(),
            |r| r.get(0),
        )?;
        let order = match q.sort {
            KeySort::Created => "k.created_at DESC, k.rowid DESC",
            KeySort::Expiry => "k.expires_at IS NULL, k.expires_at, k.id",
            KeySort::Label => "k.label COLLATE NOCASE, k.id",
        };
        let limit = if q.limit <= 0 { -1 } else { q.limit };
        let sql = format!(
            "{SELECT}{filter} ORDER BY {order} LIMIT {limit} OFFSET {}",
            q.offset.max(0)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(refs.as_slice(), from_row)?;
        Ok((total, rows.collect::<rusqlite::Result<_>>()?))
    }

    /// Sets a key's keychain status.
    pub fn set_key_status(&self, id: &str, status: KeyStatus) -> Result<()> {
        self.conn.execute(
            "UPDATE keys SET status = ?2 WHERE id = ?1",
            params![id, status.as_str()],
        )?;
        Ok(())
    }

    /// Removes a key row.
    pub fn delete_key(&self, id: &str) -> Result<()> {
        self.conn.execute("DELETE FROM keys WHERE id = ?1", [id])?;
        Ok(())
    }
}

/// What the provider's answer adds to a pending row.
pub struct Completion<'a> {
    /// Provider's id.
    pub remote_id: Option<&'a str>,
    /// Display hint.
    pub hint: Option<&'a str>,
    /// Scopes / permissions / roles.
    pub scopes: Option<&'a serde_json::Value>,
    /// Other metadata.
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Keychain status.
    pub status: KeyStatus,
}

impl Store {
    /// Fills in a pending row from the provider's answer.
    pub fn complete_key(&self, id: &str, c: &Completion<'_>) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE keys SET remote_id = ?2, hint = ?3, scopes = ?4, extra = ?5, expires_at = ?6, status = ?7
             WHERE id = ?1",
            params![
                id,
                c.remote_id,
                c.hint,
                c.scopes.map(|s| s.to_string()),
                serde_json::Value::Object(c.extra.clone()).to_string(),
                c.expires_at.map(time_to_sql),
                c.status.as_str()
            ],
        )?;
        if changed == 0 {
            return Err(Error::Store(format!("the pending row {id} has vanished")));
        }
        Ok(())
    }

    /// Rows still pending that were started before `before` (their process is gone).
    pub fn stale_pending(&self, before: DateTime<Utc>) -> Result<Vec<KeyRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "{SELECT} WHERE k.status = 'pending' AND k.created_at <= ?1"
        ))?;
        let rows = stmt.query_map([time_to_sql(before)], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ids of keys whose secret should be in the keychain.
    pub fn stored_key_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM keys WHERE status = 'stored'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets a key's hint.
    pub fn set_key_hint(&self, id: &str, hint: Option<&str>) -> Result<()> {
        self.conn
            .execute("UPDATE keys SET hint = ?2 WHERE id = ?1", params![id, hint])?;
        Ok(())
    }
}
