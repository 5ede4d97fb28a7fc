//! Quick access (issue 18): a global shortcut, or `keymint-app --quick-access` handed to the
//! running app, shows a small search palette over the current window. The palette is a second
//! web view (`webview::build_palette`), created hidden at start so that showing it costs no
//! page load; its capability lets it search, copy and hide itself, never reveal (the copy
//! happens in Rust, `commands::copy_key`).
//!
//! The shortcut is grabbed on the X server (`shortcut.rs`; tauri-plugin-global-shortcut on
//! other systems). Registering never stops the app: where it cannot work (a Wayland session, no X
//! display, a shortcut another program holds) the reason is kept for the settings dialog,
//! with what to do instead: bind the shortcut in the desktop's own settings to
//! `keymint-app --quick-access`, which the single-instance handover (lib.rs) turns into the
//! palette of the running window.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use keymint_core::settings::{Settings, Theme, SHORTCUT_OFF};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use ts_rs::TS;

use crate::state::AppState;
use crate::webview::{self, PALETTE};

/// The command-line flag that opens the palette (in the running app, through the
/// single-instance handover, or in a new one).
pub const FLAG: &str = "--quick-access";
/// The command to bind where the app cannot take a shortcut itself.
const FALLBACK_COMMAND: &str = "keymint-app --quick-access";
/// Event the palette page gets when it is shown (payload [`PaletteOpen`]).
const OPENED: &str = "palette-open";
/// Event the palette page gets when it is hidden: it starts afresh for the next time.
const CLOSED: &str = "palette-closed";
/// The shortcut and the tray are set up this long after start, so the window's first rows
/// go first (the tray, and the shortcut plugin on other systems, wait on the main thread).
const REGISTER_DELAY: Duration = Duration::from_millis(600);

/// Why the shortcut does not open the palette. Each message says what to do instead.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ShortcutError {
    /// A Wayland session: apps cannot grab keys there.
    #[error("This desktop runs Wayland, where apps cannot take a global shortcut: bind {0} in the desktop's keyboard settings to the command {FALLBACK_COMMAND}")]
    Wayland(String),
    /// No X display to grab the key on.
    #[error("There is no X display to take a global shortcut on: bind {0} in the desktop's keyboard settings to the command {FALLBACK_COMMAND}")]
    NoDisplay(String),
    /// Another program grabbed the same keys first.
    #[error("Another program already uses {0}: choose another shortcut, or bind one in the desktop's keyboard settings to the command {FALLBACK_COMMAND}")]
    Taken(String),
    /// Any other refusal.
    #[error("{0} could not be registered ({1}): choose another shortcut, or bind one in the desktop's keyboard settings to the command {FALLBACK_COMMAND}")]
    Failed(String, String),
}

/// Stable codes of [`ShortcutError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ShortcutErrorCode")]
pub enum ShortcutErrorCode {
    /// [`ShortcutError::Wayland`].
    Wayland,
    /// [`ShortcutError::NoDisplay`].
    NoDisplay,
    /// [`ShortcutError::Taken`].
    Taken,
    /// [`ShortcutError::Failed`].
    Failed,
}

impl ShortcutError {
    /// The stable code.
    pub fn code(&self) -> ShortcutErrorCode {
        match self {
            Self::Wayland(_) => ShortcutErrorCode::Wayland,
            Self::NoDisplay(_) => ShortcutErrorCode::NoDisplay,
            Self::Taken(_) => ShortcutErrorCode::Taken,
            Self::Failed(..) => ShortcutErrorCode::Failed,
        }
    }
}

/// A problem as the settings dialog shows it.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(rename = "ShortcutProblem")]
pub struct Problem {
    /// Stable code.
    code: ShortcutErrorCode,
    /// One line: why, and what to do.
    message: String,
}

/// What the settings dialog says about quick access.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(optional_fields)]
pub struct QuickAccessStatus {
    /// The shortcut the app tried to take (`Ctrl+Shift+K`), or `off`.
    shortcut: String,
    /// Whether pressing it opens the palette.
    active: bool,
    /// Why it does not, when it should.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<Problem>,
    /// Whether a tray icon is up (keep running in the background).
    tray: bool,
    /// Why keeping running in the background has no tray icon.
    #[serde(skip_serializing_if = "Option::is_none")]
    tray_problem: Option<String>,
}

impl Default for QuickAccessStatus {
    fn default() -> Self {
        Self {
            shortcut: SHORTCUT_OFF.to_owned(),
            active: false,
            problem: None,
            tray: false,
            tray_problem: None,
        }
    }
}

