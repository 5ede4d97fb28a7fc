//! Concurrent writers into one data directory: the real app (its own `create_key` command,
//! invoked from its web view through WebDriver) and two CLI loops (`keymint key create`, one
//! process after another) create keys at the same time against one Fireworks fake, each
//! writing a real gnome-keyring item. Nothing may be lost, doubled or refused, and no
//! "database is locked" may reach anyone.
//!
//! Needs what `app_window.rs` needs (tauri-driver, WebKitWebDriver, a display, a Secret
//! Service): run through `scripts/test-session.sh`. `KEYMINT_CONCURRENT_CREATES` sets the
//! number of keys per writer (default 500).

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use keymint_tests::accounts::{account_fields, set_args};
use keymint_tests::app::App;
use keymint_tests::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::Env;
use serde_json::{json, Value};

/// Keys per writer.
fn per_writer() -> usize {
    std::env::var("KEYMINT_CONCURRENT_CREATES")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(500)
}

const ACCOUNT: &str = "fw";
const LOCKED: &str = "database is locked";

/// Starts `n` `create_key` calls, one after another, inside the app's web view. Progress,
/// ids, secrets and errors collect in `window.__kmConcurrency`; [`app_progress`] reads them.
const START_APP_CREATES: &str = r#"
const [n, account] = arguments;
const state = { done: 0, keys: [], errors: [] };
window.__kmConcurrency = state;
(async () => {
  for (let i = 0; i < n; i++) {
    try {
      const created = await window.__TAURI_INTERNALS__.invoke('create_key', {
        input: { account, label: `app-${i}`, fields: {} },
      });
      if (created.stored && created.key && created.warnings.length === 0) {
        state.keys.push([created.key.id, created.secret]);
      } else {
        state.errors.push(`app-${i}: stored=${created.stored} warnings=${JSON.stringify(created.warnings)}`);
      }
    } catch (e) {
      const what = e && typeof e === 'object' && 'message' in e ? `${e.code}: ${e.message}` : String(e);
      state.errors.push(`app-${i}: ${what}`);
    }
    state.done++;
  }
})();
return true;
"#;

/// `(done, error count)` of the app's creates so far.
fn app_progress(app: &App) -> (usize, usize) {
    let v = app.exec(
        "const s = window.__kmConcurrency; return [s.done, s.errors.length];",
        vec![],
    );
    let n = |i: usize| v[i].as_u64().map_or(0, |n| n as usize);
    (n(0), n(1))
}

/// One writer's outcome: id → secret of each key it made, and what went wrong.
#[derive(Default)]
struct Outcome {
    keys: Vec<(String, String)>,
    errors: Vec<String>,
}

/// `n` `keymint key create` processes, one after another.
fn cli_writer(env: &Env, w: usize, n: usize) -> Outcome {
    let mut out = Outcome::default();
    for i in 0..n {
        let label = format!("cli{w}-{i}");
        let run = env.run(
            &[
                "--json",
                "key",
                "create",
                ACCOUNT,
                "--label",
                &label,
                "--show-secret",
            ],
            None,
        );
        if run.code != 0 || !run.stderr.trim().is_empty() {
            out.errors
                .push(format!("{label}: exit {}: {}", run.code, run.stderr.trim()));
            continue;
        }
        let key: Value = match serde_json::from_str(&run.stdout) {
            Ok(v) => v,
            Err(e) => {
                out.errors
                    .push(format!("{label}: stdout is not JSON ({e})"));
                continue;
            }
        };
        match (key["id"].as_str(), key["secret"].as_str()) {
            (Some(id), Some(secret)) if key["status"] == "stored" => {
                out.keys.push((id.to_owned(), secret.to_owned()));
            }
            _ => out.errors.push(format!(
                "{label}: unexpected answer, status {}",
                key["status"]
            )),
        }
    }
    out
}

