//! Where the inventory lives: `--data-dir`, else `KEYMINT_DATA_DIR`, else the platform's data
//! directory (`~/.local/share/keymint` on Linux).

use std::path::PathBuf;

use crate::error::{Error, Result};

/// File name of the SQLite inventory inside the data directory.
pub const DB_FILE: &str = "keymint.db";

/// Resolves the data directory.
pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os("KEYMINT_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    default_data_dir().ok_or_else(|| {
        Error::Io("no home directory found; pass --data-dir or set KEYMINT_DATA_DIR".to_owned())
    })
}

/// The platform's data directory for Keymint (`~/.local/share/keymint` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "Keymint", "keymint").map(|p| p.data_dir().to_path_buf())
}
