//! Driving the real Keymint window through WebDriver: each [`App`] starts its own
//! `tauri-driver` (which starts `WebKitWebDriver`, which starts `keymint-app`) on free ports,
//! with the app's data directory and keychain service taken from an [`Env`].
//!
//! The WebDriver client is a few lines of HTTP/1.1 over a `TcpStream`: `tauri-driver` only
//! listens on 127.0.0.1 in plain HTTP, so no TLS stack and no async runtime are needed, and
//! the module uses nothing this crate does not already depend on.
//!
//! Everything that looks an element up does it by locator, again on every try, and retries
//! until a deadline: the Svelte UI re-renders rows and dialogs, so element references go
//! stale, and dialogs animate in, so the first click can land on a backdrop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{target_bin, Env};

/// How long lookups and waits try before failing.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// The WebDriver key code for Control (held until the end of the keys sent).
pub const CONTROL: char = '\u{E009}';
/// The WebDriver key code for Enter.
pub const ENTER: char = '\u{E007}';
/// The WebDriver key code for Escape.
pub const ESCAPE: char = '\u{E00C}';

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where `tauri-driver` is: `$TAURI_DRIVER`, on `PATH`, or in cargo's bin directory.
pub fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(Path::new(&home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("tauri-driver"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "tauri-driver is missing: install it with `cargo install tauri-driver --locked` \
                 (and `apt-get install webkit2gtk-driver` for WebKitWebDriver)"
            )
        })
}

/// Two distinct free TCP ports on 127.0.0.1.
fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind");
    (
        a.local_addr().expect("addr").port(),
        b.local_addr().expect("addr").port(),
    )
}

