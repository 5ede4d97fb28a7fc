//! Opening inventories written by every earlier schema version, with data in them.

use rusqlite::Connection;

use super::{Store, MIGRATIONS};
use crate::model::KeyStatus;
use crate::store::{KeyQuery, KeyStatusFilter};

/// A data directory (mode 0700) whose database has run `migrations` and says so in its
/// `user_version`, as the Keymint that wrote it left it.
fn schema_at(migrations: &[&str]) -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("keymint-upgrade-{}", super::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let conn = Connection::open(dir.join(crate::paths::DB_FILE)).expect("db");
    conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
    for sql in migrations {
        conn.execute_batch(sql).expect("old migration");
    }
    conn.pragma_update(None, "user_version", migrations.len() as i64)
        .expect("version");
    (dir, conn)
}

/// A data directory whose database stopped at schema `version`, with an account, two keys
/// (one pending), an event and a reminder already sent.
fn inventory_at(version: usize) -> std::path::PathBuf {
    let (dir, conn) = schema_at(&MIGRATIONS[..version]);
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

/// Keymint's first 0001 (before creates wrote a pending row first): the same schema
/// version, but its `keys` had no 'pending' status. Inventories it made are still about.
fn first_release_0001() -> String {
    let old = MIGRATIONS[0].replace(
        "CHECK (status IN ('pending', 'stored', 'not_stored', 'missing'))",
        "CHECK (status IN ('stored', 'not_stored', 'missing'))",
    );
    assert_ne!(old, MIGRATIONS[0], "0001's status check is where it was");
    old
}

/// A key row as an earlier Keymint wrote it, and as it must read back.
struct OldKey {
    id: &'static str,
    account: &'static str,
    label: &'static str,
    remote_id: Option<&'static str>,
    hint: Option<&'static str>,
    scopes: Option<&'static str>,
    created_at: &'static str,
    expires_at: Option<&'static str>,
    status: KeyStatus,
    origin: &'static str,
    extra: &'static str,
}

const KEYS: [OldKey; 4] = [
    OldKey {
        id: "k1",
        account: "fw",
        label: "deploy",
        remote_id: Some("rk-1"),
        hint: Some("fw_a…wxyz"),
        scopes: Some(r#"["read","write"]"#),
        created_at: "2026-01-02T00:00:00Z",
        expires_at: Some("2026-02-01T00:00:00Z"),
        status: KeyStatus::Stored,
        origin: "created",
        extra: r#"{"email":"a@b.example"}"#,
    },
    OldKey {
        id: "k2",
        account: "fw",
        label: "ci",
        remote_id: None,
        hint: None,
        scopes: None,
        created_at: "2026-01-03T00:00:00Z",
        expires_at: None,
        status: KeyStatus::NotStored,
        origin: "imported",
        extra: "{}",
    },
    OldKey {
        id: "k3",
        account: "hg",
        label: "mtls",
        remote_id: Some("rk-3"),
        hint: Some("abcd…wxyz"),
        scopes: None,
        created_at: "2026-01-04T00:00:00Z",
        expires_at: Some("2027-01-01T00:00:00Z"),
        status: KeyStatus::Missing,
        origin: "created",
        extra: "{}",
    },
    OldKey {
        id: "k4",
        account: "fw",
        label: "half-done",
        remote_id: None,
        hint: None,
        scopes: None,
        created_at: "2026-01-05T00:00:00Z",
        expires_at: None,
        status: KeyStatus::Pending,
        origin: "created",
        extra: "{}",
    },
];

/// Writes two accounts, the keys of [`KEYS`] (without the pending one where the schema has
/// no such status), three events, and from schema 2 on two settings and two reminders.
fn fill(conn: &Connection, version: usize, with_pending: bool) {
    conn.execute_batch(
        r#"INSERT INTO accounts (id, name, provider, base_url, ca_cert_pem, client_cert_pem,
                                 fields, sandbox, created_at) VALUES
               ('a1', 'fw', 'fireworks', 'http://127.0.0.1:9', 'CA-PEM', NULL,
                '{"account_id":"acc","user_id":"usr"}', 1, '2025-12-01T10:00:00Z'),
               ('a2', 'hg', 'hellgate-commerce', NULL, NULL, 'CERT-PEM', '{}', 0,
                '2025-12-02T10:00:00Z');
           INSERT INTO events (at, kind, key_id, account_id, detail) VALUES
               ('2026-01-02T00:00:00Z', 'created', 'k1', 'a1', 'rk-1'),
               ('2026-01-03T00:00:00Z', 'imported', 'k2', 'a1', NULL),
               ('2025-12-02T10:00:00Z', 'account_added', NULL, 'a2', 'hg');"#,
    )
    .expect("accounts and events");
    for k in &KEYS {
        if k.status == KeyStatus::Pending && !with_pending {
            continue;
        }
        let account = if k.account == "fw" { "a1" } else { "a2" };
        conn.execute(
            "INSERT INTO keys (id, account_id, label, remote_id, hint, scopes, extra, created_at,
                               expires_at, status, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                k.id,
                account,
                k.label,
                k.remote_id,
                k.hint,
                k.scopes,
                k.extra,
                k.created_at,
                k.expires_at,
                k.status.as_str(),
                k.origin
            ],
        )
        .expect("key");
    }
    if version >= 2 {
        conn.execute_batch(
            "INSERT INTO settings (name, value, updated_at) VALUES
                 ('theme', 'dark', '2026-01-01T00:00:00Z'),
                 ('reminder_days', '30,7', '2026-01-01T00:00:00Z');
             INSERT INTO reminders_sent (key_id, threshold, expires_at, sent_at) VALUES
                 ('k1', 14, '2026-02-01T00:00:00Z', '2026-01-18T00:00:00Z'),
                 ('k3', 30, '2027-01-01T00:00:00Z', '2026-12-02T00:00:00Z');",
        )
        .expect("settings and reminders");
    }
}

