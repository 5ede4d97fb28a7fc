//! The command-line measurements: `keymint key secret` and `keymint exec` against
//! `secret-tool lookup`, and the create-key overhead (CLI and in-process), all on the real
//! Secret Service of the session.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keymint_core::service::{AccountInput, CreateInput, Credential, ImportInput};
use keymint_core::vault::{Item, KeyringVault, Vault};
use keymint_core::{Keymint, SecretString};

use super::proxy::TimingProxy;
use super::stats::Samples;
use crate::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};

/// The keychain with a stopwatch on stores and reads.
pub struct TimingVault {
    inner: KeyringVault,
    sets: Mutex<Vec<Duration>>,
    gets: Mutex<Vec<Duration>>,
}

impl TimingVault {
    fn new(service: &str) -> Self {
        TimingVault {
            inner: KeyringVault::new(service.to_owned(), Duration::from_secs(20)),
            sets: Mutex::default(),
            gets: Mutex::default(),
        }
    }

    fn take(list: &Mutex<Vec<Duration>>) -> Duration {
        std::mem::take(&mut *list.lock().unwrap_or_else(|p| p.into_inner()))
            .into_iter()
            .sum()
    }
}

impl Vault for TimingVault {
    fn set(&self, item: &Item, secret: &SecretString) -> keymint_core::Result<()> {
        let t = Instant::now();
        let r = self.inner.set(item, secret);
        self.sets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(t.elapsed());
        r
    }

    fn get(&self, item: &Item) -> keymint_core::Result<SecretString> {
        let t = Instant::now();
        let r = self.inner.get(item);
        self.gets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(t.elapsed());
        r
    }

    fn delete(&self, item: &Item) -> keymint_core::Result<()> {
        self.inner.delete(item)
    }

    fn list_users(&self) -> keymint_core::Result<Vec<String>> {
        self.inner.list_users()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs a command to completion and returns its wall time in ms.
fn timed(cmd: &mut Command) -> (f64, Output) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let out = cmd.output().expect("run a command");
    (ms(t.elapsed()), out)
}

/// Results of the command-line phase.
#[derive(Default)]
pub struct CliResults {
    /// `keymint key secret <label>`, ms.
    pub key_secret: Samples,
    /// `secret-tool lookup` of the same item, ms.
    pub lookup_for_secret: Samples,
    /// `keymint exec` with five secrets running `true`, ms.
    pub exec5: Samples,
    /// `keymint exec` with one secret, ms (how the cost grows per secret).
    pub exec1: Samples,
    /// `true` started directly, ms (what running the child costs).
    pub spawn_true: Samples,
    /// One `secret-tool lookup`, ms (paired with exec5).
    pub lookup_for_exec: Samples,
    /// `keymint key create` wall time, ms.
    pub cli_create_total: Samples,
    /// The fake's time inside it, ms.
    pub cli_create_server: Samples,
    /// In-process core create: total, server, keychain store, credential read, ms.
    pub core_create_total: Samples,
    /// Server part of the in-process create, ms.
    pub core_create_server: Samples,
    /// Keychain store part of the in-process create, ms.
    pub core_create_store: Samples,
    /// Keychain read of the account credential in the in-process create, ms.
    pub core_create_credential: Samples,
    /// Building an HTTP client as every create does (`reqwest::Client::builder().build()`
    /// with the platform's root certificates), ms.
    pub client_build: Samples,
}

/// The isolated CLI environment: a copy of the 10k inventory, a keychain service of its own.
pub struct CliEnv {
    /// `keymint` binary.
    pub keymint: PathBuf,
    /// Data directory.
    pub dir: PathBuf,
    /// Keychain service.
    pub service: String,
}

impl CliEnv {
    fn keymint(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.keymint);
        c.arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env("KEYMINT_KEYCHAIN_SERVICE", &self.service)
            .env_remove("KEYMINT_DATA_DIR")
            .env("NO_COLOR", "1");
        c
    }
}

