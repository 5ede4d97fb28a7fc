//! The services against [`MemoryVault`], an in-memory inventory and a fake provider on
//! 127.0.0.1: creating keys, reconciling, binding credentials and settings, checked in
//! milliseconds without a keychain, a display or a real provider.

mod create_key;
mod destination;
mod fake_provider;
mod keys;
mod reconcile;
mod settings;
mod team_store;

use std::collections::BTreeMap;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::model::{Account, KeyRecord};
use crate::service::{AccountInput, CreateInput, Credential, Keymint};
use crate::store::{AccountRow, KeyQuery, Store};
use crate::vault::{Item, MemoryVault, Vault};

/// The account credential every test account is added with.
const CREDENTIAL: &str = "fw_accountcredential0123456789";

/// A core on an in-memory inventory and a vault the test can look into.
fn core() -> (Keymint, Arc<MemoryVault>) {
    let vault = Arc::new(MemoryVault::default());
    let store = Store::open_in_memory().expect("in-memory store");
    (Keymint::with_store(store, vault.clone()), vault)
}

fn fireworks_fields() -> BTreeMap<String, String> {
    [("account_id", "acc"), ("user_id", "usr")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The account form of a Fireworks account sending to `base_url`.
fn fireworks_input(name: &str, base_url: &str) -> AccountInput {
    AccountInput {
        provider: "fireworks".to_owned(),
        name: name.to_owned(),
        base_url: Some(base_url.to_owned()),
        ca_cert_pem: None,
        fields: fireworks_fields(),
    }
}

/// Adds a Fireworks account sending to `base_url`, with [`CREDENTIAL`].
async fn add_fireworks(core: &Keymint, name: &str, base_url: &str) -> Account {
    core.add_account(
        fireworks_input(name, base_url),
        Credential::Secret(SecretString::from(CREDENTIAL)),
    )
    .await
    .expect("add account")
}

/// A create form for `account` with `label` and nothing else.
fn create(account: &str, label: &str) -> CreateInput {
    CreateInput {
        account: account.to_owned(),
        label: label.to_owned(),
        expires: None,
        fields: BTreeMap::new(),
    }
}

/// Every key row.
fn keys(core: &Keymint) -> Vec<KeyRecord> {
    core.list_keys(&KeyQuery::default()).expect("list").1
}

/// The secret the vault holds for `user` (`key:<id>` or `account:<id>`), if any.
fn vault_text(vault: &MemoryVault, user: &str) -> Option<String> {
    let item = Item {
        user: user.to_owned(),
        label: String::new(),
    };
    vault.get(&item).ok().map(|s| s.expose_secret().to_owned())
}

/// Rewrites an account's row the way something outside Keymint's editor could (a restored
/// backup, a synced folder): new base URL and extra CA, same credential item.
fn edit_row_outside(core: &Keymint, account: &Account, base_url: &str, ca_pem: Option<&str>) {
    core.store()
        .update_account(
            &account.id,
            &AccountRow {
                name: &account.name,
                provider: &account.provider,
                base_url: Some(base_url),
                ca_cert_pem: ca_pem,
                client_cert_pem: account.client_cert_pem.as_deref(),
                fields: &account.fields,
                sandbox: account.sandbox,
            },
        )
        .expect("edit row");
}
