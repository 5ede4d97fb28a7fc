//! Quick access (issue 18): the global shortcut, pressed on the X display with `xdotool`,
//! shows the palette over the window; typing filters; Enter puts the secret on the clipboard
//! (read with `xclip`) and hides it; Ctrl+Enter copies the reference; Escape and losing the
//! keyboard hide it; `keymint-app --quick-access` opens it in the running app; "keep running
//! in the background" decides what closing the window does; a shortcut the app cannot take
//! says why and what to do.
//!
//! Needs what tests/tests/app_window.rs needs (tauri-driver, WebKitWebDriver, xclip, xdotool,
//! a display and a Secret Service: run through `scripts/test-session.sh`) and python3 (to ask
//! a window to close the way a window manager does). A grab takes the keys for the whole
//! display, so these tests run one at a time.
//!
//! The screenshot goes to `docs/screenshots/quick-access.png` only with
//! `KEYMINT_UPDATE_SCREENSHOTS=1`.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use keymint_tests::accounts::{add_account_at, key_fields, set_args};
use keymint_tests::app::{
    press_keys, read_clipboard, request_close, screenshot_dir, testid, visible_windows, window_pid,
    App, TIMEOUT,
};
use keymint_tests::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{target_bin, Env};
use serde_json::{json, Value};

/// The palette's window title and the main window's (src-tauri/src/webview.rs).
const PALETTE_TITLE: &str = "Keymint quick access";
const MAIN_TITLE: &str = "Keymint";

/// One test at a time: a key grab, the keyboard focus and the clipboard are the display's.
static DISPLAY: Mutex<()> = Mutex::new(());

fn exclusive_display() -> MutexGuard<'static, ()> {
    DISPLAY.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- Set-up ----------------------------------------------------------------------------------

/// A Fireworks fake with account `fw` and keys `labels` (created in this order, so the last
/// is the newest); returns the fake and the secrets.
fn inventory(env: &Env, labels: &[&str]) -> (FakeServer, Vec<String>) {
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    add_account_at(
        env,
        Provider::Fireworks,
        "fw",
        &fake.base_url(),
        DEFAULT_CREDENTIAL,
    )
    .ok();
    let secrets = labels
        .iter()
        .map(|label| {
            let mut args: Vec<String> = ["--json", "key", "create", "fw", "--label", label]
                .map(String::from)
                .to_vec();
            args.push("--show-secret".into());
            args.extend(set_args(&key_fields(Provider::Fireworks)));
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let key = env.run(&refs, None).ok().json();
            key["secret"].as_str().expect("secret").to_owned()
        })
        .collect();
    (fake, secrets)
}

/// The id of key `label` (`keymint key list`).
fn key_id(env: &Env, label: &str) -> String {
    let keys = env.run(&["--json", "key", "list"], None).ok().json();
    keys.as_array()
        .expect("keys")
        .iter()
        .find(|k| k["label"] == label)
        .and_then(|k| k["id"].as_str())
        .unwrap_or_else(|| panic!("no key {label}: {keys}"))
        .to_owned()
}

fn set(env: &Env, name: &str, value: &str) {
    env.run(&["settings", "set", name, value], None).ok();
}

// ---- The app's side --------------------------------------------------------------------------

/// `quick_access_status` as the main window's Settings dialog gets it.
fn status(app: &App) -> Value {
    let answer = app.invoke("quick_access_status", json!({}));
    answer
        .get("ok")
        .cloned()
        .unwrap_or_else(|| panic!("quick_access_status: {answer}"))
}

/// Waits until the app holds its shortcut (it registers it a moment after start).
fn wait_shortcut_active(app: &App) -> Value {
    app.wait_until("the shortcut to be registered", TIMEOUT, || {
        let s = status(app);
        Ok((s["active"] == true).then_some(s))
    })
}

/// Waits until the app gave up on its shortcut; returns the problem.
fn wait_shortcut_problem(app: &App) -> Value {
    app.wait_until("the shortcut's problem", TIMEOUT, || {
        Ok(status(app).get("problem").cloned())
    })
}

