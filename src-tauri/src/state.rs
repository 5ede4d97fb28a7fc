//! What the app keeps between commands: the core (or why it could not open), the running
//! create-key request (so it can be cancelled) and the clipboard settings.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keymint_core::vault::KeyringVault;
use keymint_core::{Error, Keymint};
use tokio::task::AbortHandle;

/// Tauri state.
pub struct AppState {
    core: Result<Keymint, String>,
    /// The create-key request in flight.
    pub pending: Mutex<Option<AbortHandle>>,
    /// How long a copied secret stays on the clipboard.
    pub clear_after: Duration,
}

impl AppState {
    /// Opens the inventory in the configured data directory with the OS keychain.
    pub fn open() -> Self {
        let core = keymint_core::paths::data_dir(None)
            .and_then(|dir| Keymint::open(dir, Arc::new(KeyringVault::from_env())))
            .map_err(|e| e.to_string());
        let clear_after = std::env::var("KEYMINT_CLIPBOARD_CLEAR_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| (1..=3600).contains(s))
            .map_or(
                keymint_core::clipboard::DEFAULT_CLEAR_AFTER,
                Duration::from_secs,
            );
        if let Ok(core) = &core {
            // Off the UI thread: the keychain may be slow or locked at start.
            let core = core.clone();
            std::thread::spawn(move || {
                let stale = keymint_core::service::stale_after_from_env();
                if let Err(e) = core.reconcile(stale, true) {
                    tracing::warn!(code = e.code().as_str(), "reconcile at start failed");
                }
            });
        }
        Self {
            core,
            pending: Mutex::new(None),
            clear_after,
        }
    }

    /// The core, or the error that kept it from opening.
    pub fn core(&self) -> Result<Keymint, Error> {
        self.core.clone().map_err(Error::Store)
    }
}
