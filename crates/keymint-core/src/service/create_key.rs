//! Creating a key at the provider without ever losing its secret: call the provider, write
//! the secret to the keychain, then record the row and the event. If the keychain write
//! fails the secret is still returned (with `stored: false`) and the row says "not stored".

use std::collections::BTreeMap;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::descriptor::CredentialKind;
use crate::error::{Error, Result};
use crate::expiry::parse_expiry;
use crate::fault::{self, Point};
use crate::hint::display_hint;
use crate::http::{self, Auth, Limits, Trust};
use crate::model::{Account, KeyRecord, KeyStatus, StoreState};
use crate::providers::{self, CreatedKey, KeyRequest, Provider, RequestSpec};
use crate::service::{check_name, Keymint};
use crate::store::{new_id, read_only_cause, Completion, KeyForm, NewKey};
use crate::values::{self, Value};
use crate::vault::Item;

/// A create-key form.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(rename = "CreateKeyInput", optional_fields)]
pub struct CreateInput {
    /// Account name.
    pub account: String,
    /// Local label; a dated default when empty.
    #[serde(default)]
    pub label: String,
    /// Expiry (RFC 3339 or duration), optional.
    #[serde(default)]
    pub expires: Option<String>,
    /// Provider key-form fields.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// The outcome of a successful provider call.
#[derive(Debug)]
pub struct Created {
    /// The inventory row, unless recording it failed.
    pub key: Option<KeyRecord>,
    /// The shown-once secret.
    pub secret: SecretString,
    /// Whether the keychain holds it.
    pub stored: bool,
    /// What went wrong after the provider answered (secret-free).
    pub warnings: Vec<String>,
}

/// Everything checked and ready to send.
struct Prepared {
    account: Account,
    provider: &'static dyn Provider,
    label: String,
    base: url::Url,
    spec: RequestSpec,
    expires: Option<chrono::DateTime<Utc>>,
    /// Remembered with the row, for a rotation to ask again with the same values.
    form: KeyForm,
}

impl Keymint {
    /// Validates the form completely; nothing is sent.
    fn prepare(&self, input: &CreateInput) -> Result<Prepared> {
        let account = self.account(&input.account)?;
        let provider = providers::get(&account.provider)?;
        let now = Utc::now();
        let label = if input.label.trim().is_empty() {
            format!("{}-{}", account.name, now.format("%Y%m%d-%H%M%S"))
        } else {
            input.label.clone()
        };
        check_name("label", "label", &label, 128)?;
        let expires = match input.expires.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => Some(parse_expiry(e, now)?),
            _ => None,
        };
        let fields = values::validate(provider.descriptor().key_fields, &input.fields)?;
        let account_values = values::text_values(&account.fields);
        let spec = provider.request(&KeyRequest {
            account: &account_values,
            label: &label,
            expires,
            now,
            fields: &fields,
        })?;
        let base = http::check_base_url(&account.base_url)?;
        let form = KeyForm {
            fields: match serde_json::to_value(&input.fields) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            },
            lifetime_secs: expires.map(|e| (e - now).num_seconds()),
        };
        Ok(Prepared {
            account,
            provider,
            label,
            base,
            spec,
            expires,
            form,
        })
    }

    /// Creates a key at the provider and keeps it. Errors before the provider answered mean
    /// nothing was created; after it answered, the secret is always returned.
    ///
    /// A `pending` row is written before the request, so that a crash at any later point
    /// leaves a trace that [`Keymint::reconcile`] resolves on the next start.
    pub async fn create_key(&self, input: CreateInput) -> Result<Created> {
        let p = self.prepare(&input)?;
        let kind = p.provider.descriptor().credential;
        if matches!(kind, CredentialKind::ClientCertificate { .. })
            && p.account.client_cert_pem.is_none()
        {
            return Err(Error::field(
                "client_cert_pem",
                "this account has no client certificate; edit it and add one",
            ));
        }
        // The keychain read (a D-Bus round trip) runs while the pending row is written. If it
        // fails, dropping `pending` removes the row again: nothing was sent.
        // For an account kept in a team store, the token's right to write the new key there
        // is checked first: a refusal sends nothing to the provider.
        let account = p.account.clone();
        let me = self.clone();
        let id = new_id();
        let credential = if account.team_store_id.is_some() {
            let key_id = id.clone();
            tokio::spawn(async move {
                // One connection (one keychain read of the token) for both.
                let store_id = account.team_store_id.as_deref().unwrap_or_default();
                let conn = me.connect_store_id(store_id).await?;
                me.check_store_create(&conn, &account, &key_id).await?;
                me.store_credential_of(&conn, &account).await
            })
        } else {
            tokio::task::spawn_blocking(move || me.credential_of(&account))
        };
        let mut pending = Pending::record(self, &p, id)?;
        let credential = credential
            .await
            .map_err(|e| Error::from_join(&e, "a keychain write"))??;
        // Whatever an error message quotes from the server, the credential is not in it.
        let known = Zeroizing::new(credential.expose_secret().to_owned());
        let redact = |e: Error| e.redact(&[known.as_str()]);
        let auth = match kind {
            CredentialKind::ApiKeyHeader { header, .. } => Auth::Header(header, credential),
            CredentialKind::Bearer { .. } => Auth::Bearer(credential),
            CredentialKind::ClientCertificate { .. } => Auth::ClientCertificate {
                cert_pem: p.account.client_cert_pem.clone().unwrap_or_default(),
                key_pem: credential,
            },
        };
        let trust = Trust {
            extra_ca_pem: p.account.ca_cert_pem.as_deref(),
        };
        // From here a cancel or an error may leave a key at the provider: the row stays, as
        // `interrupted`, unless the request certainly never left or the provider said no.
        let limits = Limits::from_config(self.config());
        pending.sent = true;
        let (status, body) = match http::send(&p.base, &p.spec, &auth, &trust, limits).await {
            Ok(answer) => answer,
            Err(e) if !e.maybe_processed => {
                pending.sent = false;
                return Err(redact(e.error));
            }
            Err(e) => return Err(redact(e.error.with_note(INTERRUPTED_NOTE))),
        };
        let created = match providers::interpret(p.provider, status, &body) {
            Ok(created) => created,
            // A success status without a usable answer: a key may have been made.
            Err(e @ Error::BadResponse { .. }) if (200..300).contains(&status) => {
                return Err(redact(e.with_note(INTERRUPTED_NOTE)))
            }
            Err(e) => {
                // The provider refused: no key was made.
                pending.sent = false;
                return Err(redact(e));
            }
        };
        let id = pending.keep();
        let notes = crate::answer::differences(&crate::answer::Comparison {
            asked_expiry: p.expires,
            answered_expiry: created.expires_at,
            asked_scopes: p.provider.scopes_field().and_then(|f| p.form.fields.get(f)),
            answered_scopes: created.scopes.as_ref(),
            now: Utc::now(),
        });
        // From here on the secret exists only in memory: finish without being cancelled.
        let me = self.clone();
        let in_team_store = p.account.team_store_id.is_some();
        let mut created = tokio::task::spawn_blocking(move || {
            me.persist(&id, &p.account, &p.label, p.expires, created, notes)
        })
        .await
        .map_err(|e| Error::from_join(&e, "a keychain write"))?;
        if in_team_store {
            self.to_team_store(&mut created).await;
        }
        Ok(created)
    }

    /// Puts a key just created for a team store's account in the store (the keychain holds
    /// it until then). Never fails: problems become warnings, and the key waits in the
    /// keychain for the next sync.
    async fn to_team_store(&self, created: &mut Created) {
        let Some(key) = created.key.clone() else {
            // Not recorded: the next start recovers the row, and the sync after it uploads.
            return;
        };
        match self
            .finish_store_create(&key, &created.secret, created.stored)
            .await
        {
            Ok(()) => {
                if !created.stored {
                    // The keychain refused it, the store took it: it is kept after all.
                    created
                        .warnings
                        .retain(|w| !w.starts_with(KEYCHAIN_REFUSED));
                    created.stored = true;
                }
            }
            Err(warning) => created.warnings.push(warning),
        }
        if let Ok(Some(k)) = self.store().key_by_id(&key.id) {
            created.key = Some(k);
        }
    }

    /// Keychain first, then the row and the event. Never fails: problems become warnings.
    fn persist(
        &self,
        id: &str,
        account: &Account,
        label: &str,
        asked_expiry: Option<chrono::DateTime<Utc>>,
        created: CreatedKey,
        answer_notes: Vec<String>,
    ) -> Created {
        let mut warnings = answer_notes.clone();
        let item = Item::key(id, &account.provider, &account.name, label);
        let _ = fault::hit(Point::AfterResponse, || Error::Cancelled);
        let stored = match self.store_new_secret(&item, &created.secret) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(
                    code = e.code().as_str(),
                    "keychain write failed after create"
                );
                warnings.push(format!(
                    "{KEYCHAIN_REFUSED} ({e}); copy it now — Keymint cannot show it again"
                ));
                false
            }
        };
        let _ = fault::hit(Point::AfterVault, || Error::Cancelled);
        let hint = display_hint(&created.secret, created.prefix.as_deref());
        let completion = Completion {
            remote_id: created.remote_id.as_deref(),
            hint: hint.as_deref(),
            scopes: created.scopes.as_ref(),
            extra: &created.extra,
            expires_at: created.expires_at.or(asked_expiry),
            status: if stored {
                KeyStatus::Stored
            } else {
                KeyStatus::NotStored
            },
            answer_notes: &answer_notes,
        };
        let recorded = fault::hit(Point::DbWrite, || {
            Error::Store("attempt to write a readonly database (injected)".to_owned())
        })
        .and_then(|()| {
            let store = self.store();
            store.complete_key_with_event(
                id,
                &completion,
                "created",
                &account.id,
                created.remote_id.as_deref(),
            )?;
            store.key_by_id(id)
        });
        let key = match recorded {
            Ok(k) => k,
            Err(e) => {
                let cause = match read_only_cause(&self.data_dir) {
                    Some(ro) => format!("{e}; {ro}"),
                    None => e.to_string(),
                };
                warnings.push(format!(
                    "the key could not be recorded in the inventory ({cause}){}",
                    if stored {
                        format!("; its secret is in the keychain as \"{}\" and the next start recovers it", item.label)
                    } else {
                        String::new()
                    }
                ));
                None
            }
        };
        let _ = fault::hit(Point::AfterDb, || Error::Cancelled);
        Created {
            key,
            secret: created.secret,
            stored,
            warnings,
        }
    }
}

