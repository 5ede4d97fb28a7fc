//! Settings and calendar commands.

use std::path::PathBuf;

use keymint_core::settings::Settings;
use keymint_core::Error;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    Ok(state.core()?.settings()?)
}

#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> CmdResult<Settings> {
    Ok(state.core()?.save_settings(&settings)?)
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
