//! Copying a secret to the system clipboard: marked so that clipboard histories skip it, and
//! cleared after a while only if the clipboard still holds that secret.
//!
//! The marks, through arboard's `exclude_from_history`:
//! - Linux, X11 and Wayland (the `wlr`/`ext` data-control protocol, no XWayland needed): an
//!   extra target `x-kde-passwordManagerHint` = `secret`, which Klipper, GNOME's clipboard
//!   extensions, CopyQ and cliphist honour;
//! - macOS: `org.nspasteboard.ConcealedType` (the nspasteboard.org convention);
//! - Windows: `ExcludeClipboardContentFromMonitorProcessing`, `CanIncludeInClipboardHistory`
//!   = 0 and `CanUploadToCloudClipboard` = 0 (history, cloud clipboard and monitors).

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Default time before the clipboard is cleared.
pub const DEFAULT_CLEAR_AFTER: Duration = Duration::from_secs(30);

/// A clipboard that holds a secret. On X11 the clipboard is served by this process, so keep
/// this alive until the secret should disappear.
pub struct SecretClipboard {
    inner: arboard::Clipboard,
    secret: SecretString,
}

fn clip_err(e: arboard::Error) -> Error {
    Error::Io(format!(
        "the clipboard is not available ({e}); is a desktop session running (DISPLAY or WAYLAND_DISPLAY)?"
    ))
}

impl SecretClipboard {
    /// Puts `secret` on the clipboard.
    pub fn copy(secret: SecretString) -> Result<Self> {
        let mut inner = arboard::Clipboard::new().map_err(clip_err)?;
        set_excluded(&mut inner, secret.expose_secret())?;
        Ok(Self { inner, secret })
    }

    /// Whether the clipboard still holds the secret.
    pub fn still_holds(&mut self) -> bool {
        match self.inner.get_text() {
            Ok(mut text) => {
                let same = text == *self.secret.expose_secret();
                text.zeroize();
                same
            }
            Err(_) => false,
        }
    }

    /// Clears the clipboard if it still holds the secret; returns whether it did.
    pub fn clear_if_unchanged(mut self) -> bool {
        if self.still_holds() {
            self.inner.clear().is_ok()
        } else {
            false
        }
    }

    /// Waits up to `clear_after` (returning early when something else is copied), then clears
    /// the clipboard if it still holds the secret. Blocks the calling thread.
    pub fn hold_then_clear(mut self, clear_after: Duration) -> bool {
        // Checked: a deadline past what `Instant` can hold means "hold until replaced".
        let deadline = Instant::now().checked_add(clear_after);
        while deadline.is_none_or(|d| Instant::now() < d) {
            std::thread::sleep(Duration::from_millis(250).min(clear_after));
            if !self.still_holds() {
                return false;
            }
        }
        self.clear_if_unchanged()
    }
}

/// A clipboard holding text that is not a secret (a reference): no history exclusion, no
/// clear timer. Keep it alive while the text should stay available (X11 serves it from here).
pub struct TextClipboard {
    _inner: arboard::Clipboard,
}

impl TextClipboard {
    /// Puts `text` on the clipboard.
    pub fn copy(text: &str) -> Result<Self> {
        let mut inner = arboard::Clipboard::new().map_err(clip_err)?;
        inner.set_text(text).map_err(clip_err)?;
        Ok(Self { _inner: inner })
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn set_excluded(cb: &mut arboard::Clipboard, text: &str) -> Result<()> {
    use arboard::SetExtLinux;
    cb.set().exclude_from_history().text(text).map_err(clip_err)
}

#[cfg(target_os = "macos")]
fn set_excluded(cb: &mut arboard::Clipboard, text: &str) -> Result<()> {
    use arboard::SetExtApple;
    cb.set().exclude_from_history().text(text).map_err(clip_err)
}

#[cfg(windows)]
fn set_excluded(cb: &mut arboard::Clipboard, text: &str) -> Result<()> {
    use arboard::SetExtWindows;
    // All three, as KeePassXC sets them: monitors that know only one of the formats still
    // skip the secret.
    cb.set()
        .exclude_from_monitoring()
        .exclude_from_history()
        .exclude_from_cloud()
        .text(text)
        .map_err(clip_err)
}

#[cfg(not(any(
    windows,
    target_os = "macos",
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )
)))]
fn set_excluded(cb: &mut arboard::Clipboard, text: &str) -> Result<()> {
    cb.set_text(text).map_err(clip_err)
}
