//! Keys of accounts kept in a team store (SPEC §8): the token's right to write is checked
//! before the provider is called, the secret goes to the store with check-and-set 0 at
//! `PREFIX/keys/ACCOUNT/KEY_ID`, and it is read from the store whenever it is used. A key the
//! store could not take waits in this keychain as `upload_pending` for the next sync.

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::http::Limits;
use crate::model::{Account, KeyRecord, StoreState};
use crate::providers::server_text;
use crate::service::keys::item_of;
use crate::service::Keymint;
use crate::team::client::Client;
use crate::team::TeamStore;
use crate::vault::Item;
use crate::voice::sentence;

/// Requests in flight at once when reading many entries of one store.
pub(crate) const STORE_CONCURRENCY: usize = 16;

/// A team store with its token, ready to talk to.
pub(crate) struct Connection {
    pub team: TeamStore,
    token: SecretString,
    limits: Limits,
    /// The storage index of this machine's latest write, kept across runs.
    index: std::sync::Mutex<Option<String>>,
}

impl Connection {
    /// A client on this connection.
    pub fn client(&self) -> Result<Client<'_>> {
        Client::new(
            &self.team.name,
            &self.team.address,
            self.team.namespace.as_deref(),
            self.team.ca_cert_pem.as_deref(),
            &self.token,
            self.limits,
        )
        .map(|c| c.with_index(&self.index))
    }

    /// The latest write's index, if it changed since the store's row was read.
    fn new_index(&self) -> Option<String> {
        let now = self.index.lock().ok().and_then(|i| i.clone());
        (now != self.team.write_index).then_some(now).flatten()
    }

    /// Where the key `key_id` of `account` lives under the mount.
    pub fn key_path(&self, account: &str, key_id: &str) -> String {
        format!("{}/keys/{account}/{key_id}", self.team.prefix)
    }

    /// `<mount>/data/<path>`, as policies and messages name it.
    pub fn data_path(&self, path: &str) -> String {
        format!("{}/data/{path}", self.team.mount)
    }
}

/// What a team store's entry of a key says besides its secret, as read back (every text
/// cleaned and capped: it comes from a server and from other members).
#[derive(Debug, Clone)]
pub(crate) struct KeyMeta {
    pub account: String,
    pub label: String,
    pub provider: String,
    pub remote_id: Option<String>,
    pub hint: Option<String>,
    pub scopes: Option<Value>,
    pub extra: serde_json::Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub origin: String,
    pub created_by: Option<String>,
}

/// The entry written for `key`: its secret and what another member needs to list it.
fn entry_of(key: &KeyRecord, member: &str, secret: &SecretString) -> Value {
    json!({
        "secret": secret.expose_secret(),
        "account": key.account,
        "label": key.label,
        "provider": key.provider,
        "remote_id": key.remote_id,
        "hint": key.hint,
        "scopes": key.scopes,
        "extra": key.extra,
        "created_at": crate::expiry::rfc3339(key.created_at),
        "expires_at": key.expires_at.map(crate::expiry::rfc3339),
        "origin": key.origin,
        "created_by": member,
    })
}

fn text(v: &Value, k: &str, max: usize) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(|s| server_text(s, max))
        .filter(|s| !s.is_empty())
}

fn time(v: &Value, k: &str) -> Option<DateTime<Utc>> {
    v.get(k)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Reads an entry's metadata; `None` when it lacks what a key needs (account, label,
/// provider). The secret is not looked at.
pub(crate) fn meta_of(entry: &Value) -> Option<KeyMeta> {
    Some(KeyMeta {
        account: text(entry, "account", 64)?,
        label: text(entry, "label", 128)?,
        provider: text(entry, "provider", 40)?,
        remote_id: text(entry, "remote_id", 200),
        hint: text(entry, "hint", 12),
        scopes: entry.get("scopes").filter(|s| !s.is_null()).cloned(),
        extra: entry
            .get("extra")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        created_at: time(entry, "created_at").unwrap_or_else(Utc::now),
        expires_at: time(entry, "expires_at"),
        origin: text(entry, "origin", 16).unwrap_or_else(|| "created".to_owned()),
        created_by: text(entry, "created_by", 64),
    })
}

/// The secret of an entry, if it has one.
pub(crate) fn secret_of(entry: &Value) -> Option<SecretString> {
    entry
        .get("secret")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| SecretString::from(s.to_owned()))
}

/// The name a member goes by in a store's entries when none was given: `user@host`.
pub fn default_member() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "someone".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this-machine".to_owned());
    server_text(&format!("{user}@{host}"), 64)
}

/// Reads the secret of `key` from its store's entry.
async fn read_from_store(
    conn: Option<&std::result::Result<Connection, Error>>,
    key: &KeyRecord,
) -> Result<SecretString> {
    let conn = match conn {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(e.clone()),
        None => return Err(Error::NotFound("no such team store".to_owned())),
    };
    let path = conn.key_path(&key.account, &key.id);
    let entry = conn.client()?.kv_read(&conn.team.mount, &path).await?;
    entry.as_ref().and_then(secret_of).ok_or_else(|| {
        Error::SecretMissing(sentence(&format!(
            "team store `{}` no longer holds key `{}` (at {}); sync the store to bring the inventory up to date",
            conn.team.name,
            crate::values::shorten(&key.label),
            conn.data_path(&path)
        )))
    })
}