/// Tauri state: the shortcut registered now and the status shown in Settings.
#[derive(Default)]
pub struct QuickAccess {
    /// The shortcut this process holds, as the setting writes it.
    registered: Mutex<Option<(String, crate::shortcut::Held)>>,
    status: Mutex<QuickAccessStatus>,
    /// Counts the palette's shows: a focus loss seen before the latest show is stale.
    shows: AtomicU64,
}

impl QuickAccess {
    /// The status now.
    pub fn status(&self) -> QuickAccessStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn update(&self, change: impl FnOnce(&mut QuickAccessStatus)) {
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut status);
    }
}

/// Whether the command line asks for the palette.
pub fn wanted_in<S: AsRef<str>>(args: &[S]) -> bool {
    args.iter().skip(1).any(|a| a.as_ref() == FLAG)
}

/// Applies the quick access settings a moment after start, off the main thread; shows the
/// palette then too when the app was started with [`FLAG`].
pub fn start<R: Runtime>(app: AppHandle<R>, open_palette: bool) {
    let spawned = std::thread::Builder::new()
        .name("quick-access".into())
        .spawn(move || {
            std::thread::sleep(REGISTER_DELAY);
            if let Some(settings) = settings_of(&app) {
                apply(&app, &settings);
            }
            if open_palette {
                show(&app);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "quick access is not set up");
    }
}

fn settings_of<R: Runtime>(app: &AppHandle<R>) -> Option<Settings> {
    let core = app.state::<AppState>().core().ok()?;
    match core.settings() {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(
                code = e.code().as_str(),
                "quick access: settings unreadable"
            );
            None
        }
    }
}

/// Whether closing the main window keeps the app running (read when it closes, so a change
/// made with `keymint settings` counts too).
pub fn keeps_running<R: Runtime>(app: &AppHandle<R>) -> bool {
    settings_of(app).is_some_and(|s| s.keep_running)
}

/// Takes the shortcut and sets up the tray as `settings` say; what is already so stays.
///
/// Never on the main thread: registering and the tray wait for work they hand to the main
/// thread, and one apply at a time holds the lock on what is registered.
pub fn apply<R: Runtime>(app: &AppHandle<R>, settings: &Settings) {
    let state = app.state::<QuickAccess>();
    let mut registered = state.registered.lock().unwrap_or_else(|p| p.into_inner());
    apply_shortcut(
        app,
        &state,
        &mut registered,
        &settings.quick_access_shortcut,
    );
    let tray = crate::tray::sync(app, settings.keep_running);
    state.update(|s| {
        s.tray = tray.as_ref().is_ok_and(|up| *up);
        s.tray_problem = tray.err();
    });
}

/// Applies the settings again if another process changed them (the watcher saw a commit).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(settings) = settings_of(app) else {
        return;
    };
    let status = app.state::<QuickAccess>().status();
    let tray_wanted = settings.keep_running && status.tray_problem.is_none();
    if status.shortcut != settings.quick_access_shortcut || status.tray != tray_wanted {
        apply(app, &settings);
    }
}

fn apply_shortcut<R: Runtime>(
    app: &AppHandle<R>,
    state: &QuickAccess,
    registered: &mut Option<(String, crate::shortcut::Held)>,
    text: &str,
) {
    if registered.as_ref().is_some_and(|(held, _)| held == text) {
        return;
    }
    if let Some((_, old)) = registered.take() {
        crate::shortcut::unregister(app, old);
    }
    let outcome = if text == SHORTCUT_OFF {
        Ok(false)
    } else {
        register(app, text).map(|shortcut| {
            *registered = Some((text.to_owned(), shortcut));
            true
        })
    };
    match &outcome {
        Ok(true) => tracing::debug!(shortcut = text, "quick access shortcut registered"),
        Ok(false) => tracing::debug!("quick access shortcut off"),
        Err(e) => tracing::warn!(code = ?e.code(), "quick access shortcut: {e}"),
    }
    state.update(|s| {
        s.shortcut = text.to_owned();
        s.active = outcome.as_ref().is_ok_and(|on| *on);
        s.problem = outcome.err().map(|e| Problem {
            code: e.code(),
            message: e.to_string(),
        });
    });
}

fn register<R: Runtime>(
    app: &AppHandle<R>,
    text: &str,
) -> Result<crate::shortcut::Held, ShortcutError> {
    desktop_can_grab(text)?;
    crate::shortcut::register(app, text)
}

