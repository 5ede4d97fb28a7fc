//! The OS keychain through `keyring-core` and the platform's store (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows).
//!
//! Every call runs on one worker thread that owns the store (one D-Bus connection, reused)
//! and is awaited with a timeout: a keychain waiting on an unlock prompt that nobody answers
//! becomes a clear "keychain unavailable" error instead of a hang.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::vault::{Item, Vault};

type Job = Box<dyn FnOnce(&mut Backend) + Send>;

/// The real keychain.
pub struct KeyringVault {
    service: String,
    jobs: Mutex<mpsc::Sender<Job>>,
    timeout: Duration,
}

struct Backend {
    store: Option<Arc<CredentialStore>>,
    /// A session-bus connection of its own for batched reads ([`super::batch`]).
    #[cfg(secret_service)]
    bus: Option<zbus::Connection>,
}

impl KeyringVault {
    /// The vault the process's configuration names ([`Config::from_env`]).
    pub fn from_env() -> Self {
        Self::from_config(&Config::from_env())
    }

    /// A vault for `config`'s keychain service (`keymint` unless `KEYMINT_KEYCHAIN_SERVICE`
    /// says otherwise) and keychain timeout.
    pub fn from_config(config: &Config) -> Self {
        Self::new(config.keychain_service.clone(), config.keychain_timeout)
    }

    /// A vault for `service` whose calls give up after `timeout`.
    pub fn new(service: String, timeout: Duration) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        // If the thread cannot start, sends fail and every call reports the keychain unavailable.
        let _worker = std::thread::Builder::new()
            .name("keymint-keychain".to_owned())
            .spawn(move || {
                let mut backend = Backend {
                    store: None,
                    #[cfg(secret_service)]
                    bus: None,
                };
                while let Ok(job) = rx.recv() {
                    job(&mut backend);
                }
            });
        Self {
            service,
            jobs: Mutex::new(tx),
            timeout,
        }
    }

    /// The service name items are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Arc<CredentialStore>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.run_backend(move |backend| backend.store().and_then(|s| f(&s)))
    }

    fn run_backend<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Backend) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |backend| {
            let _ = tx.send(f(backend));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        if sent.is_err() {
            return Err(unavailable("the keychain worker stopped".to_owned()));
        }
        match rx.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::KeychainUnavailable {
                reason: format!(
                    "the keychain did not answer within {} s",
                    self.timeout.as_secs()
                ),
                hint: "It may be locked and waiting for an unlock prompt: unlock your login keyring (e.g. open Passwords and Keys, or log in to a desktop session) and try again".to_owned(),
            }),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(unavailable("the keychain worker stopped".to_owned()))
            }
        }
    }

    fn entry(store: &Arc<CredentialStore>, service: &str, item: &Item) -> Result<Entry> {
        let mods = HashMap::from([("label", item.label.as_str())]);
        Entry::new_in_store_with_modifiers(store, service, &item.user, &mods).map_err(map_err)
    }
}

impl Backend {
    fn store(&mut self) -> Result<Arc<CredentialStore>> {
        if let Some(s) = &self.store {
            return Ok(s.clone());
        }
        let store = platform_store()?;
        self.store = Some(store.clone());
        Ok(store)
    }

    /// Reads `items` in a few round trips where the platform allows it; `None` for each item
    /// the batch did not decide (the caller reads those one by one).
    #[cfg(secret_service)]
    fn batch(&mut self, service: &str, items: &[Item]) -> Option<super::batch::Found> {
        if self.bus.is_none() {
            self.bus = futures_lite::future::block_on(zbus::Connection::session()).ok();
        }
        let found = super::batch::get_many(self.bus.as_ref()?, service, items);
        if let Err(e) = &found {
            tracing::debug!(error = %e, "batched keychain read failed; reading one by one");
            // A broken connection is not reused.
            self.bus = None;
        }
        found.ok()
    }

