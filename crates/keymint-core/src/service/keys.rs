//! The inventory: listing, resolving, reading secrets, importing and forgetting keys.

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::expiry::parse_expiry;
use crate::hint::display_hint;
use crate::model::{Event, KeyRecord, KeyStatus, StoreState};
use crate::service::{check_name, Keymint};
use crate::store::{new_id, KeyQuery, NewKey};
use crate::vault::Item;

/// A key made elsewhere, to import.
#[derive(Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct ImportInput {
    /// Account name.
    pub account: String,
    /// Local label.
    pub label: String,
    /// Provider's id.
    #[serde(default)]
    pub remote_id: Option<String>,
    /// Expiry (RFC 3339 or duration).
    #[serde(default)]
    pub expires: Option<String>,
}

/// The keychain item of a key.
pub(crate) fn item_of(key: &KeyRecord) -> Item {
    Item::key(&key.id, &key.provider, &key.account, &key.label)
}

impl Keymint {
    /// Runs an inventory query.
    pub fn list_keys(&self, query: &KeyQuery) -> Result<(i64, Vec<KeyRecord>)> {
        self.store().list_keys(query)
    }

    /// Resolves a key reference: `keymint://ACCOUNT/LABEL`, an id, a unique id prefix or a
    /// unique label.
    pub fn resolve_key(&self, reference: &str) -> Result<KeyRecord> {
        if crate::reference::Reference::looks_like(reference) {
            let r = crate::reference::Reference::parse(reference)?;
            return self.store().resolve_reference(&r);
        }
        self.store().resolve_key(reference)
    }

