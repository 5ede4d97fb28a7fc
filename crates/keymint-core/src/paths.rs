//! Where the inventory lives: the directory given explicitly (the CLI's `--data-dir`), else
//! `KEYMINT_DATA_DIR` ([`Config::data_dir`]), else the platform's data
//! directory (`~/.local/share/keymint` on Linux), and the rules it must meet: the user's own,
//! writable by nobody else ([`secure_data_dir`]); files in it `0600` ([`create_private_file`]).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};

/// File name of the SQLite inventory inside the data directory.
pub const DB_FILE: &str = "keymint.db";

/// Resolves the data directory with the process's configuration ([`Config::from_env`]).
pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    data_dir_in(explicit, &Config::from_env())
}

/// Resolves the data directory: `explicit`, else `config`'s, else the platform's.
pub fn data_dir_in(explicit: Option<PathBuf>, config: &Config) -> Result<PathBuf> {
    if let Some(dir) = explicit.or_else(|| config.data_dir.clone()) {
        return Ok(dir);
    }
    default_data_dir().ok_or_else(|| {
        Error::Io(format!(
            "no home directory found to keep the inventory in; choose a data directory (set {})",
            crate::config::DATA_DIR
        ))
    })
}

/// The platform's data directory for Keymint (`~/.local/share/keymint` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "Keymint", "keymint").map(|p| p.data_dir().to_path_buf())
}

/// Makes `dir` a data directory only the user can use. A missing one is created `0700` (a
/// failing `chmod` is an error, not ignored). An existing one must be a directory owned by
/// the current user and not writable by group or others, else [`Error::UnsafeDataDir`] with
/// the command that fixes it; read and search bits for others are taken away where possible.
pub fn secure_data_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) => check_existing(dir, &meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_private_dir(dir),
        Err(e) => Err(Error::Io(format!(
            "cannot use the data directory {}: {e}",
            dir.display()
        ))),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let failed = |e: std::io::Error| {
        Error::Io(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed)?;
    // The umask can only take bits away from 0700; set it anyway, and mean it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(failed)?;
    let meta = std::fs::metadata(dir).map_err(failed)?;
    check_existing(dir, &meta)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Io(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    })
}

#[cfg(unix)]
fn check_existing(dir: &Path, meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shown = dir.display();
    if !meta.is_dir() {
        return Err(Error::UnsafeDataDir(format!(
            "the data directory {shown} is not a directory; choose another data directory"
        )));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(Error::UnsafeDataDir(format!(
            "the data directory {shown} belongs to user id {}, not to you (user id {me}); \
             choose a data directory of your own, or `chown {me} {shown}`",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Error::UnsafeDataDir(format!(
            "the data directory {shown} is writable by others (mode {mode:o}); \
             fix it with `chmod 700 {shown}`"
        )));
    }
    if mode & 0o077 != 0 {
        // Readable by others is not a way in, only a look: tightened where the filesystem
        // lets us (a read-only one does not, and still serves reads).
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & !0o077));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_existing(dir: &Path, meta: &std::fs::Metadata) -> Result<()> {
    if meta.is_dir() {
        Ok(())
    } else {
        Err(Error::UnsafeDataDir(format!(
            "the data directory {} is not a directory; choose another data directory",
            dir.display()
        )))
    }
}

/// Creates `path` if missing, `0600` from the start (not `chmod`ed after) and without
/// following a symlink. An existing file is left as it is (it may sit on a filesystem that
/// turned read-only, which still serves reads) except that a mode wider than `0600`, left by
/// an older Keymint that created it under the umask, is narrowed where possible.
pub fn create_private_file(path: &Path) -> Result<()> {
    let failed = |e: std::io::Error| Error::Io(format!("cannot create {}: {e}", path.display()));
    match std::fs::metadata(path) {
        Ok(_meta) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if _meta.permissions().mode() & 0o077 != 0 {
                    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
                }
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600).custom_flags(nofollow());
            }
            match opts.open(path) {
                Ok(_) => Ok(()),
                // Another Keymint process created it a moment ago.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(failed(e)),
            }
        }
        Err(e) => Err(failed(e)),
    }
}

/// `O_NOFOLLOW`: opening a path whose last component is a symlink fails (`ELOOP`).
#[cfg(unix)]
pub(crate) fn nofollow() -> i32 {
    // The flag's bits are a small positive `c_int` on every Unix.
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}