/// Attempts at the keychain write after a create, and the pause before each retry: a
/// keychain that refused once (a daemon restarting, a collection being unlocked) often
/// takes the write a moment later. A retry is made only while the attempts so far were
/// quick, so a keychain that times out is not waited for three times.
const STORE_RETRY_PAUSES: [std::time::Duration; 2] = [
    std::time::Duration::from_millis(200),
    std::time::Duration::from_millis(800),
];

impl Keymint {
    /// Writes a just-created secret to the keychain, retrying a quick failure twice.
    fn store_new_secret(&self, item: &Item, secret: &SecretString) -> Result<()> {
        let started = std::time::Instant::now();
        let attempt = || {
            fault::hit(Point::VaultWrite, keychain_fault)
                .and_then(|()| self.vault.set(item, secret))
        };
        let mut result = attempt();
        for pause in STORE_RETRY_PAUSES {
            if result.is_ok() || started.elapsed() > std::time::Duration::from_secs(2) {
                break;
            }
            std::thread::sleep(pause);
            result = attempt();
        }
        result
    }

    /// Checks that the keychain takes a write (a write, read and delete of a probe item),
    /// for a face that cannot show a new secret if the keychain refuses it afterwards.
    pub async fn probe_vault(&self) -> Result<()> {
        self.blocking(|k| {
            fault::hit(Point::VaultProbe, keychain_fault)?;
            k.vault.probe()
        })
        .await
    }
}

