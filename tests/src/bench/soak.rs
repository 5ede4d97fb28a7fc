//! The `soak` phase (issue 18, item 4): a day of use compressed into an hour. The release app
//! runs on a 10,000-key inventory while a script searches 1,000 times, copies 200 secrets,
//! reveals 100, creates 50 keys (against a Fireworks fake), opens the quick-access palette 20
//! times and hides and shows the window; the PSS of the app and all its processes is sampled
//! every minute. What is asked: growth ≤ 5 MiB after the first 10 minutes, read as the
//! median of the last 10 minutes against the median of minutes 10–20. A PNG of the samples is
//! drawn with `plotters`.
//!
//! `KEYMINT_BENCH_SOAK_SECS` sets the length (default 3600; `--quick` 300, with the counts
//! scaled down in proportion); the samples are taken every sixtieth of it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keymint_core::service::{AccountInput, Credential};
use keymint_core::vault::{KeyringVault, Vault};
use keymint_core::{Keymint, SecretString};
use serde_json::json;

use super::seed;
use super::window::{self, Target};
use crate::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};

/// Keys in the soaked inventory.
pub const KEYS: usize = 10_000;
/// Keys whose secret is in the keychain (the ones copied and revealed).
const WITH_SECRETS: usize = 200;

/// What the script does over the whole run (at the full hour).
const SEARCHES: usize = 1000;
const COPIES: usize = 200;
const REVEALS: usize = 100;
const CREATES: usize = 50;
const PALETTES: usize = 20;
const HIDES: usize = 12;

/// What the phase measured.
pub struct SoakResults {
    /// Length of the run, seconds.
    pub secs: u64,
    /// (minutes since start, PSS MiB) every sample.
    pub samples: Vec<(f64, f64)>,
    /// Median PSS over the last sixth of the run minus the median over the second sixth
    /// (minutes 50–60 against 10–20 of an hour), MiB.
    pub growth_mib: f64,
    /// Median PSS over the second sixth of the run, MiB.
    pub settled_mib: f64,
    /// How many of each action ran, and how many failed.
    pub actions: BTreeMap<&'static str, (usize, usize)>,
    /// Where the plot went.
    pub plot: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Search,
    Copy,
    Reveal,
    Create,
    Palette,
    HideShow,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Copy => "copy",
            Self::Reveal => "reveal",
            Self::Create => "create",
            Self::Palette => "palette",
            Self::HideShow => "hide and show",
        }
    }
}

/// The actions spread evenly over `secs`, interleaved, each kind offset a little.
fn timeline(secs: u64, scale: f64) -> Vec<(Duration, Action)> {
    let mut all = Vec::new();
    for (i, (count, action)) in [
        (SEARCHES, Action::Search),
        (COPIES, Action::Copy),
        (REVEALS, Action::Reveal),
        (CREATES, Action::Create),
        (PALETTES, Action::Palette),
        (HIDES, Action::HideShow),
    ]
    .into_iter()
    .enumerate()
    {
        let n = ((count as f64 * scale).round() as usize).max(1);
        let step = secs as f64 / n as f64;
        for k in 0..n {
            let at = step * (k as f64 + 0.1 + 0.13 * i as f64);
            all.push((Duration::from_secs_f64(at.min(secs as f64 - 1.0)), action));
        }
    }
    all.sort_by_key(|(t, _)| *t);
    all
}