/// The X window of the main window.
fn main_window() -> String {
    wait_x(MAIN_TITLE, true)
        .into_iter()
        .next()
        .expect("the main window")
}

/// Waits until windows titled `title` are mapped (`shown`) or none is; returns their ids.
fn wait_x(title: &str, shown: bool) -> Vec<String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let ids = visible_windows(title);
        if ids.is_empty() != shown {
            return ids;
        }
        assert!(
            Instant::now() < deadline,
            "`{title}` still {} after {TIMEOUT:?}",
            if shown { "hidden" } else { "shown" }
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The palette's web view handle (the one that is not the main window's), with the page
/// loaded.
fn palette_handle(app: &App, main: &str) -> String {
    app.wait_until("the palette's web view", TIMEOUT, || {
        Ok(app.window_handles().into_iter().find(|h| h != main))
    })
}

/// In the palette (current web view): the labels of the rows shown, once `count` show.
fn palette_rows(app: &App, count: usize) -> Vec<String> {
    app.wait_until(&format!("{count} rows in the palette"), TIMEOUT, || {
        let labels = app.exec(
            "return [...document.querySelectorAll('[data-testid=key-row]:not([hidden]) .label')]
                 .map(e => e.textContent);",
            vec![],
        );
        let labels: Vec<String> = serde_json::from_value(labels).unwrap_or_default();
        Ok((labels.len() == count).then_some(labels))
    })
}

