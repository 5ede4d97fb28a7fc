//! Settings and calendar commands.

use std::path::PathBuf;

use keymint_core::settings::Settings;
use keymint_core::Error;
use tauri::{AppHandle, State};

use crate::error::CmdResult;
use crate::quick_access::{self, QuickAccess, QuickAccessStatus};
use crate::state::AppState;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    Ok(state.core()?.settings()?)
}

/// Saves every setting, then takes the quick access shortcut and sets up the tray as they
/// say. Async: registering waits on the main thread, where synchronous commands run.
#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> CmdResult<Settings> {
    let saved = state.core()?.save_settings(&settings)?;
    let applied = saved.clone();
    tokio::task::spawn_blocking(move || quick_access::apply(&app, &applied))
        .await
        .map_err(|e| Error::from_join(&e, "applying the quick access settings"))?;
    Ok(saved)
}

/// Whether the quick access shortcut works, and if not why; whether the tray icon is up.
#[tauri::command]
pub fn quick_access_status(quick: State<'_, QuickAccess>) -> QuickAccessStatus {
    quick.status()
}

/// File name of the calendar export.
const CALENDAR_FILE: &str = "keymint-expiries.ics";

/// Writes the expiry calendar to the user's Downloads folder (else home) and says where.
#[tauri::command]
pub fn export_calendar(state: State<'_, AppState>) -> CmdResult<String> {
    let ics = state.core()?.expiries_calendar(chrono::Utc::now())?;
    let dir = export_dir().ok_or_else(|| {
        Error::Io("no Downloads or home folder to save the calendar in".to_owned())
    })?;
    let path = dir.join(CALENDAR_FILE);
    // 0600, through no symlink someone placed in Downloads.
    keymint_core::calendar::write_calendar_file(&path, &ics)?;
    Ok(path.display().to_string())
}

fn export_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    Some(
        dirs.download_dir()
            .filter(|d| d.is_dir())
            .unwrap_or(dirs.home_dir())
            .to_path_buf(),
    )
}