fn check(out: &Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs measurements 4, 5 and 6 with `runs` repetitions each (after one warm-up).
pub fn run(env: &CliEnv, runs: usize, log: &mut dyn Write) -> Result<CliResults, String> {
    let rt = runtime();
    let vault = Arc::new(TimingVault::new(&env.service));
    let core = Keymint::open(env.dir.clone(), vault.clone() as Arc<dyn Vault>)
        .map_err(|e| e.to_string())?;

    // Five imported keys with secrets in the keychain.
    let mut keys = Vec::new();
    for i in 1..=5 {
        let label = format!("bench-secret-{i}");
        let secret = format!("sk_bench_{i}_{}", "0123456789abcdefghijklmnopqrstuv");
        let rec = rt
            .block_on(core.import_key(
                ImportInput {
                    account: "fw-prod".into(),
                    label: label.clone(),
                    remote_id: None,
                    expires: None,
                },
                SecretString::from(secret.clone()),
            ))
            .map_err(|e| format!("import: {e}"))?;
        keys.push((label, rec.id, secret));
    }
    let lookup = |id: &str| {
        let mut c = Command::new("secret-tool");
        c.args([
            "lookup",
            "service",
            &env.service,
            "username",
            &format!("key:{id}"),
        ]);
        c
    };

    let mut r = CliResults::default();
    // 4. key secret vs secret-tool lookup of the same item.
    for i in 0..=runs {
        let order = i % 2 == 0;
        let mut a = (0.0, None);
        let mut b = (0.0, None);
        for step in 0..2 {
            if (step == 0) == order {
                let (t, out) = timed(&mut env.keymint(&["key", "secret", &keys[0].0]));
                check(&out, "keymint key secret")?;
                if String::from_utf8_lossy(&out.stdout).trim_end() != keys[0].2 {
                    return Err("keymint key secret printed another secret".into());
                }
                a = (t, Some(()));
            } else {
                let (t, out) = timed(&mut lookup(&keys[0].1));
                check(&out, "secret-tool lookup")?;
                if String::from_utf8_lossy(&out.stdout).trim_end() != keys[0].2 {
                    return Err("secret-tool lookup printed another secret".into());
                }
                b = (t, Some(()));
            }
        }
        if i > 0 && a.1.is_some() && b.1.is_some() {
            r.key_secret.push(a.0);
            r.lookup_for_secret.push(b.0);
        }
    }
    writeln!(
        log,
        "  4. key secret: {:.1} ms, secret-tool lookup: {:.1} ms (medians)",
        r.key_secret.median(),
        r.lookup_for_secret.median()
    )
    .ok();

    // 5. exec with five secrets vs one lookup.
    let env_args: Vec<String> = keys
        .iter()
        .enumerate()
        .flat_map(|(n, (label, _, _))| ["--env".to_owned(), format!("BENCH_SECRET_{n}={label}")])
        .collect();
    for i in 0..=runs {
        let mut args: Vec<&str> = vec!["exec"];
        args.extend(env_args.iter().map(String::as_str));
        args.extend(["--", "true"]);
        let run_exec = || -> Result<f64, String> {
            let (t, out) = timed(&mut env.keymint(&args));
            check(&out, "keymint exec")?;
            Ok(t)
        };
        let run_lookup = || -> Result<f64, String> {
            let (t, out) = timed(&mut lookup(&keys[1].1));
            check(&out, "secret-tool lookup")?;
            Ok(t)
        };
        let (e, l) = if i % 2 == 0 {
            let e = run_exec()?;
            (e, run_lookup()?)
        } else {
            let l = run_lookup()?;
            (run_exec()?, l)
        };
        let (one, out) = timed(&mut env.keymint(&[
            "exec",
            "--env",
            &format!("BENCH_SECRET_0={}", keys[0].0),
            "--",
            "true",
        ]));
        check(&out, "keymint exec (one secret)")?;
        let (plain, _) = timed(&mut Command::new("true"));
        if i > 0 {
            r.exec5.push(e);
            r.lookup_for_exec.push(l);
            r.exec1.push(one);
            r.spawn_true.push(plain);
        }
    }
    writeln!(
        log,
        "  5. exec (5 secrets): {:.1} ms, one lookup: {:.1} ms",
        r.exec5.median(),
        r.lookup_for_exec.median()
    )
    .ok();

    // 6. create-key: the Fireworks fake behind a relay that times it.
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    let upstream = fake.origin().trim_start_matches("http://").to_owned();
    let proxy = TimingProxy::start(upstream);
    let base = format!(
        "http://127.0.0.1:{}{}",
        proxy.port(),
        Provider::Fireworks.base_path()
    );
    rt.block_on(core.add_account(
        AccountInput {
            provider: "fireworks".into(),
            name: "bench-fw".into(),
            base_url: Some(base),
            ca_cert_pem: None,
            fields: BTreeMap::from([
                ("account_id".to_owned(), "acme".to_owned()),
                ("user_id".to_owned(), "bench".to_owned()),
            ]),
        },
        Credential::Secret(SecretString::from(DEFAULT_CREDENTIAL.to_owned())),
    ))
    .map_err(|e| format!("add the bench account: {e}"))?;
    for i in 0..=runs {
        // The CLI, as a user runs it.
        let label = format!("bench-cli-{i}");
        let from = Instant::now();
        let (t, out) =
            timed(&mut env.keymint(&["--json", "key", "create", "bench-fw", "--label", &label]));
        let to = Instant::now();
        check(&out, "keymint key create")?;
        let server = ms(proxy.server_time(from, to));
        // The core in this process, with the keychain on a stopwatch.
        TimingVault::take(&vault.sets);
        TimingVault::take(&vault.gets);
        let label = format!("bench-core-{i}");
        let from = Instant::now();
        let created = rt
            .block_on(core.create_key(CreateInput {
                account: "bench-fw".into(),
                label,
                expires: None,
                fields: BTreeMap::new(),
            }))
            .map_err(|e| format!("core create: {e}"))?;
        let total = ms(from.elapsed());
        let to = Instant::now();
        if !created.stored {
            return Err(format!("core create did not store: {:?}", created.warnings));
        }
        if i > 0 {
            r.cli_create_total.push(t);
            r.cli_create_server.push(server);
            r.core_create_total.push(total);
            r.core_create_server.push(ms(proxy.server_time(from, to)));
            r.core_create_store.push(ms(TimingVault::take(&vault.sets)));
            r.core_create_credential
                .push(ms(TimingVault::take(&vault.gets)));
        }
    }
    // What one part of that overhead costs: the HTTP client each request builds.
    keymint_core::http::init_crypto();
    for _ in 0..runs {
        let t = Instant::now();
        let client = reqwest::Client::builder().build();
        let el = ms(t.elapsed());
        if client.is_ok() {
            r.client_build.push(el);
        }
    }
    writeln!(
        log,
        "  6. create: CLI {:.1} ms (server {:.2}), core {:.2} ms (server {:.2}, store {:.2}, credential {:.2})",
        r.cli_create_total.median(),
        r.cli_create_server.median(),
        r.core_create_total.median(),
        r.core_create_server.median(),
        r.core_create_store.median(),
        r.core_create_credential.median()
    )
    .ok();
    Ok(r)
}

/// The CLI binary next to `dir`.
pub fn binary(dir: &Path) -> PathBuf {
    dir.join("keymint")
}
