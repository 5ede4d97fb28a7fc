//! Expiry reminders as desktop notifications: checked at start, then every hour (so a key
//! that crosses a threshold is noticed the same day), each raised once per key and threshold.
//! A notification that cannot be shown (no notification service) is not marked as raised, so
//! it comes at the next check.

use std::time::Duration;

use keymint_core::{reminders, Keymint};
use tauri::{AppHandle, Emitter, Runtime};

/// Time between checks; `KEYMINT_REMINDER_INTERVAL_SECS` overrides it (tests).
fn interval() -> Duration {
    std::env::var("KEYMINT_REMINDER_INTERVAL_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s >= 1)
        .map_or(Duration::from_secs(3600), Duration::from_secs)
}

/// Starts the reminder thread.
pub fn start<R: Runtime>(app: AppHandle<R>, core: Keymint) {
    let every = interval();
    let spawned = std::thread::Builder::new()
        .name("reminders".into())
        .spawn(move || loop {
            check(&app, &core);
            std::thread::sleep(every);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "reminders are off: cannot start their thread");
    }
}

fn check<R: Runtime>(app: &AppHandle<R>, core: &Keymint) {
    let now = chrono::Utc::now();
    let due = match core.due_reminders(now) {
        Ok(due) if due.is_empty() => return,
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(code = e.code().as_str(), "cannot check expiry reminders");
            return;
        }
    };
    for notice in reminders::notices(&due, now) {
        let shown = crate::notify::show(app, &notice.title, &notice.body);
        if let Err(e) = shown {
            tracing::warn!(code = e.code(), error = %e, "cannot show a reminder; trying again at the next check");
            return;
        }
    }
    if let Err(e) = core.mark_reminded(&due) {
        tracing::warn!(
            code = e.code().as_str(),
            "cannot record the reminders shown"
        );
    }
    // The list redraws its expiry badges, so it agrees with the notification.
    let _ = app.emit(crate::watch::CHANGED, ());
}
