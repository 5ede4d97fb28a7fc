//! Launching a window (Keymint or the bare reference) under WebKitWebDriver and measuring
//! it: start-up to ready, memory once idle, and keystroke-to-paint latency.
//!
//! Start-up is timed from the moment the window's own binary is exec'd (a stamp written by
//! `keymint-bench __exec-stamp`, which WebKitWebDriver runs in place of the binary) to the
//! page-clock time of the first DOM lookup that finds the ready element: the first key row
//! for Keymint, `[data-testid=bare-ready]` for the bare window. Lookups run in the page
//! (`performance.timeOrigin + performance.now()`), so the driver's HTTP round trips do not
//! count; the gap to the previous lookup is the resolution. The page's `domInteractive` is
//! kept too: the bare page's ready element is static HTML, so for it that is exact.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::procs;
use super::webdriver::{Driver, Session};

/// What to launch.
#[derive(Clone)]
pub struct Target {
    /// Short name for logs.
    pub name: String,
    /// The window's binary.
    pub binary: PathBuf,
    /// Extra environment (data directory, keychain service).
    pub env: Vec<(String, String)>,
    /// CSS selector of the element that means "ready".
    pub ready_css: String,
}

/// A running, ready window.
pub struct Launched {
    driver: Driver,
    /// Its WebDriver session.
    pub session: Session,
    /// The window process.
    pub pid: u32,
    /// Exec of the binary to the first lookup that found the ready element, ms.
    pub ready_ms: f64,
    /// Gap between that lookup and the previous one, ms (the measurement's resolution).
    pub resolution_ms: f64,
    /// Whether the very first lookup already found it (then `ready_ms` is an upper bound).
    pub first_lookup: bool,
    /// Exec of the binary to the page's DOM being parsed (`domInteractive`), ms. The bare
    /// page's ready element is static, so for it this is the exact ready time.
    pub dom_interactive_ms: Option<f64>,
    /// Exec of the binary to the WebDriver session being open, ms.
    pub session_ms: f64,
}

const READY_SCRIPT: &str = "
const found = document.querySelector(arguments[0]) !== null;
const nav = performance.getEntriesByType('navigation')[0];
const stamp = nav && nav.domInteractive > 0 ? performance.timeOrigin + nav.domInteractive : null;
return [found, performance.timeOrigin + performance.now(), stamp];";

