//! Key statuses in the window: a create cut off after its request was sent is listed as
//! `interrupted`, with a badge in the list, the "check its console" line in the detail, and a
//! status filter (sidebar and filter bar) that lists only such keys.
//!
//! Needs what tests/tests/app_window.rs needs: `tauri-driver`, WebKitWebDriver, a display and a
//! Secret Service (`scripts/test-session.sh`), after `npm --prefix ui run build` and
//! `cargo build --workspace --bins --features custom-protocol`.

use std::time::Duration;

use keymint_tests::accounts::{add_account_at, key_fields, set_args, timed_out_create};
use keymint_tests::app::{save_screenshot, testid, App, FOR_SCREENSHOTS};
use keymint_tests::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};
use serde_json::Value;

/// The rows the list shows now: `[label text, status badge's data-status or null]`.
fn rows(app: &App) -> Vec<(String, Option<String>)> {
    let v = app.exec(
        "return [...document.querySelectorAll('[data-testid=key-row]')].map((r) => {
           const b = r.querySelector('[data-testid=status-badge]');
           return [r.querySelector('.c-label .ellipsis')?.textContent ?? '',
                   b === null ? null : b.dataset.status + ':' + b.textContent.trim()];
         });",
        vec![],
    );
    v.as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r[0].as_str().unwrap_or_default().to_owned(),
                        r[1].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn wait_rows(app: &App, what: &str, pred: impl Fn(&[(String, Option<String>)]) -> bool) {
    app.wait_until(what, Duration::from_secs(15), || {
        let now = rows(app);
        Ok(pred(&now).then_some(()))
    });
}

/// One interrupted key (hellgate-cloud, the fake slower than a 1 s timeout) and one stored
/// key (fireworks): the interrupted one carries its badge and line, and the `interrupted`
/// filter lists only it.
#[test]
fn an_interrupted_key_is_marked_and_filterable() {
    let (s, run) = timed_out_create("timed out");
    assert_eq!(run.code, 4, "the create times out: {}", run.stderr);

    // A stored key next to it.
    let fw = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    add_account_at(
        &s.env,
        Provider::Fireworks,
        "fw",
        &fw.base_url(),
        DEFAULT_CREDENTIAL,
    )
    .ok();
    let mut args: Vec<String> = ["--json", "key", "create", "fw", "--label", "deploy"]
        .map(String::from)
        .to_vec();
    args.extend(set_args(&key_fields(Provider::Fireworks)));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    s.env.run(&refs, None).ok();
    let listed: Value = s.env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    let app = App::launch(&s.env, &[FOR_SCREENSHOTS]);
    wait_rows(&app, "both keys listed", |r| r.len() == 2);
    let all = rows(&app);
    let badge = |label: &str| {
        all.iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("{label} listed: {all:?}"))
            .1
            .clone()
    };
    assert_eq!(
        badge("timed out").as_deref(),
        Some("interrupted:interrupted"),
        "{all:?}"
    );
    assert_eq!(badge("deploy"), None, "a stored key has no badge: {all:?}");

    // The detail says what happened and what to do.
    app.exec(
        "[...document.querySelectorAll('[data-testid=key-row]')]
           .find((r) => r.textContent.includes('timed out')).click();",
        vec![],
    );
    app.wait_for(&testid("interrupted-note"));
    let note = app.text(&testid("interrupted-note"));
    assert!(
        note.contains(
            "Interrupted after the request was sent: the key may exist at the provider — check its console"
        ),
        "{note}"
    );
    assert_eq!(app.text(&testid("detail-status")), "Interrupted");
    assert_eq!(
        app.prop(&testid("copy"), "disabled"),
        Value::Bool(true),
        "nothing to copy"
    );

    // The sidebar's filter lists only the interrupted key, and the filter bar agrees.
    app.click(&testid("status-interrupted"));
    wait_rows(&app, "only the interrupted key", |r| {
        r.len() == 1 && r[0].0 == "timed out"
    });
    assert_eq!(
        app.prop(&testid("filter-status"), "value"),
        Value::String("interrupted".into())
    );
    save_screenshot("key-interrupted", &app.screenshot());

    // Off again through the filter bar, then on through it.
    app.select(&testid("filter-status"), "");
    wait_rows(&app, "both keys again", |r| r.len() == 2);
    app.select(&testid("filter-status"), "interrupted");
    wait_rows(&app, "only the interrupted key (filter bar)", |r| {
        r.len() == 1 && r[0].0 == "timed out"
    });
}
