//! An in-memory vault for unit tests, with switches to make writes or reads fail.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::vault::{Item, Vault};

/// Secrets in a map; `fail_writes` and `fail_reads` simulate an unavailable keychain.
#[derive(Default)]
pub struct MemoryVault {
    items: Mutex<HashMap<String, (String, SecretString)>>,
    /// When set, `set` fails as an unavailable keychain would.
    pub fail_writes: AtomicBool,
    /// When set, `get` and `list_users` fail as a locked or unreachable keychain would
    /// (rather than answering "no such item").
    pub fail_reads: AtomicBool,
}

impl MemoryVault {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, SecretString)>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The label stored for `user`, if any.
    pub fn label_of(&self, user: &str) -> Option<String> {
        self.lock().get(user).map(|(l, _)| l.clone())
    }
}

fn unavailable(what: &str) -> Error {
    Error::KeychainUnavailable {
        reason: format!("the test vault refuses {what}"),
        hint: "this is a simulated failure".to_owned(),
    }
}

impl Vault for MemoryVault {
    fn set(&self, item: &Item, secret: &SecretString) -> Result<()> {
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(unavailable("writes"));
        }
        let copy = SecretString::from(secret.expose_secret().to_owned());
        self.lock()
            .insert(item.user.clone(), (item.label.clone(), copy));
        Ok(())
    }

    fn get(&self, item: &Item) -> Result<SecretString> {
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(unavailable("reads"));
        }
        self.lock()
            .get(&item.user)
            .map(|(_, s)| SecretString::from(s.expose_secret().to_owned()))
            .ok_or_else(|| Error::SecretMissing(format!("no keychain item for {}", item.label)))
    }

    fn delete(&self, item: &Item) -> Result<()> {
        self.lock().remove(&item.user);
        Ok(())
    }

    fn list_users(&self) -> Result<Vec<String>> {
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(unavailable("reads"));
        }
        Ok(self.lock().keys().cloned().collect())
    }
}
