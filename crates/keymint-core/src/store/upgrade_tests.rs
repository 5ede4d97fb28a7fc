//! Opening inventories written by every earlier schema version, with data in them.

use rusqlite::Connection;

use super::{Store, MIGRATIONS};
use crate::model::KeyStatus;
use crate::store::{KeyQuery, KeyStatusFilter};

/// A data directory whose database stopped at schema `version`, with an account, two keys
/// (one pending), an event and a reminder already sent.
fn inventory_at(version: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keymint-upgrade-{}", super::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let conn = Connection::open(dir.join(crate::paths::DB_FILE)).expect("db");
    conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
    for sql in &MIGRATIONS[..version] {
        conn.execute_batch(sql).expect("old migration");
    }
    conn.pragma_update(None, "user_version", version as i64)
        .expect("version");
    conn.execute_batch(
        "INSERT INTO accounts (id, name, provider, created_at)
             VALUES ('a1', 'fw', 'fireworks', '2026-01-01T00:00:00Z');
         INSERT INTO keys (id, account_id, label, hint, created_at, expires_at, status, origin)
             VALUES ('k1', 'a1', 'deploy-key', 'fw_a…wxyz', '2026-01-02T00:00:00Z',
                     '2026-02-01T00:00:00Z', 'stored', 'created'),
                    ('k2', 'a1', 'half-done', NULL, '2026-01-03T00:00:00Z', NULL,
                     'pending', 'created');
         INSERT INTO events (at, kind, key_id, account_id) VALUES
             ('2026-01-02T00:00:00Z', 'created', 'k1', 'a1');",
    )
    .expect("rows");
    if version >= 2 {
        conn.execute_batch(
            "INSERT INTO reminders_sent (key_id, threshold, expires_at, sent_at)
                 VALUES ('k1', 14, '2026-02-01T00:00:00Z', '2026-01-18T00:00:00Z');",
        )
        .expect("reminder");
    }
    dir
}

#[test]
fn every_earlier_schema_opens_with_its_data() {
    for version in 1..MIGRATIONS.len() {
        let dir = inventory_at(version);
        let store = Store::open(&dir).expect("upgrade");
        let (total, keys) = store.list_keys(&KeyQuery::default()).expect("list");
        assert_eq!(total, 2, "schema {version}");
        let k1 = keys.iter().find(|k| k.id == "k1").expect("k1 kept");
        assert_eq!(k1.status, KeyStatus::Stored, "schema {version}");
        assert_eq!(k1.hint.as_deref(), Some("fw_a…wxyz"));
        // The search index still finds both, in the list's order.
        let (_, found) = store
            .list_keys(&KeyQuery {
                search: Some("key".into()),
                ..KeyQuery::default()
            })
            .expect("search");
        assert_eq!(found.len(), 1, "schema {version}: {found:?}");
        // The new status can be written and filtered.
        store
            .set_key_status("k2", KeyStatus::Interrupted)
            .expect("interrupted is allowed");
        let (_, cut) = store
            .list_keys(&KeyQuery {
                status: Some(KeyStatusFilter::Interrupted),
                ..KeyQuery::default()
            })
            .expect("filter");
        assert_eq!(cut.len(), 1, "schema {version}");
        assert_eq!(cut[0].id, "k2");
        if version >= 2 {
            let kept: i64 = store
                .conn
                .query_row("SELECT count(*) FROM reminders_sent", [], |r| r.get(0))
                .expect("count");
            assert_eq!(kept, 1, "schema {version}: reminders survive the rebuild");
        }
        let events: i64 = store
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .expect("count");
        assert_eq!(events, 1);
        drop(store);
        let again = Store::open(&dir).expect("reopen");
        let check: String = again
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(check, "ok");
        let fk: i64 = again
            .conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("fk check");
        assert_eq!(fk, 0);
        let _ = std::fs::remove_dir_all(dir);
    }
}
