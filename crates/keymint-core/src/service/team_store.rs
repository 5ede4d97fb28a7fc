//! Adding, listing, removing and checking team stores (SPEC §8). The token goes to the
//! keychain once the server has accepted it; the row keeps only where the store is.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_url, Limits};
use crate::model::Account;
use crate::service::accounts::check_ca;
use crate::service::destination::{self, Destination};
use crate::service::{check_name, Keymint};
use crate::store::TeamStoreRow;
use crate::team::client::{Client, TokenInfo};
use crate::team::{check_path, TeamStore, DEFAULT_MOUNT, DEFAULT_PREFIX};
use crate::vault::Item;
use crate::voice::{sentence, span};

/// A team store as entered.
#[derive(Debug, Default)]
pub struct TeamStoreInput {
    /// Unique local name.
    pub name: String,
    /// The server's address: https, or http to loopback only.
    pub address: String,
    /// The KV version 2 mount (default `secret`).
    pub mount: Option<String>,
    /// The path under the mount (default `keymint`).
    pub prefix: Option<String>,
    /// The namespace, if any.
    pub namespace: Option<String>,
    /// Extra CA certificate, PEM.
    pub ca_cert_pem: Option<String>,
    /// This machine's name in the store's entries (default `user@host`).
    pub member: Option<String>,
}

/// Capabilities Keymint needs on `<mount>/data/<prefix>/*`: write new keys (check-and-set),
/// replace an account's credential, read secrets when used.
const DATA_NEEDS: &[&str] = &["create", "read", "update"];
/// Capabilities Keymint needs on `<mount>/metadata/<prefix>/*`: list and read during a sync.
const METADATA_NEEDS: &[&str] = &["list", "read"];

/// A token with less time left than this is renewed when it can be.
const RENEW_BELOW_SECS: i64 = 24 * 3600;

/// What [`Keymint::check_team_store`] found about one store.
#[derive(Debug, Clone)]
pub struct StoreCheck {
    /// The store's name.
    pub store: String,
    /// Whether the store can be used as it is.
    pub ok: bool,
    /// What was found, or what to fix.
    pub detail: String,
    /// For a failed check, the code of what failed.
    pub code: Option<ErrorCode>,
}

/// What is written beside an account's credential in a team store: enough for another
/// member to add the same account. Nothing here is secret.
pub(crate) struct StoreAccount<'a> {
    /// Account name (a path segment).
    pub name: &'a str,
    /// Provider id.
    pub provider: &'a str,
    /// The effective base URL.
    pub base_url: &'a str,
    /// Extra CA, PEM.
    pub ca_cert_pem: Option<&'a str>,
    /// Client certificate, PEM.
    pub client_cert_pem: Option<&'a str>,
    /// Account fields.
    pub fields: &'a BTreeMap<String, String>,
    /// Sandbox / test account.
    pub sandbox: bool,
}

/// An account kept in a team store is named in the store's paths: one segment of letters,
/// digits, `-`, `_` and `.`.
pub(crate) fn check_store_account_name(name: &str) -> Result<()> {
    let fine = !name.contains('/') && check_path("name", "account name", name).is_ok();
    if fine && name.trim() == name {
        return Ok(());
    }
    Err(Error::field(
        "name",
        "an account kept in a team store needs a name of letters, digits, -, _ and . only: it is part of the store's paths",
    ))
}

/// Where an account's credential lives under the store's mount.
pub(crate) fn credential_path(team: &TeamStore, account: &str) -> String {
    format!("{}/accounts/{account}/credential", team.prefix)
}

