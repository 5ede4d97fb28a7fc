//! Team stores in the window (SPEC §8, issue 16): the app syncs its team stores at start and
//! every few minutes, "Sync now" syncs one at once, the sidebar lists a store's accounts under
//! the store with its last sync, and a store key says where its secret is and who created it.
//! Two "machines" (data directories and keychain services) share a real OpenBao dev server:
//! A works with the CLI, B with the window.
//!
//! Needs what tests/tests/app_window.rs needs (`tauri-driver`, WebKitWebDriver, a display and a
//! Secret Service: `scripts/test-session.sh`), the `bao` binary, and the app built with the UI
//! (`npm --prefix ui run build`, `cargo build --workspace --bins --features custom-protocol`).

use std::time::{Duration, Instant};

use keymint_tests::accounts::{import_key, offline_account, Setup};
use keymint_tests::app::{save_screenshot, testid, App, FOR_SCREENSHOTS, TIMEOUT};
use keymint_tests::bao::{add_store, Bao, BaoApi, WRITER};
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::Env;
use serde_json::{json, Value};

/// The list row of the key labelled `label`.
fn row(label: &str) -> String {
    format!("xpath://div[@data-testid='key-row'][.//span[@title='{label}']]")
}

/// `a` inside `b` (two `data-testid`s).
fn within(outer: &str, inner: &str) -> String {
    format!("{} {}", testid(outer), testid(inner))
}

/// Machine A creates `label` in the store's account; returns the key's JSON (with its secret).
fn create_on_a(a: &Setup, label: &str) -> Value {
    a.env
        .run(
            &[
                "--json",
                "key",
                "create",
                "shared",
                "--label",
                label,
                "--show-secret",
            ],
            None,
        )
        .ok()
        .json()
}

/// The labels the list shows now.
fn labels(app: &App) -> Vec<String> {
    let v = app.exec(
        "return [...document.querySelectorAll('[data-testid=key-row] .c-label > .ellipsis')]
           .map((e) => e.textContent);",
        vec![],
    );
    serde_json::from_value(v).unwrap_or_default()
}

/// Waits for the store's status line to say it synced (not syncing, no error); returns it.
fn wait_synced(app: &App) -> String {
    app.wait_until("the store's line to show a sync", TIMEOUT, || {
        let state = app.attr(&testid("store-status-team"), "data-state");
        Ok((state.as_deref() == Some("synced")).then_some(()))
    });
    app.text(&testid("store-status-team"))
}

