//! A native confirmation before a credential goes to an address the page supplied.
//!
//! A script in the web view can call `add_account` with a base URL and a credential of its
//! choosing (a secret it revealed, say), then `create_key`: the credential would go to a host
//! the page picked. The core binds a credential to the origin it was entered for, but for a
//! new account (or an edit that enters the credential again) the page supplies both. So when
//! the effective origin is not the provider's default (or, for an edit, not the account's
//! current one), Rust asks the user in a native modal dialog, which no page script can see,
//! click or answer, before the core is called (docs/security.md, "The web view").

use std::sync::atomic::{AtomicBool, Ordering};

pub use keymint_core::service::destination::{default_origin, effective_origin, origin_of};
use keymint_core::Error;
use tauri::{Runtime, WebviewWindow};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// At most one confirmation on screen: a script that calls `add_account` in a loop gets one
/// dialog, and every other call is refused at once.
static OPEN: AtomicBool = AtomicBool::new(false);

/// The dialog's window title; it names the origin so that the user (and a test driving the
/// dialog with xdotool) can tell which request it is.
pub fn title(origin: &str) -> String {
    format!("Keymint: send a credential to {origin}?")
}

/// The dialog's text.
pub fn message(origin: &str) -> String {
    format!(
        "Send this account's credential to {origin}?\n\n\
         Only continue if you typed this address. A page or script that shows you this \
         request without you having typed it is trying to take the credential."
    )
}

/// The origin a form's explicit base URL names, when it is one the user must confirm:
/// `Some(origin)` if `base_url` is set and its origin is not `usual` (the provider's default
/// for a new account, the account's current origin for an edit). A base URL the core will
/// refuse anyway (not a URL, plain http to a remote host) yields `None`: nothing is sent.
pub fn needs_confirmation(base_url: Option<&str>, usual: Option<&str>) -> Option<String> {
    let base_url = base_url.map(str::trim).filter(|s| !s.is_empty())?;
    let origin = origin_of(base_url)?;
    (usual != Some(origin.as_str())).then_some(origin)
}

/// Asks the user, in a native modal dialog parented to `window`, whether the credential may
/// go to `origin`. `Ok(())` only when the user pressed OK; `Err(Cancelled)` otherwise
/// (Cancel, Escape, the dialog closed, or another confirmation already open).
///
/// The dialog is shown with the plugin's callback API: the plugin builds it on the main
/// thread and waits for the answer on a thread of its own; this command's task awaits the
/// answer without blocking the main thread or an async worker.
pub async fn confirm_destination<R: Runtime>(
    window: &WebviewWindow<R>,
    origin: &str,
) -> Result<(), Error> {
    if OPEN.swap(true, Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            OPEN.store(false, Ordering::SeqCst);
        }
    }
    let _reset = Reset;
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .message(message(origin))
        .title(title(origin))
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancel)
        .parent(window)
        .show(move |confirmed| {
            let _ = tx.send(confirmed);
        });
    match rx.await {
        Ok(true) => Ok(()),
        _ => Err(Error::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_default_address_needs_no_confirmation() {
        let usual = default_origin(
            "fireworks",
            &fields(&[("account_id", "acme"), ("user_id", "me")]),
        );
        assert_eq!(usual.as_deref(), Some("https://api.fireworks.ai"));
        for same in [
            "https://api.fireworks.ai",
            "https://api.fireworks.ai/",
            "https://API.fireworks.ai:443/v1",
        ] {
            assert_eq!(
                needs_confirmation(Some(same), usual.as_deref()),
                None,
                "{same}"
            );
        }
        assert_eq!(needs_confirmation(None, usual.as_deref()), None);
        assert_eq!(needs_confirmation(Some("  "), usual.as_deref()), None);
    }

    #[test]
    fn another_address_needs_confirmation() {
        let usual = default_origin(
            "fireworks",
            &fields(&[("account_id", "acme"), ("user_id", "me")]),
        );
        for (url, origin) in [
            ("http://127.0.0.1:9/", "http://127.0.0.1:9"),
            ("https://attacker.example", "https://attacker.example"),
            (
                "https://api.fireworks.ai:8443",
                "https://api.fireworks.ai:8443",
            ),
            (
                "https://api.fireworks.ai.evil",
                "https://api.fireworks.ai.evil",
            ),
        ] {
            assert_eq!(
                needs_confirmation(Some(url), usual.as_deref()).as_deref(),
                Some(origin),
                "{url}"
            );
        }
        // No default known (fields missing): every explicit address is confirmed.
        assert_eq!(
            needs_confirmation(Some("https://api.fireworks.ai"), None).as_deref(),
            Some("https://api.fireworks.ai")
        );
    }

    #[test]
    fn the_title_names_the_origin() {
        assert!(title("https://h:1").contains("https://h:1"));
        assert!(
            message("https://h:1").starts_with("Send this account's credential to https://h:1?")
        );
    }
}
