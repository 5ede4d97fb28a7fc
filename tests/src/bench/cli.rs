//! The command-line measurements: `keymint key secret`, `keymint exec` and `keymint run`
//! against `secret-tool lookup`, the throughput of `keymint run`'s masking, and the create-key
//! overhead (CLI and in-process), all on the real Secret Service of the session.

use std::collections::BTreeMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keymint_core::mask::CONCEALED;
use keymint_core::reference::Reference;
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
    /// One `secret-tool lookup`, ms (paired with exec5 and run5).
    pub lookup_for_exec: Samples,
    /// `keymint run` with five references running `true`, output masked, ms.
    pub run5: Samples,
    /// The same with `--no-masking` (the child execed on our stdout), ms.
    pub run5_unmasked: Samples,
    /// `keymint run` masking [`MASK_MB`] MB of a child's output into a pipe, MB/s.
    pub mask_run: Samples,
    /// The same child writing into the pipe directly, MB/s.
    pub mask_direct: Samples,
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
    /// The same create by hand: `curl` of the same request to the same fake, then
    /// `secret-tool store` of the key from its answer, ms (the two processes' wall times).
    pub by_hand_create: Samples,
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

/// `secret-tool store` of `secret` (on its standard input) under `service`; its wall time, ms.
fn secret_tool_store(service: &str, user: &str, secret: &str) -> Result<f64, String> {
    use std::io::Write;
    let t = Instant::now();
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            &format!("bench {user}"),
            "service",
            service,
            "user",
            user,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("secret-tool: {e}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(secret.as_bytes())
            .map_err(|e| format!("secret-tool stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("secret-tool: {e}"))?;
    let el = ms(t.elapsed());
    check(&out, "secret-tool store")?;
    Ok(el)
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

/// The account the five keys of items 4 and 5 are imported into.
const ACCOUNT: &str = "fw-prod";

/// Size of the masking input, in MB (10⁶ bytes); a secret every MB.
pub const MASK_MB: usize = 100;

/// Writes the masking input: [`MASK_MB`] blocks of 10⁶ bytes of log-like ASCII lines, each
/// with one line holding `secret` at a different place (so that some occurrences straddle the
/// reads of the child, of Keymint and of the bench). Returns the number of occurrences.
fn write_mask_input(path: &Path, secret: &str) -> Result<usize, String> {
    const BLOCK: usize = 1_000_000;
    let err = |e: std::io::Error| format!("write {}: {e}", path.display());
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).map_err(err)?);
    let mut block: Vec<u8> = Vec::with_capacity(BLOCK + 256);
    let mut n = 0usize;
    for b in 0..MASK_MB {
        block.clear();
        let at = BLOCK / 8 + (b * 7_919) % (BLOCK / 2);
        let mut placed = false;
        while block.len() < BLOCK {
            n += 1;
            if !placed && block.len() >= at {
                writeln!(
                    block,
                    "{n:09} DEBUG child env: BENCH_SECRET={secret} (should not be printed)"
                )
                .map_err(err)?;
                placed = true;
                continue;
            }
            writeln!(
                block,
                "{n:09} INFO  request method=GET path=/v1/items/{} status=200 bytes={} duration_ms={}",
                n % 4_099,
                (n * 37) % 65_536,
                n % 97
            )
            .map_err(err)?;
        }
        block.truncate(BLOCK);
        block[BLOCK - 1] = b'\n';
        w.write_all(&block).map_err(err)?;
    }
    w.flush().map_err(err)?;
    Ok(MASK_MB)
}

/// Counts the occurrences of some needles in a stream read piece by piece (an occurrence may
/// straddle two pieces), keeping only the last `longest − 1` bytes between pieces.
struct StreamCount<'a> {
    needles: Vec<&'a str>,
    counts: Vec<usize>,
    carry: Vec<u8>,
    buf: Vec<u8>,
    bytes: usize,
    ascii: bool,
}

impl<'a> StreamCount<'a> {
    fn new(needles: &[&'a str]) -> Self {
        StreamCount {
            needles: needles.to_vec(),
            counts: vec![0; needles.len()],
            carry: Vec::new(),
            buf: Vec::new(),
            bytes: 0,
            ascii: true,
        }
    }

    fn push(&mut self, piece: &[u8]) {
        self.bytes += piece.len();
        if !piece.is_ascii() {
            self.ascii = false;
            return;
        }
        self.buf.clear();
        self.buf.extend_from_slice(&self.carry);
        self.buf.extend_from_slice(piece);
        let text = std::str::from_utf8(&self.buf).unwrap_or_default();
        let old = self.carry.len();
        for (needle, count) in self.needles.iter().zip(&mut self.counts) {
            // What lies wholly inside the carried bytes was counted with the previous piece.
            *count += text
                .match_indices(needle)
                .filter(|(at, m)| at + m.len() > old)
                .count();
        }
        let longest = self.needles.iter().map(|n| n.len()).max().unwrap_or(1);
        let keep = self.buf.len().min(longest - 1);
        self.carry.clear();
        self.carry
            .extend_from_slice(&self.buf[self.buf.len() - keep..]);
    }
}

/// Runs `cmd` with its stdout piped into this process, read to the end and counted for
/// `needles`; returns the wall time (spawn → exit) in seconds and the counter.
fn drain<'a>(cmd: &mut Command, needles: &[&'a str]) -> Result<(f64, StreamCount<'a>), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut count = StreamCount::new(needles);
    let mut buf = vec![0u8; 256 * 1024];
    let t = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    loop {
        match out.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => count.push(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read the output: {e}")),
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    if !status.success() {
        return Err(format!("{status}: {err}"));
    }
    Ok((secs, count))
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
                    account: ACCOUNT.into(),
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

    // 5. exec with five secrets, and run with five references to the same keys, vs one
    // lookup: the three in a rotating order.
    let env_args: Vec<String> = keys
        .iter()
        .enumerate()
        .flat_map(|(n, (label, _, _))| ["--env".to_owned(), format!("BENCH_SECRET_{n}={label}")])
        .collect();
    let ref_args: Vec<String> = keys
        .iter()
        .enumerate()
        .flat_map(|(n, (label, _, _))| {
            [
                "--env".to_owned(),
                format!("BENCH_SECRET_{n}={}", Reference::new(ACCOUNT, label)),
            ]
        })
        .collect();
    let with = |head: &[&str], list: &[String], tail: &[&str]| -> Vec<String> {
        head.iter()
            .map(|s| (*s).to_owned())
            .chain(list.iter().cloned())
            .chain(tail.iter().map(|s| (*s).to_owned()))
            .collect()
    };
    let exec_args = with(&["exec"], &env_args, &["--", "true"]);
    let run_args = with(&["run"], &ref_args, &["--", "true"]);
    let run_unmasked_args = with(&["run", "--no-masking"], &ref_args, &["--", "true"]);
    // Once, untimed: run resolves the five references to the five secrets and masks them.
    let echo = "printf '%s\\n' \"$BENCH_SECRET_0\" \"$BENCH_SECRET_1\" \"$BENCH_SECRET_2\" \"$BENCH_SECRET_3\" \"$BENCH_SECRET_4\"";
    for (masking, want) in [
        (
            true,
            vec![String::from_utf8_lossy(CONCEALED).into_owned(); 5],
        ),
        (false, keys.iter().map(|k| k.2.clone()).collect()),
    ] {
        let mut args = with(&["run"], &ref_args, &["--", "sh", "-c", echo]);
        if !masking {
            args.insert(1, "--no-masking".to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, out) = timed(&mut env.keymint(&args));
        check(&out, "keymint run (check)")?;
        let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        if got != want {
            return Err(format!(
                "keymint run{} printed {} lines that are not the {}",
                if masking { "" } else { " --no-masking" },
                got.len(),
                if masking {
                    "five masks"
                } else {
                    "five secrets"
                }
            ));
        }
    }
    for i in 0..=runs {
        let time = |args: &[String], what: &str| -> Result<f64, String> {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (t, out) = timed(&mut env.keymint(&args));
            check(&out, what)?;
            Ok(t)
        };
        let mut t = [0.0f64; 3];
        for k in 0..3 {
            let which = (k + i) % 3;
            t[which] = match which {
                0 => time(&exec_args, "keymint exec")?,
                1 => time(&run_args, "keymint run")?,
                _ => {
                    let (t, out) = timed(&mut lookup(&keys[1].1));
                    check(&out, "secret-tool lookup")?;
                    t
                }
            };
        }
        let [e, rn, l] = t;
        let unmasked = time(&run_unmasked_args, "keymint run --no-masking")?;
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
            r.run5.push(rn);
            r.lookup_for_exec.push(l);
            r.run5_unmasked.push(unmasked);
            r.exec1.push(one);
            r.spawn_true.push(plain);
        }
    }
    writeln!(
        log,
        "  5. exec (5 secrets): {:.1} ms, run (5 references): {:.1} ms, one lookup: {:.1} ms",
        r.exec5.median(),
        r.run5.median(),
        r.lookup_for_exec.median()
    )
    .ok();

    // 5. run's masking: a child writing MASK_MB MB with a secret every MB, through `keymint
    // run` into a pipe this process drains, against the same child writing into it directly.
    let input = env.dir.parent().unwrap_or(&env.dir).join("mask-input.txt");
    let secret = keys[0].2.as_str();
    let placed = write_mask_input(&input, secret)?;
    let concealed = std::str::from_utf8(CONCEALED).map_err(|e| e.to_string())?;
    let input_len = std::fs::metadata(&input).map_err(|e| e.to_string())?.len() as usize;
    let masked_len = input_len - placed * secret.len() + placed * CONCEALED.len();
    let reference = Reference::new(ACCOUNT, &keys[0].0).to_string();
    let cat = input.to_string_lossy().into_owned();
    let mb = input_len as f64 / 1e6;
    for i in 0..=runs {
        let masked = || -> Result<f64, String> {
            let (secs, c) = drain(
                &mut env.keymint(&[
                    "run",
                    "--env",
                    &format!("BENCH_SECRET={reference}"),
                    "--",
                    "cat",
                    &cat,
                ]),
                &[concealed, secret],
            )
            .map_err(|e| format!("keymint run (masking): {e}"))?;
            if !c.ascii || c.bytes != masked_len || c.counts != [placed, 0] {
                return Err(format!(
                    "keymint run (masking): {} bytes with {} masks and {} secrets, expected {masked_len} bytes with {placed} masks and no secret",
                    c.bytes, c.counts[0], c.counts[1]
                ));
            }
            Ok(mb / secs)
        };
        let direct = || -> Result<f64, String> {
            let (secs, c) = drain(Command::new("cat").arg(&cat), &[concealed, secret])
                .map_err(|e| format!("cat: {e}"))?;
            if c.bytes != input_len || c.counts != [0, placed] {
                return Err(format!(
                    "cat: {} bytes with {} secrets, expected {input_len} with {placed}",
                    c.bytes, c.counts[1]
                ));
            }
            Ok(mb / secs)
        };
        let (m, d) = if i % 2 == 0 {
            let m = masked()?;
            (m, direct()?)
        } else {
            let d = direct()?;
            (masked()?, d)
        };
        if i > 0 {
            r.mask_run.push(m);
            r.mask_direct.push(d);
        }
    }
    let _ = std::fs::remove_file(&input);
    writeln!(
        log,
        "  5. masking {MASK_MB} MB: keymint run {:.0} MB/s, the child directly {:.0} MB/s",
        r.mask_run.median(),
        r.mask_direct.median()
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
    let hand_url = format!(
        "http://127.0.0.1:{}{}/v1/accounts/acme/users/bench/apiKeys",
        proxy.port(),
        Provider::Fireworks.base_path()
    );
    for i in 0..=runs {
        // By hand, in the same run: the same request with curl, the answer's key stored with
        // secret-tool (what a user would type without Keymint).
        let body = format!(r#"{{"apiKey":{{"displayName":"bench-hand-{i}"}}}}"#);
        let (t_curl, out) = timed(Command::new("curl").args([
            "-sS",
            "--fail",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {DEFAULT_CREDENTIAL}"),
            "-H",
            "Content-Type: application/json",
            "--data",
            &body,
            &hand_url,
        ]));
        check(&out, "curl of the create request")?;
        let key = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|v| v["key"].as_str().map(str::to_owned))
            .ok_or("curl's answer has no key")?;
        let t_store = secret_tool_store(&env.service, &format!("hand-{i}"), &key)?;
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
            r.by_hand_create.push(t_curl + t_store);
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
