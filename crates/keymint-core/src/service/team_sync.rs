//! Syncing with a team store (SPEC §8): keys waiting in this keychain are uploaded, accounts
//! and keys other members put in the store are added to the inventory, keys removed from the
//! store leave it, and an entry that disagrees with this machine is reported, never
//! overwritten. Listings are paged; entries are read with a bounded number in flight.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::check_base_url;
use crate::model::{KeyRecord, KeyStatus, StoreState};
use crate::providers::{self, server_text};
use crate::service::accounts::check_ca;
use crate::service::keys::item_of;
use crate::service::team_keys::{meta_of, Connection, KeyMeta, Upload, STORE_CONCURRENCY};
use crate::service::team_store::{check_store_account_name, credential_path};
use crate::service::Keymint;
use crate::store::{AccountRow, SyncedKey};
use crate::voice::sentence;

/// What a sync did.
#[derive(Debug, Default, Clone, Serialize, ts_rs::TS)]
pub struct SyncReport {
    /// The store's name.
    pub store: String,
    /// Keys that waited in this keychain and are now in the store.
    pub uploaded: usize,
    /// Keys still waiting in this keychain (their upload failed; see `conflicts`).
    pub still_pending: usize,
    /// Accounts other members put in the store, now in this inventory.
    pub accounts_added: Vec<String>,
    /// Keys other members put in the store, now in this inventory.
    pub keys_added: usize,
    /// Keys removed from the store, now gone from this inventory.
    pub keys_removed: usize,
    /// Keys the store holds.
    pub keys_in_store: usize,
    /// What disagrees between the store and this machine, one line each; nothing of it was
    /// overwritten.
    pub conflicts: Vec<String>,
}

/// Reads the metadata of the store's key `id` of `account`.
async fn read_meta(
    conn: &Connection,
    account: &str,
    id: &str,
) -> (String, String, Result<Option<KeyMeta>>) {
    let path = conn.key_path(account, id);
    let meta = match conn.client() {
        Ok(c) => c
            .kv_read(&conn.team.mount, &path)
            .await
            .map(|e| e.as_ref().and_then(meta_of)),
        Err(e) => Err(e),
    };
    (account.to_owned(), id.to_owned(), meta)
}

