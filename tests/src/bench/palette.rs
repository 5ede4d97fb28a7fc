//! Quick access (issue 18, point 1), on a 100k-key inventory in the release app:
//!
//! - (a) the shortcut, sent by `xdotool key ctrl+shift+k`, to the palette painted: from just
//!   before xdotool starts (its own start-up counts) to the first task after the animation
//!   frame that follows the palette's `keymint-palette-open` event (the page is hidden until
//!   the window is shown, so no frame runs before);
//! - (b) a keystroke in the palette's search to its results painted, for each of the search
//!   phase's scenarios (`window::keystroke`, the same method as the main window's item 3b);
//! - (c) Enter to the clipboard holding the secret: from the page's keydown to the X server's
//!   selection-owner change (XFixes, seen by a small python3 watcher, then checked with
//!   `xclip -o`); without python3 the clipboard is polled with xclip (coarser).
//!
//! Times on both sides are wall-clock milliseconds (`performance.timeOrigin + now()` in the
//! page, the system clock here), as in `window.rs`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keymint_core::store::{KeyQuery, Store};
use serde_json::{json, Value};

use super::report::{Budget, Row};
use super::search::SCENARIOS;
use super::seed;
use super::stats::Samples;
use super::webdriver::Session;
use super::window::{self, Expect, Target};

/// The palette's title (src-tauri/src/webview.rs).
const PALETTE_TITLE: &str = "Keymint quick access";
/// Keys the palette asks for (ui/src/palette.ts).
const PAGE_SIZE: i64 = 8;
const SEARCH_CSS: &str = "[data-testid=\"palette-search\"]";
/// The key Enter copies: the one the search scenario `042317` finds.
const TARGET_TERM: &str = "042317";

/// What the phase measured.
pub struct Report {
    /// Rows with a budget.
    pub rows: Vec<Row>,
    /// Details.
    pub details: Vec<Row>,
    /// Notes under the table.
    pub notes: Vec<String>,
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(f64::NAN)
}

/// Whether a window titled `PALETTE_TITLE` is mapped.
fn palette_shown() -> bool {
    Command::new("xdotool")
        .args([
            "search",
            "--onlyvisible",
            "--name",
            &format!("^{PALETTE_TITLE}$"),
        ])
        .stderr(Stdio::null())
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false)
}