/// In the palette: the label of the selected row.
fn palette_selected(app: &App) -> String {
    app.exec(
        "return document.querySelector('[data-testid=key-row][aria-selected=true] .label')?.textContent ?? '';",
        vec![],
    )
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Types `text` on the X keyboard (into the window with the focus).
fn type_text(text: &str) {
    let status = Command::new("xdotool")
        .args(["type", "--delay", "20", text])
        .status()
        .expect("xdotool");
    assert!(status.success(), "xdotool type {text}");
}

/// Waits for the clipboard to hold `text`.
fn wait_clipboard(app: &App, what: &str, text: &str) {
    app.wait_until(what, TIMEOUT, || {
        Ok((read_clipboard().as_deref() == Some(text)).then_some(()))
    });
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// `x`, `y`, `width` and `height` of the X window `id`.
fn geometry(id: &str) -> [i64; 4] {
    let out = Command::new("xdotool")
        .args(["getwindowgeometry", "--shell", id])
        .output()
        .expect("xdotool getwindowgeometry");
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    [get("X"), get("Y"), get("WIDTH"), get("HEIGHT")]
}

/// A PNG of the main window with the palette over it, taken from the screen with
/// ImageMagick's `import` (WebDriver's screenshot shows one web view only). The window is
/// moved first so that the palette, centred on the screen, is centred on it too.
fn screen_shot_of(main: &str, palette: &str, name: &str) {
    let [px, py, pw, ph] = geometry(palette);
    let [_, _, w, h] = geometry(main);
    let (x, y) = ((px + pw / 2 - w / 2).max(0), (py + ph / 2 - h / 2).max(0));
    let moved = Command::new("xdotool")
        .args(["windowmove", "--sync", main, &x.to_string(), &y.to_string()])
        .status()
        .expect("xdotool windowmove");
    assert!(moved.success());
    std::thread::sleep(Duration::from_millis(500));
    let crop = format!("{w}x{h}+{x}+{y}");
    let path = screenshot_dir().join(format!("{name}.png"));
    let status = Command::new("import")
        .args(["-window", "root", "-crop", &crop, "+repage"])
        .arg(&path)
        .status()
        .expect("import (apt-get install imagemagick)");
    assert!(status.success(), "import of {crop}");
}

// ---- Tests -----------------------------------------------------------------------------------

/// The whole flow: the shortcut shows the palette over the window with the keyboard in its
/// search field and the newest keys; typing filters through the core; Up/Down choose; Enter
/// copies the secret (a `copied` event, the clipboard cleared after the setting's time) and
/// hides the palette.
#[test]
fn the_shortcut_opens_the_palette_and_enter_copies_the_secret() {
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = inventory(
        &env,
        &[
            "billing-prod",
            "checkout-staging",
            "deploy-staging",
            "search-prod",
            "deploy-prod",
        ],
    );
    set(&env, "clipboard_clear_secs", "5");
    let app = App::launch(&env, &[]);
    let main = app.current_window();
    assert_eq!(wait_shortcut_active(&app)["shortcut"], "Ctrl+Shift+K");
    assert!(visible_windows(PALETTE_TITLE).is_empty(), "hidden at start");
    let main_x = main_window();

    press_keys("ctrl+shift+k");
    let palette_x = wait_x(PALETTE_TITLE, true);
    assert_eq!(
        visible_windows(MAIN_TITLE),
        std::slice::from_ref(&main_x),
        "over the window, which stays"
    );
    let palette = palette_handle(&app, &main);
    app.switch_to_window(&palette);
    assert_eq!(
        palette_rows(&app, 5),
        [
            "deploy-prod",
            "search-prod",
            "deploy-staging",
            "checkout-staging",
            "billing-prod"
        ],
        "newest first"
    );
    app.wait_until("the keyboard in the search field", TIMEOUT, || {
        let focused = app.exec(
            "return document.activeElement?.dataset.testid ?? null;",
            vec![],
        );
        Ok((focused == "palette-search").then_some(()))
    });

    // Typing filters, through the core's search.
    type_text("deploy");
    assert_eq!(palette_rows(&app, 2), ["deploy-prod", "deploy-staging"]);
    std::thread::sleep(Duration::from_millis(300));
    screen_shot_of(&main_x, &palette_x[0], "quick-access");
    assert_eq!(palette_selected(&app), "deploy-prod");
    assert_eq!(
        app.attr(&testid("key-list"), "data-total").as_deref(),
        Some("2")
    );
    press_keys("Down");
    app.wait_until("the second row chosen", TIMEOUT, || {
        Ok((palette_selected(&app) == "deploy-staging").then_some(()))
    });
    press_keys("Up");
    press_keys("Down");
    app.wait_until("the second row chosen again", TIMEOUT, || {
        Ok((palette_selected(&app) == "deploy-staging").then_some(()))
    });

    // Enter: the secret on the clipboard, the palette gone, the copy recorded.
    press_keys("Return");
    let copied = Instant::now();
    wait_clipboard(&app, "the secret on the clipboard", &secrets[2]);
    wait_x(PALETTE_TITLE, false);
    let kinds = env.event_kinds(&key_id(&env, "deploy-staging"));
    assert!(kinds.iter().any(|k| k == "copied"), "{kinds:?}");
    // The copy happened in Rust: the page never held the secret.
    let page = app.exec("return document.documentElement.outerHTML;", vec![]);
    assert!(
        !page.as_str().unwrap_or_default().contains(&secrets[2]),
        "the palette's page holds the secret"
    );
    // The usual clear timer (5 s here).
    app.wait_until(
        "the clipboard to be cleared",
        Duration::from_secs(12),
        || Ok((read_clipboard().as_deref() != Some(secrets[2].as_str())).then_some(())),
    );
    assert!(
        copied.elapsed() >= Duration::from_millis(4500),
        "cleared after {:?}, before the 5 s",
        copied.elapsed()
    );

    // Opened again, it starts afresh.
    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, true);
    palette_rows(&app, 5);
    assert_eq!(app.prop(&testid("palette-search"), "value"), json!(""));
    press_keys("Escape");
    wait_x(PALETTE_TITLE, false);
}

/// Ctrl+Enter copies the reference (not the secret, and records nothing); Escape, the
/// shortcut pressed again and the keyboard going to another window hide the palette;
/// `keymint-app --quick-access` opens it in the running app (the desktop's own shortcut,
/// where the app cannot take one).
#[test]
fn ctrl_enter_copies_the_reference_and_the_palette_hides_when_asked() {
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = inventory(&env, &["alpha-prod", "beta-prod"]);
    let app = App::launch(
        &env,
        &[
            ("KEYMINT_LOG", "warn,keymint_app=debug"),
            ("KEYMINT_DEBUG_FOCUS", "1"),
        ],
    );
    let main = app.current_window();
    wait_shortcut_active(&app);
    let main_x = main_window();

    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, true);
    app.switch_to_window(&palette_handle(&app, &main));
    palette_rows(&app, 2);
    type_text("alpha");
    assert_eq!(palette_rows(&app, 1), ["alpha-prod"]);
    press_keys("ctrl+Return");
    let keys = env.run(&["--json", "key", "list"], None).ok().json();
    let reference = keys
        .as_array()
        .and_then(|k| k.iter().find(|k| k["label"] == "alpha-prod"))
        .and_then(|k| k["reference"].as_str())
        .expect("reference")
        .to_owned();
    assert!(reference.starts_with("keymint://fw/"), "{reference}");
    wait_clipboard(&app, "the reference on the clipboard", &reference);
    wait_x(PALETTE_TITLE, false);
    assert_ne!(read_clipboard().as_deref(), Some(secrets[0].as_str()));
    let kinds = env.event_kinds(&key_id(&env, "alpha-prod"));
    assert!(!kinds.iter().any(|k| k == "copied"), "{kinds:?}");

    // The shortcut pressed again hides it.
    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, true);
    palette_rows(&app, 2);
    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, false);

    // Escape hides it.
    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, true);
    press_keys("Escape");
    wait_x(PALETTE_TITLE, false);

    // The keyboard going to another window hides it.
    press_keys("ctrl+shift+k");
    let palette_x = wait_x(PALETTE_TITLE, true);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        visible_windows(PALETTE_TITLE),
        palette_x,
        "it stays while it has the keyboard"
    );
    let focused = Command::new("xdotool")
        .args(["windowfocus", "--sync", &main_x])
        .status()
        .expect("xdotool");
    assert!(focused.success());
    wait_x(PALETTE_TITLE, false);

    // A second start with --quick-access opens it in this app, and ends.
    let mut second = Command::new(target_bin("keymint-app"));
    second
        .arg("--quick-access")
        .env("KEYMINT_DATA_DIR", &env.dir)
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service);
    for (k, v) in &env.vars {
        second.env(k, v);
    }
    let mut second = second.spawn().expect("keymint-app --quick-access");
    wait_x(PALETTE_TITLE, true);
    let deadline = Instant::now() + TIMEOUT;
    while second.try_wait().ok().flatten().is_none() {
        assert!(
            Instant::now() < deadline,
            "the second start did not hand over and end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        visible_windows(MAIN_TITLE),
        [main_x],
        "one window: no second app"
    );
    press_keys("Escape");
    wait_x(PALETTE_TITLE, false);
}

