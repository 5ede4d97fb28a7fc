//! Desktop notifications (the expiry reminders). On Linux: one `Notify` call to the
//! freedesktop notification service on the session bus, over zbus 5 — the D-Bus library the
//! keychain and the single-instance handover already link. tauri-plugin-notification would
//! make the same call through notify-rust, which links a second D-Bus library (zbus 6, about
//! 0.5 MB of the binary). On macOS and Windows: the plugin.

use tauri::{AppHandle, Runtime};

/// Why a notification could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No session bus, or no notification service on it.
    #[cfg(target_os = "linux")]
    #[error("the desktop's notification service did not answer: {0}")]
    Bus(#[from] zbus::Error),
    /// The notification plugin refused it.
    #[cfg(not(target_os = "linux"))]
    #[error("the notification could not be shown: {0}")]
    Plugin(#[from] tauri_plugin_notification::Error),
}

impl NotifyError {
    /// A stable code for logs.
    pub fn code(&self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Self::Bus(_) => "notification_service_unavailable",
            #[cfg(not(target_os = "linux"))]
            Self::Plugin(_) => "notification_failed",
        }
    }
}

#[cfg(target_os = "linux")]
mod freedesktop {
    use std::collections::HashMap;

    use zbus::zvariant::Value;

    const SERVICE: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";
    /// The name the desktop shows for the sender.
    const APP_NAME: &str = "Keymint";
    /// The installed desktop entry (`Keymint.desktop`): the desktop takes the icon from it.
    const DESKTOP_ENTRY: &str = "Keymint";
    /// The icon by name, as the packages install it.
    const ICON: &str = "keymint-app";

    /// `Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, timeout)`.
    pub fn notify(title: &str, body: &str) -> zbus::Result<u32> {
        let bus = zbus::blocking::Connection::session()?;
        let hints = HashMap::from([("desktop-entry", Value::from(DESKTOP_ENTRY))]);
        let actions: &[&str] = &[];
        let reply = bus.call_method(
            Some(SERVICE),
            PATH,
            Some(SERVICE),
            "Notify",
            &(APP_NAME, 0u32, ICON, title, body, actions, hints, -1i32),
        )?;
        reply.body().deserialize::<u32>()
    }
}

/// Shows a notification with `title` and `body`. Blocks until the service answers (call it
/// off the main thread).
#[cfg(target_os = "linux")]
pub fn show<R: Runtime>(_app: &AppHandle<R>, title: &str, body: &str) -> Result<(), NotifyError> {
    freedesktop::notify(title, body)?;
    Ok(())
}

/// Shows a notification with `title` and `body`.
#[cfg(not(target_os = "linux"))]
pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) -> Result<(), NotifyError> {
    use tauri_plugin_notification::NotificationExt;
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()?;
    Ok(())
}
