//! The SQLite inventory: one connection, WAL, foreign keys, a busy timeout, and numbered
//! migrations run in one transaction. A database written by a newer Keymint is refused.

mod accounts;
mod events;
mod keys;
mod references;
mod reminders;
mod rotation;
mod settings;
mod team_keys;
mod team_stores;
#[cfg(test)]
mod upgrade_tests;
mod watch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::error::{Error, Result};

pub use accounts::AccountRow;
pub use keys::{Completion, KeyPage, KeyQuery, KeySort, KeyStatusFilter, NewKey, EXPIRING_DAYS};
pub use reminders::ExpiringKey;
pub use rotation::KeyForm;
pub use team_keys::SyncedKey;
pub use team_stores::TeamStoreRow;

/// Migrations in order; the database's `user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_settings_reminders.sql"),
    include_str!("migrations/0003_search_by_creation.sql"),
    include_str!("migrations/0004_interrupted_status.sql"),
    include_str!("migrations/0005_rotation.sql"),
    include_str!("migrations/0006_answer_notes.sql"),
    include_str!("migrations/0007_team_stores.sql"),
    include_str!("migrations/0008_team_keys.sql"),
];

/// The inventory.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the inventory in `dir`. The directory must be the user's
    /// own and writable by nobody else (a new one is made `0700`, see
    /// [`crate::paths::secure_data_dir`]); the database is created `0600` before SQLite
    /// opens it, and SQLite gives its `-wal` and `-shm` files the database file's mode.
    pub fn open(dir: &Path) -> Result<Self> {
        crate::paths::secure_data_dir(dir)?;
        let path = dir.join(crate::paths::DB_FILE);
        crate::paths::create_private_file(&path)?;
        tighten_side_files(&path);
        let conn = Connection::open(&path)
            .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Self { conn, path };
        store.migrate()?;
        Ok(store)
    }

    /// Opens an in-memory inventory (unit tests).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Self {
            conn,
            path: PathBuf::from(":memory:"),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> Result<()> {
        // The usual case, a current schema, only reads: no write lock, no WAL frame, no
        // checkpoint for every CLI run.
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(Error::Store(format!(
                "{} was written by a newer Keymint (schema {version}, this one knows {known}); update Keymint",
                self.path.display()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)
                .map_err(|e| Error::Store(format!("migration {} failed: {e}", i + 1)))?;
        }
        tx.pragma_update(None, "user_version", known)?;
        tx.commit()?;
        Ok(())
    }
}

/// `-wal` and `-shm` files left by an older Keymint (created under the umask, often `0644`)
/// brought to `0600`; new ones take the database file's mode from SQLite.
#[cfg(unix)]
fn tighten_side_files(db: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        // symlink_metadata: a symlink planted in our own 0700 directory is left alone.
        if let Ok(meta) = std::fs::symlink_metadata(&side) {
            if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
}

#[cfg(not(unix))]
fn tighten_side_files(_db: &Path) {}

/// SQLite reports a write that a read-only filesystem refused (EROFS) as a bare "disk I/O
/// error". After a failed write, this names the cause when the data directory `dir` has
/// turned read-only (a probe file that is removed again; nothing when `dir` is writable).
pub(crate) fn read_only_cause(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let probe = dir.join(format!(".keymint-write-probe-{}", new_id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
            Some(format!("{} is on a read-only filesystem", dir.display()))
        }
        Err(_) => None,
    }
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub(crate) fn time_to_sql(t: DateTime<Utc>) -> String {
    crate::expiry::rfc3339(t)
}

pub(crate) fn time_from_sql(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_data_directory_is_no_read_only_cause_and_keeps_no_probe() {
        let dir = std::env::temp_dir().join(format!("keymint-probe-{}", new_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        assert_eq!(read_only_cause(&dir), None);
        assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 0);
        assert_eq!(read_only_cause(&dir.join("absent")), None);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn an_expiring_window_past_the_end_of_time_lists_every_future_expiry() {
        let store = Store::open_in_memory().expect("store");
        for secs in [i64::MAX, i64::MIN, 0, 86_400 * 36_500 * 10] {
            let q = KeyQuery {
                expiring_within_secs: Some(secs),
                ..KeyQuery::default()
            };
            // Panicked (`DateTime + TimeDelta` overflowed) before the window was checked.
            assert!(store.key_page(&q).is_ok(), "{secs}");
        }
    }

    #[test]
    fn refuses_newer_schema_and_reopens() {
        let dir = std::env::temp_dir().join(format!("keymint-store-{}", new_id()));
        drop(Store::open(&dir).expect("open"));
        drop(Store::open(&dir).expect("reopen is idempotent"));
        let conn = Connection::open(dir.join(crate::paths::DB_FILE)).expect("raw");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        let err = Store::open(&dir).err().expect("newer refused");
        assert!(err.to_string().contains("newer Keymint"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
