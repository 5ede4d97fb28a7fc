//! Team store sync in the window (SPEC §8): a sync of every store a moment after start and
//! then every few minutes, and the "Sync now" of the sidebar, one at a time. Each store's
//! start and end goes to the UI as a `team-sync` event (its "syncing…" line); a sync that
//! brought anything in or took anything out also sends `inventory-changed`, because the sync
//! writes through this process's own connection, which the watcher (`watch.rs`) does not see.
//!
//! The syncs run on the async runtime, never on the main thread. The first waits
//! [`START_DELAY`] so the window's first rows and keychain check go first, as the start-up
//! reconcile does (`state.rs`); it reads one store token from the keychain per store.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use keymint_core::error::ErrorBody;
use keymint_core::service::SyncReport;
use keymint_core::{Error, Keymint};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use ts_rs::TS;

use crate::state::AppState;

/// Event the UI listens to for the stores syncing now.
pub const SYNCING: &str = "team-sync";
/// How long after start the first sync waits.
const START_DELAY: Duration = Duration::from_secs(2);
/// Time between syncs.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Time between syncs; `KEYMINT_SYNC_INTERVAL_SECS` overrides it (tests).
fn interval() -> Duration {
    std::env::var("KEYMINT_SYNC_INTERVAL_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s >= 1)
        .map_or(DEFAULT_INTERVAL, Duration::from_secs)
}

/// What one store's sync did: its report, or why it failed (`{code, message}`, as a command's
/// error). The same failure is kept with the store (`TeamStore::sync_error`).
#[derive(Serialize, TS)]
#[ts(optional_fields)]
pub struct StoreSync {
    /// The store's name.
    store: String,
    /// What the sync did, when it ran to the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<SyncReport>,
    /// Why it stopped, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody>,
}

/// Payload of the `team-sync` event: the stores syncing now, none when the sync is over.
#[derive(Clone, Serialize, TS)]
pub struct TeamSyncProgress {
    /// Names of the stores syncing now.
    syncing: Vec<String>,
}

/// Whether a sync changed what the inventory lists.
fn changed(report: &SyncReport) -> bool {
    report.uploaded > 0
        || !report.accounts_added.is_empty()
        || report.keys_added > 0
        || report.keys_removed > 0
}

/// The app's sync runner (in [`AppState`]).
#[derive(Default)]
pub struct TeamSync {
    /// One sync at a time: "Sync now" during the periodic sync waits for it, then runs.
    running: tokio::sync::Mutex<()>,
    /// The stores being synced now.
    syncing: Mutex<BTreeSet<String>>,
}

impl TeamSync {
    /// Syncs the store called `only`, or every store; one outcome per store.
    pub async fn run<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        core: &Keymint,
        only: Option<&str>,
    ) -> Result<Vec<StoreSync>, Error> {
        let _one = self.running.lock().await;
        let names = match only {
            Some(name) => vec![core.team_store(name)?.name],
            None => core.team_stores()?.into_iter().map(|t| t.name).collect(),
        };
        let mut outcomes = Vec::with_capacity(names.len());
        let mut any_change = false;
        for name in names {
            self.mark(app, &name, true);
            let result = core.sync_team_store(&name).await;
            self.mark(app, &name, false);
            let outcome = match result {
                Ok(report) => {
                    any_change |= changed(&report);
                    StoreSync {
                        store: name,
                        report: Some(report),
                        error: None,
                    }
                }
                Err(e) => {
                    // The code only: the message may quote the server.
                    tracing::warn!(
                        store = %name,
                        code = e.code().as_str(),
                        "team store sync failed"
                    );
                    StoreSync {
                        store: name,
                        report: None,
                        error: Some(ErrorBody::from(&e)),
                    }
                }
            };
            outcomes.push(outcome);
        }
        if any_change {
            let _ = app.emit(crate::watch::CHANGED, ());
        }
        Ok(outcomes)
    }

    /// Adds or takes out `name` from the stores syncing now, and tells the UI.
    fn mark<R: Runtime>(&self, app: &AppHandle<R>, name: &str, syncing: bool) {
        let now = match self.syncing.lock() {
            Ok(mut set) => {
                if syncing {
                    set.insert(name.to_owned());
                } else {
                    set.remove(name);
                }
                set.iter().cloned().collect()
            }
            Err(_) => return,
        };
        let _ = app.emit(SYNCING, TeamSyncProgress { syncing: now });
    }
}

/// Starts the periodic sync: the first [`START_DELAY`] after start, then every
/// [`interval`]; a round with no team store does nothing.
pub fn start<R: Runtime>(app: AppHandle<R>, core: Keymint) {
    let every = interval();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(START_DELAY).await;
        loop {
            match core.team_stores() {
                Ok(stores) if stores.is_empty() => {}
                Ok(_) => {
                    let state = app.state::<AppState>();
                    if let Err(e) = state.team_sync.run(&app, &core, None).await {
                        tracing::warn!(code = e.code().as_str(), "team store sync failed");
                    }
                }
                Err(e) => tracing::warn!(code = e.code().as_str(), "cannot list team stores"),
            }
            tokio::time::sleep(every).await;
        }
    });
}
