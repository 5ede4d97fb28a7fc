//! Key rows, the inventory query and key references (id, id prefix or label).

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::ToSql;
use rusqlite::{params, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::model::{KeyRecord, KeyStatus, StoreState};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[ts(rename = "StatusFilter")]
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
    /// A create cut off after its request left: the provider may hold the key.
    Interrupted,
    /// Replaced by a rotation (still listed and readable; revoke it at the provider).
    Superseded,
}

/// Sort order of the inventory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
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
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields)]
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
    #[ts(as = "Option<KeySort>", optional)]
    pub sort: KeySort,
    /// Rows to skip.
    #[ts(as = "Option<i64>", optional)]
    pub offset: i64,
    /// Rows to return (0 = all).
    #[ts(as = "Option<i64>", optional)]
    pub limit: i64,
}

/// Days before expiry when a key counts as expiring.
pub const EXPIRING_DAYS: i64 = 14;

const COLUMNS: &str = "k.id, a.name, k.account_id, a.provider, k.label, k.remote_id, k.hint,
        k.scopes, k.created_at, k.expires_at, k.status, a.sandbox, k.origin, k.extra, k.superseded_by,
        k.answer_notes, k.store_state, k.created_by,
        (SELECT t.name FROM team_stores t WHERE t.id = a.team_store_id)";

pub(super) const SELECT: &str =
    "SELECT k.id, a.name, k.account_id, a.provider, k.label, k.remote_id, k.hint,
        k.scopes, k.created_at, k.expires_at, k.status, a.sandbox, k.origin, k.extra, k.superseded_by,
        k.answer_notes, k.store_state, k.created_by,
        (SELECT t.name FROM team_stores t WHERE t.id = a.team_store_id)
    FROM keys k JOIN accounts a ON a.id = k.account_id";

/// The end of an "expiring within `secs`" window as stored text. Checked: a window that
/// overflows, or ends after year 9999 (the web view may send `i64::MAX`), means every key not
/// yet expired, so it ends at the last time RFC 3339 text can hold (and still sorts right).
fn window_end(now: DateTime<Utc>, secs: i64) -> String {
    let last = crate::expiry::latest();
    let end = Duration::try_seconds(secs.max(0)).and_then(|w| now.checked_add_signed(w));
    time_to_sql(end.map_or(last, |t| t.min(last)))
}

/// How far past the requested page a search counts its matches (see [`Store::key_page`]).
pub const COUNT_AHEAD: i64 = 400;