/// An id of a key as Keymint makes them: 32 lowercase hex digits (a UUID without dashes).
fn is_key_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Keymint {
    /// Syncs every team store; one report (or error) per store, by name.
    pub async fn sync_team_stores(&self) -> Result<Vec<(String, Result<SyncReport>)>> {
        let mut out = Vec::new();
        for team in self.team_stores()? {
            let name = team.name.clone();
            out.push((name.clone(), self.sync_team_store(&name).await));
        }
        Ok(out)
    }

    /// Syncs the team store called `name`. Its outcome (time, error) is kept with the store.
    pub async fn sync_team_store(&self, name: &str) -> Result<SyncReport> {
        let team = self.team_store(name)?;
        let id = team.id.clone();
        let result = async {
            let conn = self.connect_store(team).await?;
            let synced = self.sync_with(&conn).await;
            self.keep_index(&conn);
            synced
        }
        .await;
        let error = result.as_ref().err().map(ToString::to_string);
        self.store().set_team_store_sync(&id, error.as_deref())?;
        result
    }

    async fn sync_with(&self, conn: &Connection) -> Result<SyncReport> {
        let mut report = SyncReport {
            store: conn.team.name.clone(),
            ..SyncReport::default()
        };
        // A renewable token close to its end is renewed on the way (the app syncs every few
        // minutes, so a member's token lives as long as its policy allows).
        let client = conn.client()?;
        let token = client.lookup_self().await?;
        let ttl = self.renew_if_due(&client, &token).await;
        if ttl.starts_with("renewed") {
            tracing::info!(store = %conn.team.name, "team store token renewed");
        }
        self.upload_pending(conn, &mut report).await?;
        self.pull_accounts(conn, &mut report).await?;
        self.pull_keys(conn, &mut report).await?;
        if !report.conflicts.is_empty() || report.keys_added + report.keys_removed > 0 {
            tracing::info!(
                store = %conn.team.name,
                added = report.keys_added,
                removed = report.keys_removed,
                conflicts = report.conflicts.len(),
                "team store synced"
            );
        }
        Ok(report)
    }

    /// Uploads the keys that wait in this keychain. A store that cannot be reached stops the
    /// sync (the keys keep waiting); an entry holding another secret is a conflict.
    async fn upload_pending(&self, conn: &Connection, report: &mut SyncReport) -> Result<()> {
        let waiting: Vec<KeyRecord> = self
            .store()
            .team_keys(&conn.team.id, StoreState::UploadPending)?
            .into_iter()
            .filter(|k| k.status == KeyStatus::Stored)
            .collect();
        for key in waiting {
            let item = item_of(&key);
            let secret = match self.blocking(move |k| k.vault.get(&item)).await {
                Ok(s) => s,
                Err(e) => {
                    report.still_pending += 1;
                    report.conflicts.push(sentence(&format!(
                        "key `{}` waits for upload but its secret cannot be read from this keychain ({e})",
                        crate::values::shorten(&key.label)
                    )));
                    continue;
                }
            };
            match self.upload_key(conn, &key, &secret).await {
                Ok(Upload::Written | Upload::AlreadyThere) => {
                    self.mark_uploaded(&key, &conn.team.name, true).await;
                    report.uploaded += 1;
                }
                Err(e @ Error::Conflict(_)) => {
                    report.still_pending += 1;
                    report.conflicts.push(e.to_string());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Adds the store's accounts this inventory does not have yet.
    async fn pull_accounts(&self, conn: &Connection, report: &mut SyncReport) -> Result<()> {
        let client = conn.client()?;
        let names = client
            .kv_list(&conn.team.mount, &format!("{}/accounts", conn.team.prefix))
            .await?;
        for raw in names {
            let name = raw.trim_end_matches('/');
            if check_store_account_name(name).is_err() {
                report.conflicts.push(format!(
                    "skipped the store's account entry `{}`: not a name Keymint gives accounts",
                    server_text(name, 64)
                ));
                continue;
            }
            match self.store().account_by_name(name)? {
                Some(a) if a.team_store_id.as_deref() == Some(conn.team.id.as_str()) => continue,
                Some(_) => {
                    report.conflicts.push(sentence(&format!(
                        "the store's account `{name}` has the name of an account of this machine; it was not added (rename the local account to see it)"
                    )));
                    continue;
                }
                None => {}
            }
            let path = credential_path(&conn.team, name);
            let Some(entry) = client.kv_read(&conn.team.mount, &path).await? else {
                continue;
            };
            match self.add_synced_account(conn, name, &entry) {
                Ok(()) => report.accounts_added.push(name.to_owned()),
                Err(e) => report.conflicts.push(sentence(&format!(
                    "skipped the store's account `{name}`: {e}"
                ))),
            }
        }
        Ok(())
    }

    /// Records an account from its entry in the store (public details only; its credential
    /// stays in the store).
    fn add_synced_account(&self, conn: &Connection, name: &str, entry: &Value) -> Result<()> {
        let get = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let provider = providers::get(get("provider").unwrap_or_default())?;
        let descriptor = provider.descriptor();
        let base_url = get("base_url").map(check_base_url).transpose()?;
        let ca = get("ca_cert_pem");
        if let Some(ca) = ca {
            check_ca(ca)?;
        }
        let fields: BTreeMap<String, String> = entry
            .get("fields")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((server_text(k, 64), server_text(v.as_str()?, 512))))
                    .collect()
            })
            .unwrap_or_default();
        let base_str = base_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_owned());
        let default = descriptor.default_base_url.map(|d| d.trim_end_matches('/'));
        let row = AccountRow {
            name,
            provider: descriptor.id,
            base_url: base_str.as_deref().filter(|b| Some(*b) != default),
            ca_cert_pem: ca,
            client_cert_pem: get("client_cert_pem"),
            fields: &fields,
            sandbox: entry
                .get("sandbox")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        let store = self.store();
        let tx_id = store.insert_account(&row)?;
        store.set_account_team_store(&tx_id, &conn.team.id)?;
        store.add_event(
            "account_synced",
            None,
            Some(&tx_id),
            Some(&format!("from team store {}", conn.team.name)),
        )?;
        Ok(())
    }

    /// Brings the store's keys into the inventory and takes out those the store no longer has.
    async fn pull_keys(&self, conn: &Connection, report: &mut SyncReport) -> Result<()> {
        let client = conn.client()?;
        let keys_dir = format!("{}/keys", conn.team.prefix);
        let account_dirs = client.kv_list(&conn.team.mount, &keys_dir).await?;
        let mut listed: Vec<(String, String)> = Vec::new();
        for dir in account_dirs {
            let account = dir.trim_end_matches('/').to_owned();
            if check_store_account_name(&account).is_err() {
                continue;
            }
            let ids = client
                .kv_list(&conn.team.mount, &format!("{keys_dir}/{account}"))
                .await?;
            listed.extend(
                ids.into_iter()
                    .filter(|id| is_key_id(id))
                    .map(|id| (account.clone(), id)),
            );
        }
        report.keys_in_store = listed.len();
        let in_store: HashSet<&str> = listed.iter().map(|(_, id)| id.as_str()).collect();

        // What this inventory already has of the store, and every local id (an id of the
        // store that names a key of another account here is a conflict).
        let mine: Vec<KeyRecord> = {
            let store = self.store();
            let mut all = store.team_keys(&conn.team.id, StoreState::Uploaded)?;
            all.extend(store.team_keys(&conn.team.id, StoreState::UploadPending)?);
            all
        };
        let mine_ids: HashSet<&str> = mine.iter().map(|k| k.id.as_str()).collect();
        let accounts: HashMap<String, (String, String)> = self
            .store()
            .list_accounts()?
            .into_iter()
            .filter(|a| a.team_store_id.as_deref() == Some(conn.team.id.as_str()))
            .map(|a| (a.name, (a.id, a.provider)))
            .collect();
        let new: Vec<&(String, String)> = listed
            .iter()
            .filter(|(_, id)| !mine_ids.contains(id.as_str()))
            .collect();

        let reads: Vec<_> = new
            .into_iter()
            .map(|(account, id)| read_meta(conn, account, id))
            .collect();
        let read: Vec<(String, String, Result<Option<KeyMeta>>)> = stream::iter(reads)
            .buffer_unordered(STORE_CONCURRENCY)
            .collect()
            .await;

        let mut adds: Vec<(String, String, KeyMeta)> = Vec::new();
        for (account, id, meta) in read {
            let Some(meta) = meta? else { continue };
            if meta.account != account {
                report.conflicts.push(sentence(&format!(
                    "the store's key {id} under account `{account}` says it belongs to `{}`; it was not added",
                    meta.account
                )));
                continue;
            }
            let Some((account_id, provider)) = accounts.get(&account) else {
                report.conflicts.push(sentence(&format!(
                    "the store holds key {id} of account `{account}`, which the store does not list; it was not added"
                )));
                continue;
            };
            if &meta.provider != provider {
                report.conflicts.push(sentence(&format!(
                    "the store's key {id} says it is a {} key, but account `{account}` is {provider}; it was not added",
                    meta.provider
                )));
                continue;
            }
            if self.store().key_by_id(&id)?.is_some() {
                report.conflicts.push(sentence(&format!(
                    "the store's key {id} (`{}`) has the id of a key of another account here; it was not added",
                    meta.label
                )));
                continue;
            }
            adds.push((account_id.clone(), id, meta));
        }
        let synced: Vec<SyncedKey<'_>> = adds
            .iter()
            .map(|(account_id, id, m)| SyncedKey {
                id,
                account_id,
                label: &m.label,
                remote_id: m.remote_id.as_deref(),
                hint: m.hint.as_deref(),
                scopes: m.scopes.as_ref(),
                extra: &m.extra,
                created_at: m.created_at,
                expires_at: m.expires_at,
                origin: &m.origin,
                created_by: m.created_by.as_deref(),
            })
            .collect();
        let detail = format!("from team store {}", conn.team.name);
        self.store().insert_synced_keys(&synced, &detail)?;
        report.keys_added = synced.len();

        let removed: Vec<KeyRecord> = mine
            .into_iter()
            .filter(|k| k.store_state == StoreState::Uploaded && !in_store.contains(k.id.as_str()))
            .collect();
        self.store().delete_keys_removed_in_store(
            &removed,
            &format!("removed from team store {}", conn.team.name),
        )?;
        report.keys_removed = removed.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keymint_ids_are_taken_from_a_listing() {
        assert!(is_key_id("0123456789abcdef0123456789abcdef"));
        for bad in [
            "",
            "x",
            "0123456789ABCDEF0123456789ABCDEF",
            "../etc",
            "0123456789abcdef0123456789abcdef/",
        ] {
            assert!(!is_key_id(bad), "{bad}");
        }
    }
}