/// Off (the default), closing the window quits, as before. On, closing it hides it: the app
/// keeps running, its shortcut still opens the palette, the tray icon is up (where the
/// library is installed), starting Keymint again brings the window back and Ctrl+Q quits.
#[test]
fn keep_running_decides_what_closing_the_window_does() {
    let _display = exclusive_display();

    let env = Env::new();
    let app = App::launch(&env, &[]);
    wait_shortcut_active(&app);
    let main_x = main_window();
    let pid = window_pid(&main_x).expect("the window's process");
    request_close(&main_x).expect("close the window");
    let deadline = Instant::now() + TIMEOUT;
    while alive(pid) {
        assert!(
            Instant::now() < deadline,
            "keep running is off: closing the window must quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(app);

    let env = Env::new();
    set(&env, "keep_running", "on");
    let app = App::launch(&env, &[]);
    let s = wait_shortcut_active(&app);
    let main_x = main_window();
    let pid = window_pid(&main_x).expect("the window's process");
    request_close(&main_x).expect("close the window");
    wait_x(MAIN_TITLE, false);
    std::thread::sleep(Duration::from_secs(1));
    assert!(alive(pid), "keep running is on: the app must stay");
    let s = status(&app)
        .as_object()
        .cloned()
        .unwrap_or_else(|| panic!("{s}"));
    let tray_problem = s
        .get("tray_problem")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        s["tray"] == true || tray_problem.contains("libayatana-appindicator3"),
        "a tray icon, or why not: {s:?}"
    );

    press_keys("ctrl+shift+k");
    wait_x(PALETTE_TITLE, true);
    press_keys("Escape");
    wait_x(PALETTE_TITLE, false);

    let mut again = Command::new(target_bin("keymint-app"));
    again
        .env("KEYMINT_DATA_DIR", &env.dir)
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service);
    for (k, v) in &env.vars {
        again.env(k, v);
    }
    let mut again = again.spawn().expect("keymint-app");
    assert_eq!(wait_x(MAIN_TITLE, true), [main_x], "the same window back");
    let deadline = Instant::now() + TIMEOUT;
    while again.try_wait().ok().flatten().is_none() {
        assert!(Instant::now() < deadline, "the second start did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(alive(pid));

    // Ctrl+Q in the window quits, tray or not.
    std::thread::sleep(Duration::from_millis(300));
    press_keys("ctrl+q");
    let deadline = Instant::now() + TIMEOUT;
    while alive(pid) {
        assert!(Instant::now() < deadline, "Ctrl+Q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A shortcut another program holds, an invalid one and a Wayland session: the Settings
/// dialog says in one line why and what to do; the app runs on, and a shortcut it can take
/// works at once, whether saved in the dialog or set with `keymint settings`.
#[test]
fn a_shortcut_the_app_cannot_take_says_why_and_what_to_do() {
    let _display = exclusive_display();
    let first_env = Env::new();
    let env = Env::new();
    for e in [&first_env, &env] {
        set(e, "quick_access_shortcut", "ctrl+alt+f9");
    }
    let first = App::launch(&first_env, &[]);
    assert_eq!(wait_shortcut_active(&first)["shortcut"], "Ctrl+Alt+F9");

    // Taken by another program (the first app).
    let app = App::launch(&env, &[]);
    let problem = wait_shortcut_problem(&app);
    assert_eq!(problem["code"], "taken", "{problem}");
    let message = problem["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.starts_with("Another program already uses Ctrl+Alt+F9")
            && message.contains("keymint-app --quick-access"),
        "{message}"
    );
    app.click(&testid("open-settings"));
    app.wait_for(&testid("settings-dialog"));
    let shown = app.text(&testid("shortcut-problem"));
    assert_eq!(shown.trim(), message);
    assert_eq!(
        app.prop(&testid("quick-access-command"), "value"),
        json!("keymint-app --quick-access")
    );

    // Invalid: refused in place, nothing saved.
    app.fill(&testid("field-quick_access_shortcut"), "Shift+K");
    app.click(&testid("save-settings"));
    let error = app.wait_text(&testid("error-quick_access_shortcut"), "explains", |t| {
        !t.is_empty()
    });
    assert!(
        error.starts_with("A shortcut needs a modifier") && error.contains("e.g. Ctrl+Shift+K"),
        "{error}"
    );
    let stored = env.run(&["--json", "settings"], None).ok().stdout;
    assert!(stored.contains("Ctrl+Alt+F9"), "{stored}");

    // One it can take: saved, registered at once, the dialog closes.
    app.fill(&testid("field-quick_access_shortcut"), "ctrl+alt+f10");
    app.click(&testid("save-settings"));
    app.wait_gone(&testid("settings-dialog"));
    let s = wait_shortcut_active(&app);
    assert_eq!(s["shortcut"], "Ctrl+Alt+F10");
    assert!(s.get("problem").is_none(), "{s}");
    // Changed from the command line while the app runs: taken at once, and the window still
    // answers (the app reads the settings when it sees another process's commit).
    set(&env, "quick_access_shortcut", "ctrl+alt+f11");
    app.wait_until("the new shortcut from the CLI", TIMEOUT, || {
        let s = status(&app);
        Ok((s["shortcut"] == "Ctrl+Alt+F11" && s["active"] == true).then_some(()))
    });
    drop(app);
    drop(first);

    // Wayland: no app may take a shortcut; the desktop's settings can run the command.
    let env = Env::new();
    let app = App::launch(&env, &[("XDG_SESSION_TYPE", "wayland")]);
    let problem = wait_shortcut_problem(&app);
    assert_eq!(problem["code"], "wayland", "{problem}");
    let message = problem["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Wayland")
            && message.contains("Ctrl+Shift+K")
            && message.contains("keymint-app --quick-access"),
        "{message}"
    );
}

/// Whether an `invoke` answer is the capability's refusal (a plugin the app does not load on
/// this system, such as the shortcut plugin on Linux, is refused as unknown).
fn refused(answer: &Value) -> bool {
    let message = answer["err"]["message"].as_str().unwrap_or_default();
    let ok = message.contains("not allowed") || message.contains("not found");
    if !ok {
        eprintln!("not refused: {answer}");
    }
    ok
}

/// The palette's web view may search, copy and hide itself, nothing else: no reveal, no
/// settings, no plugin command; the same CSP and navigation lock as the window. The window
/// may not hide the palette or touch the shortcut plugin.
#[test]
fn the_palette_can_search_and_copy_but_never_reveal() {
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = inventory(&env, &["only-key"]);
    let id = key_id(&env, "only-key");
    let app = App::launch(&env, &[]);
    let main = app.current_window();
    for (cmd, args) in [
        ("hide_palette", json!({})),
        ("plugin:global-shortcut|unregister_all", json!({})),
        (
            "plugin:global-shortcut|is_registered",
            json!({"shortcut": "Ctrl+Shift+K"}),
        ),
    ] {
        assert!(refused(&app.invoke(cmd, args.clone())), "window: {cmd}");
    }

    app.switch_to_window(&palette_handle(&app, &main));
    let page = app.invoke("list_keys", json!({"query": {"limit": 8}}));
    assert_eq!(page["ok"]["items"][0]["id"], json!(id), "{page}");
    assert!(
        !page.to_string().contains(&secrets[0]),
        "the search never carries a secret"
    );
    for (cmd, args) in [
        ("reveal_key", json!({"id": id})),
        ("get_settings", json!({})),
        ("save_settings", json!({"settings": {}})),
        ("key_events", json!({"id": id})),
        ("forget_key", json!({"id": id})),
        ("rotate_key", json!({"id": id})),
        ("quick_access_status", json!({})),
        ("quit_app", json!({})),
        ("plugin:global-shortcut|unregister_all", json!({})),
        ("plugin:window|show", json!({"label": "palette"})),
        ("plugin:event|emit", json!({"event": "x", "payload": null})),
    ] {
        assert!(refused(&app.invoke(cmd, args.clone())), "palette: {cmd}");
    }
    let checks = app.run_async(
        "const out = {};
         out.frozen = Object.isFrozen(Object.prototype);
         try { eval('1 + 1'); out.eval = 'ran'; } catch (e) { out.eval = e.name; }
         try { await fetch('http://127.0.0.1:9/'); out.fetch = 'sent'; } catch (e) { out.fetch = e.name; }
         location.href = 'http://127.0.0.1:9/?x';
         await new Promise((r) => setTimeout(r, 300));
         out.href = location.href;
         return out;",
        vec![],
    );
    let c = &checks["ok"];
    assert_eq!(c["frozen"], true, "{checks}");
    assert_eq!(c["eval"], "EvalError", "{checks}");
    assert_eq!(c["fetch"], "TypeError", "{checks}");
    assert_eq!(c["href"], "tauri://localhost/palette.html", "{checks}");
}