/// Every secret gnome-keyring holds under `env`'s service (`secret-tool` prints each item's
/// secret on stdout as `secret = …`).
fn keychain_secrets(env: &Env) -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", &env.service])
        .output()
        .expect("secret-tool");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("secret = "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn app_and_two_cli_processes_create_at_once_and_lose_nothing() {
    let n = per_writer();
    let env = Env::new();
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    let mut args: Vec<String> = vec!["account".into(), "add".into(), "fireworks".into()];
    args.push(ACCOUNT.into());
    args.extend(set_args(&account_fields(Provider::Fireworks)));
    args.extend([
        "--base-url".into(),
        fake.base_url(),
        "--credential-stdin".into(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs, Some(DEFAULT_CREDENTIAL)).ok();

    let launching = Instant::now();
    let app = App::launch(&env, &[]);
    let launch = launching.elapsed();
    let started = Instant::now();
    app.exec(START_APP_CREATES, vec![json!(n), json!(ACCOUNT)]);
    let (cli, app_done) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let env = &env;
                scope.spawn(move || cli_writer(env, w, n))
            })
            .collect();
        // Generous: the point is that it finishes, not how fast (the figure is printed).
        let deadline = started + Duration::from_secs(60 * 20);
        let app_done = loop {
            let (done, failed) = app_progress(&app);
            if done >= n {
                break Instant::now();
            }
            assert!(
                Instant::now() < deadline,
                "the app tried {done} of {n} keys in 20 minutes ({failed} failed)"
            );
            std::thread::sleep(Duration::from_millis(250));
        };
        let cli: Vec<Outcome> = writers
            .into_iter()
            .map(|h| h.join().expect("CLI writer panicked"))
            .collect();
        (cli, app_done)
    });
    let took = started.elapsed();
    eprintln!(
        "concurrency: {} keys (app {n}, CLI 2 x {n}) in {:.1} s; the app's share took {:.1} s \
         (app start {:.1} s)",
        3 * n,
        took.as_secs_f64(),
        (app_done - started).as_secs_f64(),
        launch.as_secs_f64()
    );
    let checking = Instant::now();

    let state = app.exec("return window.__kmConcurrency;", vec![]);
    let app_errors: Vec<String> = state["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default();
    let app_keys: Vec<(String, String)> = state["keys"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| Some((k[0].as_str()?.to_owned(), k[1].as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let driver_log = app.driver_log();
    drop(app);

    // No writer saw an error, and nobody saw the database locked.
    let errors: Vec<&String> = cli
        .iter()
        .flat_map(|o| &o.errors)
        .chain(&app_errors)
        .collect();
    assert!(
        errors.is_empty(),
        "{} failed creates, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(!driver_log.contains(LOCKED), "the app logged \"{LOCKED}\"");

    // Every create made one row, with a distinct id, and each writer got what it asked for.
    let list = env.run(&["--json", "key", "list"], None).ok();
    assert!(!list.stderr.contains(LOCKED));
    let rows = list.json();
    let rows = rows.as_array().expect("key list is an array");
    assert_eq!(rows.len(), 3 * n, "rows in the inventory");
    let ids: HashSet<&str> = rows.iter().filter_map(|k| k["id"].as_str()).collect();
    assert_eq!(ids.len(), 3 * n, "duplicate ids");
    let labels: HashSet<&str> = rows.iter().filter_map(|k| k["label"].as_str()).collect();
    assert_eq!(labels.len(), 3 * n, "lost or doubled rows");
    assert!(rows.iter().all(|k| k["status"] == "stored"));
    for (prefix, count) in [("app-", n), ("cli0-", n), ("cli1-", n)] {
        assert_eq!(
            labels.iter().filter(|l| l.starts_with(prefix)).count(),
            count,
            "{prefix}* rows"
        );
    }
    let made: HashMap<&str, &str> = cli
        .iter()
        .flat_map(|o| &o.keys)
        .chain(&app_keys)
        .map(|(id, secret)| (id.as_str(), secret.as_str()))
        .collect();
    assert_eq!(made.len(), 3 * n, "ids the writers were given");
    assert!(
        made.keys().all(|id| ids.contains(id)),
        "a writer's id has no row"
    );
    assert_eq!(
        fake.request_count(),
        3 * n,
        "requests the provider received"
    );

    // Every secret the provider issued is in the keychain (plus the account's credential),
    // none twice, and the rows point at the right ones (sampled across the three writers).
    let issued: HashSet<String> = fake.issued_secrets().into_iter().collect();
    assert_eq!(issued.len(), 3 * n);
    let held = keychain_secrets(&env);
    assert_eq!(held.len(), 3 * n + 1, "keychain items");
    let held: HashSet<String> = held.into_iter().collect();
    // The credential is kept bound to its destination (SPEC §5): a header line first (the
    // only line this listing keeps of a multi-line secret), the credential after a blank line.
    assert!(held.contains("keymint-credential/1"));
    let listing = Command::new("secret-tool")
        .args(["search", "--all", "service", &env.service])
        .output()
        .expect("secret-tool");
    assert!(String::from_utf8_lossy(&listing.stdout)
        .lines()
        .any(|l| l == DEFAULT_CREDENTIAL));
    let missing = issued.iter().filter(|s| !held.contains(*s)).count();
    assert_eq!(missing, 0, "issued secrets missing from the keychain");
    let mut sampled = 0;
    for keys in cli.iter().map(|o| &o.keys).chain([&app_keys]) {
        for (id, secret) in keys.iter().step_by((n / 4).max(1)) {
            let run = env.run(&["key", "secret", id], None).ok();
            assert!(run.stdout.trim_end() == secret, "key {id}: another secret");
            sampled += 1;
        }
    }
    assert!(sampled >= 3, "sampled {sampled}");

    // And no secret reached the inventory files.
    // (As text: `str::contains` scans a few megabytes 1500 times in well under a second.)
    let db = String::from_utf8_lossy(&env.db_bytes()).into_owned();
    assert!(db.len() > 4096, "no database to scan");
    let leaked = issued.iter().filter(|s| db.contains(s.as_str())).count();
    assert_eq!(leaked, 0, "secrets in the SQLite files");
    eprintln!(
        "concurrency: checked in {:.1} s",
        checking.elapsed().as_secs_f64()
    );
}
