//! The services both front ends call: accounts, key creation, inventory, secrets.

mod accounts;
mod check;
mod create_key;
pub mod destination;
mod keys;
mod reconcile;
mod rotate;
mod team_keys;
mod team_store;
mod team_sync;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use secrecy::{ExposeSecret, SecretString};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::vault::Vault;

pub use accounts::{AccountInput, Credential};
pub use check::{Problem, ProblemKind};
pub use create_key::{CreateInput, Created};
pub use keys::ImportInput;
pub use reconcile::{stale_after_from_env, Reconciled, DEFAULT_STALE_AFTER};
pub use rotate::{Rotated, REVOKE_REMINDER};
pub use team_keys::default_member;
pub use team_store::{StoreCheck, TeamStoreInput};
pub use team_sync::SyncReport;

/// Keymint's core, shared by the app and the CLI. Cheap to clone.
#[derive(Clone)]
pub struct Keymint {
    store: Arc<Mutex<Store>>,
    vault: Arc<dyn Vault>,
    data_dir: PathBuf,
    config: Arc<Config>,
}

impl Keymint {
    /// Opens the inventory in `data_dir` (see [`crate::paths::data_dir`]) with `vault` and
    /// the process's configuration ([`Config::from_env`]).
    pub fn open(data_dir: PathBuf, vault: Arc<dyn Vault>) -> Result<Self> {
        Self::open_with(data_dir, vault, Config::from_env())
    }

    /// Opens the inventory in `data_dir` with `vault` and `config`.
    pub fn open_with(data_dir: PathBuf, vault: Arc<dyn Vault>, config: Config) -> Result<Self> {
        let store = Store::open(&data_dir)?;
        Ok(Self {
            store: Arc::new(Mutex::new(store)),
            vault,
            data_dir,
            config: Arc::new(config),
        })
    }

    /// Wraps an already open store, with the built-in configuration (unit tests).
    pub fn with_store(store: Store, vault: Arc<dyn Vault>) -> Self {
        Self {
            data_dir: store.path().to_path_buf(),
            store: Arc::new(Mutex::new(store)),
            vault,
            config: Arc::new(Config::default()),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The keychain in use.
    pub fn vault(&self) -> &Arc<dyn Vault> {
        &self.vault
    }

    /// Locks the store for a short, synchronous piece of work.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs blocking keychain work off the async executor.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Keymint) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(me))
            .await
            .map_err(|e| Error::from_join(&e, "a keychain call"))?
    }
}

/// Checks a pasted secret (a credential, a token): not empty, at most 8 KiB, no spaces, line
/// breaks or control characters. `advice` ends the second message.
pub(crate) fn check_pasted_secret(
    field: &str,
    what: &str,
    secret: &SecretString,
    advice: &str,
) -> Result<()> {
    let s = secret.expose_secret();
    if s.trim().is_empty() {
        return Err(Error::field(field, format!("the {what} is empty")));
    }
    if s.len() > 8192 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::field(
            field,
            format!("the {what} contains spaces, line breaks or control characters, or is too long; {advice}"),
        ));
    }
    Ok(())
}

/// Checks a local name or label: 1 to `max` characters, no control characters, no
/// surrounding spaces.
pub(crate) fn check_name(field: &str, what: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::field(field, format!("{what} is required")));
    }
    if value.chars().count() > max {
        return Err(Error::field(
            field,
            format!("{what} is too long (at most {max} characters)"),
        ));
    }
    crate::values::check_text(field, value, max * 4)
}