fn wait_palette(shown: bool, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    while palette_shown() != shown {
        if Instant::now() > deadline {
            return Err(format!(
                "the palette did not {} within {within:?}",
                if shown { "show" } else { "hide" }
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// Runs `xdotool key <keys>`; returns how long xdotool took, in ms.
fn xdotool_key(keys: &str) -> Result<f64, String> {
    let t = Instant::now();
    // No pause between the key events (xdotool waits 12 ms after each by default).
    let status = Command::new("xdotool")
        .args(["key", "--delay", "0", keys])
        .status()
        .map_err(|e| format!("xdotool: {e} (apt-get install xdotool)"))?;
    if !status.success() {
        return Err(format!("xdotool key {keys}: {status}"));
    }
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

/// `{ok}` or `{err}` of an async script in the current web view.
fn run_async(s: &Session, body: &str, args: Vec<Value>) -> Result<Value, String> {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const args = Array.from(arguments).slice(0, -1);
         (async (args) => {{ {body} }})(args).then(
           (v) => done({{ ok: v === undefined ? null : v }}),
           (e) => done({{ err: String(e && e.message || e) }}));"
    );
    s.cmd(
        "POST",
        "/execute/async",
        Some(json!({"script": script, "args": args})),
    )
}

/// The inventory: the 100k seeded keys, every row marked missing (no keychain item: the
/// start's reconcile would mark them one write each) except the target, whose secret goes
/// to the keychain under `service`. Returns the target's id and secret.
fn prepare(dir: &Path, service: &str) -> Result<(String, String), String> {
    let conn = rusqlite::Connection::open(dir.join(keymint_core::paths::DB_FILE))
        .map_err(|e| e.to_string())?;
    let (id, label, account, provider): (String, String, String, String) = conn
        .query_row(
            "SELECT k.id, k.label, a.name, a.provider FROM keys k JOIN accounts a ON a.id = k.account_id
             WHERE k.label LIKE ?1 ORDER BY k.created_at DESC LIMIT 1",
            [format!("%{TARGET_TERM}")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(|e| format!("no key ends in {TARGET_TERM}: {e}"))?;
    conn.execute(
        "UPDATE keys SET status = CASE WHEN id = ?1 THEN 'stored' ELSE 'missing' END",
        [&id],
    )
    .map_err(|e| e.to_string())?;
    drop(conn);
    // No clear timer of an earlier copy may change the clipboard during a later one.
    Store::open(dir)
        .and_then(|mut store| {
            store.put_settings(&[("clipboard_clear_secs", Some("600".to_owned()))])
        })
        .map_err(|e| e.to_string())?;
    let secret = format!(
        "sk_palette_bench_{}_{}",
        std::process::id(),
        now_ms() as u64
    );
    // `SeededKey` names its account with the seed's own constants.
    let (account, provider) = seed::ACCOUNTS
        .iter()
        .find(|(a, p)| *a == account && *p == provider)
        .copied()
        .ok_or("the target's account is not a seeded one")?;
    seed::keychain_items(
        service,
        &[seed::SeededKey {
            id: id.clone(),
            provider,
            account,
            label,
            secret: secret.clone(),
        }],
    )?;
    Ok((id, secret))
}

/// Switches the session to the palette's web view (the one that is not `main`).
fn to_palette(s: &Session, main: &str) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let handles: Vec<String> =
            serde_json::from_value(s.cmd("GET", "/window/handles", None)?).unwrap_or_default();
        if let Some(h) = handles.into_iter().find(|h| h != main) {
            s.cmd("POST", "/window", Some(json!({"handle": h})))?;
            return Ok(h);
        }
        if Instant::now() > deadline {
            return Err("the palette's web view never appeared".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Hides the palette through its own command and waits until it is gone.
fn hide(s: &Session) -> Result<(), String> {
    run_async(
        s,
        "return await window.__TAURI_INTERNALS__.invoke('hide_palette');",
        vec![],
    )?;
    wait_palette(false, Duration::from_secs(5))?;
    // The page resets on hide: let it finish before the next show.
    std::thread::sleep(Duration::from_millis(250));
    Ok(())
}

/// (a) once: returns (xdotool → painted, xdotool → the page's open event, xdotool's own run).
fn shortcut_once(s: &Session) -> Result<(f64, f64, f64), String> {
    s.exec(
        "const w = window.__qa = {opened: null, painted: null};
         addEventListener('keymint-palette-open', () => {
           w.opened = performance.timeOrigin + performance.now();
           requestAnimationFrame(() => {
             const ch = new MessageChannel();
             ch.port1.onmessage = () => { w.painted = performance.timeOrigin + performance.now(); };
             ch.port2.postMessage(null);
           });
         }, {once: true});",
        vec![],
    )?;
    let t0 = now_ms();
    let ran = xdotool_key("ctrl+shift+k")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = s.exec("return window.__qa;", vec![])?;
        if let (Some(opened), Some(painted)) = (v["opened"].as_f64(), v["painted"].as_f64()) {
            return Ok((painted - t0, opened - t0, ran));
        }
        if Instant::now() > deadline {
            return Err(format!("the palette never painted after the shortcut: {v}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Watches the CLIPBOARD selection's owner (XFixes) and prints the wall-clock time of each
/// change, after a first line `ready`.
const OWNER_WATCHER: &str = r#"
import ctypes, sys, time
x = ctypes.cdll.LoadLibrary("libX11.so.6")
xf = ctypes.cdll.LoadLibrary("libXfixes.so.3")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x.XDefaultRootWindow.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XInternAtom.restype = ctypes.c_ulong
x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
xf.XFixesQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
xf.XFixesSelectSelectionInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
d = x.XOpenDisplay(None)
if not d:
    sys.exit("no display")
base, err = ctypes.c_int(), ctypes.c_int()
if not xf.XFixesQueryExtension(d, ctypes.byref(base), ctypes.byref(err)):
    sys.exit("no XFixes")
xf.XFixesSelectSelectionInput(d, x.XDefaultRootWindow(d), x.XInternAtom(d, b"CLIPBOARD", 0), 1)
x.XSync(d, 0)
print("ready", flush=True)
ev = (ctypes.c_long * 24)()
while True:
    x.XNextEvent(d, ev)
    t = time.time()
    if ctypes.cast(ev, ctypes.POINTER(ctypes.c_int))[0] == base.value:
        print("%.6f" % t, flush=True)
"#;

struct Watcher {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watcher {
    fn start() -> Option<Watcher> {
        let mut child = Command::new("python3")
            .args(["-c", OWNER_WATCHER])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut w = Watcher { child, lines: rx };
        match w.lines.recv_timeout(Duration::from_secs(10)) {
            Ok(l) if l == "ready" => Some(w),
            _ => {
                w.stop();
                None
            }
        }
    }

    /// The next owner change, in wall-clock ms.
    fn next(&self, within: Duration) -> Option<f64> {
        let line = self.lines.recv_timeout(within).ok()?;
        line.trim().parse::<f64>().ok().map(|s| s * 1000.0)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_clipboard() -> Option<String> {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Clears the clipboard's content: a fresh owner that serves an empty string, then gone.
fn clear_clipboard() {
    let _ = Command::new("sh")
        .args(["-c", "printf '' | xclip -selection clipboard -i -loops 1 >/dev/null 2>&1 & sleep 0.1; kill $! 2>/dev/null"])
        .status();
}

/// (c) once: shows the palette, searches the target, presses Enter; returns keydown → the
/// clipboard's owner changed (or, without the watcher, → `xclip -o` first read the secret).
fn enter_once(s: &Session, id: &str, secret: &str) -> Result<f64, String> {
    xdotool_key("ctrl+shift+k")?;
    wait_palette(true, Duration::from_secs(5))?;
    s.exec(
        "const i = document.querySelector(arguments[0]);
         i.focus(); i.value = arguments[1];
         i.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(SEARCH_CSS), json!(TARGET_TERM)],
    )?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let first = s.exec(
            "const row = document.querySelector('[data-testid=\"key-row\"]');
             return row !== null && !row.hidden && row.dataset.keyId === arguments[0];",
            vec![json!(id)],
        )?;
        if first.as_bool() == Some(true) {
            break;
        }
        if Instant::now() > deadline {
            return Err("the palette never showed the target key first".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    clear_clipboard();
    let watcher = Watcher::start();
    s.exec(
        "window.__qc = null;
         addEventListener('keydown', () => { window.__qc = performance.timeOrigin + performance.now(); }, {capture: true, once: true});",
        vec![],
    )?;
    let input = s
        .find_all(SEARCH_CSS)?
        .into_iter()
        .next()
        .ok_or("no search field")?;
    s.send_keys(&input, "\u{E007}")?;
    let owner_at = match &watcher {
        Some(w) => w.next(Duration::from_secs(10)),
        None => {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if read_clipboard().as_deref() == Some(secret) {
                    break Some(now_ms());
                }
                if Instant::now() > deadline {
                    break None;
                }
            }
        }
    };
    if let Some(mut w) = watcher {
        w.stop();
    }
    let owner_at = owner_at.ok_or("the clipboard's owner never changed after Enter")?;
    let keydown = s
        .exec("return window.__qc;", vec![])?
        .as_f64()
        .ok_or("no keydown in the page")?;
    if read_clipboard().as_deref() != Some(secret) {
        return Err("the clipboard does not hold the target's secret".into());
    }
    wait_palette(false, Duration::from_secs(5))?;
    std::thread::sleep(Duration::from_millis(250));
    Ok(owner_at - keydown)
}

/// Runs the phase on the data directory `dir` (a copy of the seeded 100k inventory).
pub fn run(
    app: &Path,
    bench_exe: &Path,
    work: &Path,
    dir: &Path,
    runs: usize,
    keystrokes: usize,
    out: &mut dyn std::io::Write,
) -> Result<Report, String> {
    if !app.exists() {
        return Err(format!(
            "{} is missing: run scripts/bench.sh (or `cargo build --release --features custom-protocol --bin keymint-app`)",
            app.display()
        ));
    }
    let service = format!("keymint-bench-{}-palette", std::process::id());
    let (id, secret) = prepare(dir, &service)?;
    let result = measure(
        app, bench_exe, work, dir, &service, &id, &secret, runs, keystrokes, out,
    );
    seed::clear_keychain(&service);
    result
}

#[allow(clippy::too_many_arguments, reason = "one call, from `run`")]
fn measure(
    app: &Path,
    bench_exe: &Path,
    work: &Path,
    dir: &Path,
    service: &str,
    id: &str,
    secret: &str,
    runs: usize,
    keystrokes: usize,
    out: &mut dyn std::io::Write,
) -> Result<Report, String> {
    let target = Target {
        name: "app-100k-palette".into(),
        binary: app.to_path_buf(),
        env: super::env_for(dir, service),
        ready_css: super::KEY_ROW.into(),
    };
    let l = window::launch(bench_exe, &target, work, 0, Duration::from_secs(300))?;
    let settle = l.settle(Duration::from_secs(60));
    writeln!(
        out,
        "  palette: app with 100k keys ready after {:.0} ms, idle after {settle:.0} ms more",
        l.ready_ms
    )
    .ok();
    let s = &l.session;
    let main: String = s
        .cmd("GET", "/window", None)?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // The shortcut is taken a moment after start.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = run_async(
            s,
            "return await window.__TAURI_INTERNALS__.invoke('quick_access_status');",
            vec![],
        )?;
        if st["ok"]["active"] == true {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the quick access shortcut is not active: {st}\n{}",
                l.log()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    to_palette(s, &main)?;

    // (a) shortcut → painted. The first show is timed on its own (a first map of the window).
    let reps = (runs * 3).max(15);
    let mut painted = Samples::default();
    let mut opened = Samples::default();
    let mut xdotool = Samples::default();
    let mut first = f64::NAN;
    for rep in 0..=reps {
        let (p, o, x) = shortcut_once(s)?;
        wait_palette(true, Duration::from_secs(5))?;
        if rep == 0 {
            first = p;
        } else {
            painted.push(p);
            opened.push(o);
            xdotool.push(x);
        }
        hide(s)?;
    }
    writeln!(
        out,
        "  palette: shortcut → painted {:.1} ms (first show {first:.1} ms), xdotool alone {:.1} ms",
        painted.median(),
        xdotool.median()
    )
    .ok();

    // (b) keystroke → results painted, with the palette up.
    xdotool_key("ctrl+shift+k")?;
    wait_palette(true, Duration::from_secs(5))?;
    let store = Store::open(dir).map_err(|e| e.to_string())?;
    let expect = |term: &str| -> Result<Expect, String> {
        let page = store
            .key_page(&KeyQuery {
                search: Some(term.to_owned()),
                limit: PAGE_SIZE,
                ..KeyQuery::default()
            })
            .map_err(|e| e.to_string())?;
        Ok(Expect::List {
            total: page.total,
            first: page.items.first().map(|k| k.id.clone()).unwrap_or_default(),
        })
    };
    let mut typing: Vec<(String, Samples, Samples)> = Vec::new();
    for sc in SCENARIOS {
        let before = expect(sc.prefix)?;
        let after = expect(&sc.term())?;
        let mut dom = Samples::default();
        let mut paint = Samples::default();
        for rep in 0..=keystrokes {
            let (d, p) = window::keystroke(s, SEARCH_CSS, sc.prefix, sc.key, &before, &after)
                .map_err(|e| format!("palette keystroke `{}`: {e}\n{}", sc.term(), l.log()))?;
            if rep > 0 {
                dom.push(d);
                paint.push(p);
            }
        }
        let total = match &after {
            Expect::List { total, .. } => *total,
            Expect::Echo(_) => 0,
        };
        writeln!(
            out,
            "  palette keystroke `{}` → `{}`: DOM {:.1} ms, paint {:.1} ms",
            sc.prefix,
            sc.term(),
            dom.median(),
            paint.median()
        )
        .ok();
        typing.push((
            format!(
                "{} → {total}{} matches",
                sc.what,
                if total > PAGE_SIZE { "+" } else { "" }
            ),
            dom,
            paint,
        ));
    }
    hide(s)?;

    // (c) Enter → the clipboard holds the secret.
    let watched = Watcher::start().map(|mut w| w.stop()).is_some();
    let mut copy = Samples::default();
    for _ in 0..reps.min(15) {
        copy.push(enter_once(s, id, secret)?);
    }
    writeln!(out, "  palette: Enter → clipboard {:.1} ms", copy.median()).ok();
    let (pss, _, _) = l.memory();
    l.close();

    let mut rows = vec![Row::new(
        "quick",
        "Quick access: `xdotool key ctrl+shift+k` → palette painted (100k keys)",
        "ms",
        painted,
    )
    .vs(
        "`xdotool key` alone (its start-up is in the row)",
        xdotool.clone(),
    )
    .budget(Budget::Max(50.0))];
    let mut details = vec![
        Row::new(
            "quick",
            "shortcut → the palette's open event in the page (before its frame)",
            "ms",
            opened,
        ),
        Row::new(
            "quick",
            "shortcut → palette painted, the first show after start (one)",
            "ms",
            Samples(vec![first]),
        ),
        Row::new(
            "quick",
            "PSS of the app with the palette's web view, 100k keys (one launch)",
            "MiB",
            Samples(vec![pss as f64 / 1024.0]),
        ),
    ];
    for (what, dom, paint) in typing {
        rows.push(
            Row::new(
                "quick",
                format!("Quick access: keystroke → results painted, 100k keys, {what}"),
                "ms",
                paint,
            )
            .budget(Budget::Max(16.0)),
        );
        details.push(Row::new(
            "quick",
            format!("palette keystroke → results in the DOM, {what}"),
            "ms",
            dom,
        ));
    }
    rows.push(
        Row::new(
            "quick",
            if watched {
                "Quick access: Enter → the clipboard holds the secret (keydown → X selection owner change)"
            } else {
                "Quick access: Enter → the clipboard holds the secret (keydown → `xclip -o` reads it; no python3 for XFixes)"
            },
            "ms",
            copy,
        )
        .budget(Budget::Max(30.0)),
    );
    let notes = vec![format!(
        "Quick access: the palette pages {PAGE_SIZE} keys; the copied key's secret is the only keychain item of its inventory (the other 99,999 rows are marked missing)."
    )];
    Ok(Report {
        rows,
        details,
        notes,
    })
}
