//! What the app keeps between commands: the core (or why it could not open), the running
//! create-key request (so it can be cancelled), the count of recent reveals and the team
//! store sync.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use keymint_core::rate_limit::RateLimiter;
use keymint_core::vault::KeyringVault;
use keymint_core::{Error, Keymint};
use tokio::task::AbortHandle;

/// How long after start the inventory is compared with the keychain.
const FULL_RECONCILE_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// Reveals allowed per [`REVEAL_WINDOW`]: enough for a person reading a few secrets, too few
/// for a page script to read the inventory (docs/security.md, "The web view").
pub const REVEALS_PER_WINDOW: usize = 5;
/// The sliding window of [`REVEALS_PER_WINDOW`].
pub const REVEAL_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Tauri state.
pub struct AppState {
    core: Result<Keymint, Error>,
    /// The create-key request in flight.
    pub pending: Mutex<Option<AbortHandle>>,
    /// Secrets handed to the web view recently (`reveal_key`).
    pub reveals: RateLimiter,
    /// The last reference copied, served to other programs while nothing else is copied.
    pub reference_clipboard: Mutex<Option<keymint_core::clipboard::TextClipboard>>,
    /// Team store syncs, one at a time.
    pub team_sync: crate::team_sync::TeamSync,
}

impl AppState {
    /// Opens the inventory in the configured data directory with the OS keychain.
    pub fn open() -> Self {
        let core = keymint_core::paths::data_dir(None)
            .and_then(|dir| Keymint::open(dir, Arc::new(KeyringVault::from_env())));
        if let Ok(core) = &core {
            // Off the UI thread: the keychain may be slow or locked at start.
            let core = core.clone();
            std::thread::spawn(move || {
                let stale = keymint_core::service::stale_after_from_env();
                // First the cheap part (creates that died half-way), then, once the window
                // has drawn its first rows, the comparison with the keychain: it lists every
                // item (one D-Bus call each) on the keychain's one worker thread, and the
                // window's first keychain call must not queue behind it.
                if let Err(e) = core.reconcile(stale, false) {
                    tracing::warn!(code = e.code().as_str(), "reconcile at start failed");
                }
                std::thread::sleep(FULL_RECONCILE_DELAY);
                if let Err(e) = core.reconcile(stale, true) {
                    tracing::warn!(
                        code = e.code().as_str(),
                        "reconcile with the keychain failed"
                    );
                }
            });
        }
        Self {
            core,
            pending: Mutex::new(None),
            reveals: RateLimiter::new("reveals", REVEALS_PER_WINDOW, REVEAL_WINDOW),
            reference_clipboard: Mutex::new(None),
            team_sync: crate::team_sync::TeamSync::default(),
        }
    }

    /// The data directory, when the core opened.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.core.as_ref().ok().map(|c| c.data_dir().to_path_buf())
    }

    /// The core, or the error that kept it from opening (with its own code: an unsafe data
    /// directory stays `unsafe_data_dir`, a locked keychain `keychain_unavailable`).
    pub fn core(&self) -> Result<Keymint, Error> {
        self.core.clone()
    }
}

/// The single-instance name: one running window per inventory. The default data directory
/// gets the app identifier's name; another directory (`KEYMINT_DATA_DIR`) gets its own, so a
/// second inventory opens its own window.
pub fn instance_id(data_dir: Option<&Path>) -> String {
    const BASE: &str = "dev.keymint.app";
    let default = keymint_core::paths::default_data_dir();
    match data_dir {
        Some(dir) if default.as_deref() != Some(dir) => {
            // FNV-1a of the path: stable across runs, valid in a D-Bus name.
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for b in dir.as_os_str().as_encoded_bytes() {
                hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            format!("{BASE}.d{hash:016x}")
        }
        _ => BASE.to_owned(),
    }
}
