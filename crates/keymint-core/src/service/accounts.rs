//! Adding, editing, listing and removing provider accounts. The credential goes to the
//! keychain; the row keeps only what is not secret.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::descriptor::CredentialKind;
use crate::error::{Error, Result};
use crate::http::check_base_url;
use crate::model::{Account, KeyStatus, StoreState};
use crate::providers::{self, Provider};
use crate::service::destination::{self, Destination};
use crate::service::{check_name, Keymint};
use crate::store::AccountRow;
use crate::values;
use crate::vault::Item;
use crate::voice::sentence;

/// An account's credential as entered.
pub enum Credential {
    /// API key or token.
    Secret(SecretString),
    /// Client certificate (public) and private key (secret), both PEM.
    ClientCertificate {
        /// Certificate chain, PEM.
        cert_pem: String,
        /// Private key, PEM.
        key_pem: SecretString,
    },
}

/// A new or edited account.
#[derive(Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct AccountInput {
    /// Provider id.
    pub provider: String,
    /// Unique local name.
    pub name: String,
    /// Base URL override.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Extra CA, PEM.
    #[serde(default)]
    pub ca_cert_pem: Option<String>,
    /// Provider account fields.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Largest PEM accepted (a certificate chain is a few KiB).
const MAX_PEM: usize = 64 * 1024;