/// How an upload ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Upload {
    /// Written now.
    Written,
    /// The store already held this very secret there (an earlier upload whose answer was
    /// lost): nothing to do.
    AlreadyThere,
}

impl Keymint {
    /// Connects to the team store with local id `store_id`.
    pub(crate) async fn connect_store_id(&self, store_id: &str) -> Result<Connection> {
        let team = self.store().team_store_by_id(store_id)?.ok_or_else(|| {
            Error::NotFound(
                "the team store of this account is gone; remove the account and add it again"
                    .to_owned(),
            )
        })?;
        self.connect_store(team).await
    }

    /// Connects to `team`: its token from the keychain.
    pub(crate) async fn connect_store(&self, team: TeamStore) -> Result<Connection> {
        let token = self.store_token(&team).await?;
        Ok(Connection {
            index: std::sync::Mutex::new(team.write_index.clone()),
            team,
            token,
            limits: Limits::from_config(self.config()),
        })
    }

    /// Keeps the index of the connection's latest write with the store's row, so that the
    /// next run's reads see this run's writes.
    pub(crate) fn keep_index(&self, conn: &Connection) {
        if let Some(index) = conn.new_index() {
            let _ = self.store().set_team_store_index(&conn.team.id, &index);
        }
    }

    /// Refuses a create for an account kept in a team store when the token may not write the
    /// new key there: checked before the provider is called, so nothing is made at the
    /// provider that the store would then refuse.
    pub(crate) async fn check_store_create(
        &self,
        conn: &Connection,
        account: &Account,
        key_id: &str,
    ) -> Result<()> {
        let path = conn.data_path(&conn.key_path(&account.name, key_id));
        let caps = conn
            .client()?
            .capabilities(std::slice::from_ref(&path))
            .await?;
        let has = caps.get(&path).map(Vec::as_slice).unwrap_or_default();
        if has.iter().any(|c| c == "create" || c == "root") {
            return Ok(());
        }
        Err(Error::StoreDenied(sentence(&format!(
            "team store `{}` does not let this token create {path} (it has: {}); nothing was sent to the provider. Ask for a policy with `create` on {}",
            conn.team.name,
            if has.is_empty() { "nothing".to_owned() } else { has.join(", ") },
            conn.team.data_glob(),
        ))))
    }

    /// Writes `key`'s entry to its team store with check-and-set 0. An entry already there
    /// holding the same secret counts as uploaded; one holding another secret is
    /// [`Error::Conflict`] and is left as it is.
    pub(crate) async fn upload_key(
        &self,
        conn: &Connection,
        key: &KeyRecord,
        secret: &SecretString,
    ) -> Result<Upload> {
        let client = conn.client()?;
        let path = conn.key_path(&key.account, &key.id);
        let entry = entry_of(key, &conn.team.member, secret);
        let redact = |e: Error| e.redact(&[secret.expose_secret()]);
        match client.kv_create(&conn.team.mount, &path, entry).await {
            Ok(()) => Ok(Upload::Written),
            Err(Error::Conflict(_)) => {
                let there = client
                    .kv_read(&conn.team.mount, &path)
                    .await
                    .map_err(redact)?;
                let same = there
                    .as_ref()
                    .and_then(secret_of)
                    .is_some_and(|s| s.expose_secret() == secret.expose_secret());
                if same {
                    Ok(Upload::AlreadyThere)
                } else {
                    Err(Error::Conflict(sentence(&format!(
                        "team store `{}` already holds another secret for key `{}` at {}; Keymint keeps this one in the keychain and does not overwrite the store's",
                        conn.team.name,
                        crate::values::shorten(&key.label),
                        conn.data_path(&path)
                    ))))
                }
            }
            Err(e) => Err(redact(e)),
        }
    }

    /// After a create for a store's account: puts the new key in the store and, once it is
    /// there, takes it out of this keychain. When the store cannot take it, the key stays in
    /// the keychain as `upload_pending` and a warning says so.
    pub(crate) async fn finish_store_create(
        &self,
        key: &KeyRecord,
        secret: &SecretString,
        in_keychain: bool,
    ) -> std::result::Result<(), String> {
        let store_id = self
            .account(&key.account)
            .ok()
            .and_then(|a| a.team_store_id)
            .unwrap_or_default();
        let uploaded = async {
            let conn = self.connect_store_id(&store_id).await?;
            crate::fault::hit(crate::fault::Point::StoreWrite, || {
                Error::Network("the team store did not answer (injected fault)".to_owned())
            })?;
            let uploaded = self.upload_key(&conn, key, secret).await;
            self.keep_index(&conn);
            uploaded?;
            Ok::<_, Error>(conn.team.name.clone())
        }
        .await;
        match uploaded {
            Ok(name) => {
                self.mark_uploaded(key, &name, in_keychain).await;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(
                    code = e.code().as_str(),
                    "team store write failed after create"
                );
                Err(if in_keychain {
                    format!("the team store did not take the key ({e}); its secret is kept in this machine's keychain and the next sync uploads it")
                } else {
                    format!("the team store did not take the key either ({e})")
                })
            }
        }
    }