/// Whether this session lets an app grab keys. The grab is taken on the X server; in a
/// Wayland session (XWayland included) that sees only keys typed into X windows, and without
/// a display there is nothing to grab on.
fn desktop_can_grab(text: &str) -> Result<(), ShortcutError> {
    #[cfg(target_os = "linux")]
    {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let wayland = set("WAYLAND_DISPLAY")
            || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t.eq_ignore_ascii_case("wayland"));
        if wayland {
            return Err(ShortcutError::Wayland(text.to_owned()));
        }
        if !set("DISPLAY") {
            return Err(ShortcutError::NoDisplay(text.to_owned()));
        }
    }
    let _ = text;
    Ok(())
}

/// Payload of [`OPENED`].
#[derive(Clone, Serialize)]
struct PaletteOpen {
    /// The theme setting, so the palette matches the window.
    theme: Theme,
}

/// Shows the palette if it is hidden, hides it if it is up (the shortcut pressed again).
pub fn toggle<R: Runtime>(app: &AppHandle<R>) {
    let visible = app
        .get_webview_window(PALETTE)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false);
    tracing::debug!(visible, "quick access toggled");
    if visible {
        hide(app);
    } else {
        show(app);
    }
}

/// Shows the palette in the middle of the screen, above every window, with the keyboard in
/// its search field.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    let window = match app.get_webview_window(PALETTE) {
        Some(w) => w,
        // Closed somehow (it has no close button): made again.
        None => match webview::build_palette(app) {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "the quick access palette could not be created");
                return;
            }
        },
    };
    let theme = settings_of(app).map(|s| s.theme).unwrap_or_default();
    app.state::<QuickAccess>()
        .shows
        .fetch_add(1, Ordering::SeqCst);
    let _ = window.center();
    webview::show_and_focus(window, move |window| {
        tracing::debug!("palette shown");
        let _ = window.emit_to(PALETTE, OPENED, PaletteOpen { theme });
    });
}

/// How long a palette that lost the keyboard waits for it to come back before it hides. The
/// X server moves the focus around while the shortcut's keys are still down (the key grab
/// ends when they are released), and a desktop may do so while it raises the window.
const FOCUS_GRACE: Duration = Duration::from_millis(150);

/// The palette lost the keyboard (another window was clicked, or the desktop switched): it
/// hides, unless it has the keyboard again a moment later.
pub fn focus_lost<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let show = app.state::<QuickAccess>().shows.load(Ordering::SeqCst);
    let spawned = std::thread::Builder::new()
        .name("palette-focus".into())
        .spawn(move || {
            std::thread::sleep(FOCUS_GRACE);
            if app.state::<QuickAccess>().shows.load(Ordering::SeqCst) != show {
                // Hidden and shown again since: that show has the keyboard or will.
                return;
            }
            let Some(window) = app.get_webview_window(PALETTE) else {
                return;
            };
            let visible = window.is_visible().unwrap_or(false);
            let focused = window.is_focused().unwrap_or(false);
            tracing::debug!(visible, focused, "palette focus lost");
            if visible && !focused {
                hide(&app);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "palette focus check failed");
    }
}

/// Hides the palette; its page starts afresh for the next time.
pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    tracing::debug!("palette hidden");
    if let Some(window) = app.get_webview_window(PALETTE) {
        let _ = window.hide();
        let _ = window.emit_to(PALETTE, CLOSED, ());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_found_after_the_program_name() {
        assert!(wanted_in(&["keymint-app", "--quick-access"]));
        assert!(wanted_in(&["/usr/bin/keymint-app", "-x", "--quick-access"]));
        assert!(!wanted_in(&["keymint-app"]));
        assert!(!wanted_in(&["--quick-access"]));
        assert!(!wanted_in(&["keymint-app", "--quick-access=1"]));
    }

    #[test]
    fn every_problem_says_what_to_do() {
        for e in [
            ShortcutError::Wayland("Ctrl+Shift+K".into()),
            ShortcutError::NoDisplay("Ctrl+Shift+K".into()),
            ShortcutError::Taken("Ctrl+Shift+K".into()),
            ShortcutError::Failed("Ctrl+Shift+K".into(), "BadValue".into()),
        ] {
            let text = e.to_string();
            assert!(text.contains("Ctrl+Shift+K"), "{text}");
            assert!(text.contains("keymint-app --quick-access"), "{text}");
            assert!(!text.contains('\n'), "one line: {text}");
            let json = serde_json::to_value(e.code()).expect("code");
            assert!(json.as_str().is_some_and(|c| !c.is_empty()), "{json}");
        }
    }
}