fn none_if_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) fn check_ca(pem: &str) -> Result<()> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes()).collect();
    if pem.len() > MAX_PEM || certs.is_empty() || certs.iter().any(|c| c.is_err()) {
        return Err(Error::field(
            "ca_cert_pem",
            "the CA certificate must be PEM (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(())
}

fn check_client_cert(cert_pem: &str, key_pem: &SecretString) -> Result<()> {
    use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    let certs: Vec<_> = CertificateDer::pem_slice_iter(cert_pem.as_bytes()).collect();
    if cert_pem.len() > MAX_PEM || certs.is_empty() || certs.iter().any(|c| c.is_err()) {
        return Err(Error::field(
            "client_cert_pem",
            "the client certificate must be PEM (-----BEGIN CERTIFICATE-----)",
        ));
    }
    let key = key_pem.expose_secret();
    if key.len() > MAX_PEM || PrivateKeyDer::from_pem_slice(key.as_bytes()).is_err() {
        return Err(Error::field(
            "client_key_pem",
            "the client key must be a PEM private key (-----BEGIN PRIVATE KEY-----)",
        ));
    }
    Ok(())
}

fn check_secret(provider: &dyn Provider, secret: &SecretString) -> Result<bool> {
    super::check_pasted_secret("credential", "credential", secret, "paste only the key")?;
    Ok(provider.check_credential(secret)?.sandbox)
}

impl Keymint {
    /// The effective base URL of an account.
    pub fn base_url_of(&self, provider: &dyn Provider, account: &Account) -> Result<String> {
        match &account.base_url_override {
            Some(u) => Ok(u.clone()),
            None => {
                let vals = values::text_values(&account.fields);
                provider.default_base_url(&vals)
            }
        }
    }

    /// Checks an account form; returns the provider, the account fields and the effective
    /// base URL.
    fn validate_account(
        &self,
        input: &AccountInput,
    ) -> Result<(&'static dyn Provider, BTreeMap<String, String>, String)> {
        let provider = providers::get(&input.provider)?;
        check_name("name", "account name", &input.name, 64)?;
        let raw = values::text_values(&input.fields);
        let vals = values::validate(provider.descriptor().account_fields, &raw)?;
        // The default URL is derived even when overridden: that validates cluster ids etc.
        let default_url = provider.default_base_url(&vals)?;
        let effective = match none_if_blank(input.base_url.as_deref()) {
            Some(u) => u.to_owned(),
            None => default_url,
        };
        check_base_url(&effective)?;
        if let Some(ca) = none_if_blank(input.ca_cert_pem.as_deref()) {
            check_ca(ca)?;
        }
        let fields = vals
            .into_iter()
            .filter_map(|(k, v)| v.as_text().map(|t| (k, t.to_owned())))
            .collect();
        Ok((provider, fields, effective))
    }

    /// Adds an account and stores its credential in the keychain. Nothing is kept if the
    /// keychain write fails.
    pub async fn add_account(
        &self,
        input: AccountInput,
        credential: Credential,
    ) -> Result<Account> {
        self.add_account_to(input, credential, None).await
    }

    /// Adds an account whose credential goes to the team store `store` (at
    /// `PREFIX/accounts/ACCOUNT/credential`, never overwriting one already there) instead of
    /// the keychain. Nothing is kept locally if the store refuses the write.
    pub async fn add_account_in_store(
        &self,
        input: AccountInput,
        credential: Credential,
        store: &str,
    ) -> Result<Account> {
        self.add_account_to(input, credential, Some(store)).await
    }

    async fn add_account_to(
        &self,
        input: AccountInput,
        credential: Credential,
        store: Option<&str>,
    ) -> Result<Account> {
        let (provider, fields, base_url) = self.validate_account(&input)?;
        let team = store.map(|s| self.team_store(s)).transpose()?;
        if team.is_some() {
            super::team_store::check_store_account_name(&input.name)?;
        }
        let (sandbox, client_cert, secret) = match (provider.descriptor().credential, credential) {
            (CredentialKind::ClientCertificate { .. }, Credential::ClientCertificate { cert_pem, key_pem }) => {
                check_client_cert(&cert_pem, &key_pem)?;
                (false, Some(cert_pem), key_pem)
            }
            (CredentialKind::ClientCertificate { .. }, Credential::Secret(_)) => {
                return Err(Error::field(
                    "credential",
                    format!("{} authenticates with a client certificate and key (PEM files), not an API key", provider.descriptor().name),
                ))
            }
            (_, Credential::Secret(s)) => (check_secret(provider, &s)?, None, s),
            (_, Credential::ClientCertificate { .. }) => {
                return Err(Error::field(
                    "credential",
                    format!("{} authenticates with an API key, not a client certificate", provider.descriptor().name),
                ))
            }
        };
        let row = AccountRow {
            name: &input.name,
            provider: provider.descriptor().id,
            base_url: none_if_blank(input.base_url.as_deref()),
            ca_cert_pem: none_if_blank(input.ca_cert_pem.as_deref()),
            client_cert_pem: client_cert.as_deref(),
            fields: &fields,
            sandbox,
        };
        let dest = Destination::new(
            provider.descriptor().id,
            &base_url,
            row.ca_cert_pem,
            row.client_cert_pem,
        )?;
        let id = self.store().insert_account(&row)?;
        let item = Item::credential(&id, provider.descriptor().id, &input.name);
        let bound = destination::encode(&dest, &secret);
        let stored = match &team {
            None => self.blocking(move |k| k.vault.set(&item, &bound)).await,
            Some(team) => {
                let put = super::team_store::StoreAccount {
                    name: &input.name,
                    provider: provider.descriptor().id,
                    base_url: &base_url,
                    ca_cert_pem: row.ca_cert_pem,
                    client_cert_pem: row.client_cert_pem,
                    fields: &fields,
                    sandbox: row.sandbox,
                };
                let marked = self.store().set_account_team_store(&id, &team.id);
                match marked {
                    Ok(()) => self.put_store_credential(team, &put, &bound).await,
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(e) = stored {
            let _ = self.store().delete_account(&id);
            return Err(e);
        }
        let detail = match &team {
            Some(team) => format!("{} (team store {})", input.name, team.name),
            None => input.name.clone(),
        };
        let store = self.store();
        store.add_event("account_added", None, Some(&id), Some(&detail))?;
        drop(store);
        self.account(&input.name)
    }

    /// Edits an account's name, base URL, CA and fields; replaces the credential when given.
    /// A change of destination (the base URL's origin, the extra CA, the client certificate)
    /// needs the credential again: it is what binds the credential to the new destination.
    pub async fn update_account(
        &self,
        name: &str,
        input: AccountInput,
        credential: Option<Credential>,
    ) -> Result<Account> {
        let current = self.account(name)?;
        if current.provider != input.provider {
            return Err(Error::field(
                "provider",
                "an account's provider cannot change; add a new account instead",
            ));
        }
        let (provider, fields, base_url) = self.validate_account(&input)?;
        let mut client_cert = current.client_cert_pem.clone();
        let mut sandbox = current.sandbox;
        let mut new_secret = None;
        match credential {
            Some(Credential::Secret(s)) => {
                sandbox = check_secret(provider, &s)?;
                new_secret = Some(s);
            }
            Some(Credential::ClientCertificate { cert_pem, key_pem }) => {
                check_client_cert(&cert_pem, &key_pem)?;
                client_cert = Some(cert_pem);
                new_secret = Some(key_pem);
            }
            None => {}
        }
        let before = Destination::of(&current)?;
        let after = Destination::new(
            &current.provider,
            &base_url,
            none_if_blank(input.ca_cert_pem.as_deref()),
            client_cert.as_deref(),
        )?;
        if let Some(team) = &current.team_store {
            // Its credential, bound to the destination, is at a path named after the account
            // in a store other members share: neither changes from one machine.
            if new_secret.is_some() || before != after || input.name != current.name {
                return Err(Error::invalid(format!(
                    "account `{}` keeps its credential in team store `{team}`: its name, destination and credential cannot be changed here; add a new account in the store instead",
                    values::shorten(&current.name)
                )));
            }
        }
        match new_secret {
            Some(secret) => {
                let item = Item::credential(&current.id, &current.provider, &input.name);
                let bound = destination::encode(&after, &secret);
                self.blocking(move |k| k.vault.set(&item, &bound)).await?;
            }
            None if before != after => {
                return Err(Error::field(
                    "credential",
                    format!(
                        "enter the account's credential again: {}, and Keymint sends a credential only where it was entered for",
                        before.differences(&after).join("; ")
                    ),
                ));
            }
            None => {}
        }
        let row = AccountRow {
            name: &input.name,
            provider: &current.provider,
            base_url: none_if_blank(input.base_url.as_deref()),
            ca_cert_pem: none_if_blank(input.ca_cert_pem.as_deref()),
            client_cert_pem: client_cert.as_deref(),
            fields: &fields,
            sandbox,
        };
        self.store().update_account(&current.id, &row)?;
        self.account(&input.name)
    }

    /// The account called `name`, with its effective base URL.
    pub fn account(&self, name: &str) -> Result<Account> {
        let found = self.store().account_by_name(name)?;
        let mut account = found.ok_or_else(|| Error::AccountNotFound {
            name: name.to_owned(),
        })?;
        let provider = providers::get(&account.provider)?;
        account.base_url = self.base_url_of(provider, &account).unwrap_or_default();
        Ok(account)
    }

    /// All accounts.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut list = self.store().list_accounts()?;
        for a in &mut list {
            if let Ok(p) = providers::get(&a.provider) {
                a.base_url = self.base_url_of(p, a).unwrap_or_default();
            }
        }
        Ok(list)
    }

    /// Removes an account, its credential and — only with `forget_keys` — its keys.
    pub async fn remove_account(&self, name: &str, forget_keys: bool) -> Result<()> {
        let account = self.account(name)?;
        let (_, keys) = self.store().list_keys(&crate::store::KeyQuery {
            account: Some(account.name.clone()),
            ..Default::default()
        })?;
        if !keys.is_empty() && !forget_keys {
            return Err(Error::AccountHasKeys {
                account: account.name.clone(),
                keys: keys.len(),
            });
        }
        let waiting = keys
            .iter()
            .filter(|k| k.store_state == StoreState::UploadPending && k.status == KeyStatus::Stored)
            .count();
        if waiting > 0 {
            // Their only copy is in this keychain: removing the account would lose them.
            return Err(Error::Conflict(sentence(&format!(
                "{waiting} key(s) of account `{}` wait in this keychain for upload to team store `{}`; sync the store first",
                values::shorten(&account.name),
                account.team_store.as_deref().unwrap_or_default()
            ))));
        }
        // Keys kept in a team store stay there; only this inventory's rows go.
        let mut items: Vec<Item> = keys
            .iter()
            .filter(|k| k.store_state != StoreState::Uploaded)
            .map(super::keys::item_of)
            .collect();
        items.push(Item::credential(
            &account.id,
            &account.provider,
            &account.name,
        ));
        self.blocking(move |k| items.iter().try_for_each(|i| k.vault.delete(i)))
            .await?;
        let store = self.store();
        for key in &keys {
            store.add_event(
                "forgotten",
                Some(&key.id),
                Some(&account.id),
                Some("account removed"),
            )?;
        }
        store.delete_account(&account.id)?;
        store.add_event("account_removed", None, Some(&account.id), Some(name))?;
        Ok(())
    }

    /// The credential of an account, from the keychain, if it is bound to the destination
    /// the account's row names now (SPEC §5). A credential stored before binding existed is
    /// bound to the row's destination now, and an event records it.
    pub(crate) fn credential_of(&self, account: &Account) -> Result<SecretString> {
        let item = Item::credential(&account.id, &account.provider, &account.name);
        let stored = self.vault.get(&item).map_err(|e| match e {
            Error::SecretMissing(_) => Error::SecretMissing(format!(
                "the credential of account `{}` is not in the keychain; remove the account and add it again with its credential",
                account.name
            )),
            other => other,
        })?;
        let bound = destination::decode(&stored)?;
        let now = Destination::of(account)?;
        match bound.destination {
            Some(given) if given == now => Ok(bound.secret),
            Some(given) => Err(Error::DestinationChanged(format!(
                "account `{}` was changed outside Keymint's account editor: {}. Nothing was sent. If you made this change, edit the account and enter the credential again",
                values::shorten(&account.name),
                given.differences(&now).join("; "),
            ))),
            None => {
                self.vault
                    .set(&item, &destination::encode(&now, &bound.secret))?;
                self.store().add_event(
                    "credential_bound",
                    None,
                    Some(&account.id),
                    Some(&format!("bound to {}", now.origin)),
                )?;
                Ok(bound.secret)
            }
        }
    }
}
