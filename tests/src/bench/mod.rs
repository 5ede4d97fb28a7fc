//! `keymint-bench`: Keymint's benchmark suite (`make bench`). It seeds inventories of 1k,
//! 10k and 100k keys, measures each item of the performance issue several times next to a
//! reference measured in the same run, and prints a table of medians and spreads with the
//! ratio to the reference and the budget. docs/performance.md describes the method.
//!
//! It expects to run inside `scripts/test-session.sh` (a private D-Bus session, an unlocked
//! gnome-keyring and Xvfb) with the release artifacts next to its own binary; `scripts/bench.sh`
//! builds them and runs it.

pub mod cli;
pub mod palette;
pub mod procs;
pub mod proxy;
pub mod report;
pub mod scan;
pub mod search;
pub mod seed;
pub mod soak;
pub mod stats;
pub mod team;
pub mod webdriver;
pub mod window;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use report::{Budget, Row};
use stats::Samples;
use window::{Expect, Target};

/// What to run.
pub struct Options {
    /// Launches per window variant.
    pub runs: usize,
    /// Runs of each command-line measurement.
    pub cli_runs: usize,
    /// Repetitions of each core query.
    pub query_reps: usize,
    /// Keystrokes per search scenario in the app.
    pub keystrokes: usize,
    /// Phases to run (startup, search, cli, size); all when empty.
    pub only: Vec<String>,
    /// Keep the work directory.
    pub keep: bool,
    /// Where results.md and results.json go.
    pub out_dir: PathBuf,
}

impl Options {
    fn wants(&self, phase: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == phase)
    }
}

/// The binaries under test.
struct Artifacts {
    profile: String,
    dir: PathBuf,
    app: PathBuf,
    bare: PathBuf,
    cli: PathBuf,
}

impl Artifacts {
    fn locate(opts: &Options) -> Result<Artifacts, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let dir = std::env::var_os("KEYMINT_BENCH_BIN_DIR")
            .map(PathBuf::from)
            .or_else(|| exe.parent().map(Path::to_path_buf))
            .ok_or("no binary directory")?;
        let profile = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let a = Artifacts {
            app: dir.join("keymint-app"),
            bare: dir.join("examples").join("bare_window"),
            cli: cli::binary(&dir),
            profile,
            dir,
        };
        // `query` is item 3a alone (the core query): no window.
        let windows = opts.wants("startup") || opts.wants("search") || opts.wants("size");
        for (needed, p, how) in [
            (
                windows || opts.wants("soak"),
                &a.app,
                "cargo build --release --features custom-protocol --bin keymint-app",
            ),
            (
                windows,
                &a.bare,
                "cargo build --release --features custom-protocol --example bare_window",
            ),
            (
                opts.wants("cli") || opts.wants("scan") || opts.wants("team"),
                &a.cli,
                "cargo build --release -p keymint-cli",
            ),
        ] {
            if needed && !p.exists() {
                return Err(format!(
                    "{} is missing: run scripts/bench.sh (or `{how}`)",
                    p.display()
                ));
            }
        }
        Ok(a)
    }
}

fn sh(cmd: &str) -> String {
    std::process::Command::new("sh")
        .args(["-c", cmd])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Where and on what the bench ran.
fn machine() -> String {
    let cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    format!(
        "{} CPUs ({}), load average at start {}, Linux {}, WebKitGTK {}",
        sh("nproc"),
        cpu.trim(),
        sh("cut -d' ' -f1-3 /proc/loadavg"),
        sh("uname -r"),
        sh("dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0 2>/dev/null"),
    )
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One window variant of the start-up phase and what was measured on it.
struct Variant {
    target: Target,
    warm_up: bool,
    /// Index of the bare window this one is compared with.
    base: usize,
    ready: Samples,
    dom_interactive: Samples,
    settle: Samples,
    pss: Samples,
    rss: Samples,
    first_lookup: usize,
    resolution: Samples,
    by_process: BTreeMap<String, Samples>,
}

impl Variant {
    fn new(target: Target, warm_up: bool, base: usize) -> Variant {
        Variant {
            target,
            warm_up,
            base,
            ready: Samples::default(),
            dom_interactive: Samples::default(),
            settle: Samples::default(),
            pss: Samples::default(),
            rss: Samples::default(),
            first_lookup: 0,
            resolution: Samples::default(),
            by_process: BTreeMap::new(),
        }
    }
}

const KEY_ROW: &str = "[data-testid=\"key-row\"]";
const BARE_READY: &str = "[data-testid=\"bare-ready\"]";

fn env_for(dir: &Path, service: &str) -> Vec<(String, String)> {
    vec![
        ("KEYMINT_DATA_DIR".into(), dir.display().to_string()),
        ("KEYMINT_KEYCHAIN_SERVICE".into(), service.into()),
    ]
}

/// Runs the bench; returns the process exit status.
pub fn run(opts: &Options) -> i32 {
    match run_inner(opts) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("keymint-bench: {e}");
            1
        }
    }
}

