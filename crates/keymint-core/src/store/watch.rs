//! Noticing changes made by other processes (the CLI, a second window): SQLite's
//! `data_version` on a connection changes whenever *another* connection commits, and never
//! for the connection's own commits.

use crate::error::Result;
use crate::store::Store;

impl Store {
    /// A number that changes when another connection (another process) has committed to the
    /// inventory since the last call; this store's own writes leave it as it is.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_for_other_connections_only() {
        let dir = std::env::temp_dir().join(format!("keymint-watch-{}", crate::store::new_id()));
        let store = Store::open(&dir).expect("store");
        let other = Store::open(&dir).expect("another process's store");
        let v0 = store.data_version().expect("first");
        store.add_event("own", None, None, None).expect("own write");
        assert_eq!(store.data_version().expect("after own"), v0);
        other
            .add_event("other", None, None, None)
            .expect("other write");
        let v1 = store.data_version().expect("after other");
        assert_ne!(v1, v0);
        assert_eq!(store.data_version().expect("nothing new"), v1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