/// The schema as SQLite states it: every table, index and trigger with its SQL.
fn schema(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .expect("schema");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows");
    rows.collect::<rusqlite::Result<_>>().expect("read")
}

fn ids(store: &Store, search: &str) -> Vec<String> {
    let (_, found) = store
        .list_keys(&KeyQuery {
            search: Some(search.to_owned()),
            ..KeyQuery::default()
        })
        .expect("search");
    found.into_iter().map(|k| k.id).collect()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Every key of [`KEYS`] reads back column by column (the pending one only where the old
/// schema could hold it).
fn assert_keys_kept(store: &Store, case: &str, with_pending: bool) {
    for k in &KEYS {
        let row = store.key_by_id(k.id).expect("read");
        if k.status == KeyStatus::Pending && !with_pending {
            assert!(row.is_none(), "{case}");
            continue;
        }
        let row = row.unwrap_or_else(|| panic!("{case}: {} kept", k.id));
        let scopes = k
            .scopes
            .map(|s| serde_json::from_str::<serde_json::Value>(s).expect("json"));
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(k.extra).expect("json");
        let rfc3339 = crate::expiry::rfc3339;
        assert_eq!(row.account, k.account, "{case}");
        assert_eq!(row.label, k.label, "{case}");
        assert_eq!(row.remote_id.as_deref(), k.remote_id, "{case}");
        assert_eq!(row.hint.as_deref(), k.hint, "{case}");
        assert_eq!(row.scopes, scopes, "{case}");
        assert_eq!(rfc3339(row.created_at), k.created_at, "{case}");
        assert_eq!(
            row.expires_at.map(rfc3339).as_deref(),
            k.expires_at,
            "{case}"
        );
        assert_eq!(row.status, k.status, "{case}");
        assert_eq!(row.origin, k.origin, "{case}");
        assert_eq!(row.extra, extra, "{case}");
        assert_eq!(row.sandbox, k.account == "fw", "{case}");
    }
}

/// Accounts, events and (from schema 2) settings read back as written.
fn assert_the_rest_kept(store: &Store, case: &str, version: usize, with_pending: bool) {
    let accounts = store.list_accounts().expect("accounts");
    assert_eq!(accounts.len(), 2, "{case}");
    let fw = &accounts[0];
    assert_eq!(fw.name, "fw");
    assert_eq!(fw.base_url_override.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(fw.ca_cert_pem.as_deref(), Some("CA-PEM"));
    assert_eq!(fw.fields.get("user_id").map(String::as_str), Some("usr"));
    assert_eq!(
        crate::expiry::rfc3339(fw.created_at),
        "2025-12-01T10:00:00Z"
    );
    assert_eq!(fw.key_count, if with_pending { 3 } else { 2 }, "{case}");
    assert_eq!(accounts[1].client_cert_pem.as_deref(), Some("CERT-PEM"));

    let events = store.key_events("k1").expect("events");
    let first = events
        .first()
        .map(|e| (e.kind.as_str(), e.detail.as_deref()));
    assert_eq!(first, Some(("created", Some("rk-1"))), "{case}");
    assert_eq!(count(store, "SELECT count(*) FROM events"), 3, "{case}");

    let settings = store.setting_rows().expect("settings");
    let expected: &[(&str, &str)] = if version >= 2 {
        &[("reminder_days", "30,7"), ("theme", "dark")]
    } else {
        &[]
    };
    let expected: Vec<_> = expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(settings, expected, "{case}");
}

/// The search index covers the old rows in the list's order, new rows go first, and the
/// table's checks and the reminders' foreign key still hold.
fn assert_index_and_constraints_work(
    store: &Store,
    case: &str,
    version: usize,
    with_pending: bool,
) {
    let fw_keys: &[&str] = if with_pending {
        &["k4", "k2", "k1"]
    } else {
        &["k2", "k1"]
    };
    assert_eq!(ids(store, "fireworks"), fw_keys, "{case}");
    assert_eq!(ids(store, "fw"), fw_keys, "{case}: short terms too");
    assert_eq!(ids(store, "rk-"), ["k3", "k1"], "{case}");
    assert_eq!(ids(store, "mtls"), ["k3"], "{case}");

    let mut new_key = crate::store::NewKey {
        id: "k5",
        account_id: "a1",
        label: "after-upgrade",
        remote_id: None,
        hint: None,
        scopes: None,
        extra: &serde_json::Map::new(),
        expires_at: None,
        status: KeyStatus::Pending,
        origin: "created",
    };
    store.insert_key(&new_key).expect("a pending row");
    store
        .set_key_status("k5", KeyStatus::Interrupted)
        .expect("interrupted");
    assert_eq!(ids(store, "fireworks")[0], "k5", "{case}");
    new_key.id = "k6";
    new_key.origin = "copied";
    assert!(
        store.insert_key(&new_key).is_err(),
        "{case}: origin checked"
    );
    let bogus = store
        .conn
        .execute("UPDATE keys SET status = 'lost' WHERE id = 'k1'", []);
    assert!(bogus.is_err(), "{case}: status checked");

    // Reminders were set aside while `keys` was rebuilt; deleting a key still clears its own.
    let reminders = "SELECT count(*) FROM reminders_sent";
    let sent = if version >= 2 { 2 } else { 0 };
    assert_eq!(count(store, reminders), sent, "{case}");
    store.delete_key("k3").expect("delete");
    assert_eq!(count(store, reminders), (sent - 1).max(0), "{case}");
    assert!(ids(store, "mtls").is_empty(), "{case}");
    let broken = count(store, "SELECT count(*) FROM pragma_foreign_key_check");
    assert_eq!(broken, 0, "{case}");
}

#[test]
fn every_column_of_every_earlier_schema_survives_the_upgrade() {
    let fresh = schema(&Store::open_in_memory().expect("fresh").conn);
    let first = first_release_0001();
    for version in 1..MIGRATIONS.len() {
        for first_release in [false, true] {
            let case = format!("schema {version}, first-release 0001: {first_release}");
            let mut migrations: Vec<&str> = MIGRATIONS[..version].to_vec();
            if first_release {
                migrations[0] = &first;
            }
            let with_pending = !first_release;
            let (dir, conn) = schema_at(&migrations);
            fill(&conn, version, with_pending);
            drop(conn);

            let store = Store::open(&dir).expect("upgrade");
            let now = count(&store, "PRAGMA user_version");
            assert_eq!(now, MIGRATIONS.len() as i64, "{case}");
            assert_eq!(schema(&store.conn), fresh, "{case}: as a new inventory's");
            assert_keys_kept(&store, &case, with_pending);
            assert_the_rest_kept(&store, &case, version, with_pending);
            assert_index_and_constraints_work(&store, &case, version, with_pending);
            drop(store);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn the_services_run_on_an_upgraded_inventory() {
    use std::sync::Arc;

    use secrecy::SecretString;

    use crate::settings::Theme;
    use crate::vault::{Item, MemoryVault, Vault};

    for version in 1..MIGRATIONS.len() {
        let (dir, conn) = schema_at(&MIGRATIONS[..version]);
        fill(&conn, version, true);
        drop(conn);
        let vault = Arc::new(MemoryVault::default());
        vault
            .set(
                &Item::key("k1", "fireworks", "fw", "deploy"),
                &SecretString::from("fw_deploysecret0123"),
            )
            .expect("k1's item");
        let core = crate::Keymint::with_store(Store::open(&dir).expect("upgrade"), vault);
        let done = core
            .reconcile(std::time::Duration::ZERO, true)
            .expect("reconcile");
        assert_eq!(
            (done.recovered, done.interrupted, done.missing),
            (0, 1, 0),
            "schema {version}"
        );
        let row = core.resolve_key("half-done").expect("pending row");
        assert_eq!(row.status, KeyStatus::Interrupted, "schema {version}");
        assert_eq!(
            core.resolve_key("deploy").expect("k1").status,
            KeyStatus::Stored
        );
        let settings = core.settings().expect("settings");
        if version >= 2 {
            assert_eq!(settings.theme, Theme::Dark, "schema {version}");
            assert_eq!(settings.reminder_days, vec![30, 7]);
        } else {
            assert_eq!(settings, crate::settings::Settings::default());
        }
        drop(core);
        let _ = std::fs::remove_dir_all(dir);
    }
}
