//! Running the real `keymint` binary in an isolated environment: its own data directory and
//! keychain service name (items go to the session's real gnome-keyring), or a private
//! keyring (its own D-Bus daemon and gnome-keyring) for tests that break the keychain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, unique name.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

/// The built binary `name` in the same target directory as the running test.
pub fn target_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (make test does)",
        bin.display()
    );
    bin
}

/// One isolated Keymint: data directory, keychain service, optional private keyring.
pub struct Env {
    /// Data directory (`--data-dir`).
    pub dir: PathBuf,
    /// `KEYMINT_KEYCHAIN_SERVICE`.
    pub service: String,
    /// Extra environment for every command.
    pub vars: Vec<(String, String)>,
    keyring: Option<PrivateKeyring>,
}

/// The result of one command.
#[derive(Debug)]
pub struct Run {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
    /// Asserts success.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        self
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Env {
    /// A new environment using the session's keyring under a unique service name.
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(unique("keymint-test"));
        std::fs::create_dir_all(&dir).expect("data dir");
        Self {
            dir,
            service: unique("keymint-test"),
            vars: vec![("KEYMINT_TIMEOUT_SECS".into(), "5".into())],
            keyring: None,
        }
    }

    /// A new environment with its own D-Bus session and gnome-keyring.
    pub fn with_private_keyring() -> Self {
        let mut env = Self::new();
        let keyring = PrivateKeyring::start(&env.dir.join("keyring"));
        env.vars
            .push(("DBUS_SESSION_BUS_ADDRESS".into(), keyring.address.clone()));
        env.keyring = Some(keyring);
        env
    }

    /// The private keyring, if any.
    pub fn keyring(&self) -> Option<&PrivateKeyring> {
        self.keyring.as_ref()
    }

    /// A `keymint` command in this environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(target_bin("keymint"));
        cmd.arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env("KEYMINT_KEYCHAIN_SERVICE", &self.service)
            .env_remove("KEYMINT_DATA_DIR")
            .env("NO_COLOR", "1");
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `keymint args…` with `stdin`.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn keymint");
        if let Some(mut pipe) = child.stdin.take() {
            if let Some(s) = stdin {
                // The command may refuse before reading its input: a closed pipe is fine.
                if let Err(e) = pipe.write_all(s.as_bytes()) {
                    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
                }
            }
        }
        child.wait_with_output().expect("wait keymint").into()
    }

    /// `secret-tool search --all service <service>` output (stdout and stderr: secret-tool
    /// prints attributes on stderr).
    pub fn secret_tool_search(&self) -> String {
        let mut cmd = Command::new("secret-tool");
        cmd.args(["search", "--all", "service", &self.service]);
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("secret-tool");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Every byte of the SQLite database, WAL and shared-memory files.
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for name in ["keymint.db", "keymint.db-wal", "keymint.db-shm"] {
            if let Ok(b) = std::fs::read(self.dir.join(name)) {
                all.extend(b);
            }
        }
        all
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Remove the test's keychain items so the session keyring stays small.
        if self.keyring.is_none() {
            let _ = Command::new("secret-tool")
                .args(["clear", "service", &self.service])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `haystack` contains `needle` anywhere.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A D-Bus session daemon and an unlocked gnome-keyring of one test's own.
pub struct PrivateKeyring {
    /// `DBUS_SESSION_BUS_ADDRESS` of the private bus.
    pub address: String,
    bus_pid: u32,
    home: PathBuf,
}

impl PrivateKeyring {
    fn start(home: &Path) -> Self {
        let data = home.join("data");
        let run = home.join("run");
        std::fs::create_dir_all(&data).expect("keyring data");
        std::fs::create_dir_all(&run).expect("keyring run");
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &run)
            .output()
            .expect("dbus-daemon");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let address = lines.next().expect("bus address").trim().to_owned();
        let bus_pid: u32 = lines
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("bus pid");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &run)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon");
        if let Some(mut pipe) = child.stdin.take() {
            pipe.write_all(b"private-keyring").expect("password");
        }
        let _ = child.wait();
        Self {
            address,
            bus_pid,
            home: home.to_path_buf(),
        }
    }

    /// Stops the Secret Service: kills this bus's gnome-keyring-daemon.
    pub fn kill_secret_service(&self) {
        let _ = Command::new("pkill")
            .args([
                "-9",
                "-f",
                &format!("gnome-keyring-daemon.*{}", self.home.display()),
            ])
            .status();
        // The daemon was started without the home in its argv; find it by its environment.
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for e in entries.flatten() {
                let environ = e.path().join("environ");
                let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                if !contains_bytes(&cmdline, b"gnome-keyring-daemon") {
                    continue;
                }
                if let Ok(env) = std::fs::read(environ) {
                    if contains_bytes(&env, self.address.as_bytes()) {
                        if let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() {
                            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                        }
                    }
                }
            }
        }
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        self.kill_secret_service();
        let _ = Command::new("kill").arg(self.bus_pid.to_string()).status();
    }
}
