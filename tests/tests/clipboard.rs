//! What a copied secret looks like to the rest of the desktop, and what the process holding
//! it allows: `key copy` marks the clipboard for exclusion from clipboard histories
//! (`x-kde-passwordManagerHint` = `secret` among its targets), and the holder that serves it
//! cannot dump core and is not dumpable; the same marks on Wayland without XWayland. Needs a
//! display (`scripts/test-session.sh`), `xclip`, `setpriv`, and `sway` and `wl-clipboard`
//! for a headless Wayland compositor.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{contains_bytes, target_bin};

fn xclip_out(target: &str) -> String {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o", "-t", target])
        .output()
        .expect("xclip (apt-get install xclip)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The pid of the clipboard holder started for the environment with keychain service
/// `service` (its environment carries it), waiting up to 5 s for it to appear.
fn holder_pid(service: &str) -> u32 {
    let needle = format!("KEYMINT_KEYCHAIN_SERVICE={service}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
            if contains_bytes(&cmdline, b"__hold-clipboard")
                && contains_bytes(&environ, needle.as_bytes())
            {
                return pid;
            }
        }
        assert!(Instant::now() < deadline, "no clipboard holder found");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The soft and hard `Max core file size` of `pid` (from /proc/PID/limits).
fn core_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core line");
    let mut words = line["Max core file size".len()..].split_whitespace();
    (
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default().to_owned(),
    )
}

#[test]
fn a_copied_secret_is_marked_for_clipboard_histories_and_its_holder_cannot_dump_core() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "this test needs a display (run it through scripts/test-session.sh)"
    );
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("clip", &[]).ok();
    let secret = s.fake.issued_secrets().remove(0);
    s.env
        .run(&["key", "copy", "clip", "--clear-after", "20"], None)
        .ok();
    assert_eq!(xclip_out("UTF8_STRING"), secret);
    let targets = xclip_out("TARGETS");
    assert!(
        targets.lines().any(|t| t == "x-kde-passwordManagerHint"),
        "clipboard targets: {targets:?}"
    );
    assert_eq!(xclip_out("x-kde-passwordManagerHint"), "secret");

    let pid = holder_pid(&s.env.service);
    assert_eq!(
        core_limits(pid),
        ("0".to_owned(), "0".to_owned()),
        "the holder's core-size limit (soft, hard)"
    );
    // Done: the holder clears its own secret when something else is copied.
    let mut other = Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("xclip");
    other
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"something else")
        .expect("write");
    other.wait().expect("xclip");
}

/// Kills the child when dropped (also when the test fails).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process that is not dumpable has its /proc/PID files owned by root whatever its user:
/// visible only when that user is not root, so the binary runs as `nobody` here (the
/// clipboard holder waits on its standard input for the secret: it needs no display, no
/// keychain and no data directory to show its limits).
#[test]
fn keymint_processes_are_not_dumpable_and_have_no_core_limit() {
    let bin = target_bin("keymint");
    // `nobody` must be able to run the binary: a copy in a fresh directory it can read.
    let dir = std::env::temp_dir().join(keymint_tests::harness::unique("keymint-dumpable"));
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = dir.join("keymint");
    std::fs::copy(&bin, &copy).expect("copy keymint");
    let run = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    };
    run(&dir);
    run(&copy);
    let child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&copy)
        .args(["__hold-clipboard", "5"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("setpriv (util-linux)");
    let child = Killed(child);
    let pid = child.0.id();
    // Until the binary is exec'd, /proc/PID is setpriv's (dumpable, and root's until it
    // changes user): wait for keymint's own image.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .as_deref()
        != Some(copy.as_path())
    {
        assert!(Instant::now() < deadline, "keymint did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.contains("65534")),
        "runs as nobody: {status}"
    );
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(format!("/proc/{pid}/status"))
        .expect("proc entry")
        .uid();
    assert_eq!(
        owner, 0,
        "/proc/{pid} of a non-dumpable process belongs to root; a dumpable one to its user (65534)"
    );
    assert_eq!(core_limits(pid), ("0".to_owned(), "0".to_owned()));
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A headless sway (wlroots: the `wlr` data-control protocol) on a runtime directory of its
/// own, run as `nobody` when the tests run as root (sway refuses root), killed when dropped.
struct Sway {
    child: Killed,
    runtime: std::path::PathBuf,
    display: String,
}

impl Sway {
    fn start() -> Self {
        use std::os::unix::fs::{chown, PermissionsExt};
        let runtime = std::env::temp_dir().join(keymint_tests::harness::unique("keymint-sway"));
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let config = runtime.join("config");
        std::fs::write(&config, "").expect("config");
        let root = std::fs::metadata("/proc/self").map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.uid() == 0
        });
        let mut cmd = if root.unwrap_or(false) {
            chown(&runtime, Some(65534), Some(65534)).expect("chown");
            chown(&config, Some(65534), Some(65534)).expect("chown");
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                "sway",
            ]);
            c
        } else {
            Command::new("sway")
        };
        cmd.arg("-c")
            .arg(&config)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("HOME", &runtime)
            .env("WLR_BACKENDS", "headless")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = Killed(
            cmd.spawn()
                .expect("sway (apt-get install sway wl-clipboard)"),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let display = loop {
            let found = std::fs::read_dir(&runtime)
                .expect("runtime dir")
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"));
            if let Some(d) = found {
                break d;
            }
            assert!(Instant::now() < deadline, "sway did not start");
            std::thread::sleep(Duration::from_millis(100));
        };
        Self {
            child,
            runtime,
            display,
        }
    }

    /// `cmd` as a client of this compositor only (no X display).
    fn client<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("XDG_RUNTIME_DIR", &self.runtime)
            .env("WAYLAND_DISPLAY", &self.display)
            .env_remove("DISPLAY")
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
        let _ = std::fs::remove_dir_all(&self.runtime);
    }
}

/// On Wayland without XWayland, `key copy` works through the data-control protocol and
/// offers the same `x-kde-passwordManagerHint` (`wl-paste --list-types`).
#[test]
fn on_wayland_a_copied_secret_is_marked_for_clipboard_histories() {
    let sway = Sway::start();
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("wayland", &[]).ok();
    let secret = s.fake.issued_secrets().remove(0);
    let mut copy = s
        .env
        .command(&["key", "copy", "wayland", "--clear-after", "5"]);
    let run: keymint_tests::harness::Run = sway.client(&mut copy).output().expect("keymint").into();
    assert_eq!(run.code, 0, "copy on Wayland: {run:?}");
    let paste = |args: &[&str]| {
        let out = sway
            .client(&mut Command::new("wl-paste"))
            .args(args)
            .output()
            .expect("wl-paste (apt-get install wl-clipboard)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let types = paste(&["--list-types"]);
    assert!(
        types.lines().any(|t| t == "x-kde-passwordManagerHint"),
        "offered types: {types:?}"
    );
    assert_eq!(paste(&["--no-newline"]), secret);
    assert_eq!(
        paste(&["--no-newline", "--type", "x-kde-passwordManagerHint"]),
        "secret"
    );
    // Cleared after --clear-after, as on X11.
    let deadline = Instant::now() + Duration::from_secs(10);
    while paste(&["--no-newline"]) == secret {
        assert!(Instant::now() < deadline, "not cleared on Wayland");
        std::thread::sleep(Duration::from_millis(250));
    }
}
