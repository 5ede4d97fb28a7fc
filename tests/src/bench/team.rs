//! The `team` phase (SPEC §8 load): a real OpenBao dev server and a Fireworks fake.
//!
//! - Two members create keys into one team store at the same time (500 each; `--quick` 100),
//!   next to the same two loops creating keys for local accounts in the same run.
//! - A new member's first `keymint store sync` of a store holding 10,000 keys (`--quick`
//!   2,000): wall time and peak memory, next to plain HTTP reads of the same entries at the
//!   same concurrency (the server's own floor), and a second sync with nothing new.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Instant;

use super::stats::Samples;
use crate::accounts::{account_fields, key_fields, set_args};
use crate::bao::{Bao, BaoApi, ROOT_TOKEN, WRITER};
use crate::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};

/// What the phase measured.
pub struct TeamResults {
    /// Keys each member created.
    pub per_member: usize,
    /// Per-create wall time into the team store, ms (both members).
    pub store_create: Samples,
    /// Per-create wall time for local accounts, ms (both members, same run).
    pub local_create: Samples,
    /// Keys in the store for the sync.
    pub synced: usize,
    /// First sync of a new member, seconds.
    pub sync: Samples,
    /// Peak resident memory of that sync, MB.
    pub sync_rss_mb: Samples,
    /// Listing and reading every entry with plain HTTP at the same concurrency, seconds.
    pub raw_reads: Samples,
    /// A sync with nothing new, seconds.
    pub resync: Samples,
    /// Seconds to put the entries in the store.
    pub seed_secs: f64,
}

/// One member: a data directory and a keychain service.
struct Member {
    cli: PathBuf,
    dir: PathBuf,
    service: String,
}

impl Member {
    fn new(cli: &Path, work: &Path, name: &str, pid: u32) -> Result<Self, String> {
        let dir = work.join(format!("team-{name}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            cli: cli.to_path_buf(),
            dir,
            service: format!("keymint-bench-{pid}-team-{name}"),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cli);
        cmd.arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env("KEYMINT_KEYCHAIN_SERVICE", &self.service)
            .env("KEYMINT_TIMEOUT_SECS", "30")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<Output, String> {
        use std::io::Write;
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        if let (Some(mut pipe), Some(s)) = (child.stdin.take(), stdin) {
            let _ = pipe.write_all(s.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "keymint {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn add_store(&self, bao: &Bao, token: &str) -> Result<(), String> {
        let args = [
            "store",
            "add",
            "team",
            "--address",
            &bao.address,
            "--token-stdin",
        ];
        self.run(&args, Some(token)).map(drop)
    }

    fn add_account(&self, fake: &FakeServer, name: &str, store: bool) -> Result<(), String> {
        let base = fake.base_url();
        let mut args: Vec<String> = vec![
            "account".into(),
            "add".into(),
            "fireworks".into(),
            name.into(),
            "--base-url".into(),
            base,
            "--credential-stdin".into(),
        ];
        args.extend(set_args(&account_fields(Provider::Fireworks)));
        if store {
            args.extend(["--store".to_owned(), "team".to_owned()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs, Some(DEFAULT_CREDENTIAL)).map(drop)
    }

    /// Creates `n` keys for `account`; the wall time of each, in ms.
    fn create_many(&self, account: &str, n: usize) -> Result<Vec<f64>, String> {
        let fields = set_args(&key_fields(Provider::Fireworks));
        (0..n)
            .map(|i| {
                let label = format!("{account}-{i:04}");
                let mut args = vec!["key", "create", account, "--label", &label];
                args.extend(fields.iter().map(String::as_str));
                let started = Instant::now();
                self.run(&args, None)?;
                Ok(started.elapsed().as_secs_f64() * 1e3)
            })
            .collect()
    }

    /// Runs `keymint args…` and returns its wall time (s) and peak resident memory (MB).
    fn timed_with_rss(&self, args: &[&str]) -> Result<(f64, f64), String> {
        let started = Instant::now();
        let child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let pid = child.id() as libc::pid_t;
        // Dropping a Child neither waits nor kills: wait4 reaps it and reports its peak RSS.
        drop(child);
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our child, `status` and `usage` are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let secs = started.elapsed().as_secs_f64();
        if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            return Err(format!(
                "keymint {} failed (status {status})",
                args.join(" ")
            ));
        }
        Ok((secs, usage.ru_maxrss as f64 / 1024.0))
    }
}

/// Runs both create loops at once; their per-create times together.
fn two_at_once(a: &Member, b: &Member, account: &str, n: usize) -> Result<Samples, String> {
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| a.create_many(account, n));
        let tb = s.spawn(|| b.create_many(account, n));
        (
            ta.join()
                .unwrap_or_else(|_| Err("member A panicked".into())),
            tb.join()
                .unwrap_or_else(|_| Err("member B panicked".into())),
        )
    });
    let mut all = ra?;
    all.extend(rb?);
    Ok(Samples(all))
}

/// Puts `n` key entries under `keymint/keys/bulk/` and the account `bulk` beside them, with
/// 32 writes in flight.
fn seed_store(bao: &Bao, fake_base: &str, n: usize) -> Result<Vec<String>, String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let put = |path: String, body: serde_json::Value| {
            let client = client.clone();
            let url = format!("{}/v1/secret/data/keymint/{path}", bao.address);
            async move {
                let r = client
                    .post(url)
                    .header("x-vault-token", ROOT_TOKEN)
                    .header("content-type", "application/json")
                    .body(serde_json::json!({ "data": body }).to_string())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if r.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("seed write: HTTP {}", r.status()))
                }
            }
        };
        put(
            "accounts/bulk/credential".into(),
            serde_json::json!({
                "credential": DEFAULT_CREDENTIAL,
                "provider": "fireworks",
                "base_url": fake_base,
                "fields": {"account_id": "acme", "user_id": "u1"},
            }),
        )
        .await?;
        let ids: Vec<String> = (0..n)
            .map(|i| format!("{:032x}", 0xb0b0_0000_u128 + i as u128))
            .collect();
        let writes = ids.iter().enumerate().map(|(i, id)| {
            put(
                format!("keys/bulk/{id}"),
                serde_json::json!({
                    "secret": format!("fw_bulk_{i:08}_secretvalue"),
                    "account": "bulk",
                    "label": format!("bulk-{i:05}"),
                    "provider": "fireworks",
                    "hint": "fw_b…alue",
                    "created_at": "2026-11-01T00:00:00Z",
                    "created_by": "seed",
                }),
            )
        });
        use futures_util::stream::{self, StreamExt};
        let results: Vec<Result<(), String>> =
            stream::iter(writes).buffer_unordered(32).collect().await;
        results.into_iter().collect::<Result<(), String>>()?;
        Ok(ids)
    })
}