/// The app's top-level X windows (xdotool).
fn x_windows(pid: u32) -> Vec<String> {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn xdotool(args: &[&str]) -> bool {
    Command::new("xdotool")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

const INVOKE: &str = "
const done = arguments[arguments.length - 1];
window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
  .then(() => done(true), (e) => done(String(e && e.code ? e.code : e)));";

const SEARCH: &str = "
const i = document.querySelector('[data-testid=\"search\"]');
i.focus(); i.value = arguments[0];
i.dispatchEvent(new Event('input', {bubbles: true}));
return true;";

/// Runs the soak. `app` is the release app, `bench_exe` this binary (the exec stamp).
pub fn run(
    bench_exe: &Path,
    app: &Path,
    work: &Path,
    quick: bool,
    plot_to: &Path,
    log: &mut dyn std::io::Write,
) -> Result<SoakResults, String> {
    let secs = std::env::var("KEYMINT_BENCH_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&s: &u64| s >= 60)
        .unwrap_or(if quick { 300 } else { 3600 });
    let scale = secs as f64 / 3600.0;
    let pid = std::process::id();
    let service = format!("keymint-bench-{pid}-soak");
    let dir = work.join("soak-data");
    let (_, keys) = seed::seed(&dir, KEYS, true);
    seed::keychain_items(&service, &keys[..WITH_SECRETS])?;

    // An account at a Fireworks fake for the creates, added through the core.
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    let vault: Arc<dyn Vault> =
        Arc::new(KeyringVault::new(service.clone(), Duration::from_secs(20)));
    let core = Keymint::open(dir.clone(), vault).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(core.add_account(
        AccountInput {
            provider: "fireworks".into(),
            name: "soak-fw".into(),
            base_url: Some(fake.base_url()),
            ca_cert_pem: None,
            fields: BTreeMap::from([
                ("account_id".to_owned(), "acme".to_owned()),
                ("user_id".to_owned(), "soak".to_owned()),
            ]),
        },
        Credential::Secret(SecretString::from(DEFAULT_CREDENTIAL.to_owned())),
    ))
    .map_err(|e| format!("add the soak account: {e}"))?;
    drop(core);

    let target = Target {
        name: "app-soak".into(),
        binary: app.to_path_buf(),
        env: vec![
            ("KEYMINT_DATA_DIR".into(), dir.display().to_string()),
            ("KEYMINT_KEYCHAIN_SERVICE".into(), service.clone()),
        ],
        ready_css: "[data-testid=\"key-row\"]".into(),
    };
    let l = window::launch(bench_exe, &target, work, 0, Duration::from_secs(300))?;
    l.settle(Duration::from_secs(60));
    let s = &l.session;
    let words = [
        "deploy", "ci", "prod", "st", "04", "staging", "key", "web", "x",
    ];
    let mut actions: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let mut samples = Vec::new();
    let sample_every = Duration::from_secs_f64(secs as f64 / 60.0);
    let started = Instant::now();
    let mut next_sample = Duration::ZERO;
    let mut plan = timeline(secs, scale).into_iter().enumerate().peekable();
    let _ = writeln!(
        log,
        "soak: {secs} s, {} actions, PSS every {:.0} s",
        timeline(secs, scale).len(),
        sample_every.as_secs_f64()
    );
    loop {
        let now = started.elapsed();
        if now >= next_sample {
            let (pss, _, _) = l.memory();
            let minutes = now.as_secs_f64() / 60.0;
            samples.push((minutes, pss as f64 / 1024.0));
            let _ = writeln!(
                log,
                "soak: {minutes:>5.1} min  PSS {:.1} MiB",
                pss as f64 / 1024.0
            );
            next_sample += sample_every;
            if now >= Duration::from_secs(secs) {
                break;
            }
        }
        let due = plan.peek().is_some_and(|(_, (at, _))| *at <= now);
        if !due {
            let until_plan = plan.peek().map_or(Duration::from_secs(1), |(_, (at, _))| {
                at.saturating_sub(now)
            });
            std::thread::sleep(
                until_plan
                    .min(next_sample.saturating_sub(now))
                    .max(Duration::from_millis(5)),
            );
            continue;
        }
        let Some((k, (_, action))) = plan.next() else {
            continue;
        };
        let key = &keys[k % WITH_SECRETS];
        let ok = match action {
            Action::Search => s
                .exec(SEARCH, vec![json!(words[k % words.len()])])
                .is_ok(),
            Action::Copy => s
                .cmd(
                    "POST",
                    "/execute/async",
                    Some(json!({"script": INVOKE, "args": ["copy_key", {"id": key.id}]})),
                )
                .is_ok_and(|v| v == true),
            Action::Reveal => s
                .cmd(
                    "POST",
                    "/execute/async",
                    Some(json!({"script": INVOKE, "args": ["reveal_key", {"id": key.id}]})),
                )
                .is_ok_and(|v| v == true),
            Action::Create => s
                .cmd(
                    "POST",
                    "/execute/async",
                    Some(json!({
                        "script": INVOKE,
                        "args": ["create_key", {"input": {"account": "soak-fw", "label": format!("soak-{k}"), "fields": {}}}]
                    })),
                )
                .is_ok_and(|v| v == true),
            Action::Palette => {
                let opened = xdotool(&["key", "ctrl+shift+k"]);
                std::thread::sleep(Duration::from_millis(300));
                opened && xdotool(&["key", "Escape"])
            }
            Action::HideShow => {
                let windows = x_windows(l.pid);
                let ok = !windows.is_empty()
                    && windows.iter().all(|w| xdotool(&["windowunmap", w]));
                std::thread::sleep(Duration::from_millis(500));
                ok && windows.iter().all(|w| xdotool(&["windowmap", w]))
            }
        };
        let e = actions.entry(action.name()).or_default();
        e.0 += 1;
        if !ok {
            e.1 += 1;
        }
    }
    l.close();
    seed::clear_keychain(&service);

    // Medians, not single samples: WebKit's web process gives memory back in steps (a hidden
    // window, a collection), so one sample says little. Settled: the sixth after the first
    // sixth (minutes 10–20 of an hour); end: the last sixth.
    let sixth = secs as f64 / 60.0 / 6.0;
    let settled_at = sixth;
    let median_between = |from: f64, to: f64| {
        let mut v: Vec<f64> = samples
            .iter()
            .filter(|(m, _)| *m > from && *m <= to + 1e-9)
            .map(|(_, p)| *p)
            .collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let settled_mib = median_between(sixth, 2.0 * sixth);
    let end_mib = median_between(5.0 * sixth, 6.0 * sixth);
    let plot = draw(&samples, settled_at, plot_to)
        .ok()
        .map(|()| plot_to.to_path_buf());
    Ok(SoakResults {
        secs,
        growth_mib: end_mib - settled_mib,
        settled_mib,
        samples,
        actions,
        plot,
    })
}

/// Draws the PSS samples against time to `path` (PNG), with the settling mark.
fn draw(samples: &[(f64, f64)], settled_at: f64, path: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let font = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        .map_err(|e| format!("the DejaVu font: {e}"))?;
    let font: &'static [u8] = Box::leak(font.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, font)
        .map_err(|_| "register the font".to_owned())?;
    let end = samples.last().map_or(60.0, |(m, _)| *m).max(1.0);
    let top = samples.iter().map(|(_, p)| *p).fold(0.0, f64::max) * 1.15 + 1.0;
    let root = BitMapBackend::new(path, (900, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Keymint app: PSS of all its processes during the soak",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0.0..end, 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("minutes")
        .y_desc("PSS (MiB)")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            samples.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(
            samples
                .iter()
                .map(|&(m, p)| Circle::new((m, p), 3, BLUE.filled())),
        )
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            [(settled_at, 0.0), (settled_at, top)],
            RGBColor(160, 160, 160).stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