fn read_stamp(path: &Path) -> Option<f64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Starts `target` and waits (up to `timeout`) until it is ready.
pub fn launch(
    bench_exe: &Path,
    target: &Target,
    work: &Path,
    run: usize,
    timeout: Duration,
) -> Result<Launched, String> {
    let stamp = work.join(format!("stamp-{}-{run}", target.name));
    let _ = std::fs::remove_file(&stamp);
    let log = work.join(format!("driver-{}-{run}.log", target.name));
    let driver = Driver::start(&target.env, &log)?;
    let session = driver.session(
        bench_exe,
        &[
            "__exec-stamp".to_owned(),
            stamp.display().to_string(),
            target.binary.display().to_string(),
        ],
    )?;
    let session_at = procs::boottime();
    let epoch_offset = procs::epoch_minus_boot();
    let exec_at = read_stamp(&stamp).ok_or("the exec stamp is missing")?;
    let pid = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(p) = procs::find_descendant(driver.pid(), &target.binary) {
                break p;
            }
            if Instant::now() > deadline {
                return Err(format!("{} is not running", target.binary.display()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let deadline = Instant::now() + timeout;
    let mut previous: Option<f64> = None;
    let mut lookups = 0;
    loop {
        let v = session.exec(READY_SCRIPT, vec![json!(target.ready_css)])?;
        lookups += 1;
        let at = v[1].as_f64().ok_or("no page time")? / 1000.0 - epoch_offset;
        if v[0].as_bool() == Some(true) {
            let dom_interactive_ms = v[2]
                .as_f64()
                .map(|s| (s / 1000.0 - epoch_offset - exec_at) * 1000.0);
            return Ok(Launched {
                driver,
                session,
                pid,
                ready_ms: (at - exec_at) * 1000.0,
                resolution_ms: previous.map_or(f64::NAN, |p| (at - p) * 1000.0),
                first_lookup: lookups == 1,
                dom_interactive_ms,
                session_ms: (session_at - exec_at) * 1000.0,
            });
        }
        previous = Some(at);
        if Instant::now() > deadline {
            return Err(format!(
                "{}: `{}` did not appear within {timeout:?}",
                target.name, target.ready_css
            ));
        }
        std::thread::sleep(Duration::from_millis(4));
    }
}

impl Launched {
    /// Waits until the window's processes are idle (under ~4% of a core for 0.5 s), at most
    /// `max`; returns how long that took, in ms.
    pub fn settle(&self, max: Duration) -> f64 {
        let started = Instant::now();
        let window = Duration::from_millis(250);
        let mut quiet = 0;
        let mut last = procs::tree_cpu_ticks(self.pid);
        while started.elapsed() < max {
            std::thread::sleep(window);
            let now = procs::tree_cpu_ticks(self.pid);
            if now.saturating_sub(last) <= 1 {
                quiet += 1;
                if quiet >= 2 {
                    break;
                }
            } else {
                quiet = 0;
            }
            last = now;
        }
        started.elapsed().as_secs_f64() * 1000.0
    }

    /// PSS and RSS of the window and every process under it, in KiB, and the parts.
    pub fn memory(&self) -> (u64, u64, Vec<(String, u64)>) {
        procs::tree_memory(self.pid)
    }

    /// What the driver and the window printed.
    pub fn log(&self) -> String {
        self.driver.log()
    }

    /// Closes the window and ends every process of this launch.
    pub fn close(self) {
        let tree = procs::tree(self.pid);
        self.session.close();
        let deadline = Instant::now() + Duration::from_secs(3);
        while procs::alive(self.pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for p in tree {
            if procs::alive(p) {
                procs::signal(p, libc::SIGKILL);
            }
        }
        drop(self.driver);
    }
}

/// What the page must show for a keystroke to count as rendered.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Keymint: the list reports `total` matches and its first row is key `first`.
    List {
        /// data-total of the list.
        total: i64,
        /// data-key-id of the first row (when total > 0).
        first: String,
    },
    /// The bare window: the echo line reads `text`.
    Echo(String),
}

impl Expect {
    fn json(&self) -> Value {
        match self {
            Expect::List { total, first } => {
                json!({"mode": "list", "total": total, "first": first})
            }
            Expect::Echo(text) => json!({"mode": "echo", "text": text}),
        }
    }
}

const OK_FN: &str = "
function ok(want) {
  if (want.mode === 'list') {
    const list = document.querySelector('[data-testid=\"key-list\"]');
    if (list === null || list.dataset.total !== String(want.total)) return false;
    if (want.total === 0) return true;
    const row = document.querySelector('[data-testid=\"key-row\"]');
    return row !== null && row.dataset.keyId === want.first;
  }
  const echo = document.querySelector('[data-testid=\"bare-echo\"]');
  return echo !== null && echo.textContent === want.text;
}";

/// Types the last character of a search and times it: returns (keydown to the DOM showing
/// the expected result, keydown to the frame after it was painted), in ms.
///
/// First `prefix` is put in the field (as an input event) and the page is left to settle on
/// `before`; then an observer is armed, the last character `key` is sent as a real key press
/// through WebDriver, and the page stamps the keydown, the DOM change that shows `after`, and
/// the first task after the next animation frame (the paint).
pub fn keystroke(
    s: &Session,
    input_css: &str,
    prefix: &str,
    key: &str,
    before: &Expect,
    after: &Expect,
) -> Result<(f64, f64), String> {
    // The bare page has no script of its own: its echo is wired up here.
    s.exec(
        "const i = document.querySelector(arguments[0]);
         const echo = document.querySelector('[data-testid=\"bare-echo\"]');
         if (echo !== null && window.__benchEcho === undefined) {
           window.__benchEcho = true;
           i.addEventListener('input', () => { echo.textContent = i.value; });
         }
         i.focus(); i.value = arguments[1];
         i.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(input_css), json!(prefix)],
    )?;
    let wait = |want: &Expect, what: &str| -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = s.exec(
                &format!("{OK_FN}\nreturn ok(arguments[0]);"),
                vec![want.json()],
            )?;
            if v.as_bool() == Some(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the page never showed {what}: {want:?}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait(before, "the result of the prefix")?;
    // Let the list finish any follow-up fetches before arming.
    std::thread::sleep(Duration::from_millis(150));
    s.exec(
        &format!(
            "{OK_FN}
const want = arguments[0];
const w = window.__kb = {{t0: null, dom: null, paint: null}};
addEventListener('keydown', () => {{ if (w.t0 === null) w.t0 = performance.now(); }}, {{capture: true, once: true}});
const check = () => {{
  if (w.t0 === null || w.dom !== null || !ok(want)) return;
  w.dom = performance.now();
  mo.disconnect();
  requestAnimationFrame(() => {{
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {{ w.paint = performance.now(); }};
    ch.port2.postMessage(null);
  }});
}};
const mo = new MutationObserver(check);
mo.observe(document.body, {{subtree: true, childList: true, attributes: true, characterData: true}});"
        ),
        vec![after.json()],
    )?;
    let input = s
        .find_all(input_css)?
        .into_iter()
        .next()
        .ok_or("no input field")?;
    s.send_keys(&input, key)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = s.exec("return window.__kb;", vec![])?;
        if let (Some(t0), Some(dom), Some(paint)) =
            (v["t0"].as_f64(), v["dom"].as_f64(), v["paint"].as_f64())
        {
            return Ok((dom - t0, paint - t0));
        }
        if Instant::now() > deadline {
            return Err(format!("no result after the keystroke: {v}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
