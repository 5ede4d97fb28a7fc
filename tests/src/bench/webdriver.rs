//! A WebDriver client for WebKitWebDriver, just big enough for the bench: one driver per
//! launch (its own process group), sessions that start a given binary, element lookups,
//! scripts and key presses. Plain HTTP/1.1 on 127.0.0.1, one connection per command
//! (`crate::app::http`).
//!
//! The bench talks to WebKitWebDriver directly (tauri-driver only forwards to it and maps
//! `tauri:options` to `webkitgtk:browserOptions`), so nothing else sits in the measured path.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::procs;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An HTTP or WebDriver failure.
pub type WdResult<T> = Result<T, String>;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// One request through the window tests' HTTP client, its error as text.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> WdResult<(u16, Value)> {
    crate::app::http(port, method, path, body, timeout).map_err(|e| e.to_string())
}

/// A running WebKitWebDriver, leader of its own process group (the app it starts joins it).
pub struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts WebKitWebDriver with `env` added to its environment (the app inherits it).
    pub fn start(env: &[(String, String)], log: &Path) -> WdResult<Driver> {
        let port = free_port();
        let file = std::fs::File::create(log).map_err(|e| format!("driver log: {e}"))?;
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            // What tauri-driver sets: Tauri allows automation of its webview only then.
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .stdin(Stdio::null())
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().map_err(|e| {
            format!("cannot start WebKitWebDriver ({e}); install webkit2gtk-driver")
        })?;
        let mut driver = Driver {
            child,
            port,
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if http(port, "GET", "/status", None, Duration::from_secs(2)).is_ok() {
                return Ok(driver);
            }
            if Instant::now() > deadline || driver.child.try_wait().ok().flatten().is_some() {
                return Err(format!("WebKitWebDriver did not start:\n{}", driver.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The driver's process id (also its process group).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the driver and the app printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Starts `binary args…` under automation and opens a session on its window.
    pub fn session(&self, binary: &Path, args: &[String]) -> WdResult<Session> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": binary, "args": args}
        }}});
        let (status, v) = http(
            self.port,
            "POST",
            "/session",
            Some(&caps),
            Duration::from_secs(120),
        )?;
        let id = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("new session failed ({status}): {v}\n{}", self.log()))?;
        Ok(Session {
            port: self.port,
            id: id.to_owned(),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.child.id();
        procs::signal_group(group, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        procs::signal_group(group, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

/// A WebDriver session: one app window.
pub struct Session {
    port: u16,
    id: String,
}

impl Session {
    /// A command on this session (`path` after `/session/<id>`); returns `value`.
    pub fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> WdResult<Value> {
        let full = format!("/session/{}{path}", self.id);
        let (status, v) = http(
            self.port,
            method,
            &full,
            body.as_ref(),
            Duration::from_secs(120),
        )?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if status >= 400 {
            return Err(format!(
                "{}: {}",
                value["error"].as_str().unwrap_or("error"),
                value["message"].as_str().unwrap_or_default()
            ));
        }
        Ok(value)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub fn exec(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Ids of the elements matching a CSS selector.
    pub fn find_all(&self, css: &str) -> WdResult<Vec<String>> {
        let v = self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Types `text` into element `id` (real key events through WebKit's automation).
    pub fn send_keys(&self, id: &str, text: &str) -> WdResult<()> {
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .map(|_| ())
    }

    /// Ends the session (the driver closes the window).
    pub fn close(&self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.id),
            None,
            Duration::from_secs(5),
        );
    }
}
