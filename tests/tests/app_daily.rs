//! The window as a daily tool: settings that survive a restart, one window per inventory, the
//! window following what the CLI does, and the expiry calendar export. Real app through
//! tauri-driver under Xvfb, real keychain, real SQLite (see app_window.rs for the set-up).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keymint_tests::accounts::{import_key, offline_account};
use keymint_tests::app::{save_screenshot, testid, App, FOR_SCREENSHOTS, TIMEOUT};
use keymint_tests::harness::{target_bin, Env};

fn account(env: &Env) {
    offline_account(env, "fw");
}

fn import(env: &Env, label: &str, expires: Option<&str>) {
    import_key(env, "fw", label, expires);
}

fn row(label: &str) -> String {
    format!("xpath://div[@data-testid='key-row'][.//span[@title='{label}']]")
}

fn value(app: &App, selector: &str) -> String {
    app.prop(selector, "value")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Settings changed in the window are validated, stored in SQLite (the CLI reads them), and
/// in effect after a restart: theme on the document, values in the form, reveal timeout.
#[test]
fn settings_are_validated_stored_and_survive_a_restart() {
    let env = Env::new();
    account(&env);
    import(&env, "settings-key", None);
    let app = App::launch(&env, &[FOR_SCREENSHOTS]);
    assert_eq!(app.attr("html", "data-theme").as_deref(), Some("light"));

    app.click(&testid("open-settings"));
    app.wait_for(&testid("settings-dialog"));
    assert_eq!(value(&app, &testid("field-clipboard_clear_secs")), "30");
    assert_eq!(value(&app, &testid("field-reminder_days")), "14");

    // Out of range: refused by the core, shown at the field, nothing stored.
    app.fill(&testid("field-clipboard_clear_secs"), "2");
    app.click(&testid("save-settings"));
    let err = app.wait_text(&testid("error-clipboard_clear_secs"), "explains", |t| {
        !t.is_empty()
    });
    assert!(err.contains("5 seconds to 10 minutes"), "{err}");
    let stored = env.run(&["settings", "get", "clipboard_clear_secs"], None);
    assert_eq!(stored.ok().stdout.trim(), "30");

    app.fill(&testid("field-clipboard_clear_secs"), "45");
    app.fill(&testid("field-reveal_timeout_secs"), "7");
    app.fill(&testid("field-reminder_days"), "3, 30");
    app.click(&testid("theme-dark"));
    save_screenshot("settings", &app.screenshot());
    app.click(&testid("save-settings"));
    app.wait_gone(&testid("settings-dialog"));
    app.wait_until("the dark theme", TIMEOUT, || {
        Ok((app.attr("html", "data-theme").as_deref() == Some("dark")).then_some(()))
    });
    let listed = env.run(&["--json", "settings"], None).ok().json();
    let get = |name: &str| {
        listed
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["name"] == name))
            .map(|r| r["value"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(get("clipboard_clear_secs"), "45");
    assert_eq!(get("reveal_timeout_secs"), "7");
    assert_eq!(get("reminder_days"), "30,3");
    assert_eq!(get("theme"), "dark");
    drop(app);

    // A new window reads them back.
    let app = App::launch(&env, &[]);
    app.wait_until("the stored dark theme", TIMEOUT, || {
        Ok((app.attr("html", "data-theme").as_deref() == Some("dark")).then_some(()))
    });
    app.click(&row("settings-key"));
    app.click(&testid("reveal"));
    let left = app.wait_text(&testid("detail-pane"), "shows the countdown", |t| {
        t.contains("hides in")
    });
    assert!(
        left.contains("hides in 7 s") || left.contains("hides in 6 s"),
        "the 7 s setting: {left}"
    );
    app.click(&testid("open-settings"));
    app.wait_for(&testid("settings-dialog"));
    assert_eq!(value(&app, &testid("field-clipboard_clear_secs")), "45");
    assert_eq!(value(&app, &testid("field-reminder_days")), "30, 3");
    assert_eq!(app.prop(&testid("theme-dark"), "checked"), true);
}

/// Starting the app a second time on the same inventory hands over to the running window
/// and exits; the running window stays and keeps working.
#[test]
fn a_second_start_hands_over_to_the_running_window() {
    let env = Env::new();
    account(&env);
    import(&env, "only-one", None);
    let app = App::launch(&env, &[]);
    app.wait_for(&row("only-one"));

    let started = Instant::now();
    let mut second = Command::new(target_bin("keymint-app"))
        .env("KEYMINT_DATA_DIR", &env.dir)
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("second keymint-app");
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("the second start did not exit within 20 s: two windows on one inventory");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "second start exited with {status}");
    // The first window is still there and answers.
    import(&env, "after-second", None);
    app.wait_for(&row("after-second"));
}

/// The window shows what the CLI does while it is open, without a click: a key imported,
/// then forgotten, from another process.
#[test]
fn the_window_follows_cli_changes() {
    let env = Env::new();
    account(&env);
    import(&env, "before", None);
    let app = App::launch(&env, &[]);
    app.wait_for(&row("before"));

    import(&env, "from-the-cli", Some("40d"));
    let seen = Instant::now();
    app.wait_for(&row("from-the-cli"));
    assert!(
        seen.elapsed() < Duration::from_secs(5),
        "took {:?}",
        seen.elapsed()
    );
    app.wait_text(&testid("key-count"), "counts it", |t| t == "2 keys");

    env.run(&["key", "forget", "before"], None).ok();
    app.wait_gone(&row("before"));
}

/// The settings page exports the expiry calendar: a file a calendar library parses, one event
/// per key that expires (not for the key without expiry), with the reminder days as alarms,
/// and no secret in it.
#[test]
fn the_expiry_calendar_export_parses_with_one_event_per_expiring_key() {
    use icalendar::{Calendar, CalendarComponent, Component};

    let env = Env::new();
    account(&env);
    import(&env, "cal-soon", Some("10d"));
    import(&env, "cal-later", Some("90d"));
    import(&env, "cal-never", None);
    env.run(&["settings", "set", "reminder_days", "14,3"], None)
        .ok();
    let home = env.dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let home_str = home.display().to_string();
    // A symlink waiting where the export goes: the export must not write through it.
    let file = home.join("keymint-expiries.ics");
    let victim = env.dir.join("victim");
    std::fs::write(&victim, "untouched").expect("victim");
    std::os::unix::fs::symlink(&victim, &file).expect("symlink");
    let app = App::launch(&env, &[("HOME", home_str.as_str())]);
    app.click(&testid("open-settings"));
    app.click(&testid("export-calendar"));
    let toast = app.wait_text(&testid("toast"), "says where", |t| t.contains(".ics"));
    assert!(toast.contains(&file.display().to_string()), "{toast}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "untouched",
        "the export wrote through a symlink"
    );
    let meta = std::fs::symlink_metadata(&file).expect("calendar");
    assert!(
        meta.file_type().is_file(),
        "the symlink was replaced by a file"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "calendar mode");
    }

    let text = std::fs::read_to_string(&file).expect("calendar written");
    assert!(!text.contains("sk-imported"), "no secret in the calendar");
    // No part of any secret, hints included, for every key (the calendar is meant for a
    // cloud calendar). Folded lines are unfolded first (RFC 5545 §3.1).
    let unfolded = text.replace("\r\n ", "");
    let keys = env.run(&["--json", "key", "list"], None).ok().json();
    let mut hints = 0;
    for key in keys.as_array().expect("keys") {
        let Some(hint) = key["hint"].as_str() else {
            continue;
        };
        hints += 1;
        let head = hint.split('…').next().unwrap_or(hint);
        assert!(
            !unfolded.contains(hint) && !unfolded.contains(head),
            "hint {hint} of {} is in the calendar",
            key["label"]
        );
    }
    assert_eq!(hints, 3, "every imported key has a hint to look for");
    assert!(!unfolded.contains("Hint"), "{unfolded}");
    let calendar: Calendar = text.parse().expect("RFC 5545 calendar");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    let mut summaries: Vec<String> = events
        .iter()
        .map(|e| e.get_summary().unwrap_or_default().to_owned())
        .collect();
    summaries.sort();
    assert_eq!(summaries.len(), 2, "{summaries:?}");
    assert!(summaries[0].contains("cal-later"), "{summaries:?}");
    assert!(summaries[1].contains("cal-soon"), "{summaries:?}");
    assert_eq!(text.matches("TRIGGER:-P14D").count(), 2, "{text}");
    assert_eq!(text.matches("TRIGGER:-P3D").count(), 2, "{text}");
    // The CLI writes the same calendar.
    let cli = env.run(&["key", "calendar"], None).ok().stdout;
    let cli_events = cli.matches("BEGIN:VEVENT").count();
    assert_eq!(cli_events, 2);
    assert!(!cli.replace("\r\n ", "").contains("sk-i"), "{cli}");
    assert!(Path::new(&file).exists());
}
