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
        // Tests run outside any coding agent's session, even when their runner is inside one
        // (tests/tests/agents.rs sets the variables it needs).
        for (k, _) in std::env::vars_os() {
            let Some(k) = k.to_str() else { continue };
            if keymint_core::agent::AGENT_VARS.contains(&k)
                || keymint_core::agent::AGENT_PREFIXES
                    .iter()
                    .any(|p| k.starts_with(p))
            {
                cmd.env_remove(k);
            }
        }
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

    /// The kinds of `key`'s audit events, oldest first (`keymint --json key show`).
    pub fn event_kinds(&self, key: &str) -> Vec<String> {
        let shown = self.run(&["--json", "key", "show", key], None).ok().json();
        shown["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["kind"].as_str().map(str::to_owned))
            .collect()
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

/// A filesystem mounted on an existing, empty directory for one test: a small tmpfs (to fill
/// up) or an ext4 image on a loop device (to turn read-only under a running writer). It is
/// unmounted when dropped, also when the test fails. Needs the right to mount (root with
/// `CAP_SYS_ADMIN`); the constructors say why when it is refused.
pub struct Mount {
    /// The mount point.
    pub dir: PathBuf,
    /// The ext4 image, if this is one.
    image: Option<PathBuf>,
}

/// How [`Mount::make_read_only`] got the filesystem read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnly {
    /// `mount -o remount,ro` worked.
    Remounted,
    /// `mount -o remount,ro` was refused (the message is kept) because a process has files
    /// open for writing on it; the kernel's own reaction to a filesystem error
    /// (`errors=remount-ro`, triggered through ext4's `trigger_fs_error`) made it read-only.
    AfterError(String),
}

/// Runs `cmd`; its stderr (or exit status) when it fails.
fn checked(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(if err.is_empty() {
            format!("{:?} exited with {}", cmd.get_program(), out.status)
        } else {
            err
        })
    }
}

impl Mount {
    /// Mounts a tmpfs of `size` (`mount -t tmpfs -o size=…`, e.g. `"4m"`) on `dir`.
    pub fn tmpfs(dir: &Path, size: &str) -> Result<Self, String> {
        checked(
            Command::new("mount")
                .args([
                    "-t",
                    "tmpfs",
                    "-o",
                    &format!("size={size},mode=0700"),
                    "tmpfs",
                ])
                .arg(dir),
        )?;
        Ok(Self {
            dir: dir.to_path_buf(),
            image: None,
        })
    }

    /// Makes an ext4 image of `mib` MiB beside `dir` and mounts it on `dir` through a loop
    /// device, with `errors=remount-ro` (the Debian default for the root filesystem).
    pub fn ext4_image(dir: &Path, mib: u64) -> Result<Self, String> {
        let image = dir.with_extension("ext4");
        let file = std::fs::File::create(&image).map_err(|e| format!("image: {e}"))?;
        file.set_len(mib * 1024 * 1024)
            .map_err(|e| format!("image: {e}"))?;
        drop(file);
        let made = checked(Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&image))
            .and_then(|()| Self::mount_image(&image, dir));
        if let Err(e) = made {
            let _ = std::fs::remove_file(&image);
            return Err(e);
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            image: Some(image),
        })
    }

    fn mount_image(image: &Path, dir: &Path) -> Result<(), String> {
        checked(
            Command::new("mount")
                .args(["-o", "loop,errors=remount-ro"])
                .arg(image)
                .arg(dir),
        )
    }

    /// Flushes the filesystem's dirty data to its device (`sync -f`).
    pub fn sync(&self) {
        checked(Command::new("sync").arg("-f").arg(&self.dir)).expect("sync -f");
    }

    /// The filler file [`Mount::fill`] writes.
    pub fn filler(&self) -> PathBuf {
        self.dir.join(".filler")
    }

    /// Writes a file until the filesystem is full (ENOSPC); the bytes written.
    pub fn fill(&self) -> std::io::Result<u64> {
        let mut f = std::fs::File::create(self.filler())?;
        let block = [0x5au8; 4096];
        let mut total = 0u64;
        loop {
            match f.write(&block) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n as u64,
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => return Ok(total),
                Err(e) => return Err(e),
            }
        }
    }

    /// Deletes the filler file.
    pub fn unfill(&self) {
        std::fs::remove_file(self.filler()).expect("remove the filler");
    }

    /// Makes the filesystem read-only now, with processes still writing to it.
    pub fn make_read_only(&self) -> Result<ReadOnly, String> {
        let refused = match checked(
            Command::new("mount")
                .args(["-o", "remount,ro"])
                .arg(&self.dir),
        ) {
            Ok(()) => return Ok(ReadOnly::Remounted),
            Err(e) => e,
        };
        if self.image.is_none() {
            return Err(refused);
        }
        let out = Command::new("findmnt")
            .args(["-n", "-o", "SOURCE", "--mountpoint"])
            .arg(&self.dir)
            .output()
            .map_err(|e| format!("findmnt: {e}"))?;
        let source = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let dev = Path::new(&source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("no device behind {}", self.dir.display()))?;
        std::fs::write(
            format!("/sys/fs/ext4/{dev}/trigger_fs_error"),
            "keymint test: disk fault",
        )
        .map_err(|e| format!("/sys/fs/ext4/{dev}/trigger_fs_error: {e}"))?;
        Ok(ReadOnly::AfterError(refused))
    }

    /// Undoes [`Mount::make_read_only`]: `remount,rw`, or after an error what an
    /// administrator does: unmount, `e2fsck -fy`, mount again.
    pub fn make_writable(&self, how: &ReadOnly) -> Result<(), String> {
        match (how, &self.image) {
            (ReadOnly::Remounted, _) => checked(
                Command::new("mount")
                    .args(["-o", "remount,rw"])
                    .arg(&self.dir),
            ),
            (ReadOnly::AfterError(_), Some(image)) => {
                checked(Command::new("umount").arg(&self.dir))?;
                let fsck = Command::new("e2fsck")
                    .arg("-fy")
                    .arg(image)
                    .output()
                    .map_err(|e| format!("e2fsck: {e}"))?;
                // 0: clean, 1: errors corrected.
                if !matches!(fsck.status.code(), Some(0 | 1)) {
                    return Err(format!(
                        "e2fsck: {}{}",
                        String::from_utf8_lossy(&fsck.stdout),
                        String::from_utf8_lossy(&fsck.stderr)
                    ));
                }
                Self::mount_image(image, &self.dir)
            }
            (ReadOnly::AfterError(_), None) => Err("not an image".to_owned()),
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // A process still holding a file there (a test that failed half-way) makes a plain
        // unmount fail: detach lazily then, so no mount is ever left behind.
        if checked(Command::new("umount").arg(&self.dir)).is_err() {
            let _ = checked(Command::new("umount").arg("-l").arg(&self.dir));
        }
        if let Some(image) = &self.image {
            let _ = std::fs::remove_file(image);
        }
        // Empty once unmounted; Env may already have removed it.
        let _ = std::fs::remove_dir(&self.dir);
    }
}
