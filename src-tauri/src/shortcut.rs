//! Taking the quick access shortcut for the whole desktop, and giving it back.
//!
//! On Linux: a passive key grab on the X server's root window, and a thread that blocks on
//! the X connection, so a press reaches the palette at once. tauri-plugin-global-shortcut
//! grabs the same way, but its X11 backend (global-hotkey) looks at the connection only every
//! 50 ms: 25 ms of the palette's 50 ms budget on average, and 60.8 ms from the shortcut to the
//! palette painted with it (`make bench`, phase palette). Elsewhere the plugin does the work.

use tauri::{AppHandle, Runtime};

use crate::quick_access::ShortcutError;

#[cfg(target_os = "linux")]
pub use x11::Held;

/// Takes `text` (a shortcut as the setting writes it, `Ctrl+Shift+K`); a press toggles the
/// palette.
#[cfg(target_os = "linux")]
pub fn register<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<Held, ShortcutError> {
    let app = app.clone();
    x11::grab(text, Box::new(move || crate::quick_access::toggle(&app)))
}

/// Gives the shortcut back.
#[cfg(target_os = "linux")]
pub fn unregister<R: Runtime>(_app: &AppHandle<R>, held: Held) {
    x11::ungrab(held);
}

#[cfg(target_os = "linux")]
mod x11 {
    use std::sync::{Arc, Mutex, OnceLock};

    use x11rb::connection::Connection;
    use x11rb::errors::ReplyError;
    use x11rb::protocol::xkb::{self, ConnectionExt as _};
    use x11rb::protocol::xproto::{ConnectionExt as _, GrabMode, Keycode, ModMask, Window};
    use x11rb::protocol::{ErrorKind, Event};
    use x11rb::rust_connection::RustConnection;

    use crate::quick_access::ShortcutError;

    const SHIFT: u16 = 1;
    const LOCK: u16 = 2;
    const CONTROL: u16 = 4;
    const MOD1: u16 = 8;
    const MOD2: u16 = 16;
    const MOD4: u16 = 64;
    /// The modifiers a shortcut can name; Caps Lock (LOCK) and Num Lock (MOD2) are not, and
    /// the grab is taken with each of their combinations so that it works with them on.
    const NAMED: u16 = SHIFT | CONTROL | MOD1 | MOD4;
    const LOCKS: [u16; 4] = [0, LOCK, MOD2, LOCK | MOD2];

    type Handler = Arc<dyn Fn() + Send + Sync>;

    /// The grabbed key, for [`ungrab`].
    pub struct Held {
        key: Keycode,
        mods: u16,
    }

    struct Grabber {
        conn: RustConnection,
        root: Window,
        /// The grabbed key, its modifiers and what a press runs.
        active: Mutex<Option<(Keycode, u16, Handler)>>,
    }

    static GRABBER: OnceLock<Result<Arc<Grabber>, String>> = OnceLock::new();

    /// The connection and its listening thread, made on first use.
    fn grabber() -> Result<Arc<Grabber>, String> {
        GRABBER.get_or_init(start).clone()
    }