#[test]
fn the_window_syncs_a_team_store_at_start_on_sync_now_and_periodically() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");

    // Machine A: the store, an account in it, a key.
    let a = Setup::new(Provider::Fireworks, Mode::Normal);
    add_store(&a.env, &bao.address, "team", &token, &["--member", "ana"]).ok();
    a.add_account("shared", &["--store", "team"]).ok();
    let deploy = create_on_a(&a, "deploy");
    assert_eq!(deploy["store_state"], "uploaded", "{deploy}");

    // Machine B: an account of its own, and the store; nothing synced yet.
    let b = Env::new();
    offline_account(&b, "personal");
    import_key(&b, "personal", "laptop", None);
    add_store(&b, &bao.address, "team", &token, &["--member", "ben"]).ok();
    let accounts = b.run(&["--json", "account", "list"], None).ok().json();
    assert_eq!(
        accounts.as_array().map(Vec::len),
        Some(1),
        "B has synced nothing before its window opens: {accounts}"
    );

    // B's window: the start-up sync brings the account and its key in, with no click. The
    // periodic sync is an hour away, so only the start-up sync can do it.
    let launched = Instant::now();
    let app = App::launch(
        &b,
        &[FOR_SCREENSHOTS, ("KEYMINT_SYNC_INTERVAL_SECS", "3600")],
    );
    app.wait_for(&testid("store-team"));
    app.wait_for(&within("store-team", "account-shared"));
    app.wait_for(&row("deploy"));
    let synced_after = launched.elapsed();
    let status = wait_synced(&app);
    assert!(status.starts_with("synced "), "{status}");
    assert_eq!(
        app.text(&format!("{} .store-head", testid("store-team")))
            .trim(),
        "team",
        "the group's heading is the store's name"
    );
    // This machine's accounts come first, by provider; the store's account is listed under
    // the store only.
    assert_eq!(app.count(&testid("account-shared")), 1);
    let order = app.exec(
        "const sel = '[data-testid=provider-fireworks], [data-testid=account-personal], '
             + '[data-testid=store-team]';
         return [...document.querySelectorAll(sel)].map((e) => e.dataset.testid);",
        vec![],
    );
    assert_eq!(
        order,
        json!(["provider-fireworks", "account-personal", "store-team"])
    );
    assert_eq!(
        app.text(&testid("provider-fireworks"))
            .split_whitespace()
            .last(),
        Some("1"),
        "the provider counts this machine's key only"
    );
    let store_shared = app.text(&within("store-team", "account-shared"));
    assert!(
        store_shared.contains("shared") && store_shared.contains('1'),
        "{store_shared}"
    );

    // The row and the detail say where the secret is and who created the key.
    let badge = app.exec(
        "const r = [...document.querySelectorAll('[data-testid=key-row]')]
           .find((r) => r.querySelector('.c-label > .ellipsis')?.textContent === 'deploy');
         const b = r?.querySelector('[data-testid=store-badge]');
         return b ? [b.textContent.trim(), b.dataset.storeState, b.title] : null;",
        vec![],
    );
    assert_eq!(
        badge,
        json!([
            "team",
            "uploaded",
            "Secret in team store “team”, created by ana"
        ])
    );
    app.click(&row("deploy"));
    app.wait_for(&testid("detail-created-by"));
    assert_eq!(app.text(&testid("detail-created-by")), "ana");
    assert_eq!(app.text(&testid("detail-status")), "In team store");
    assert_eq!(app.text(&testid("detail-team-store")), "team");

    // A creates another key; B's "Sync now" brings it in.
    let release = create_on_a(&a, "release");
    let secret = release["secret"].as_str().expect("secret").to_owned();
    let release_id = release["id"].as_str().expect("id").to_owned();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !labels(&app).contains(&"release".to_owned()),
        "nothing syncs by itself within the hour"
    );
    app.click(&testid("sync-store-team"));
    app.wait_for(&row("release"));
    let toast = app.wait_text(&testid("toast"), "reports the sync", |t| !t.is_empty());
    assert!(toast.contains("Synced “team”: 1 key added"), "{toast}");
    wait_synced(&app);

    // Its secret comes from the store: revealed in the window, and copied.
    app.click(&row("release"));
    app.wait_text(&testid("detail-label"), "is the new key", |t| {
        t == "release"
    });
    assert_eq!(app.text(&testid("detail-created-by")), "ana");
    app.click(&testid("reveal"));
    app.wait_for(&testid("revealed-secret"));
    assert_eq!(
        app.prop(&testid("revealed-secret"), "value"),
        Value::String(secret.clone())
    );
    app.click(&testid("reveal"));
    app.wait_gone(&testid("revealed-secret"));
    app.click(&testid("copy"));
    app.wait_text(&testid("toast"), "says copied", |t| t.starts_with("Copied"));
    let kinds = b.event_kinds(&release_id);
    assert!(
        kinds.iter().any(|k| k == "revealed") && kinds.iter().any(|k| k == "copied"),
        "{kinds:?}"
    );
    app.exec(
        "document.querySelector('[data-testid=toast] .close')?.click();",
        vec![],
    );
    app.wait_gone(&testid("toast"));
    save_screenshot("team-store", &app.screenshot());

    // At 900×600 the store's heading and line still fit the sidebar.
    app.command(
        "POST",
        "/window/rect",
        Some(json!({ "width": 900, "height": 600 })),
    )
    .expect("resize the window");
    app.wait_until("a 900 px wide page", TIMEOUT, || {
        let w = app.exec("return window.innerWidth", vec![]);
        Ok(w.as_i64().is_some_and(|w| w <= 900).then_some(()))
    });
    app.settle();
    let cut = app.exec(
        "const sel = '[data-testid=store-team] .store-head .name, '
             + '[data-testid=store-status-team] span, [data-testid=store-team] .account .name';
         return [...document.querySelectorAll(sel)]
           .filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent);",
        vec![],
    );
    assert_eq!(cut, json!([]), "cut at 900×600");
    std::fs::write(
        std::env::temp_dir().join("keymint-team-store-900x600.png"),
        app.screenshot(),
    )
    .expect("write the small screenshot");
    drop(app);

    // Periodic: a window syncing every 2 s picks up A's next key with no click.
    let app = App::launch(&b, &[("KEYMINT_SYNC_INTERVAL_SECS", "2")]);
    app.wait_for(&row("release"));
    wait_synced(&app);
    create_on_a(&a, "nightly");
    app.wait_until("the periodic sync to list `nightly`", TIMEOUT, || {
        Ok(labels(&app).contains(&"nightly".to_owned()).then_some(()))
    });
    let shared = app.text(&within("store-team", "account-shared"));
    assert!(shared.contains('3'), "the account counts 3 keys: {shared}");

    // A store that stops answering: "Sync now" says so in a toast and on the store's line.
    drop(bao);
    app.click(&testid("sync-store-team"));
    app.wait_until("the store's line to show the error", TIMEOUT, || {
        let state = app.attr(&testid("store-status-team"), "data-state");
        Ok((state.as_deref() == Some("error")).then_some(()))
    });
    let line = app.text(&testid("store-status-team"));
    assert!(!line.trim().is_empty(), "the error in one line");
    let page = app
        .exec("return document.body.innerText", vec![])
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !page.contains(&token) && !page.contains(&secret),
        "no token or secret on the page: {page}"
    );
    eprintln!("start-up sync listed the store's key {synced_after:?} after launch");
}