fn run_inner(opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    let out = &mut std::io::stdout();
    if std::env::var_os("DISPLAY").is_none()
        || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
    {
        return Err("no DISPLAY or D-Bus session: run it inside scripts/test-session.sh (scripts/bench.sh does)".into());
    }
    let art = Artifacts::locate(opts)?;
    let bench_exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let machine = machine();
    writeln!(
        out,
        "keymint-bench: {} build in {}\n{machine}",
        art.profile,
        art.dir.display()
    )
    .ok();
    if art.profile != "release" {
        writeln!(
            out,
            "WARNING: not a release build; the numbers say little about the product"
        )
        .ok();
    }
    let pid = std::process::id();
    let work = std::env::temp_dir().join(format!("keymint-bench-{pid}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;

    // --- Inventories ---------------------------------------------------------------------
    let mut sizes: Vec<usize> = Vec::new();
    let query = opts.wants("search") || opts.wants("query");
    if opts.wants("startup") || query {
        sizes.push(1_000);
    }
    if opts.wants("startup") || query || opts.wants("cli") {
        sizes.push(10_000);
    }
    if query {
        sizes.push(100_000);
    }
    let mut notes: Vec<String> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut details: Vec<Row> = Vec::new();
    let mut extra = serde_json::Map::new();
    let mut datasets: BTreeMap<usize, (seed::Dataset, Vec<seed::SeededKey>)> = BTreeMap::new();
    {
        for n in sizes {
            let (d, secrets) = seed::seed(&work.join(format!("seed-{n}")), n, n == 1_000);
            writeln!(out, "seeded {n} keys in {:.1} s", d.seed_secs).ok();
            datasets.insert(n, (d, secrets));
        }
    }

    // --- 1 and 2: start-up and memory ------------------------------------------------------
    if opts.wants("startup") {
        // The keychain is not what items 1 and 2 measure: the 10k and 1k inventories use a
        // keychain service that holds none of their items. A third variant puts the 1k
        // inventory's items in the keychain, to show what the keychain adds at start.
        let (d1, secrets1) = &datasets[&1_000];
        let service_kc = format!("keymint-bench-{pid}-1k");
        let secs = seed::keychain_items(&service_kc, secrets1)?;
        writeln!(
            out,
            "wrote {} keychain items (session collection) in {secs:.1} s",
            secrets1.len()
        )
        .ok();
        notes.push(format!(
            "Writing {} items to gnome-keyring's in-memory collection took {secs:.1} s.",
            secrets1.len()
        ));
        let copy = |name: &str, from: &Path| {
            let to = work.join(name);
            seed::copy(from, &to);
            to
        };
        let app10 = copy("app-10k", &datasets[&10_000].0.dir);
        let app1 = copy("app-1k", &d1.dir);
        let app1_kc = copy("app-1k-kc", &d1.dir);
        let empty = work.join("bare-data");
        std::fs::create_dir_all(&empty).ok();
        let none = format!("keymint-bench-{pid}-none");
        let nocomp = |mut env: Vec<(String, String)>| {
            env.push(("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()));
            env
        };
        let mut variants = vec![
            Variant::new(
                Target {
                    name: "bare".into(),
                    binary: art.bare.clone(),
                    env: env_for(&empty, &none),
                    ready_css: BARE_READY.into(),
                },
                false,
                0,
            ),
            Variant::new(
                Target {
                    name: "app-10k".into(),
                    binary: art.app.clone(),
                    env: env_for(&app10, &none),
                    ready_css: KEY_ROW.into(),
                },
                true,
                0,
            ),
            Variant::new(
                Target {
                    name: "app-1k".into(),
                    binary: art.app.clone(),
                    env: env_for(&app1, &none),
                    ready_css: KEY_ROW.into(),
                },
                true,
                0,
            ),
            Variant::new(
                Target {
                    name: "app-1k-keychain".into(),
                    binary: art.app.clone(),
                    env: env_for(&app1_kc, &service_kc),
                    ready_css: KEY_ROW.into(),
                },
                false,
                0,
            ),
            // Keymint ships with WebKit's accelerated compositing off (src-tauri/src/lib.rs);
            // the bare window keeps WebKit's default. Like for like: the bare window with it
            // off too, and Keymint with it on (KEYMINT_GPU_COMPOSITING=1).
            Variant::new(
                Target {
                    name: "bare-nocomp".into(),
                    binary: art.bare.clone(),
                    env: nocomp(env_for(&empty, &none)),
                    ready_css: BARE_READY.into(),
                },
                false,
                4,
            ),
            Variant::new(
                Target {
                    name: "app-10k-gpu".into(),
                    binary: art.app.clone(),
                    env: {
                        let mut env = env_for(&app10, &none);
                        env.push(("KEYMINT_GPU_COMPOSITING".into(), "1".into()));
                        env
                    },
                    ready_css: KEY_ROW.into(),
                },
                false,
                0,
            ),
        ];
        // Inventories whose keychain lacks the items: the first start's reconcile marks every
        // row missing (one write each); that start is timed on its own, and the measured
        // launches see the steady state after it.
        for v in variants.iter().filter(|v| v.warm_up) {
            let l = window::launch(&bench_exe, &v.target, &work, 999, Duration::from_secs(600))
                .map_err(|e| format!("{} (first start): {e}", v.target.name))?;
            // The app compares with the keychain 2 s after start (src-tauri/src/state.rs).
            std::thread::sleep(Duration::from_millis(2500));
            let settle = l.settle(Duration::from_secs(120)) + 2500.0;
            writeln!(
                out,
                "  first start {:<13} ready {:>7.0} ms, idle after {:>6.0} ms more (reconcile marks every row missing)",
                v.target.name, l.ready_ms, settle
            )
            .ok();
            details.push(Row::new(
                "1",
                format!(
                    "first start → first row, {} whose keychain items are all gone (reconcile marks each row missing)",
                    v.target.name
                ),
                "ms",
                Samples(vec![l.ready_ms]),
            ));
            l.close();
        }
        let count = variants.len();
        for run in 0..opts.runs {
            for k in 0..count {
                // Rotate the order so no variant always follows the same one.
                let v = &mut variants[(k + run) % count];
                let l = window::launch(&bench_exe, &v.target, &work, run, Duration::from_secs(120))
                    .map_err(|e| format!("{}: {e}", v.target.name))?;
                let settle = l.settle(Duration::from_secs(30));
                let (pss, rss, parts) = l.memory();
                writeln!(
                    out,
                    "  run {run} {:<15} ready {:>7.1} ms (±{:.1}{}), session {:>6.1} ms, DOM parsed {:>6.1} ms, idle after {:>6.0} ms more, PSS {:>6.1} MiB",
                    v.target.name,
                    l.ready_ms,
                    l.resolution_ms,
                    if l.first_lookup { ", first lookup" } else { "" },
                    l.session_ms,
                    l.dom_interactive_ms.unwrap_or(f64::NAN),
                    settle,
                    mib(pss)
                )
                .ok();
                v.ready.push(l.ready_ms);
                if let Some(d) = l.dom_interactive_ms {
                    v.dom_interactive.push(d);
                }
                v.resolution.push(l.resolution_ms);
                v.first_lookup += usize::from(l.first_lookup);
                v.settle.push(settle);
                v.pss.push(mib(pss));
                v.rss.push(mib(rss));
                let mut sums: BTreeMap<String, u64> = BTreeMap::new();
                for (comm, kib) in parts {
                    let role = match comm.as_str() {
                        "WebKitWebProces" => "web process".to_owned(),
                        "WebKitNetworkPr" => "network process".to_owned(),
                        c if c.starts_with("keymint-app") || c.starts_with("bare_window") => {
                            "window process".to_owned()
                        }
                        c => c.to_owned(),
                    };
                    *sums.entry(role).or_default() += kib;
                }
                for (role, kib) in sums {
                    v.by_process.entry(role).or_default().push(mib(kib));
                }
                l.close();
            }
        }
        let removed = seed::clear_keychain(&service_kc);
        writeln!(out, "removed {removed} keychain items").ok();
        let bare = &variants[0];
        let app = &variants[1];
        rows.push(
            Row::new(
                "1",
                "Window start → first key row in the DOM, 10k keys (their keychain items absent: the keychain is not measured)",
                "ms",
                app.ready.clone(),
            )
            .vs("bare window (domInteractive)", bare.dom_interactive.clone())
            .budget(Budget::Ratio(1.1)),
        );
        rows.push(
            Row::new(
                "2",
                "Memory: PSS of the app and all its processes, 10k keys, idle after start",
                "MiB",
                app.pss.clone(),
            )
            .vs("bare window", bare.pss.clone())
            .budget(Budget::Delta(15.0)),
        );
        for v in &variants[1..] {
            let base = &variants[v.base];
            if v.base == 0 && v.target.name != "app-10k" {
                details.push(
                    Row::new(
                        "1",
                        format!("start → first row, {}", v.target.name),
                        "ms",
                        v.ready.clone(),
                    )
                    .vs("bare window (domInteractive)", base.dom_interactive.clone()),
                );
            }
            if std::ptr::eq(v, base) {
                continue;
            }
            details.push(
                Row::new("2", format!("PSS, {}", v.target.name), "MiB", v.pss.clone())
                    .vs(base.target.name.clone(), base.pss.clone()),
            );
            for (role, samples) in &v.by_process {
                let reference = base.by_process.get(role).cloned().unwrap_or_default();
                details.push(
                    Row::new(
                        "2",
                        format!("PSS of the {role}, {}", v.target.name),
                        "MiB",
                        samples.clone(),
                    )
                    .vs(base.target.name.clone(), reference),
                );
            }
        }
        for v in &variants {
            details.push(Row::new(
                "1",
                format!("start → idle (CPU quiet), {}", v.target.name),
                "ms",
                Samples(
                    v.ready
                        .0
                        .iter()
                        .zip(&v.settle.0)
                        .map(|(a, b)| a + b)
                        .collect(),
                ),
            ));
            extra.insert(
                v.target.name.clone(),
                json!({
                    "ready_ms": v.ready.0, "dom_interactive_ms": v.dom_interactive.0,
                    "settle_ms": v.settle.0, "pss_mib": v.pss.0, "rss_mib": v.rss.0,
                    "lookup_resolution_ms": v.resolution.0, "found_on_first_lookup": v.first_lookup,
                    "pss_mib_by_process": v.by_process.iter().map(|(k, s)| (k.clone(), json!(s.0))).collect::<serde_json::Map<_, _>>(),
                }),
            );
        }
        details.push(Row::new(
            "1",
            "bare window: start → first lookup that found its ready element (polled like Keymint's row)",
            "ms",
            bare.ready.clone(),
        ));
        if bare.first_lookup > 0 {
            notes.push(format!(
                "The bare window's ready element was already there at the first lookup in {} of {} runs, so its polled time is only an upper bound; item 1 uses its domInteractive instead (the element is static HTML, so the DOM holds it from then on).",
                bare.first_lookup,
                bare.ready.len()
            ));
        }
    }

    // --- 3: search over 100k keys ------------------------------------------------------------
    if query {
        let (d100, _) = &datasets[&100_000];
        // Core: the list's page-0 query on 1k, 10k and 100k keys.
        let mut expect = Vec::new();
        for (n, (d, _)) in &datasets {
            let store = keymint_core::store::Store::open(&d.dir).map_err(|e| e.to_string())?;
            for s in search::SCENARIOS {
                let term = s.term();
                let (core, bare) = search::time_term(
                    &store,
                    &d.dir.join(keymint_core::paths::DB_FILE),
                    &term,
                    opts.query_reps,
                );
                let total = search::reported(&store, &term);
                writeln!(out, "  core query {n:>6} keys `{term}`: {:.3} ms (bare SQLite {:.3} ms), {total} matches", core.median(), bare.median()).ok();
                let row = Row::new(
                    "3a",
                    format!("Core query, {} keys, {} → {total} matches", n, s.what),
                    "ms",
                    core,
                )
                .vs("bare SQLite count of the matches", bare);
                if *n == 100_000 {
                    rows.push(row.budget(Budget::Max(2.0)));
                } else {
                    details.push(row);
                }
            }
            if *n == 100_000 {
                for s in search::SCENARIOS {
                    let before = search::expected(&store, s.prefix);
                    let after = search::expected(&store, &s.term());
                    expect.push((s, before, after));
                }
            }
        }
        // App: keystroke to paint over 100k keys, next to the bare window's echo.
        if opts.wants("search") {
            let app100 = work.join("app-100k");
            seed::copy(&d100.dir, &app100);
            {
                // Rows without keychain items would be marked missing by the first start's
                // reconcile (100k writes); mark them so up front.
                let conn = rusqlite::Connection::open(app100.join(keymint_core::paths::DB_FILE))
                    .map_err(|e| e.to_string())?;
                conn.execute("UPDATE keys SET status = 'missing'", [])
                    .map_err(|e| e.to_string())?;
            }
            let target = Target {
                name: "app-100k".into(),
                binary: art.app.clone(),
                env: env_for(&app100, &format!("keymint-bench-{pid}-none")),
                ready_css: KEY_ROW.into(),
            };
            let l = window::launch(&bench_exe, &target, &work, 0, Duration::from_secs(300))?;
            let settle = l.settle(Duration::from_secs(60));
            let (pss, _, _) = l.memory();
            writeln!(out, "  app with 100k keys: first row after {:.0} ms, idle after {:.0} ms more, PSS {:.1} MiB", l.ready_ms, settle, mib(pss)).ok();
            details.push(Row::new(
                "1",
                "start → first row, app-100k (one launch)",
                "ms",
                Samples(vec![l.ready_ms]),
            ));
            details.push(Row::new(
                "2",
                "PSS, app-100k (one launch)",
                "MiB",
                Samples(vec![mib(pss)]),
            ));
            let mut app_rows = Vec::new();
            for (s, before, after) in &expect {
                if before == after {
                    notes.push(format!(
                        "Scenario `{}`: the keystroke does not change the result; skipped.",
                        s.term()
                    ));
                    continue;
                }
                let mut dom = Samples::default();
                let mut paint = Samples::default();
                for rep in 0..=opts.keystrokes {
                    let (d, p) = window::keystroke(
                        &l.session,
                        "[data-testid=\"search\"]",
                        s.prefix,
                        s.key,
                        &Expect::List {
                            total: before.0,
                            first: before.1.clone(),
                        },
                        &Expect::List {
                            total: after.0,
                            first: after.1.clone(),
                        },
                    )
                    .map_err(|e| format!("keystroke `{}`: {e}\n{}", s.term(), l.log()))?;
                    if rep > 0 {
                        dom.push(d);
                        paint.push(p);
                    }
                }
                writeln!(
                    out,
                    "  keystroke `{}` → `{}`: DOM {:.1} ms, paint {:.1} ms",
                    s.prefix,
                    s.term(),
                    dom.median(),
                    paint.median()
                )
                .ok();
                app_rows.push((s.what, after.0, dom, paint));
            }
            l.close();
            let bare_target = Target {
                name: "bare-keys".into(),
                binary: art.bare.clone(),
                env: env_for(&work.join("bare-data"), "keymint-bench-none"),
                ready_css: BARE_READY.into(),
            };
            std::fs::create_dir_all(work.join("bare-data")).ok();
            let b = window::launch(&bench_exe, &bare_target, &work, 0, Duration::from_secs(60))?;
            b.settle(Duration::from_secs(10));
            let mut bare_paint = Samples::default();
            let mut bare_dom = Samples::default();
            for rep in 0..=opts.keystrokes {
                let (d, p) = window::keystroke(
                    &b.session,
                    "[data-testid=\"bare-input\"]",
                    "abc",
                    "d",
                    &Expect::Echo("abc".into()),
                    &Expect::Echo("abcd".into()),
                )?;
                if rep > 0 {
                    bare_dom.push(d);
                    bare_paint.push(p);
                }
            }
            b.close();
            writeln!(
                out,
                "  bare window keystroke → echo painted: {:.1} ms",
                bare_paint.median()
            )
            .ok();
            for (what, total, dom, paint) in app_rows {
                rows.push(
                    Row::new(
                        "3b",
                        format!("Keystroke → results painted, 100k keys, {what} → {total} matches"),
                        "ms",
                        paint,
                    )
                    .vs("bare window: keystroke → echo painted", bare_paint.clone())
                    .budget(Budget::Max(16.0)),
                );
                details.push(
                    Row::new(
                        "3b",
                        format!("Keystroke → results in the DOM (before paint), 100k keys, {what}"),
                        "ms",
                        dom,
                    )
                    .vs("bare window echo in the DOM", bare_dom.clone()),
                );
            }
        }
    }

    // --- 4, 5, 6: command line (5: exec, run, run's masking) ---------------------------------
    if opts.wants("cli") {
        let dir = work.join("cli");
        seed::copy(&datasets[&10_000].0.dir, &dir);
        let env = cli::CliEnv {
            keymint: art.cli.clone(),
            dir,
            service: format!("keymint-bench-{pid}"),
        };
        let result = cli::run(&env, opts.cli_runs, out);
        seed::clear_keychain(&env.service);
        let r = result?;
        rows.push(
            Row::new(
                "4",
                "`keymint key secret <label>` (10k-key inventory)",
                "ms",
                r.key_secret.clone(),
            )
            .vs(
                "`secret-tool lookup` of the same item",
                r.lookup_for_secret.clone(),
            )
            .budget(Budget::Ratio(1.2)),
        );
        rows.push(
            Row::new(
                "5",
                "`keymint exec` with 5 secrets, running `true`",
                "ms",
                r.exec5.clone(),
            )
            .vs("one `secret-tool lookup`", r.lookup_for_exec.clone())
            .budget(Budget::Ratio(1.5)),
        );
        rows.push(
            Row::new(
                "5",
                "`keymint run` with 5 references (`keymint://ACCOUNT/LABEL`), running `true`, output masked",
                "ms",
                r.run5.clone(),
            )
            .vs("one `secret-tool lookup`", r.lookup_for_exec.clone())
            .budget(Budget::Ratio(1.5)),
        );
        rows.push(
            Row::new(
                "5",
                format!(
                    "`keymint run` masking throughput: `cat` of {} MB (a secret every MB) through the masker into a pipe",
                    cli::MASK_MB
                ),
                "MB/s",
                r.mask_run.clone(),
            )
            .vs("the same `cat` into the pipe directly", r.mask_direct.clone())
            .budget(Budget::Min(200.0)),
        );
        let core_overhead = r
            .core_create_total
            .minus(&r.core_create_server)
            .minus(&r.core_create_store);
        let fixed = Samples(
            r.core_create_server
                .0
                .iter()
                .zip(&r.core_create_store.0)
                .map(|(a, b)| a + b)
                .collect(),
        );
        rows.push(
            Row::new(
                "6",
                "Create-key overhead in the core: total − fake server − keychain store",
                "ms",
                core_overhead,
            )
            .vs("fake server + keychain store", fixed)
            .budget(Budget::Max(5.0)),
        );
        let cli_overhead = r
            .cli_create_total
            .minus(&r.cli_create_server)
            .minus(&r.core_create_store);
        rows.push(
            Row::new(
                "6",
                "`keymint key create` (Fireworks fake, keychain store), as a user runs it",
                "ms",
                r.cli_create_total.clone(),
            )
            .vs(
                "by hand: `curl` of the same request to the same fake + `secret-tool store` of the answer",
                r.by_hand_create.clone(),
            )
            .budget(Budget::Ratio(1.2)),
        );
        details.push(
            Row::new("6", "Create-key overhead of `keymint key create` (process included): total − fake server − keychain store", "ms", cli_overhead)
                .vs("`keymint key create` total", r.cli_create_total.clone()),
        );
        details.push(
            Row::new(
                "5",
                "`keymint exec` with 1 secret, running `true`",
                "ms",
                r.exec1.clone(),
            )
            .vs("`keymint key secret`", r.key_secret.clone()),
        );
        details.push(
            Row::new(
                "5",
                "`keymint run` with 5 references, running `true`, output masked",
                "ms",
                r.run5.clone(),
            )
            .vs("`keymint exec` with the same 5 keys", r.exec5.clone()),
        );
        details.push(
            Row::new(
                "5",
                "`keymint run --no-masking` with 5 references, running `true`",
                "ms",
                r.run5_unmasked.clone(),
            )
            .vs("`keymint run` with masking", r.run5.clone()),
        );
        for (item, what, samples) in [
            ("5", "`true` started directly (the child's own cost)", &r.spawn_true),
            ("6", "core create: total", &r.core_create_total),
            ("6", "core create: fake server (relay-timed)", &r.core_create_server),
            ("6", "core create: keychain store", &r.core_create_store),
            (
                "6",
                "core create: keychain read of the account credential (part of the overhead)",
                &r.core_create_credential,
            ),
            (
                "6",
                "building one HTTP client (reqwest with the platform's root certificates): now once per process and trust configuration, before once per create",
                &r.client_build,
            ),
            ("6", "`keymint key create`: fake server (relay-timed)", &r.cli_create_server),
        ] {
            details.push(Row::new(item, what, "ms", samples.clone()));
        }
    }

    // --- scan: `keymint scan` against grep (tests/src/bench/scan.rs) ------------------------
    if opts.wants("scan") {
        let service = format!("keymint-bench-{pid}-scan");
        let result = scan::run(
            &art.cli,
            &work,
            &service,
            opts.runs <= 3,
            opts.runs.min(5),
            out,
        );
        seed::clear_keychain(&service);
        let r = result?;
        let size = format!("{} files, {:.0} MB", r.files, r.bytes as f64 / 1e6);
        rows.push(
            Row::new(
                "scan",
                format!("`keymint scan` of {size}, {} keys", scan::KEYS),
                "s",
                r.keymint,
            )
            .vs("`grep -rnF -f PATTERNS` of the same tree", r.grep)
            .budget(Budget::Ratio(1.0)),
        );
        details.push(Row::new(
            "scan",
            format!(
                "`keymint scan` of an empty directory, {} keys (start, keychain read, automaton)",
                scan::KEYS
            ),
            "s",
            r.fixed,
        ));
        notes.push(format!(
            "The scanned tree ({size}) took {:.1} s to write.",
            r.build_secs
        ));
    }

    // --- palette: quick access on 100k keys (tests/src/bench/palette.rs) ---------------------
    if opts.wants("palette") {
        let dir = work.join("app-100k-palette");
        match datasets.get(&100_000) {
            Some((d, _)) => seed::copy(&d.dir, &dir),
            None => {
                let (d, _) = seed::seed(&dir, 100_000, false);
                writeln!(
                    out,
                    "seeded 100000 keys for the palette in {:.1} s",
                    d.seed_secs
                )
                .ok();
            }
        }
        let r = palette::run(
            &art.app,
            &bench_exe,
            &work,
            &dir,
            opts.runs,
            opts.keystrokes,
            out,
        )?;
        rows.extend(r.rows);
        details.extend(r.details);
        notes.extend(r.notes);
    }

    // --- team: a team store under load (tests/src/bench/team.rs) ------------------------------
    if opts.wants("team") {
        let r = team::run(&art.cli, &work, opts.runs <= 3, opts.runs.min(3), out)?;
        let n = r.per_member;
        rows.push(
            Row::new(
                "team",
                format!("`keymint key create` into a team store, two members × {n} at once (per create)"),
                "ms",
                r.store_create,
            )
            .vs(
                format!("the same two loops for local accounts (2 × {n})"),
                r.local_create,
            ),
        );
        rows.push(
            Row::new(
                "team",
                format!(
                    "a new member's first `keymint store sync` of {} keys",
                    r.synced
                ),
                "s",
                r.sync,
            )
            .vs(
                "listing and reading the same entries over plain HTTP, 16 in flight",
                r.raw_reads,
            ),
        );
        details.push(Row::new(
            "team",
            format!("peak resident memory of that sync ({} keys)", r.synced),
            "MB",
            r.sync_rss_mb,
        ));
        details.push(Row::new(
            "team",
            format!(
                "a second sync with nothing new ({} keys in the store)",
                r.synced
            ),
            "s",
            r.resync,
        ));
        notes.push(format!(
            "The team store (a real OpenBao dev server) took {:.1} s to receive the {} seeded entries.",
            r.seed_secs, r.synced
        ));
    }

    // --- soak: an hour of scripted use, PSS every minute (tests/src/bench/soak.rs) -----------
    if opts.wants("soak") {
        std::fs::create_dir_all(&opts.out_dir).ok();
        let plot = opts.out_dir.join("soak-pss.png");
        let r = soak::run(&bench_exe, &art.app, &work, opts.runs <= 3, &plot, out)?;
        let minutes = r.secs as f64 / 60.0;
        rows.push(
            Row::new(
                "soak",
                format!(
                    "PSS growth of the app and all its processes over {:.0} minutes of scripted use ({} keys): median of the last {:.0} minutes − median of minutes {:.0}–{:.0}",
                    minutes,
                    soak::KEYS,
                    minutes / 6.0,
                    minutes / 6.0,
                    minutes / 3.0
                ),
                "MiB",
                Samples(vec![r.growth_mib]),
            )
            .budget(Budget::Max(5.0)),
        );
        details.push(Row::new(
            "soak",
            format!(
                "PSS, median of minutes {:.0}–{:.0} (the settled level)",
                minutes / 6.0,
                minutes / 3.0
            ),
            "MiB",
            Samples(vec![r.settled_mib]),
        ));
        details.push(Row::new(
            "soak",
            "PSS samples over the run",
            "MiB",
            Samples(r.samples.iter().map(|(_, p)| *p).collect()),
        ));
        let done: Vec<String> = r
            .actions
            .iter()
            .map(|(k, (n, failed))| format!("{n} {k} ({failed} failed)"))
            .collect();
        notes.push(format!("Soak actions: {}.", done.join(", ")));
        if let Some(p) = r.plot {
            notes.push(format!("Soak plot: {}.", p.display()));
        }
    }

    // --- 7: sizes ------------------------------------------------------------------------------
    if opts.wants("size") {
        let mb = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).ok();
        let one = |v: Option<f64>| Samples(v.into_iter().collect());
        rows.push(
            Row::new(
                "7",
                format!("Binary size, keymint-app ({})", art.profile),
                "MB",
                one(mb(&art.app)),
            )
            .vs(
                "bare_window, same toolchain and profile",
                one(mb(&art.bare)),
            )
            .budget(Budget::Max(12.0)),
        );
        let deb = std::fs::read_dir(art.dir.join("bundle/deb"))
            .ok()
            .and_then(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "deb"))
                    .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            });
        if deb.is_none() {
            notes.push("No .deb under bundle/deb: run `npx tauri bundle --bundles deb` (scripts/bench.sh does).".into());
        }
        rows.push(
            Row::new("7", "`.deb` size", "MB", one(deb.as_deref().and_then(mb)))
                .budget(Budget::Max(8.0)),
        );
        details.push(Row::new(
            "7",
            "keymint CLI binary size",
            "MB",
            one(mb(&art.cli)),
        ));
    }

    // --- Report --------------------------------------------------------------------------------
    let table = report::table(&rows);
    let detail_table = report::table(&details);
    let elapsed = started.elapsed().as_secs_f64();
    let mut md = format!(
        "Measured {} on {machine}; {} build; {} launches per window, {} runs per command, {} keystrokes per scenario; took {:.0} s.\n\n{table}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        art.profile,
        opts.runs,
        opts.cli_runs,
        opts.keystrokes,
        elapsed
    );
    if !notes.is_empty() {
        md.push('\n');
        for n in &notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    md.push_str(&format!("\nDetails:\n\n{detail_table}"));
    writeln!(out, "\n{md}").ok();
    std::fs::create_dir_all(&opts.out_dir).ok();
    let results = json!({
        "machine": machine,
        "profile": art.profile,
        "seconds": elapsed,
        "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
        "details": details.iter().map(Row::json).collect::<Vec<_>>(),
        "windows": extra,
        "notes": notes,
    });
    std::fs::write(opts.out_dir.join("results.md"), &md).ok();
    std::fs::write(
        opts.out_dir.join("results.json"),
        serde_json::to_string_pretty(&results).unwrap_or_default(),
    )
    .ok();
    writeln!(
        out,
        "results: {}",
        opts.out_dir.join("results.md").display()
    )
    .ok();
    if !opts.keep {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(())
}
