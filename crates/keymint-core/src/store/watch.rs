//! Noticing changes made by other processes (the CLI, a second window): SQLite's
//! `data_version` on a connection of our own changes whenever another connection commits.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Watches an inventory for commits made through other connections.
pub struct ChangeWatcher {
    conn: Connection,
    last: i64,
}

impl ChangeWatcher {
    /// Watches the inventory in `dir` (which must exist: open the store first).
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join(crate::paths::DB_FILE);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot watch {}: {e}", path.display())))?;
        let last = version(&conn)?;
        Ok(Self { conn, last })
    }

    /// Whether anything was committed since the last call (or since `open`).
    pub fn changed(&mut self) -> Result<bool> {
        let now = version(&self.conn)?;
        let changed = now != self.last;
        self.last = now;
        Ok(changed)
    }
}

fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn sees_commits_of_other_connections() {
        let dir = std::env::temp_dir().join(format!("keymint-watch-{}", crate::store::new_id()));
        let store = Store::open(&dir).expect("store");
        let mut watcher = ChangeWatcher::open(&dir).expect("watcher");
        assert!(!watcher.changed().expect("first"));
        store.add_event("test", None, None, None).expect("write");
        assert!(watcher.changed().expect("after a commit"));
        assert!(!watcher.changed().expect("nothing new"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