    /// Marks `key` as living in its team store and removes the local copy, if any.
    pub(crate) async fn mark_uploaded(&self, key: &KeyRecord, store: &str, in_keychain: bool) {
        {
            let s = self.store();
            let _ = s.set_store_state(&key.id, StoreState::Uploaded);
            if !in_keychain {
                let _ = s.set_key_status(&key.id, crate::model::KeyStatus::Stored);
            }
            let _ = s.add_event(
                "uploaded",
                Some(&key.id),
                Some(&key.account_id),
                Some(&format!("to team store {store}")),
            );
        }
        if in_keychain {
            let item = item_of(key);
            // A copy left behind (the keychain refused the delete) is harmless: the row says
            // the store holds the key, and `doctor` lists the item as one without a row.
            let _ = self.blocking(move |k| k.vault.delete(&item)).await;
        }
    }

    /// Reads the secrets of `keys` whose secret is in a team store, in order, with a few
    /// requests in flight per store.
    pub(crate) async fn store_secrets(&self, keys: &[&KeyRecord]) -> Vec<Result<SecretString>> {
        let mut conns: std::collections::HashMap<String, std::result::Result<Connection, Error>> =
            std::collections::HashMap::new();
        for key in keys {
            let name = key.team_store.clone().unwrap_or_default();
            if conns.contains_key(&name) {
                continue;
            }
            let conn = match self.team_store(&name) {
                Ok(team) => self.connect_store(team).await,
                Err(e) => Err(e),
            };
            conns.insert(name, conn);
        }
        // Futures collected first: a stream over a borrowing closure is not `Send` for
        // every lifetime, which the app's commands need.
        let reads: Vec<_> = keys
            .iter()
            .map(|key| {
                read_from_store(
                    conns.get(key.team_store.as_deref().unwrap_or_default()),
                    key,
                )
            })
            .collect();
        stream::iter(reads)
            .buffered(STORE_CONCURRENCY)
            .collect()
            .await
    }

    /// Reads the secrets of `keys`, in order: those in a team store from the store, the rest
    /// from this keychain in one round trip.
    pub(crate) async fn secrets_of(&self, keys: &[KeyRecord]) -> Result<Vec<Result<SecretString>>> {
        type Indexed<'k> = Vec<(usize, &'k KeyRecord)>;
        let (remote, local): (Indexed<'_>, Indexed<'_>) = keys
            .iter()
            .enumerate()
            .partition(|(_, k)| k.store_state == StoreState::Uploaded);
        let items: Vec<Item> = local.iter().map(|(_, k)| item_of(k)).collect();
        let local_results = if items.is_empty() {
            Vec::new()
        } else {
            self.blocking(move |k| Ok(k.vault.get_many(&items))).await?
        };
        let remote_keys: Vec<&KeyRecord> = remote.iter().map(|(_, k)| *k).collect();
        let remote_results = self.store_secrets(&remote_keys).await;
        let mut out: Vec<Option<Result<SecretString>>> = keys.iter().map(|_| None).collect();
        for ((i, _), r) in local.iter().zip(local_results) {
            out[*i] = Some(r);
        }
        for ((i, _), r) in remote.iter().zip(remote_results) {
            out[*i] = Some(r);
        }
        Ok(out
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Internal("a secret was not read".to_owned()))))
            .collect())
    }

    /// Removes the entry of `key` from its team store (all versions).
    pub(crate) async fn destroy_in_store(&self, key: &KeyRecord) -> Result<()> {
        let name = key.team_store.clone().unwrap_or_default();
        let conn = self.connect_store(self.team_store(&name)?).await?;
        let path = conn.key_path(&key.account, &key.id);
        let destroyed = conn.client()?.kv_destroy(&conn.team.mount, &path).await;
        self.keep_index(&conn);
        destroyed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_back_cleaned_without_their_secret() {
        let entry = json!({
            "secret": "sk-very-secret-value",
            "account": "team\u{1b}[31m",
            "label": "deploy",
            "provider": "fireworks",
            "hint": "sk-v…alue-and-far-too-long",
            "created_at": "2026-01-02T03:04:05Z",
            "created_by": "ana@laptop",
        });
        let meta = meta_of(&entry).expect("meta");
        assert_eq!(meta.account, "team[31m");
        assert_eq!(
            meta.hint.as_deref().map(str::chars).map(Iterator::count),
            Some(12)
        );
        assert_eq!(meta.created_by.as_deref(), Some("ana@laptop"));
        assert!(!format!("{meta:?}").contains("sk-very-secret-value"));
        assert_eq!(
            secret_of(&entry)
                .map(|s| s.expose_secret().to_owned())
                .as_deref(),
            Some("sk-very-secret-value")
        );
        assert!(meta_of(&json!({"account": "a", "label": "b"})).is_none());
    }
}