    fn start() -> Result<Arc<Grabber>, String> {
        let (conn, screen) = RustConnection::connect(None).map_err(|e| e.to_string())?;
        let root = conn
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or("the X display has no such screen")?;
        // Holding the keys down repeats the press, not the release: one toggle per press.
        let repeat = xkb::PerClientFlag::DETECTABLE_AUTO_REPEAT;
        let detectable = conn
            .xkb_use_extension(1, 0)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|_| {
                conn.xkb_per_client_flags(
                    xkb::ID::USE_CORE_KBD.into(),
                    repeat,
                    repeat,
                    Default::default(),
                    Default::default(),
                    Default::default(),
                )
                .ok()
            })
            .and_then(|c| c.reply().ok())
            .is_some();
        if !detectable {
            tracing::debug!("no detectable auto-repeat: a held shortcut may toggle again");
        }
        let grabber = Arc::new(Grabber {
            conn,
            root,
            active: Mutex::new(None),
        });
        let listening = grabber.clone();
        std::thread::Builder::new()
            .name("shortcut".into())
            .spawn(move || listen(&listening))
            .map_err(|e| e.to_string())?;
        Ok(grabber)
    }

    /// Waits for key events on the grab (blocking: no polling delay) and runs the handler
    /// once per press.
    fn listen(g: &Grabber) {
        let mut down = false;
        loop {
            let event = match g.conn.wait_for_event() {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "the shortcut's X connection closed");
                    return;
                }
            };
            let (pressed, key, state) = match event {
                Event::KeyPress(e) => (true, e.detail, u16::from(e.state)),
                Event::KeyRelease(e) => (false, e.detail, u16::from(e.state)),
                _ => continue,
            };
            tracing::trace!(pressed, key, state, "shortcut key event");
            let handler = {
                let active = g.active.lock().unwrap_or_else(|p| p.into_inner());
                active
                    .as_ref()
                    .filter(|(k, m, _)| *k == key && (!pressed || state & NAMED == *m))
                    .map(|(_, _, h)| h.clone())
            };
            match (pressed, handler) {
                (true, Some(run)) if !down => {
                    down = true;
                    run();
                }
                (false, Some(_)) => down = false,
                _ => {}
            }
        }
    }

    /// Grabs `text` for the whole display; `on_press` runs on each press.
    pub fn grab(text: &str, on_press: Box<dyn Fn() + Send + Sync>) -> Result<Held, ShortcutError> {
        let failed = |why: String| ShortcutError::Failed(text.to_owned(), why);
        let (mods, keysyms) = parse(text).ok_or_else(|| failed("unknown key".into()))?;
        let g = grabber().map_err(failed)?;
        let key = keycode(&g.conn, &keysyms)
            .map_err(failed)?
            .ok_or_else(|| failed("the keyboard has no such key".into()))?;
        for locks in LOCKS {
            let checked = g
                .conn
                .grab_key(
                    false,
                    g.root,
                    ModMask::from(mods | locks),
                    key,
                    GrabMode::ASYNC,
                    GrabMode::ASYNC,
                )
                .map_err(ReplyError::from)
                .and_then(|cookie| cookie.check());
            if let Err(e) = checked {
                release(&g, key, mods);
                return Err(match e {
                    // Another client holds the same keys.
                    ReplyError::X11Error(x) if x.error_kind == ErrorKind::Access => {
                        ShortcutError::Taken(text.to_owned())
                    }
                    other => failed(other.to_string()),
                });
            }
        }
        let mut active = g.active.lock().unwrap_or_else(|p| p.into_inner());
        *active = Some((key, mods, Arc::from(on_press)));
        Ok(Held { key, mods })
    }

    /// Gives the keys back.
    pub fn ungrab(held: Held) {
        if let Ok(g) = grabber() {
            let mut active = g.active.lock().unwrap_or_else(|p| p.into_inner());
            if active
                .as_ref()
                .is_some_and(|(k, m, _)| *k == held.key && *m == held.mods)
            {
                *active = None;
            }
            drop(active);
            release(&g, held.key, held.mods);
        }
    }

    fn release(g: &Grabber, key: Keycode, mods: u16) {
        for locks in LOCKS {
            if let Ok(cookie) = g.conn.ungrab_key(key, g.root, ModMask::from(mods | locks)) {
                cookie.ignore_error();
            }
        }
        let _ = g.conn.flush();
    }

    /// The modifier mask and the key's keysyms (lower and upper case for a letter) of a
    /// shortcut as the setting writes it (`Ctrl+Shift+K`, `Super+F2`, `Alt+Space`).
    fn parse(text: &str) -> Option<(u16, Vec<u32>)> {
        let mut mods = 0;
        let mut keysyms = None;
        for part in text.split('+') {
            match part {
                "Ctrl" => mods |= CONTROL,
                "Alt" => mods |= MOD1,
                "Shift" => mods |= SHIFT,
                "Super" => mods |= MOD4,
                "Space" => keysyms = Some(vec![0x20]),
                _ => keysyms = Some(key_keysyms(part)?),
            }
        }
        Some((mods, keysyms?))
    }

    fn key_keysyms(key: &str) -> Option<Vec<u32>> {
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return match c {
                'A'..='Z' => Some(vec![u32::from(c.to_ascii_lowercase()), u32::from(c)]),
                '0'..='9' => Some(vec![u32::from(c)]),
                _ => None,
            };
        }
        // F1 is 0xffbe, the others follow.
        let n: u32 = key.strip_prefix('F')?.parse().ok()?;
        (1..=24).contains(&n).then(|| vec![0xffbe + n - 1])
    }

    /// The keycode that types one of `keysyms` on this keyboard.
    fn keycode(conn: &RustConnection, keysyms: &[u32]) -> Result<Option<Keycode>, String> {
        let setup = conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = conn
            .get_keyboard_mapping(min, max.saturating_sub(min).saturating_add(1))
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| e.to_string())?;
        let per = usize::from(map.keysyms_per_keycode).max(1);
        Ok(map
            .keysyms
            .chunks(per)
            .position(|syms| syms.iter().any(|s| keysyms.contains(s)))
            .and_then(|i| u8::try_from(i).ok())
            .and_then(|i| min.checked_add(i)))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn settings_shortcuts_become_masks_and_keysyms() {
            assert_eq!(
                parse("Ctrl+Shift+K"),
                Some((CONTROL | SHIFT, vec![0x6b, 0x4b]))
            );
            assert_eq!(parse("Super+F2"), Some((MOD4, vec![0xffbf])));
            assert_eq!(parse("Alt+Space"), Some((MOD1, vec![0x20])));
            assert_eq!(parse("Ctrl+Alt+7"), Some((CONTROL | MOD1, vec![0x37])));
            assert_eq!(parse("Ctrl+F24"), Some((CONTROL, vec![0xffd5])));
            assert_eq!(parse("Ctrl+F25"), None);
            assert_eq!(parse("Ctrl"), None);
        }
    }
}

// ---- Elsewhere: tauri-plugin-global-shortcut ---------------------------------------------------

#[cfg(not(target_os = "linux"))]
pub use tauri_plugin_global_shortcut::Shortcut as Held;

/// Takes `text` (a shortcut as the setting writes it, `Ctrl+Shift+K`); a press toggles the
/// palette.
#[cfg(not(target_os = "linux"))]
pub fn register<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<Held, ShortcutError> {
    use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};
    let shortcut: Held = text
        .parse()
        .map_err(|e| ShortcutError::Failed(text.to_owned(), format!("{e}")))?;
    app.global_shortcut()
        .on_shortcut(shortcut, |app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                crate::quick_access::toggle(app);
            }
        })
        .map_err(|e| {
            let detail = e.to_string();
            // The plugin's errors are text; global-hotkey says this when the system refused
            // the shortcut because another program holds it.
            if detail.starts_with("HotKey already registered") {
                ShortcutError::Taken(text.to_owned())
            } else {
                ShortcutError::Failed(text.to_owned(), detail)
            }
        })?;
    Ok(shortcut)
}

/// Gives the shortcut back.
#[cfg(not(target_os = "linux"))]
pub fn unregister<R: Runtime>(app: &AppHandle<R>, held: Held) {
    use tauri_plugin_global_shortcut::GlobalShortcutExt;
    if let Err(e) = app.global_shortcut().unregister(held) {
        tracing::warn!(error = %e, "the previous quick access shortcut stays registered");
    }
}