/// One page of an inventory query.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct KeyPage {
    /// Matches: exact, or at least this many when `total_is_lower_bound`.
    pub total: i64,
    /// Counting stopped at `offset + limit + COUNT_AHEAD`: there may be more matches.
    pub total_is_lower_bound: bool,
    /// The requested rows.
    pub items: Vec<KeyRecord>,
}

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    let scopes: Option<String> = r.get(7)?;
    let expires: Option<String> = r.get(9)?;
    let extra: String = r.get(13)?;
    let account: String = r.get(1)?;
    let label: String = r.get(4)?;
    Ok(KeyRecord {
        id: r.get(0)?,
        reference: crate::reference::Reference::new(&account, &label).to_string(),
        account,
        account_id: r.get(2)?,
        provider: r.get(3)?,
        label,
        remote_id: r.get(5)?,
        hint: r.get(6)?,
        scopes: scopes.and_then(|s| serde_json::from_str(&s).ok()),
        created_at: time_from_sql(&r.get::<_, String>(8)?),
        expires_at: expires.as_deref().map(time_from_sql),
        status: KeyStatus::parse(&r.get::<_, String>(10)?),
        sandbox: r.get(11)?,
        origin: r.get(12)?,
        extra: serde_json::from_str(&extra).unwrap_or_default(),
        superseded_by: r.get(14)?,
        answer_notes: r
            .get::<_, Option<String>>(15)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        store_state: StoreState::parse(r.get::<_, Option<String>>(16)?.as_deref()),
        created_by: r.get(17)?,
        team_store: r.get(18)?,
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
            0 => Err(Error::KeyNotFound {
                reference: reference.to_owned(),
            }),
            1 => Ok(found.remove(0)),
            _ => Err(Error::Ambiguous(format!(
                "`{}` matches several keys: {}; give more of the id",
                crate::values::shorten(reference),
                found
                    .iter()
                    .map(|k| format!(
                        "{} ({} / {})",
                        &k.id[..12.min(k.id.len())],
                        k.account,
                        k.label
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Runs an inventory query; returns the number of matches and the requested page. With a
    /// search term and a page limit the number may be a lower bound: see [`Store::key_page`].
    pub fn list_keys(&self, q: &KeyQuery) -> Result<(i64, Vec<KeyRecord>)> {
        let page = self.key_page(q)?;
        Ok((page.total, page.items))
    }

    /// Runs an inventory query and returns one page of it.
    ///
    /// A search walks the full-text index in the list's default order and stops once the
    /// page is full, so its cost follows the page, not the number of matches. Its total is
    /// exact when the page is not full (or no limit was given); otherwise matches are counted
    /// only up to `offset + limit + COUNT_AHEAD`, and `total_is_lower_bound` says when that
    /// bound was reached. Each further page raises the bound, so a list that sizes itself
    /// by `total` keeps growing as it is scrolled.
    pub fn key_page(&self, q: &KeyQuery) -> Result<KeyPage> {
        let now = Utc::now();
        let mut wheres: Vec<String> = Vec::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = search {
            if s.chars().count() >= 3 {
                wheres.push("s.key_search MATCH ?1".to_owned());
                args.push(Box::new(format!("\"{}\"", s.replace('"', "\"\""))));
            } else {
                // The trigram index cannot look up fewer than three characters: FTS5 scans
                // its rows instead, still in the list's order, so a common term stops early.
                wheres.push("s.body LIKE ?1 ESCAPE '\\'".to_owned());
                args.push(Box::new(like_escape(s)));
            }
        }
        let search_only = wheres.len();
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
            Some(KeyStatusFilter::Interrupted) => {
                wheres.push("k.status = 'interrupted'".to_owned());
            }
            Some(KeyStatusFilter::Superseded) => {
                wheres.push("k.superseded_by IS NOT NULL".to_owned());
            }
            None => {}
        }
        if let Some(secs) = q.expiring_within_secs {
            let n = args.len() + 1;
            wheres.push(format!(
                "(k.expires_at > ?{n} AND k.expires_at <= ?{})",
                n + 1
            ));
            args.push(Box::new(now_s));
            args.push(Box::new(window_end(now, secs)));
        }
        let filter = if wheres.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", wheres.join(" AND "))
        };
        // With a search the index drives (CROSS JOIN keeps it outermost) and its rowid is the
        // default order (migration 0003); the keys and accounts rows are looked up per match.
        let from = if search.is_some() {
            "key_search s CROSS JOIN keys k ON k.id = s.key_id CROSS JOIN accounts a ON a.id = k.account_id"
        } else {
            "keys k JOIN accounts a ON a.id = k.account_id"
        };
        let order = match (q.sort, search.is_some()) {
            (KeySort::Created, true) => "s.rowid",
            (KeySort::Created, false) => "k.created_at DESC, k.rowid DESC",
            (KeySort::Expiry, _) => "k.expires_at IS NULL, k.expires_at, k.id",
            (KeySort::Label, _) => "k.label COLLATE NOCASE, k.id",
        };
        let offset = q.offset.max(0);
        let limit = if q.limit <= 0 { -1 } else { q.limit };
        let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM {from}{filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let items = stmt
            .query_map(refs.as_slice(), from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let shown = items.len() as i64;
        // A page that is not full ends the list: nothing left to count.
        if limit < 0 || (shown < limit && (shown > 0 || offset == 0)) {
            return Ok(KeyPage {
                total: offset + shown,
                total_is_lower_bound: false,
                items,
            });
        }
        let (total, total_is_lower_bound) = if search.is_some() {
            let cap = offset + limit.max(0) + COUNT_AHEAD;
            // Without other filters every index entry is a key: the join adds nothing.
            let counted = if wheres.len() == search_only {
                format!("key_search s{filter}")
            } else {
                format!("{from}{filter}")
            };
            let n: i64 = self
                .conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {counted} LIMIT {cap})"
                ))?
                .query_row(refs.as_slice(), |r| r.get(0))?;
            (n, n >= cap)
        } else if wheres.is_empty() {
            let n: i64 = self
                .conn
                .prepare_cached("SELECT count(*) FROM keys")?
                .query_row([], |r| r.get(0))?;
            (n, false)
        } else {
            let n: i64 = self
                .conn
                .prepare_cached(&format!("SELECT count(*) FROM {from}{filter}"))?
                .query_row(refs.as_slice(), |r| r.get(0))?;
            (n, false)
        };
        Ok(KeyPage {
            total,
            total_is_lower_bound,
            items,
        })
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
    /// Where the answer differed from the request ([`crate::answer::differences`]).
    pub answer_notes: &'a [String],
}

impl Store {
    /// Fills in a pending row from the provider's answer.
    pub fn complete_key(&self, id: &str, c: &Completion<'_>) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE keys SET remote_id = ?2, hint = ?3, scopes = ?4, extra = ?5, expires_at = ?6, status = ?7,
                answer_notes = ?8
             WHERE id = ?1",
            params![
                id,
                c.remote_id,
                c.hint,
                c.scopes.map(|s| s.to_string()),
                serde_json::Value::Object(c.extra.clone()).to_string(),
                c.expires_at.map(time_to_sql),
                c.status.as_str(),
                (!c.answer_notes.is_empty())
                    .then(|| serde_json::Value::from(c.answer_notes.to_vec()).to_string())
            ],
        )?;
        if changed == 0 {
            return Err(Error::Store(format!("the pending row {id} has vanished")));
        }
        Ok(())
    }

    /// Fills in a pending row and records its event, in one transaction (one commit).
    pub fn complete_key_with_event(
        &self,
        id: &str,
        c: &Completion<'_>,
        kind: &str,
        account_id: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        self.complete_key(id, c)?;
        self.add_event(kind, Some(id), Some(account_id), detail)?;
        tx.commit()?;
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

    /// Ids of keys whose secret should be in the keychain (not those kept in a team store).
    pub fn stored_key_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM keys WHERE status = 'stored' AND store_state IS NOT 'uploaded'",
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AccountRow;

    fn store_with_account() -> (Store, String) {
        let store = Store::open_in_memory().expect("store");
        let fields = std::collections::BTreeMap::new();
        let account = store
            .insert_account(&AccountRow {
                name: "fw-prod",
                provider: "fireworks",
                base_url: None,
                ca_cert_pem: None,
                client_cert_pem: None,
                fields: &fields,
                sandbox: false,
            })
            .expect("account");
        (store, account)
    }

    fn add(store: &Store, account: &str, label: &str) -> String {
        store
            .insert_key(&NewKey {
                id: "",
                account_id: account,
                label,
                remote_id: None,
                hint: Some("sk_a…wxyz"),
                scopes: None,
                extra: &serde_json::Map::new(),
                expires_at: None,
                status: KeyStatus::Stored,
                origin: "created",
            })
            .expect("insert")
    }

    fn search(term: &str, offset: i64, limit: i64) -> KeyQuery {
        KeyQuery {
            search: Some(term.to_owned()),
            offset,
            limit,
            ..KeyQuery::default()
        }
    }

    fn labels(page: &KeyPage) -> Vec<&str> {
        page.items.iter().map(|k| k.label.as_str()).collect()
    }

    #[test]
    fn search_lists_newest_first_like_the_unfiltered_list() {
        let (store, account) = store_with_account();
        let ids: Vec<String> = (0..6)
            .map(|i| add(&store, &account, &format!("deploy-{i}")))
            .collect();
        // Same second for all but one: the tie-break is insertion order, newest first. Key 1
        // is made the newest of all by its creation time alone.
        store
            .conn
            .execute(
                "UPDATE keys SET created_at = '2999-01-01T00:00:00Z' WHERE id = ?1",
                [&ids[1]],
            )
            .expect("move key 1");
        let want = [
            "deploy-1", "deploy-5", "deploy-4", "deploy-3", "deploy-2", "deploy-0",
        ];
        for term in ["deploy", "de", "fw-prod", "fireworks"] {
            let page = store.key_page(&search(term, 0, 100)).expect("page");
            assert_eq!(labels(&page), want, "{term}");
            assert_eq!(
                (page.total, page.total_is_lower_bound),
                (6, false),
                "{term}"
            );
        }
        let all = store.key_page(&KeyQuery::default()).expect("all");
        assert_eq!(labels(&all), want);
        let second = store.key_page(&search("deploy", 2, 2)).expect("page 2");
        assert_eq!(labels(&second), ["deploy-4", "deploy-3"]);
        assert_eq!((second.total, second.total_is_lower_bound), (6, false));
    }

    #[test]
    fn counting_stops_past_the_page_and_says_so() {
        let (store, account) = store_with_account();
        let n = COUNT_AHEAD + 150;
        for i in 0..n {
            add(&store, &account, &format!("svc-{i:05}"));
        }
        for term in ["svc", "sv"] {
            let first = store.key_page(&search(term, 0, 100)).expect("first");
            assert_eq!(first.items.len(), 100);
            assert_eq!(first.items[0].label, format!("svc-{:05}", n - 1));
            assert_eq!(
                (first.total, first.total_is_lower_bound),
                (100 + COUNT_AHEAD, true),
                "{term}"
            );
            // Further on, the bound moves with the page until the real end is in reach.
            let later = store.key_page(&search(term, 1000, 100)).expect("later");
            assert_eq!((later.total, later.total_is_lower_bound), (n, false));
            let past = store.key_page(&search(term, n + 5, 100)).expect("past");
            assert!(past.items.is_empty());
            assert_eq!((past.total, past.total_is_lower_bound), (n, false));
            let everything = store.key_page(&search(term, 0, 0)).expect("all");
            assert_eq!((everything.items.len() as i64, everything.total), (n, n));
        }
        // Without a search the count is exact.
        let plain = store
            .key_page(&KeyQuery {
                limit: 100,
                ..KeyQuery::default()
            })
            .expect("plain");
        assert_eq!((plain.total, plain.total_is_lower_bound), (n, false));
    }

    #[test]
    fn the_index_follows_edits_deletes_and_account_renames() {
        let (store, account) = store_with_account();
        let a = add(&store, &account, "alpha-key");
        let b = add(&store, &account, "bravo-key");
        store.set_key_hint(&a, Some("zulu…9999")).expect("hint");
        let found = store.key_page(&search("zulu", 0, 100)).expect("hint");
        assert_eq!(labels(&found), ["alpha-key"]);
        store.delete_key(&b).expect("delete");
        assert!(store
            .key_page(&search("bravo", 0, 100))
            .expect("deleted")
            .items
            .is_empty());
        let fields = std::collections::BTreeMap::new();
        store
            .update_account(
                &account,
                &AccountRow {
                    name: "renamed-acct",
                    provider: "fireworks",
                    base_url: None,
                    ca_cert_pem: None,
                    client_cert_pem: None,
                    fields: &fields,
                    sandbox: false,
                },
            )
            .expect("rename");
        let renamed = store.key_page(&search("renamed", 0, 100)).expect("renamed");
        assert_eq!(labels(&renamed), ["alpha-key"]);
        assert!(store
            .key_page(&search("fw-prod", 0, 100))
            .expect("old name")
            .items
            .is_empty());
        // Quotes and LIKE wildcards are searched for literally.
        add(&store, &account, "100%_\"odd\"");
        for term in ["0%", "%_", "\"odd\""] {
            let page = store.key_page(&search(term, 0, 100)).expect("literal");
            assert_eq!(labels(&page), ["100%_\"odd\""], "{term}");
        }
    }
}