/// A WebDriver error: the `error` code and message, or a transport failure.
#[derive(Debug, Clone)]
pub struct WdError {
    /// WebDriver error code (`no such element`, `stale element reference`, …) or `transport`.
    pub code: String,
    /// What the driver said.
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

type WdResult<T> = Result<T, WdError>;

fn transport(message: impl Into<String>) -> WdError {
    WdError {
        code: "transport".into(),
        message: message.into(),
    }
}

/// One HTTP/1.1 request; returns the status and the parsed body. The bench's WebDriver
/// client (src/bench/webdriver.rs) uses it too.
///
/// The request does not say `Connection: close`: tauri-driver forwards request headers to
/// WebKitWebDriver and pools its connections to it, and a pooled connection closed under it
/// fails the next command. So the answer is read by its length (or chunks), not to EOF.
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> WdResult<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| transport(format!("connect to 127.0.0.1:{port}: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| transport(e.to_string()))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
    );
    if body.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    let fail = |what: &str| transport(format!("{method} {path}: {what}"));
    stream
        .write_all(request.as_bytes())
        .map_err(|e| fail(&e.to_string()))?;

    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut read_more = |raw: &mut Vec<u8>| -> WdResult<()> {
        let n = stream
            .read(&mut buf)
            .map_err(|e| fail(&format!("reading the answer: {e}")))?;
        if n == 0 {
            return Err(fail("the connection closed before the answer was complete"));
        }
        raw.extend_from_slice(&buf[..n]);
        Ok(())
    };
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        read_more(&mut raw)?;
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail(&format!("bad status line in {head:?}")))?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_ascii_lowercase())
        })
    };
    let start = split + 4;
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            if let Some(b) = dechunk(&raw[start..]) {
                break b;
            }
            read_more(&mut raw)?;
        }
    } else {
        let len: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| fail("answer has neither a length nor chunks"))?;
        while raw.len() < start + len {
            read_more(&mut raw)?;
        }
        raw[start..start + len].to_vec()
    };
    if body.is_empty() {
        return Ok((status, Value::Null));
    }
    let value = serde_json::from_slice(&body).map_err(|e| {
        fail(&format!(
            "answer is not JSON ({e}): {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ))
    })?;
    Ok((status, value))
}

/// The body of a complete chunked message, or `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Decodes standard base64 (WebDriver screenshots).
pub fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// How to find an element: a CSS selector, or XPath when it starts with `xpath:`.
fn locator(selector: &str) -> Value {
    match selector.strip_prefix("xpath:") {
        Some(x) => json!({"using": "xpath", "value": x}),
        None => json!({"using": "css selector", "value": selector}),
    }
}

/// A CSS selector for `data-testid="<id>"`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The running app window and the driver behind it. Dropping it ends the session, the driver,
/// the native driver and the app (one process group).
pub struct App {
    driver: Child,
    port: u16,
    session: String,
    log: PathBuf,
}

impl App {
    /// Starts `keymint-app` on `env`'s data directory and keychain service (and its extra
    /// variables) plus `extra` variables, and waits until the window shows the inventory.
    pub fn launch(env: &Env, extra: &[(&str, &str)]) -> App {
        Self::launch_binary(env, extra, &target_bin("keymint-app"))
    }

    /// As [`App::launch`], for the app binary at `binary` (an installed one, say).
    pub fn launch_binary(env: &Env, extra: &[(&str, &str)], binary: &Path) -> App {
        let (port, native_port) = free_ports();
        let log = env.dir.join(format!("tauri-driver-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("driver log");
        let mut cmd = Command::new(tauri_driver());
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("KEYMINT_DATA_DIR", &env.dir)
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        // Its own process group: the driver, WebKitWebDriver and the app end together.
        .process_group(0);
        for (k, v) in &env.vars {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let driver = cmd.spawn().expect("spawn tauri-driver");
        let mut app = App {
            driver,
            port,
            session: String::new(),
            log,
        };
        app.start_session(binary);
        app.wait_until_ready();
        app
    }

    /// Waits for the inventory (the key list exists once the keychain check passed).
    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.count(&testid("key-list")) == 0 {
            if Instant::now() > deadline {
                let url = self.command("GET", "/url", None).unwrap_or_default();
                let body = self
                    .command(
                        "POST",
                        "/execute/sync",
                        Some(json!({"script": "return document.body.innerText", "args": []})),
                    )
                    .unwrap_or_default();
                panic!(
                    "the window did not show the inventory within 30 s.\n\
                     page: {url}\ntext: {body}\n\
                     (a page on localhost:1420 means keymint-app was built without the UI: \
                     run `npm --prefix ui run build` and \
                     `cargo build --workspace --bins --features custom-protocol`)"
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn start_session(&mut self, binary: &Path) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(self.port, "GET", "/status", None, Duration::from_secs(2)).is_err() {
            if Instant::now() > deadline || self.driver.try_wait().ok().flatten().is_some() {
                panic!("tauri-driver did not start:\n{}", self.driver_log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {"tauri:options": {"application": binary}}
            }
        });
        let (status, value) = http(
            self.port,
            "POST",
            "/session",
            Some(&caps),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("new session: {e}\n{}", self.driver_log()));
        self.session = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| {
                panic!(
                    "new session failed ({status}): {value}\n{}",
                    self.driver_log()
                )
            })
            .to_owned();
    }

    /// What tauri-driver and WebKitWebDriver (and the app) printed.
    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A WebDriver command in this session (`path` after `/session/<id>`).
    pub fn command(&self, method: &str, path: &str, body: Option<Value>) -> WdResult<Value> {
        let full = format!("/session/{}{path}", self.session);
        let (status, value) = http(
            self.port,
            method,
            &full,
            body.as_ref(),
            Duration::from_secs(60),
        )?;
        let value = value.get("value").cloned().unwrap_or(Value::Null);
        if status >= 400 {
            return Err(WdError {
                code: value["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(value)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub fn exec(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Element ids matching `selector` now (maybe none).
    pub fn find_all(&self, selector: &str) -> WdResult<Vec<String>> {
        let found = self.command("POST", "/elements", Some(locator(selector)))?;
        Ok(found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Number of elements matching `selector` now.
    pub fn count(&self, selector: &str) -> usize {
        self.find_all(selector).map_or(0, |v| v.len())
    }

    /// Polls `check` until it returns `Some`, for up to `timeout`; panics with `what` and the
    /// last error otherwise.
    pub fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut() -> WdResult<Option<T>>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("condition not met");
        loop {
            match check() {
                Ok(Some(v)) => return v,
                Ok(None) => {}
                Err(e) => last = e.to_string(),
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what} ({last})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for an element matching `selector` and returns its id.
    pub fn wait_for(&self, selector: &str) -> String {
        self.wait_until(&format!("`{selector}`"), TIMEOUT, || {
            Ok(self.find_all(selector)?.into_iter().next())
        })
    }

    /// Waits until nothing matches `selector`.
    pub fn wait_gone(&self, selector: &str) {
        self.wait_until(&format!("`{selector}` to go away"), TIMEOUT, || {
            Ok(self.find_all(selector)?.is_empty().then_some(()))
        });
    }

    /// Runs `action` on the first element matching `selector`, looking it up again and
    /// retrying while it is missing, stale, covered or not yet interactable.
    fn with_element<T>(&self, selector: &str, mut action: impl FnMut(&str) -> WdResult<T>) -> T {
        self.wait_until(&format!("`{selector}`"), TIMEOUT, || {
            let Some(id) = self.find_all(selector)?.into_iter().next() else {
                return Ok(None);
            };
            match action(&id) {
                Ok(v) => Ok(Some(v)),
                Err(e)
                    if [
                        "stale element reference",
                        "element not interactable",
                        "element click intercepted",
                        "no such element",
                    ]
                    .contains(&e.code.as_str()) =>
                {
                    Err(e)
                }
                Err(e) => panic!("`{selector}`: {e}"),
            }
        })
    }

    /// Clicks the element matching `selector`.
    pub fn click(&self, selector: &str) {
        self.with_element(selector, |id| {
            self.command("POST", &format!("/element/{id}/click"), Some(json!({})))
                .map(drop)
        });
    }

    /// Types `text` into the element matching `selector` (focusing it first).
    pub fn send_keys(&self, selector: &str, text: &str) {
        self.with_element(selector, |id| {
            self.command(
                "POST",
                &format!("/element/{id}/value"),
                Some(json!({"text": text})),
            )
            .map(drop)
        });
    }

    /// Empties the input matching `selector`, then types `text`.
    pub fn fill(&self, selector: &str, text: &str) {
        self.with_element(selector, |id| {
            self.command("POST", &format!("/element/{id}/clear"), Some(json!({})))
                .map(drop)
        });
        if !text.is_empty() {
            self.send_keys(selector, text);
        }
    }

    /// Chooses the option with `value` in the `<select>` matching `selector`.
    pub fn select(&self, selector: &str, value: &str) {
        self.click(&format!("{selector} option[value=\"{value}\"]"));
        let now = self.prop(selector, "value");
        assert_eq!(now, json!(value), "`{selector}` did not take {value:?}");
    }

    /// The text of the element matching `selector` as the page lays it out (`innerText`).
    ///
    /// Not WebDriver's "element text": its visibility rules drop the text of cells with
    /// `overflow: hidden` and of dialogs still fading in.
    pub fn text(&self, selector: &str) -> String {
        self.with_element(selector, |id| self.inner_text(id))
    }

    fn inner_text(&self, id: &str) -> WdResult<String> {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "return arguments[0].innerText;",
                "args": [{ELEMENT_KEY: id}],
            })),
        )
        .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// A DOM property (`value`, `type`, `checked`, …) of the element matching `selector`.
    pub fn prop(&self, selector: &str, name: &str) -> Value {
        self.with_element(selector, |id| {
            self.command("GET", &format!("/element/{id}/property/{name}"), None)
        })
    }

    /// An attribute of the element matching `selector`, if set.
    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.with_element(selector, |id| {
            self.command("GET", &format!("/element/{id}/attribute/{name}"), None)
                .map(|v| v.as_str().map(str::to_owned))
        })
    }

    /// Waits until the text of `selector` satisfies `pred`; returns it.
    pub fn wait_text(&self, selector: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_until(&format!("`{selector}` {what}"), TIMEOUT, || {
            let Some(id) = self.find_all(selector)?.into_iter().next() else {
                return Ok(None);
            };
            let text = self.inner_text(&id)?;
            Ok(pred(&text).then_some(text))
        })
    }

    /// Waits for two animation frames and the dialogs' short animations, so a screenshot
    /// shows what the DOM says.
    pub fn settle(&self) {
        let script = "const done = arguments[arguments.length - 1]; \
                      requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        let _ = self.command(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    /// A PNG of the window's web view, once it has settled.
    pub fn screenshot(&self) -> Vec<u8> {
        self.settle();
        let data = self
            .command("GET", "/screenshot", None)
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        let png = base64_decode(data.as_str().unwrap_or_default());
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        png
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The app's own stderr goes to the same log (WebKitWebDriver passes it on).
            let log = self.driver_log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!(
                "--- tauri-driver log ({}), last lines ---\n{}",
                self.log.display(),
                tail.join("\n")
            );
        }
        if !self.session.is_empty() {
            let _ = http(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
                Duration::from_secs(5),
            );
        }
        // The driver was started as the leader of its own process group: end that group.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.driver.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.wait();
        // The app is WebKitWebDriver's child: it may outlive the driver by a moment and still
        // hold its single-instance name on the session bus, so a window started right after
        // would hand over to a dying instance. Wait until no live process is left in the group.
        let deadline = Instant::now() + Duration::from_secs(10);
        while group_has_live_process(self.driver.id()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Whether a process other than a zombie has process group `pgid` (from `/proc/*/stat`).
fn group_has_live_process(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`: comm may hold spaces, so split after its `)`.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields
            .first()
            .is_some_and(|state| *state != "Z" && *state != "X")
            && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
    })
}

/// Launch variable for a window that takes screenshots: WebKitWebDriver's screenshot times
/// out when WebKit's accelerated compositing is off, as Keymint ships it on Linux, so those
/// windows keep it on (`KEYMINT_GPU_COMPOSITING=1`). The other window tests run as shipped.
pub const FOR_SCREENSHOTS: (&str, &str) = ("KEYMINT_GPU_COMPOSITING", "1");

/// Where screenshots go: `docs/screenshots/` when `KEYMINT_UPDATE_SCREENSHOTS=1`, otherwise
/// a directory under the system temp dir (so test runs leave the tree clean).
pub fn screenshot_dir() -> PathBuf {
    let dir = if std::env::var("KEYMINT_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
    } else {
        std::env::temp_dir().join("keymint-screenshots")
    };
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// Saves `png` as `<name>.png` in [`screenshot_dir`] and returns the path.
pub fn save_screenshot(name: &str, png: &[u8]) -> PathBuf {
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    path
}

// ---- Several web views and the X display (quick access) ----------------------------------

impl App {
    /// The handles of the app's web views WebDriver can drive (the main window, and the quick
    /// access palette once it exists).
    pub fn window_handles(&self) -> Vec<String> {
        self.command("GET", "/window/handles", None)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// The handle of the web view commands go to now.
    pub fn current_window(&self) -> String {
        self.command("GET", "/window", None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Sends the commands that follow to the web view `handle`.
    pub fn switch_to_window(&self, handle: &str) {
        self.command("POST", "/window", Some(json!({"handle": handle})))
            .unwrap_or_else(|e| panic!("switch to window {handle}: {e}"));
    }

    /// Runs `body` (the body of an async function; `args` is its argument list) in the page
    /// and returns `{ok: value}` or `{err: {code, message}}`.
    pub fn run_async(&self, body: &str, args: Vec<Value>) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const args = Array.from(arguments).slice(0, -1);
             (async (args) => {{ {body} }})(args).then(
               (v) => done({{ ok: v === undefined ? null : v }}),
               (e) => done({{ err: (e !== null && typeof e === 'object')
                   ? {{ code: String(e.code ?? e.name ?? ''), message: String(e.message ?? e) }}
                   : {{ code: '', message: String(e) }} }}),
             );"
        );
        self.command(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .unwrap_or_else(|e| panic!("page script failed: {e}\n{body}"))
    }

    /// `invoke(cmd, args)` through the current page's own IPC, as any script in it could:
    /// `{ok: value}` or `{err: {code, message}}`.
    pub fn invoke(&self, cmd: &str, args: Value) -> Value {
        self.run_async(
            "return await window.__TAURI_INTERNALS__.invoke(args[0], args[1]);",
            vec![json!(cmd), args],
        )
    }
}

/// Ids of the mapped X windows whose title is exactly `title` (`xdotool search
/// --onlyvisible`); empty when there is none. Needs `xdotool` and the test display.
pub fn visible_windows(title: &str) -> Vec<String> {
    let pattern = format!("^{}$", regex_literal(title));
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &pattern])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The process that owns the X window `id` (its `_NET_WM_PID`), if it says.
pub fn window_pid(id: &str) -> Option<u32> {
    let out = Command::new("xdotool")
        .args(["getwindowpid", id])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Presses `keys` (xdotool's syntax: `ctrl+shift+k`, `Escape`) on the X display the way a
/// user's keyboard does (XTEST): they go to the window with the focus, or to the program
/// that grabbed them.
pub fn press_keys(keys: &str) {
    let status = Command::new("xdotool")
        .args(["key", "--clearmodifiers", keys])
        .status()
        .expect("xdotool (apt-get install xdotool)");
    assert!(status.success(), "xdotool key {keys}: {status}");
}

/// What `xclip -o -selection clipboard` prints, or `None` when the clipboard is empty (or
/// xclip does not answer within 5 s).
pub fn read_clipboard() -> Option<String> {
    let mut child = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip (apt-get install xclip)");
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Asks the X window `id` to close the way a window manager's close button does: a
/// `WM_DELETE_WINDOW` message (the test display has no window manager to send one; xdotool
/// can only destroy a window or kill its program). Sent by python3 through libX11.
pub fn request_close(id: &str) -> Result<(), String> {
    const SCRIPT: &str = r#"
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5)]
class Event(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                         ctypes.POINTER(Event)]
x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
d = x.XOpenDisplay(None)
if not d:
    sys.exit("no display")
w = int(sys.argv[1], 0)
e = Event()
e.xclient.type = 33
e.xclient.window = w
e.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
e.xclient.format = 32
e.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
if not x.XSendEvent(d, w, 0, 0, ctypes.byref(e)):
    sys.exit("XSendEvent failed")
x.XSync(d, 0)
x.XCloseDisplay(d)
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, id])
        .output()
        .map_err(|e| format!("python3 could not start: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "WM_DELETE_WINDOW to {id}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// ---- Native dialogs ---------------------------------------------------------------------

/// The title the app gives its native "send the credential to …?" confirmation
/// (src-tauri/src/confirm.rs) for `origin` (`scheme://host:port`).
pub fn destination_dialog_title(origin: &str) -> String {
    format!("Keymint: send a credential to {origin}?")
}

/// `text` as a literal in an extended regular expression (what `xdotool search` takes).
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Answers a native dialog of the app (a GTK window outside the page, which WebDriver cannot
/// see) the way a user at the keyboard would: waits up to `within` for a visible window
/// titled exactly `title` (`xdotool search --sync`), gives it the input focus and presses
/// `key` (`"alt+o"`, the OK button's access key, confirms; `"Escape"` refuses; `"Return"`
/// presses the focused button, which in GTK's OK/Cancel message dialog is Cancel). `Err` says what happened when no such
/// window appeared. Needs `xdotool` and the test display (`scripts/test-session.sh`).
pub fn answer_native_dialog(title: &str, key: &str, within: Duration) -> Result<(), String> {
    let pattern = format!("^{}$", regex_literal(title));
    // Polled rather than `search --sync`: xdotool walks the whole window tree, and a window
    // of another test closing during the walk makes it die with X's BadWindow error (seen in
    // CI). A failed walk is simply tried again until `within` has passed.
    let deadline = Instant::now() + within;
    let mut last_error = String::new();
    let window = loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", &pattern])
            .output()
            .map_err(|e| format!("xdotool could not start (is it installed?): {e}"))?;
        let ids = String::from_utf8_lossy(&found.stdout);
        if let Some(window) = ids.split_whitespace().next() {
            break window.to_owned();
        }
        let stderr = String::from_utf8_lossy(&found.stderr);
        if !stderr.trim().is_empty() {
            last_error = stderr.trim().to_owned();
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no native window titled {title:?} appeared within {within:?} (last xdotool error: {})",
                if last_error.is_empty() { "none" } else { &last_error }
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Windows of tests running in parallel share the display and its input focus: one
    // focus-and-press at a time.
    static KEYBOARD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _keyboard = KEYBOARD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The dialog may still be mapping: focus it, then press the key on it. `windowfocus`
    // works without a window manager (Xvfb has none); the key goes through XTEST, as typed.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let focused = Command::new("xdotool")
            .args(["windowfocus", "--sync", &window])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if focused || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pressed = Command::new("xdotool")
        .args(["key", "--clearmodifiers", key])
        .status()
        .map_err(|e| format!("xdotool key: {e}"))?;
    if !pressed.success() {
        return Err(format!("xdotool key {key} failed: {pressed}"));
    }
    // The dialog closes on the key; if it is still there the key went elsewhere.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let still = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", &pattern])
            .output()
            .map(|o| !o.stdout.is_empty())
            .unwrap_or(false);
        if !still {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "the window titled {title:?} did not close on {key}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
        assert_eq!(base64_decode("YQ=="), b"a");
        assert_eq!(base64_decode("YWI="), b"ab");
    }

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").as_deref(),
            Some(&b"Wikipedia"[..])
        );
    }
}