    /// Reads a key's secret from the keychain and records `event` (`revealed`, `copied`, ...).
    /// A key whose item has vanished is marked missing.
    pub async fn key_secret(&self, reference: &str, event: &'static str) -> Result<SecretString> {
        let key = self.resolve_key(reference)?;
        if key.status == KeyStatus::NotStored {
            return Err(Error::SecretMissing(format!(
                "key `{}` was shown once but never stored in the keychain; Keymint has no copy",
                key.label
            )));
        }
        if key.store_state == StoreState::Uploaded {
            // Kept in a team store: read there (a refusal by policy is one line).
            let secret = self
                .store_secrets(&[&key])
                .await
                .pop()
                .unwrap_or_else(|| Err(Error::Internal("no secret read".to_owned())))?;
            self.store()
                .add_event(event, Some(&key.id), Some(&key.account_id), None)?;
            return Ok(secret);
        }
        let item = item_of(&key);
        let result = self.blocking(move |k| k.vault.get(&item)).await;
        let store = self.store();
        match result {
            Ok(secret) => {
                store.add_event(event, Some(&key.id), Some(&key.account_id), None)?;
                Ok(secret)
            }
            Err(Error::SecretMissing(_)) => {
                store.set_key_status(&key.id, KeyStatus::Missing)?;
                Err(Error::SecretMissing(format!(
                    "the keychain no longer holds the secret of `{}` (item \"Keymint: {} / {} / {}\"); it is now marked missing",
                    key.label, key.provider, key.account, key.label
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Records that a secret was handed out in a coding agent's session, with the reason the
    /// user gave (`detail`), on each key concerned: the audit trail shows it.
    pub fn note_agent_access(&self, references: &[String], detail: &str) -> Result<()> {
        let keys = references
            .iter()
            .map(|r| self.resolve_key(r))
            .collect::<Result<Vec<_>>>()?;
        let events: Vec<_> = keys
            .iter()
            .map(|k| {
                (
                    Some(k.id.as_str()),
                    Some(k.account_id.as_str()),
                    Some(detail),
                )
            })
            .collect();
        self.store().add_events("agent_access", &events)
    }

    /// Reads the secrets of several keys in one keychain round trip, recorded as `used` by
    /// `purpose` (`exec`, `run`, `inject`).
    pub async fn key_secrets(
        &self,
        references: &[String],
        purpose: &'static str,
    ) -> Result<Vec<SecretString>> {
        let keys = references
            .iter()
            .map(|r| self.resolve_key(r))
            .collect::<Result<Vec<_>>>()?;
        let results = self.secrets_of(&keys).await?;
        let mut out = Vec::with_capacity(results.len());
        for (key, r) in keys.iter().zip(results) {
            match r {
                Ok(s) => out.push(s),
                Err(Error::SecretMissing(_)) if key.store_state != StoreState::Uploaded => {
                    return Err(Error::SecretMissing(format!(
                        "the keychain holds no secret for key `{}`",
                        key.label
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        // One commit for all of them: each commit is a write to the WAL.
        let events: Vec<_> = keys
            .iter()
            .map(|k| {
                (
                    Some(k.id.as_str()),
                    Some(k.account_id.as_str()),
                    Some(purpose),
                )
            })
            .collect();
        self.store().add_events("used", &events)?;
        Ok(out)
    }

    /// Records a key made elsewhere; the secret goes to the keychain first.
    pub async fn import_key(&self, input: ImportInput, secret: SecretString) -> Result<KeyRecord> {
        let account = self.account(&input.account)?;
        check_name("label", "label", &input.label, 128)?;
        if let Some(r) = &input.remote_id {
            crate::values::check_text("remote_id", r, 256)?;
        }
        let s = secret.expose_secret();
        if s.trim().is_empty() || s.len() > 16 * 1024 {
            return Err(Error::field(
                "secret",
                "the secret is empty or too long (give it on standard input)",
            ));
        }
        let expires = match input.expires.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => Some(parse_expiry(e, Utc::now())?),
            _ => None,
        };
        let id = new_id();
        let item = Item::key(&id, &account.provider, &account.name, &input.label);
        let hint = display_hint(&secret, None);
        let kept = secret.clone();
        self.blocking(move |k| k.vault.set(&item, &secret)).await?;
        let key = {
            let store = self.store();
            store.insert_key(&NewKey {
                id: &id,
                account_id: &account.id,
                label: &input.label,
                remote_id: input.remote_id.as_deref().filter(|r| !r.is_empty()),
                hint: hint.as_deref(),
                scopes: None,
                extra: &serde_json::Map::new(),
                expires_at: expires,
                status: KeyStatus::Stored,
                origin: "imported",
            })?;
            store.add_event("imported", Some(&id), Some(&account.id), None)?;
            if account.team_store_id.is_some() {
                store.set_store_state(&id, StoreState::UploadPending)?;
            }
            store
                .key_by_id(&id)?
                .ok_or_else(|| Error::Store("the imported key vanished".to_owned()))?
        };
        if account.team_store_id.is_none() {
            return Ok(key);
        }
        // A team store's account: the key goes to the store (or waits here for the next sync).
        if let Err(warning) = self.finish_store_create(&key, &kept, true).await {
            tracing::warn!("{warning}");
        }
        self.store()
            .key_by_id(&id)?
            .ok_or_else(|| Error::Store("the imported key vanished".to_owned()))
    }

    /// Removes a key from the keychain and the inventory. The provider key is not revoked.
    pub async fn forget_key(&self, reference: &str) -> Result<KeyRecord> {
        let key = self.resolve_key(reference)?;
        let detail = if key.store_state == StoreState::Uploaded {
            // The key is the team's: forgetting it removes it from the store for everyone.
            self.destroy_in_store(&key).await?;
            key.team_store
                .as_ref()
                .map(|s| format!("removed from team store {s}"))
        } else {
            let item = item_of(&key);
            self.blocking(move |k| k.vault.delete(&item)).await?;
            None
        };
        let store = self.store();
        store.delete_key(&key.id)?;
        store.add_event(
            "forgotten",
            Some(&key.id),
            Some(&key.account_id),
            detail.as_deref(),
        )?;
        Ok(key)
    }

    /// Events of a key.
    pub fn key_events(&self, reference: &str) -> Result<Vec<Event>> {
        let key = self.resolve_key(reference)?;
        self.store().key_events(&key.id)
    }
}
