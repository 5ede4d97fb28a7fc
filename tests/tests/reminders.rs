//! Expiry reminders through a real notification daemon: dunst owns
//! `org.freedesktop.Notifications` on the session bus under Xvfb and logs every notification
//! it shows through a script rule; the test reads that log. The app is the real window
//! (tauri-driver), the keys are in the real keychain and SQLite.
//!
//! One test function: only one daemon can own the notification name on the session bus.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keymint_tests::accounts::{import_key, offline_account};
use keymint_tests::app::{save_screenshot, App};
use keymint_tests::harness::Env;

/// dunst with a rule that appends "summary<TAB>body" for every notification to a log file.
struct Dunst {
    child: Child,
    log: PathBuf,
}

impl Dunst {
    fn start(dir: &Path) -> Self {
        // D-Bus activation may have started a dunst earlier in this session: ours must own
        // the name.
        let _ = Command::new("pkill").args(["-x", "dunst"]).status();
        std::fs::create_dir_all(dir).expect("dunst dir");
        let log = dir.join("notifications.log");
        std::fs::write(&log, "").expect("log");
        let script = dir.join("log.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n# dunst passes: appname summary body icon urgency\nprintf '%s\\t%s\\n' \"$2\" \"$3\" >> '{}'\n",
                log.display()
            ),
        )
        .expect("script");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let config = dir.join("dunstrc");
        std::fs::write(
            &config,
            format!(
                "[global]\n    width = 460\n    origin = top-right\n    offset = 16x16\n    \
                 font = DejaVu Sans 10\n    frame_width = 1\n    frame_color = \"#4f46e5\"\n    \
                 padding = 10\n    horizontal_padding = 12\n    format = \"<b>%s</b>\\n%b\"\n\
                 [urgency_normal]\n    background = \"#ffffff\"\n    foreground = \"#1b1b1f\"\n    timeout = 0\n\
                 [log_everything]\n    summary = \"*\"\n    script = {}\n",
                script.display()
            ),
        )
        .expect("dunstrc");
        let child = Command::new("dunst")
            .arg("-config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst (apt-get install dunst)");
        let dunst = Self { child, log };
        let deadline = Instant::now() + Duration::from_secs(15);
        while !name_has_owner("org.freedesktop.Notifications") {
            assert!(
                Instant::now() < deadline,
                "dunst did not take org.freedesktop.Notifications"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        dunst
    }

    /// The notifications shown so far: (summary, body).
    fn shown(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(s, b)| (s.to_owned(), b.to_owned()))
            .collect()
    }

    /// How many shown notifications have a summary containing `text`.
    fn count(&self, text: &str) -> usize {
        self.shown()
            .iter()
            .filter(|(s, _)| s.contains(text))
            .count()
    }

    fn wait_for(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.count(text) == 0 {
            assert!(
                Instant::now() < deadline,
                "no notification {text:?} within {timeout:?}; shown: {:?}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Dunst {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn name_has_owner(name: &str) -> bool {
    Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

fn import(env: &Env, label: &str, expires: &str) {
    import_key(env, "fw", label, Some(expires));
}

/// A PNG of the whole X screen (the window and dunst's popups).
fn screen_png() -> Vec<u8> {
    let out = Command::new("import")
        .args(["-window", "root", "png:-"])
        .output()
        .expect("import (apt-get install imagemagick)");
    assert!(out.stdout.starts_with(b"\x89PNG"), "screen capture failed");
    out.stdout
}

/// A reminder when a key enters its last days and when it expires, at start and while the
/// app runs (checked every second here instead of every hour), never twice for the same key
/// and threshold — not across checks, not across restarts — and none when turned off.
#[test]
fn reminders_are_raised_once_per_key_and_threshold() {
    let env = Env::new();
    let dunst = Dunst::start(&env.dir.join("dunst"));
    offline_account(&env, "fw");
    import(&env, "deploy-soon", "10d");
    import(&env, "deploy-later", "60d");
    import(&env, "deploy-flash", "8s");
    let fast = [("KEYMINT_REMINDER_INTERVAL_SECS", "1")];

    let app = App::launch(&env, &fast);
    dunst.wait_for("expires in 10 days: deploy-soon", Duration::from_secs(20));
    // deploy-flash expires while the app runs: the "expired" reminder follows.
    dunst.wait_for("API key expired: deploy-flash", Duration::from_secs(30));
    save_screenshot("reminder", &screen_png());
    // Several more checks: nothing new.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(dunst.count("deploy-soon"), 1, "{:?}", dunst.shown());
    assert_eq!(
        dunst.count("API key expired: deploy-flash"),
        1,
        "{:?}",
        dunst.shown()
    );
    assert!(dunst.count("deploy-flash") <= 2, "{:?}", dunst.shown());
    assert_eq!(dunst.count("deploy-later"), 0, "60 days is outside 14");
    let (_, body) = dunst
        .shown()
        .into_iter()
        .find(|(s, _)| s.contains("deploy-soon"))
        .expect("soon");
    assert!(body.contains("account fw"), "{body}");
    assert!(!body.contains("sk-imported"), "no secret in a notification");
    drop(app);

    // A restart raises nothing already raised.
    let before = dunst.shown().len();
    let app = App::launch(&env, &fast);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(dunst.shown().len(), before, "{:?}", dunst.shown());

    // A key added by the CLI while the app runs is reminded of at the next check.
    import(&env, "deploy-fresh", "5d");
    dunst.wait_for("deploy-fresh", Duration::from_secs(15));
    assert_eq!(dunst.count("deploy-fresh"), 1);

    // Turned off: nothing.
    env.run(&["settings", "set", "reminders", "off"], None).ok();
    import(&env, "deploy-quiet", "3d");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(dunst.count("deploy-quiet"), 0, "{:?}", dunst.shown());
    drop(app);
}