fn blank_none(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn check_token(token: &SecretString) -> Result<()> {
    super::check_pasted_secret("token", "token", token, "give only the token")
}

impl Keymint {
    /// Adds a team store: checks the form, checks that the server accepts the token
    /// (`auth/token/lookup-self`), then keeps the row and puts the token in the keychain.
    /// Nothing is kept when any step fails.
    pub async fn add_team_store(
        &self,
        input: TeamStoreInput,
        token: SecretString,
    ) -> Result<TeamStore> {
        check_name("name", "store name", &input.name, 64)?;
        let address = check_url(&input.address, "address", "address")?;
        let address = address.as_str().trim_end_matches('/').to_owned();
        let mount = check_path(
            "mount",
            "mount",
            blank_none(input.mount.as_deref()).unwrap_or(DEFAULT_MOUNT),
        )?;
        let prefix = check_path(
            "prefix",
            "prefix",
            blank_none(input.prefix.as_deref()).unwrap_or(DEFAULT_PREFIX),
        )?;
        let namespace = blank_none(input.namespace.as_deref())
            .map(|ns| check_path("namespace", "namespace", ns))
            .transpose()?;
        let ca_cert_pem = blank_none(input.ca_cert_pem.as_deref());
        if let Some(ca) = ca_cert_pem {
            check_ca(ca)?;
        }
        check_token(&token)?;
        if self.store().team_store_by_name(&input.name)?.is_some() {
            return Err(Error::Conflict(sentence(&format!(
                "a team store named `{}` already exists; choose another name or remove it first",
                crate::values::shorten(&input.name)
            ))));
        }
        let client = Client::new(
            &input.name,
            &address,
            namespace.as_deref(),
            ca_cert_pem,
            &token,
            Limits::from_config(self.config()),
        )?;
        client.lookup_self().await?;
        let member = match blank_none(input.member.as_deref()) {
            Some(m) => {
                check_name("member", "member name", m, 64)?;
                m.to_owned()
            }
            None => super::team_keys::default_member(),
        };
        let row = TeamStoreRow {
            member: &member,
            name: &input.name,
            address: &address,
            mount: &mount,
            prefix: &prefix,
            namespace: namespace.as_deref(),
            ca_cert_pem,
        };
        let id = self.store().insert_team_store(&row)?;
        let item = Item::store_token(&id, &input.name);
        if let Err(e) = self.blocking(move |k| k.vault.set(&item, &token)).await {
            let _ = self.store().delete_team_store(&id);
            return Err(e);
        }
        let store = self.store();
        store.add_event("store_added", None, None, Some(&input.name))?;
        drop(store);
        self.team_store(&input.name)
    }

    /// The team store called `name`.
    pub fn team_store(&self, name: &str) -> Result<TeamStore> {
        self.store().team_store_by_name(name)?.ok_or_else(|| {
            Error::NotFound(sentence(&format!(
                "no team store named `{}`; list the team stores to see their names",
                crate::values::shorten(name)
            )))
        })
    }

    /// All team stores, by name.
    pub fn team_stores(&self) -> Result<Vec<TeamStore>> {
        self.store().list_team_stores()
    }

    /// Removes a team store from this inventory and its token from the keychain. Nothing in
    /// the store itself changes. Refused while accounts keep their credential in it.
    pub async fn remove_team_store(&self, name: &str) -> Result<()> {
        let found = self.team_store(name)?;
        let accounts = self.store().team_store_account_count(&found.id)?;
        if accounts > 0 {
            return Err(Error::Conflict(sentence(&format!(
                "team store `{}` holds the credentials of {accounts} account(s) here; remove those accounts first",
                crate::values::shorten(name)
            ))));
        }
        let item = Item::store_token(&found.id, &found.name);
        self.blocking(move |k| k.vault.delete(&item)).await?;
        let store = self.store();
        store.delete_team_store(&found.id)?;
        store.add_event("store_removed", None, None, Some(&found.name))?;
        Ok(())
    }

    /// The token of `team`, from the keychain.
    pub(crate) async fn store_token(&self, team: &TeamStore) -> Result<SecretString> {
        let item = Item::store_token(&team.id, &team.name);
        self.blocking(move |k| k.vault.get(&item))
            .await
            .map_err(|e| match e {
                Error::SecretMissing(_) => Error::SecretMissing(sentence(&format!(
                    "the token of team store `{}` is not in the keychain; remove the store and add it again with its token",
                    crate::values::shorten(&team.name)
                ))),
                other => other,
            })
    }

    /// Writes an account's credential (already bound to its destination) and its public
    /// details to the store, with check-and-set 0: an account another member already put
    /// there is never overwritten.
    pub(crate) async fn put_store_credential(
        &self,
        team: &TeamStore,
        account: &StoreAccount<'_>,
        bound: &SecretString,
    ) -> Result<()> {
        let conn = self.connect_store(team.clone()).await?;
        let client = conn.client()?;
        let data = json!({
            "credential": bound.expose_secret(),
            "provider": account.provider,
            "base_url": account.base_url,
            "ca_cert_pem": account.ca_cert_pem,
            "client_cert_pem": account.client_cert_pem,
            "fields": account.fields,
            "sandbox": account.sandbox,
            "added_at": crate::expiry::rfc3339(chrono::Utc::now()),
        });
        client
            .kv_create(&team.mount, &credential_path(team, account.name), data)
            .await
            .map_err(|e| e.redact(&[bound.expose_secret()]))
    }

    /// The credential of an account kept in a team store, read from the store, if it is
    /// bound to the destination the account's row names now (SPEC §5).
    pub(crate) async fn store_credential_of(
        &self,
        conn: &super::team_keys::Connection,
        account: &Account,
    ) -> Result<SecretString> {
        let team = &conn.team;
        let client = conn.client()?;
        let path = credential_path(team, &account.name);
        let missing = || {
            Error::SecretMissing(sentence(&format!(
                "team store `{}` holds no credential for account `{}` at {}/data/{path}; add the account to the store again",
                team.name,
                crate::values::shorten(&account.name),
                team.mount
            )))
        };
        let data = client
            .kv_read(&team.mount, &path)
            .await?
            .ok_or_else(missing)?;
        let stored = data
            .get("credential")
            .and_then(Value::as_str)
            .map(|s| SecretString::from(s.to_owned()))
            .ok_or_else(missing)?;
        let bound = destination::decode(&stored)?;
        let now = Destination::of(account)?;
        match bound.destination {
            Some(given) if given == now => Ok(bound.secret),
            given => Err(Error::DestinationChanged(format!(
                "account `{}` names another destination than the one its credential in team store `{}` is bound to{}. Nothing was sent",
                crate::values::shorten(&account.name),
                team.name,
                given
                    .map(|g| format!(": {}", g.differences(&now).join("; ")))
                    .unwrap_or_default(),
            ))),
        }
    }

    /// Checks a team store for `keymint doctor`: reachable and unsealed (`sys/health`), the
    /// token's TTL and renewability (`lookup-self`, renewed when renewable with less than a
    /// day left), and its capabilities on the prefix (`sys/capabilities-self`).
    pub async fn check_team_store(&self, team: &TeamStore) -> StoreCheck {
        match self.diagnose_team_store(team).await {
            Ok((missing, detail)) if missing => StoreCheck {
                store: team.name.clone(),
                ok: false,
                detail,
                code: Some(ErrorCode::StoreDenied),
            },
            Ok((_, detail)) => StoreCheck {
                store: team.name.clone(),
                ok: true,
                detail,
                code: None,
            },
            Err(e) => StoreCheck {
                store: team.name.clone(),
                ok: false,
                detail: format!("{}: {e}", team.name),
                code: Some(e.code()),
            },
        }
    }

    /// Whether capabilities are missing, and the line that says what was found.
    async fn diagnose_team_store(&self, team: &TeamStore) -> Result<(bool, String)> {
        let item = Item::store_token(&team.id, &team.name);
        let token = self
            .blocking(move |k| k.vault.get(&item))
            .await
            .map_err(|e| match e {
                Error::SecretMissing(_) => Error::SecretMissing(
                    "its token is not in the keychain; remove the store and add it again with its token".to_owned(),
                ),
                other => other,
            })?;
        let client = Client::new(
            &team.name,
            &team.address,
            team.namespace.as_deref(),
            team.ca_cert_pem.as_deref(),
            &token,
            Limits::from_config(self.config()),
        )?;
        let health = client.health().await?;
        if !health.initialized || health.sealed {
            return Err(Error::Network(format!(
                "the server at {} is {}; ask its operator to {} it",
                team.address,
                if health.initialized {
                    "sealed"
                } else {
                    "not initialized"
                },
                if health.initialized {
                    "unseal"
                } else {
                    "initialize"
                },
            )));
        }
        let token_info = client.lookup_self().await?;
        let ttl = self.renew_if_due(&client, &token_info).await;
        let paths = [team.data_glob(), team.metadata_glob()];
        let caps = client.capabilities(&paths).await?;
        let mut missing = Vec::new();
        for (path, needs) in paths.iter().zip([DATA_NEEDS, METADATA_NEEDS]) {
            let has = caps.get(path).map(Vec::as_slice).unwrap_or_default();
            let lacks: Vec<&str> = if has.iter().any(|c| c == "root") {
                vec![]
            } else {
                needs
                    .iter()
                    .filter(|n| !has.iter().any(|c| c == *n))
                    .copied()
                    .collect()
            };
            if !lacks.is_empty() {
                missing.push(format!("{} on {path}", lacks.join(", ")));
            }
        }
        let version = health
            .version
            .map(|v| format!(", version {v}"))
            .unwrap_or_default();
        let standby = if health.standby { ", standby node" } else { "" };
        let access = if missing.is_empty() {
            format!(
                "the token may read and write under {}/{}",
                team.mount, team.prefix
            )
        } else {
            format!(
                "the token lacks {}; ask for a policy that allows them",
                missing.join(" and ")
            )
        };
        Ok((
            !missing.is_empty(),
            format!(
                "{}: {} reachable, unsealed{version}{standby}; token {ttl}; {access}",
                team.name, team.address
            ),
        ))
    }

    /// The token's TTL in words, renewing it first when it is renewable and has less than a
    /// day left.
    pub(crate) async fn renew_if_due(&self, client: &Client<'_>, info: &TokenInfo) -> String {
        let renewable = if info.renewable {
            "renewable"
        } else {
            "not renewable"
        };
        if info.ttl_secs <= 0 {
            return format!("never expires ({renewable})");
        }
        if info.renewable && info.ttl_secs < RENEW_BELOW_SECS {
            return match client.renew_self().await {
                Ok(ttl) if ttl > 0 => format!(
                    "renewed: expires in {} (renewable; it had {} left)",
                    span(ttl),
                    span(info.ttl_secs)
                ),
                Ok(_) => format!("renewed (expires in {}, renewable)", span(info.ttl_secs)),
                Err(e) => format!(
                    "expires in {} and could not be renewed ({e})",
                    span(info.ttl_secs)
                ),
            };
        }
        let warn = if !info.renewable && info.ttl_secs < RENEW_BELOW_SECS {
            "; ask for a new token before then"
        } else {
            ""
        };
        format!("expires in {} ({renewable}){warn}", span(info.ttl_secs))
    }
}