    #[cfg(not(secret_service))]
    fn batch(
        &mut self,
        _service: &str,
        _items: &[Item],
    ) -> Option<Vec<Option<Option<SecretString>>>> {
        None
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> Result<Arc<CredentialStore>> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && std::env::var_os("XDG_RUNTIME_DIR").is_none()
    {
        return Err(Error::KeychainUnavailable {
            reason: "there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned(),
            hint: "Run Keymint inside a desktop session, or start one with `dbus-run-session -- $SHELL` and unlock gnome-keyring (`gnome-keyring-daemon --unlock --components=secrets`)".to_owned(),
        });
    }
    let store = zbus_secret_service_keyring_store::Store::new().map_err(map_err)?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(map_err)?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>> {
    let store = windows_native_keyring_store::Store::new().map_err(map_err)?;
    Ok(store)
}

fn unavailable(reason: String) -> Error {
    Error::KeychainUnavailable {
        reason,
        hint: if cfg!(target_os = "linux") {
            "Keymint needs a Secret Service (GNOME Keyring or KWallet) in your D-Bus session with the login collection unlocked".to_owned()
        } else {
            "Check that your system keychain is unlocked".to_owned()
        },
    }
}

fn map_err(e: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    match e {
        K::NoEntry => Error::SecretMissing("no keychain item".to_owned()),
        K::NoStorageAccess(inner) => {
            let text = inner.to_string();
            unavailable(if text.to_lowercase().contains("lock") {
                format!("the keychain collection is locked ({text})")
            } else {
                format!("no access to the keychain ({text})")
            })
        }
        K::PlatformFailure(inner) => unavailable(format!("the keychain failed ({inner})")),
        K::NoDefaultStore => unavailable("no keychain store is available".to_owned()),
        other => Error::Keychain(other.to_string()),
    }
}

impl Vault for KeyringVault {
    fn set(&self, item: &Item, secret: &SecretString) -> Result<()> {
        let service = self.service.clone();
        let item = item.clone();
        let secret = SecretString::from(secret.expose_secret().to_owned());
        self.run(move |store| {
            let entry = Self::entry(store, &service, &item)?;
            entry.set_password(secret.expose_secret()).map_err(map_err)
        })
    }

    fn get(&self, item: &Item) -> Result<SecretString> {
        let service = self.service.clone();
        let item = item.clone();
        self.run(move |store| get_one(store, &service, &item))
    }

    fn delete(&self, item: &Item) -> Result<()> {
        let service = self.service.clone();
        let item = item.clone();
        self.run(move |store| {
            let entry = Self::entry(store, &service, &item)?;
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(map_err(e)),
            }
        })
    }

    fn get_many(&self, items: &[Item]) -> Vec<Result<SecretString>> {
        let service = self.service.clone();
        let owned = items.to_vec();
        let count = items.len();
        match self.run_backend(move |backend| {
            let found = backend
                .batch(&service, &owned)
                .unwrap_or_else(|| vec![None; owned.len()]);
            let mut out = Vec::with_capacity(owned.len());
            for (item, found) in owned.iter().zip(found) {
                out.push(match found {
                    Some(Some(secret)) => Ok(secret),
                    Some(None) => Err(missing(item)),
                    None => backend.store().and_then(|s| get_one(&s, &service, item)),
                });
            }
            Ok(out)
        }) {
            Ok(all) => all,
            // Every item fails the way the whole call did, with the same code.
            Err(e) => (0..count).map(|_| Err(e.clone())).collect(),
        }
    }

    fn list_users(&self) -> Result<Vec<String>> {
        let service = self.service.clone();
        self.run(move |store| {
            let spec = HashMap::from([("service", service.as_str())]);
            let entries = store.search(&spec).map_err(map_err)?;
            Ok(entries
                .iter()
                .filter_map(|e| e.get_specifiers().map(|(_, user)| user))
                .collect())
        })
    }
}

fn get_one(store: &Arc<CredentialStore>, service: &str, item: &Item) -> Result<SecretString> {
    let entry = KeyringVault::entry(store, service, item)?;
    match entry.get_password() {
        Ok(mut p) => {
            let s = SecretString::from(p.clone());
            p.zeroize();
            Ok(s)
        }
        Err(keyring_core::Error::NoEntry) => Err(missing(item)),
        Err(e) => Err(map_err(e)),
    }
}

fn missing(item: &Item) -> Error {
    Error::SecretMissing(format!("the keychain has no item \"{}\"", item.label))
}