/// Lists and reads every entry with plain HTTP, 16 in flight (Keymint's concurrency).
fn raw_reads(bao: &Bao, ids: &Arc<Vec<String>>) -> Result<f64, String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let started = Instant::now();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let list = client
            .get(format!(
                "{}/v1/secret/metadata/keymint/keys/bulk?list=true",
                bao.address
            ))
            .header("x-vault-token", ROOT_TOKEN)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        if list.is_empty() {
            return Err("empty listing".to_owned());
        }
        let reads = ids.iter().map(|id| {
            let client = client.clone();
            let url = format!("{}/v1/secret/data/keymint/keys/bulk/{id}", bao.address);
            async move {
                client
                    .get(url)
                    .header("x-vault-token", ROOT_TOKEN)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .bytes()
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        });
        use futures_util::stream::{self, StreamExt};
        let results: Vec<Result<(), String>> = stream::iter(reads).buffered(16).collect().await;
        results.into_iter().collect::<Result<(), String>>()
    })?;
    Ok(started.elapsed().as_secs_f64())
}

/// Runs the phase; `runs` syncs of new members.
pub fn run(
    cli: &Path,
    work: &Path,
    quick: bool,
    runs: usize,
    log: &mut dyn std::io::Write,
) -> Result<TeamResults, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pid = std::process::id();
    let per_member = if quick { 100 } else { 500 };
    let synced = if quick { 2_000 } else { 10_000 };
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    let a = Member::new(cli, work, "a", pid)?;
    let b = Member::new(cli, work, "b", pid)?;
    let mut members = vec![];
    for m in [&a, &b] {
        m.add_store(&bao, &bao.token("keymint-writer", "4h"))?;
        m.add_account(&fake, "local", false)?;
    }
    a.add_account(&fake, "shared", true)?;
    b.run(&["store", "sync", "team"], None)?;
    let _ = writeln!(
        log,
        "team: {per_member} creates per member, local then store"
    );
    let local_create = two_at_once(&a, &b, "local", per_member)?;
    let store_create = two_at_once(&a, &b, "shared", per_member)?;
    let in_store = bao.kv_list("keymint/keys/shared").len();
    if in_store != 2 * per_member {
        return Err(format!(
            "the store holds {in_store} keys after {} creates",
            2 * per_member
        ));
    }

    let _ = writeln!(log, "team: seeding {synced} entries");
    let started = Instant::now();
    let ids = Arc::new(seed_store(&bao, &fake.base_url(), synced)?);
    let seed_secs = started.elapsed().as_secs_f64();
    let mut sync = Samples::default();
    let mut sync_rss_mb = Samples::default();
    let mut raw = Samples::default();
    let mut resync = Samples::default();
    for i in 0..runs.max(1) {
        raw.push(raw_reads(&bao, &ids)?);
        let c = Member::new(cli, work, &format!("c{i}"), pid)?;
        c.add_store(&bao, &bao.token("keymint-writer", "4h"))?;
        let (secs, rss) = c.timed_with_rss(&["store", "sync", "team"])?;
        sync.push(secs);
        sync_rss_mb.push(rss);
        resync.push(c.timed_with_rss(&["store", "sync", "team"])?.0);
        let listed = c.run(&["--json", "key", "list", "--account", "bulk"], None)?;
        let n = serde_json::from_slice::<serde_json::Value>(&listed.stdout)
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or_default();
        if n != synced {
            return Err(format!("a new member's sync brought {n} of {synced} keys"));
        }
        members.push(c);
    }
    for m in members.iter().chain([&a, &b]) {
        super::seed::clear_keychain(&m.service);
    }
    Ok(TeamResults {
        per_member,
        store_create,
        local_create,
        synced,
        sync,
        sync_rss_mb,
        raw_reads: raw,
        resync,
        seed_secs,
    })
}
