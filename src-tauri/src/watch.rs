//! Keeps the window in step with other processes: when the CLI (or anything else) commits
//! to the inventory, the UI gets an `inventory-changed` event and reloads what it shows.

use std::time::Duration;

use keymint_core::store::ChangeWatcher;
use tauri::{AppHandle, Emitter, Runtime};

/// Event name the UI listens to.
pub const CHANGED: &str = "inventory-changed";
const POLL: Duration = Duration::from_millis(750);

/// Starts the watcher thread for the inventory in `dir`.
pub fn start<R: Runtime>(app: AppHandle<R>, dir: std::path::PathBuf) {
    let spawned = std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            let mut watcher = match ChangeWatcher::open(&dir) {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(code = e.code().as_str(), "not watching for outside changes");
                    return;
                }
            };
            loop {
                std::thread::sleep(POLL);
                match watcher.changed() {
                    Ok(true) => {
                        let _ = app.emit(CHANGED, ());
                    }
                    Ok(false) => {}
                    Err(e) => tracing::debug!(code = e.code().as_str(), "watch: poll failed"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "not watching for outside changes");
    }
}
