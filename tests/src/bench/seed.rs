//! Seeded inventories: five accounts (one per provider) and N keys with status `stored`,
//! written in one transaction straight into the SQLite file that keymint-core created (its
//! own migrations, triggers and full-text index), and optionally the matching keychain items
//! in gnome-keyring's in-memory `session` collection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use keymint_core::store::Store;
use rusqlite::params;

/// Accounts of a seeded inventory: (name, provider).
pub const ACCOUNTS: [(&str, &str); 5] = [
    ("fw-prod", "fireworks"),
    ("flex-us", "flexprice"),
    ("cloud-ops", "hellgate-cloud"),
    ("commerce-eu", "hellgate-commerce"),
    ("hsrc-live", "hsrcpay"),
];

const SERVICES: [&str; 16] = [
    "billing",
    "deploy",
    "payments",
    "search",
    "export",
    "notebook",
    "tokenizer",
    "checkout",
    "refunds",
    "webhooks",
    "analytics",
    "gateway",
    "mobile",
    "reports",
    "sync",
    "ingest",
];
const ENVS: [&str; 5] = ["prod", "staging", "dev", "test", "ci"];

/// A small deterministic generator (xorshift), so every run seeds the same inventory.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }
}

/// One seeded key, as the keychain holds it.
pub struct SeededKey {
    /// Key id.
    pub id: String,
    /// Provider id.
    pub provider: &'static str,
    /// Account name.
    pub account: &'static str,
    /// Label.
    pub label: String,
    /// The secret.
    pub secret: String,
}

/// A seeded inventory in its own data directory.
pub struct Dataset {
    /// Data directory (KEYMINT_DATA_DIR).
    pub dir: PathBuf,
    /// Number of keys.
    pub keys: usize,
    /// Seconds the seeding took.
    pub seed_secs: f64,
}

/// The label of key number `i`.
pub fn label(i: usize) -> String {
    format!(
        "{}-{}-{i:06}",
        SERVICES[i % SERVICES.len()],
        ENVS[(i / SERVICES.len()) % ENVS.len()]
    )
}

/// Creates `dir` with keymint-core's schema and `n` keys; returns the keys' secrets when
/// `with_secrets` (for the keychain), in the order written.
pub fn seed(dir: &Path, n: usize, with_secrets: bool) -> (Dataset, Vec<SeededKey>) {
    let started = std::time::Instant::now();
    // keymint-core creates the file, its pragmas, tables, indexes, triggers and FTS index.
    drop(Store::open(dir).expect("create the inventory"));
    let mut conn = rusqlite::Connection::open(dir.join(keymint_core::paths::DB_FILE))
        .expect("open the inventory");
    conn.pragma_update(None, "journal_mode", "WAL").ok();
    conn.pragma_update(None, "synchronous", "NORMAL").ok();
    let now = Utc::now();
    let ts = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let mut secrets = Vec::new();
    let tx = conn.transaction().expect("transaction");
    let mut account_ids = Vec::new();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO accounts (id, name, provider, base_url, fields, sandbox, created_at)
                 VALUES (?1, ?2, ?3, NULL, ?4, 0, ?5)",
            )
            .expect("prepare");
        for (name, provider) in ACCOUNTS {
            let id = rng.hex(32);
            let fields = match provider {
                "fireworks" => r#"{"account_id":"acme","user_id":"ops"}"#,
                "flexprice" => r#"{"region":"us"}"#,
                "hellgate-cloud" => r#"{"cluster_id":"acme-prod"}"#,
                "hellgate-commerce" => r#"{"account_id":"acc_123"}"#,
                _ => r#"{"account_id":"acct_1"}"#,
            };
            ins.execute(params![
                id,
                name,
                provider,
                fields,
                ts(now - Duration::days(800))
            ])
            .expect("insert account");
            account_ids.push(id);
        }
        let mut ins = tx
            .prepare(
                "INSERT INTO keys (id, account_id, label, remote_id, hint, scopes, extra,
                                   created_at, expires_at, status, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, '{}', ?6, ?7, 'stored', 'created')",
            )
            .expect("prepare");
        for i in 0..n {
            let a = i % ACCOUNTS.len();
            let id = rng.hex(32);
            let secret = format!("sk_{}", rng.hex(40));
            let hint = format!("{}…{}", &secret[..4], &secret[secret.len() - 4..]);
            let label = label(i);
            let created = now - Duration::minutes(i as i64 + 1);
            let expires = (i % 3 != 0)
                .then(|| now + Duration::days((rng.next() % 400) as i64 - 30))
                .map(ts);
            ins.execute(params![
                id,
                account_ids[a],
                label,
                format!("key_{}", rng.hex(16)),
                hint,
                ts(created),
                expires
            ])
            .expect("insert key");
            if with_secrets {
                secrets.push(SeededKey {
                    id,
                    provider: ACCOUNTS[a].1,
                    account: ACCOUNTS[a].0,
                    label,
                    secret,
                });
            }
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .ok();
    (
        Dataset {
            dir: dir.to_path_buf(),
            keys: n,
            seed_secs: started.elapsed().as_secs_f64(),
        },
        secrets,
    )
}

/// Copies a data directory (the database and its WAL files) to `to`.
pub fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy target");
    for name in ["keymint.db", "keymint.db-wal", "keymint.db-shm"] {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name)).expect("copy database");
        }
    }
}

/// Writes `keys` into gnome-keyring's in-memory `session` collection under `service`, with
/// the attributes and labels Keymint uses (so its reconcile and lookups find them). The
/// session collection is never written to disk, which keeps 10k items quick to create.
pub fn keychain_items(service: &str, keys: &[SeededKey]) -> Result<f64, String> {
    use secret_service::blocking::SecretService;
    use secret_service::EncryptionType;
    let started = std::time::Instant::now();
    let ss = SecretService::connect(EncryptionType::Plain).map_err(|e| e.to_string())?;
    let session = ss
        .get_collection_by_alias("session")
        .map_err(|e| format!("no session collection: {e}"))?;
    for k in keys {
        let user = format!("key:{}", k.id);
        let attrs = HashMap::from([("service", service), ("username", user.as_str())]);
        let label = format!("Keymint: {} / {} / {}", k.provider, k.account, k.label);
        session
            .create_item(
                &label,
                attrs,
                k.secret.as_bytes(),
                false,
                "application/octet-stream",
            )
            .map_err(|e| format!("create item: {e}"))?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Deletes every item under `service`, in every collection.
pub fn clear_keychain(service: &str) -> usize {
    use secret_service::blocking::SecretService;
    use secret_service::EncryptionType;
    let Ok(ss) = SecretService::connect(EncryptionType::Plain) else {
        return 0;
    };
    let Ok(found) = ss.search_items(HashMap::from([("service", service)])) else {
        return 0;
    };
    let mut n = 0;
    for item in found.unlocked.iter().chain(found.locked.iter()) {
        if item.delete().is_ok() {
            n += 1;
        }
    }
    n
}
