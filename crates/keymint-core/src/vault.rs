//! The keychain behind one trait: [`KeyringVault`] on the OS keychain for the product and
//! integration tests, [`MemoryVault`] for unit tests.

#[cfg(secret_service)]
mod batch;
mod keyring_vault;
mod memory;

use secrecy::SecretString;

use crate::error::Result;

pub use keyring_vault::KeyringVault;
pub use memory::MemoryVault;

/// Default keychain service name (SPEC §2).
pub const DEFAULT_SERVICE: &str = "keymint";

/// Where one secret lives: the item's user (stable, from local ids) and its readable label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Keychain user attribute, e.g. `key:<id>` or `account:<id>`.
    pub user: String,
    /// Readable label: `Keymint: <provider> / <account> / <label>`.
    pub label: String,
}

impl Item {
    /// The item holding a created or imported key.
    pub fn key(key_id: &str, provider: &str, account: &str, label: &str) -> Self {
        Self {
            user: format!("key:{key_id}"),
            label: format!("Keymint: {provider} / {account} / {label}"),
        }
    }

    /// The item holding a team store's token.
    pub fn store_token(store_id: &str, store: &str) -> Self {
        Self {
            user: format!("store:{store_id}"),
            label: format!("Keymint: team store / {store} / token"),
        }
    }

    /// The item holding an account's credential (API key, token or client private key).
    pub fn credential(account_id: &str, provider: &str, account: &str) -> Self {
        Self {
            user: format!("account:{account_id}"),
            label: format!("Keymint: {provider} / {account} / credential"),
        }
    }
}

/// A keychain. Implementations must be safe to call from any thread and must not hang:
/// every call returns within a bounded time.
pub trait Vault: Send + Sync {
    /// Stores (or replaces) the secret of `item`.
    fn set(&self, item: &Item, secret: &SecretString) -> Result<()>;
    /// Reads the secret of `item`; [`crate::Error::SecretMissing`] when there is none.
    fn get(&self, item: &Item) -> Result<SecretString>;
    /// Deletes `item`; deleting a missing item is not an error.
    fn delete(&self, item: &Item) -> Result<()>;
    /// Reads several secrets in one go (one connection, one unlock).
    fn get_many(&self, items: &[Item]) -> Vec<Result<SecretString>> {
        items.iter().map(|i| self.get(i)).collect()
    }
    /// Users of every item under this vault's service (for reconciliation).
    fn list_users(&self) -> Result<Vec<String>>;
    /// Checks that the keychain can be reached and written (a write/read/delete round trip).
    fn probe(&self) -> Result<()> {
        let item = Item {
            user: "probe:keymint".to_owned(),
            label: "Keymint: probe".to_owned(),
        };
        self.set(&item, &SecretString::from("probe"))?;
        self.get(&item)?;
        self.delete(&item)
    }
}
