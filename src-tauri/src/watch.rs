//! Keeps the window in step with other processes: when the CLI (or anything else) commits
//! to the inventory, the UI gets an `inventory-changed` event and reloads what it shows. The
//! app's own writes do not count (the UI refreshes after its own actions already).

use std::time::Duration;

use keymint_core::Keymint;
use tauri::{AppHandle, Emitter, Runtime};

/// Event name the UI listens to.
pub const CHANGED: &str = "inventory-changed";
const POLL: Duration = Duration::from_millis(750);

/// Starts the watcher thread.
pub fn start<R: Runtime>(app: AppHandle<R>, core: Keymint) {
    let spawned = std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            let mut last = core.store().data_version().ok();
            loop {
                std::thread::sleep(POLL);
                // Its own statement: the store's lock is released before the arms run
                // (`refresh` reads the settings through the same lock).
                let version = core.store().data_version();
                match version {
                    Ok(now) if Some(now) != last => {
                        if last.is_some() {
                            let _ = app.emit(CHANGED, ());
                            // `keymint settings set` may have changed the shortcut or the tray.
                            crate::quick_access::refresh(&app);
                        }
                        last = Some(now);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(code = e.code().as_str(), "watch: poll failed"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "not watching for outside changes");
    }
}
