//! The tray icon of "keep running in the background": Open, Quick access, Quit. It is made the
//! first time the setting is on and hidden when it goes off.
//!
//! On Linux the icon goes through libayatana-appindicator3 (or libappindicator3), which Tauri
//! loads when the first tray icon is made, and panics (the release build aborts) when neither
//! library is installed. So the library is looked for first, and without it there is no tray:
//! closing the window still keeps the app running, and starting Keymint again or the shortcut
//! brings it back. A desktop without a tray host (GNOME without its AppIndicator extension)
//! shows nothing, with the same way back.

use std::sync::Mutex;

use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

const TRAY_ID: &str = "keymint";
const OPEN: &str = "tray-open";
const QUICK_ACCESS: &str = "tray-quick-access";
const QUIT: &str = "tray-quit";

/// Whether the tray icon was made (later calls only show or hide it).
static MADE: Mutex<bool> = Mutex::new(false);

/// Shows the tray icon when `wanted`, hides it otherwise. `Ok(true)`: the icon is up;
/// `Err`: why there is none.
pub fn sync<R: Runtime>(app: &AppHandle<R>, wanted: bool) -> Result<bool, String> {
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_visible(wanted)
            .map_err(|e| format!("The tray icon could not be changed: {e}"))?;
        return Ok(wanted);
    }
    if !wanted || *made {
        return Ok(false);
    }
    indicator_available()?;
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, OPEN, "Open Keymint", true, None::<&str>).map_err(not_made)?,
            &MenuItem::with_id(app, QUICK_ACCESS, "Quick access", true, None::<&str>)
                .map_err(not_made)?,
            &PredefinedMenuItem::separator(app).map_err(not_made)?,
            &MenuItem::with_id(app, QUIT, "Quit Keymint", true, None::<&str>).map_err(not_made)?,
        ],
    )
    .map_err(not_made)?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Keymint")
        .menu(&menu)
        .show_menu_on_left_click(true);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app).map_err(not_made)?;
    *made = true;
    Ok(true)
}

fn not_made(e: tauri::Error) -> String {
    format!("The tray icon could not be made ({e}): start Keymint again to bring its window back")
}

/// The tray menu's actions (registered once for every menu of the app).
pub fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    match event.id().as_ref() {
        OPEN => crate::webview::focus_main(app),
        QUICK_ACCESS => crate::quick_access::show(app),
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Whether the library Tauri's tray needs can be loaded.
fn indicator_available() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    if indicator::library().is_none() {
        return Err("No tray icon: libayatana-appindicator3 is not installed (Debian and Ubuntu: libayatana-appindicator3-1). Closed, Keymint keeps running; start it again to bring its window back".to_owned());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
mod indicator {
    //! Finding libayatana-appindicator3 (or libappindicator3) the way the dynamic loader
    //! would: the directories of `LD_LIBRARY_PATH`, those of `/etc/ld.so.conf`, then the
    //! usual ones; a file counts only if it is a shared library for this machine.

    use std::path::{Path, PathBuf};

    /// What libappindicator-sys asks the loader for, in its order.
    const NAMES: [&str; 2] = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];

    /// The library the tray would load, if there is one.
    pub fn library() -> Option<PathBuf> {
        let dirs = search_dirs();
        NAMES
            .iter()
            .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
            .find(|p| is_native_library(p))
    }

    fn search_dirs() -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        conf_dirs(Path::new("/etc/ld.so.conf"), &mut dirs, 0);
        let triple = format!("{}-linux-gnu", std::env::consts::ARCH);
        for d in ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib"] {
            dirs.push(Path::new(d).join(&triple));
            dirs.push(PathBuf::from(d));
        }
        dirs
    }

    /// The directories a loader configuration file names, following `include` lines.
    fn conf_dirs(file: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        let Ok(text) = std::fs::read_to_string(file) else {
            return;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if let Some(pattern) = line.strip_prefix("include") {
                if depth < 4 {
                    for f in expand(pattern.trim()) {
                        conf_dirs(&f, out, depth + 1);
                    }
                }
            } else if line.starts_with('/') {
                out.push(PathBuf::from(line));
            }
        }
    }

    /// `dir/*.conf` (the only pattern loader configurations use) or a plain path.
    fn expand(pattern: &str) -> Vec<PathBuf> {
        let path = Path::new(pattern);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(suffix) = name.strip_prefix('*') else {
            return vec![path.to_path_buf()];
        };
        let Some(dir) = path.parent() else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.ends_with(suffix))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// An ELF file of this process's word size and machine (an i386 copy in a multiarch
    /// directory would not load).
    fn is_native_library(path: &Path) -> bool {
        use std::io::Read;
        let mut head = [0u8; 20];
        let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
        if read.is_err() || head[..4] != *b"\x7fELF" {
            return false;
        }
        let class = if cfg!(target_pointer_width = "64") {
            2
        } else {
            1
        };
        let machine = u16::from_le_bytes([head[18], head[19]]);
        head[4] == class && machine_matches(machine)
    }

    fn machine_matches(machine: u16) -> bool {
        let expected: Option<u16> = match std::env::consts::ARCH {
            "x86_64" => Some(62),
            "aarch64" => Some(183),
            "x86" => Some(3),
            "arm" => Some(40),
            "riscv64" => Some(243),
            "powerpc64" => Some(21),
            "loongarch64" => Some(258),
            _ => None,
        };
        expected.is_none_or(|m| m == machine)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_library_counts_only_for_this_machine() {
            let dir = std::env::temp_dir().join(format!("keymint-tray-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("dir");
            let fake = dir.join("libayatana-appindicator3.so.1");
            std::fs::write(&fake, b"not a library").expect("write");
            assert!(!is_native_library(&fake));
            // This test binary is an ELF file of this machine.
            let me = std::env::current_exe().expect("exe");
            assert!(is_native_library(&me));
            let mut foreign = std::fs::read(&me).expect("read");
            foreign[18] ^= 0x7f;
            std::fs::write(&fake, &foreign[..64]).expect("write");
            assert!(!is_native_library(&fake));
            let _ = std::fs::remove_dir_all(&dir);
        }

        #[test]
        fn loader_configuration_includes_are_followed() {
            let dir = std::env::temp_dir().join(format!("keymint-ldconf-{}", std::process::id()));
            let d = dir.join("ld.so.conf.d");
            std::fs::create_dir_all(&d).expect("dir");
            std::fs::write(
                dir.join("ld.so.conf"),
                format!("# loader\ninclude {}/*.conf\n/opt/first\n", d.display()),
            )
            .expect("write");
            std::fs::write(d.join("b.conf"), "/opt/b # comment\n").expect("write");
            std::fs::write(d.join("a.conf"), "/opt/a\n").expect("write");
            std::fs::write(d.join("ignored.txt"), "/opt/no\n").expect("write");
            let mut out = Vec::new();
            conf_dirs(&dir.join("ld.so.conf"), &mut out, 0);
            assert_eq!(
                out,
                ["/opt/a", "/opt/b", "/opt/first"]
                    .map(PathBuf::from)
                    .to_vec()
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