fn keychain_fault() -> Error {
    Error::KeychainUnavailable {
        reason: "the keychain refused the write (injected fault)".to_owned(),
        hint: "this failure was injected by a test".to_owned(),
    }
}

/// How the warning of a keychain that refused a new secret begins.
const KEYCHAIN_REFUSED: &str = "the secret could not be stored in the keychain";

/// Added to the error of a create cut off after its request left.
const INTERRUPTED_NOTE: &str = "the request was sent, so the key may exist at the provider — check its console (the inventory lists it as interrupted)";

/// The pending row of a create in flight. Dropped without [`Pending::keep`], it removes the
/// row again when the request never left (or the provider refused), and otherwise keeps it
/// as `interrupted`: a timeout or a cancel after sending may have left a key at the provider.
struct Pending {
    core: Keymint,
    id: Option<String>,
    /// The account, for the `interrupted` event.
    account_id: String,
    /// The request may have reached the provider.
    sent: bool,
}

impl Pending {
    fn record(core: &Keymint, p: &Prepared, id: String) -> Result<Self> {
        core.store().insert_key(&NewKey {
            id: &id,
            account_id: &p.account.id,
            label: &p.label,
            remote_id: None,
            hint: None,
            scopes: None,
            extra: &serde_json::Map::new(),
            expires_at: p.expires,
            status: KeyStatus::Pending,
            origin: "created",
        })?;
        let pending = Self {
            core: core.clone(),
            id: Some(id.clone()),
            account_id: p.account.id.clone(),
            sent: false,
        };
        // On failure `pending` is dropped, and the row with it: nothing was sent yet.
        core.store().set_key_form(&id, &p.form)?;
        if p.account.team_store_id.is_some() {
            // Until the store holds it, a team store's key is this keychain's to keep.
            core.store()
                .set_store_state(&id, StoreState::UploadPending)?;
        }
        Ok(pending)
    }

    /// The provider answered: the row stays, whatever happens next.
    fn keep(mut self) -> String {
        self.id.take().unwrap_or_default()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        let store = self.core.store();
        if !self.sent {
            let _ = store.delete_key(&id);
            return;
        }
        let _ = store.set_key_status(&id, KeyStatus::Interrupted);
        let _ = store.add_event(
            "interrupted",
            Some(&id),
            Some(&self.account_id),
            Some("create cut off after the request was sent; the key may exist at the provider — check its console"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let secret = "fw_supersecretvalue0123456789";
        let created = Created {
            key: None,
            secret: SecretString::from(secret),
            stored: false,
            warnings: vec![],
        };
        let key = CreatedKey {
            secret: SecretString::from(secret),
            remote_id: Some("r".into()),
            expires_at: None,
            prefix: None,
            scopes: None,
            extra: serde_json::Map::new(),
        };
        for text in [
            format!("{created:?}"),
            format!("{key:?}"),
            format!("{:#?}", created),
        ] {
            assert!(!text.contains(secret), "{text}");
            assert!(text.contains("REDACTED"), "{text}");
        }
    }
}
