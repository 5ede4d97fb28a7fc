//! End-to-end tests of the real desktop window: `keymint-app` driven through tauri-driver and
//! WebKitWebDriver, against the provider fakes and the session's real keychain.
//!
//! Needs `tauri-driver` (`cargo install tauri-driver --locked`), WebKitWebDriver (Debian
//! `webkit2gtk-driver`), `xclip`, `secret-tool`, a display and a Secret Service: run through
//! `scripts/test-session.sh`, after `cargo build --workspace --bins --features custom-protocol`.
//!
//! Screenshots go to `docs/screenshots/` only with `KEYMINT_UPDATE_SCREENSHOTS=1`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use keymint_tests::accounts::{account_fields, key_fields, set_args};
use keymint_tests::app::{
    answer_native_dialog, destination_dialog_title, read_clipboard, save_screenshot, testid, App,
    CONTROL, ESCAPE, FOR_SCREENSHOTS, TIMEOUT,
};
use keymint_tests::fakes::{
    FakeOptions, FakeServer, Mode, Provider, TestPki, DEFAULT_CREDENTIAL, HELLGATE_CLOUD_SCOPES,
};
use keymint_tests::harness::Env;
use serde_json::{json, Value};

/// Windows share one X display and one clipboard. Most tests can run side by side (read
/// lock); a test that needs the clipboard to itself or must keep window focus takes the
/// write lock, so no other window exists while it runs.
static DISPLAY: RwLock<()> = RwLock::new(());

fn shared_display() -> RwLockReadGuard<'static, ()> {
    DISPLAY.read().unwrap_or_else(PoisonError::into_inner)
}

fn exclusive_display() -> RwLockWriteGuard<'static, ()> {
    DISPLAY.write().unwrap_or_else(PoisonError::into_inner)
}

// ---- Set-up through the CLI ----------------------------------------------------------------

/// A fake for `p` (hellgate-commerce with its mutual-TLS PKI in `env`).
fn start_fake(env: &Env, p: Provider) -> (FakeServer, Option<TestPki>) {
    let pki = (p == Provider::HellgateCommerce).then(|| TestPki::generate(&env.dir.join("pki")));
    let opts = FakeOptions {
        tls: pki.as_ref().map(TestPki::server_mtls),
        ..FakeOptions::default()
    };
    (FakeServer::start(p, opts), pki)
}

/// `keymint account add` for `fake` under `name`.
fn cli_account(env: &Env, fake: &FakeServer, pki: Option<&TestPki>, name: &str) {
    let p = fake.provider();
    let mut args: Vec<String> = vec!["account".into(), "add".into(), p.id().into(), name.into()];
    args.extend(set_args(&account_fields(p)));
    args.extend(["--base-url".to_owned(), fake.base_url()]);
    let stdin = match pki {
        Some(pki) => {
            for (flag, path) in [
                ("--ca-cert", &pki.ca_pem),
                ("--client-cert", &pki.client_cert_pem),
                ("--client-key", &pki.client_key_pem),
            ] {
                args.extend([flag.to_owned(), path.display().to_string()]);
            }
            None
        }
        None => {
            args.push("--credential-stdin".into());
            Some(DEFAULT_CREDENTIAL)
        }
    };
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs, stdin).ok();
}

/// `keymint key create` in `account` (of provider `p`); returns the secret.
fn cli_key(env: &Env, p: Provider, account: &str, label: &str, extra: &[&str]) -> String {
    let mut args: Vec<String> = [
        "--json",
        "key",
        "create",
        account,
        "--label",
        label,
        "--show-secret",
    ]
    .map(String::from)
    .to_vec();
    args.extend(set_args(&key_fields(p)));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let key = env.run(&refs, None).ok().json();
    key["secret"].as_str().expect("secret").to_owned()
}

/// A fireworks fake with one account, `fw`, and keys with `labels`; returns their secrets.
fn fireworks_with_keys(env: &Env, labels: &[&str]) -> (FakeServer, Vec<String>) {
    let (fake, _) = start_fake(env, Provider::Fireworks);
    cli_account(env, &fake, None, "fw");
    let secrets = labels
        .iter()
        .map(|l| cli_key(env, Provider::Fireworks, "fw", l, &[]))
        .collect();
    (fake, secrets)
}

// ---- Clipboard -----------------------------------------------------------------------------

/// Puts `text` on the clipboard (xclip serves it until killed) and pastes it with Ctrl+V into
/// the field matching `selector`.
fn paste(app: &App, selector: &str, text: &str) {
    let mut owner = Command::new("xclip")
        .args(["-quiet", "-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip (apt-get install xclip)");
    owner
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write to xclip");
    app.wait_until("xclip to own the clipboard", TIMEOUT, || {
        Ok((read_clipboard().as_deref() == Some(text)).then_some(()))
    });
    app.send_keys(selector, &format!("{CONTROL}v"));
    app.wait_until(&format!("the paste into `{selector}`"), TIMEOUT, || {
        Ok((app.prop(selector, "value") == json!(text)).then_some(()))
    });
    let _ = owner.kill();
    let _ = owner.wait();
}

// ---- Window helpers ------------------------------------------------------------------------

/// The key row whose label is `label`.
fn row(label: &str) -> String {
    format!("xpath://div[@data-testid='key-row'][.//span[@title='{label}']]")
}

/// Labels of the rows in the list, top to bottom, once the list shows `count` of them.
fn wait_rows(app: &App, count: usize) -> Vec<String> {
    app.wait_until(&format!("{count} rows"), TIMEOUT, || {
        let labels = app.exec(
            "return [...document.querySelectorAll('[data-testid=key-row] .c-label .ellipsis')]
                 .map(e => e.textContent);",
            vec![],
        );
        let labels: Vec<String> = serde_json::from_value(labels).unwrap_or_default();
        let total = app.attr(&testid("key-list"), "data-total");
        Ok((labels.len() == count && total == Some(count.to_string())).then_some(labels))
    })
}

/// Fills a descriptor-generated field (`field-<name>`): select, text, textarea or checklist
/// (comma-separated options).
fn set_field(app: &App, name: &str, value: &str) {
    let sel = testid(&format!("field-{name}"));
    let tag = app.prop(&sel, "tagName");
    match tag.as_str() {
        Some("SELECT") => app.select(&sel, value),
        Some("DIV") => {
            for option in value.split(',') {
                app.click(&testid(&format!("option-{name}-{option}")));
            }
        }
        _ => app.fill(&sel, value),
    }
}

/// Saves a screenshot of the window as `name` (see `save_screenshot`), without a toast
/// left over from an earlier step.
fn shot(app: &App, name: &str) {
    app.exec(
        "document.querySelector('[data-testid=toast] .close')?.click();",
        vec![],
    );
    app.wait_gone(&testid("toast"));
    save_screenshot(name, &app.screenshot());
}

fn dismiss_dialog(app: &App, close: &str, dialog: &str) {
    app.click(&testid(close));
    app.wait_gone(&testid(dialog));
}

// ---- Tests ---------------------------------------------------------------------------------

/// For each provider: the Add account dialog (hellgate-commerce with its client certificate,
/// key and CA pasted), then the New key dialog, the shown-once result with the very secret
/// the provider issued, and the new row in the list.
#[test]
fn every_provider_gets_an_account_and_a_key_through_the_dialogs() {
    let _display = shared_display();
    let env = Env::new();
    let app = App::launch(&env, &[FOR_SCREENSHOTS]);

    for (n, p) in Provider::ALL.into_iter().enumerate() {
        let (fake, pki) = start_fake(&env, p);
        let account = format!("{}-main", p.id());

        // Add account.
        app.click(&testid("add-account"));
        app.wait_for(&testid("account-dialog"));
        app.select(&testid("field-provider"), p.id());
        app.fill(&testid("field-name"), &account);
        for field in account_fields(p) {
            let (name, value) = field.split_once('=').expect("name=value");
            set_field(&app, name, value);
        }
        app.click(&testid("advanced"));
        app.fill(&testid("field-base_url"), &fake.base_url());
        match &pki {
            Some(pki) => {
                let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("pem");
                paste(
                    &app,
                    &testid("field-client_cert_pem"),
                    &read(&pki.client_cert_pem),
                );
                paste(
                    &app,
                    &testid("field-client_key_pem"),
                    &read(&pki.client_key_pem),
                );
                paste(&app, &testid("field-ca_cert_pem"), &read(&pki.ca_pem));
            }
            None => {
                app.fill(&testid("field-credential"), DEFAULT_CREDENTIAL);
                assert_eq!(
                    app.prop(&testid("field-credential"), "type"),
                    json!("password")
                );
            }
        }
        app.click(&testid("account-submit"));
        // The base URL is not the provider's default: the app asks natively before the
        // credential may go there, and the user (who typed it) confirms.
        answer_native_dialog(
            &destination_dialog_title(&fake.origin()),
            "alt+o",
            Duration::from_secs(15),
        )
        .unwrap_or_else(|e| panic!("{account}: {e}"));
        app.wait_gone(&testid("account-dialog"));
        app.wait_for(&testid(&format!("account-{account}")));

        // New key.
        let label = format!("{} deploy", p.id());
        app.click(&testid("new-key"));
        app.wait_for(&testid("create-key-dialog"));
        app.select(&testid("field-account"), &account);
        app.fill(&testid("field-label"), &label);
        for field in key_fields(p) {
            let (name, value) = field.split_once('=').expect("name=value");
            set_field(&app, name, value);
        }
        if p == Provider::Fireworks {
            app.click(&testid("expiry-30d"));
        }
        if p == Provider::Hsrcpay {
            // The descriptor's help has its own example; the form adds no second one.
            let help = app.text("#f-permissions-help");
            assert_eq!(help.matches("e.g.").count(), 1, "{help}");
        }
        if p == Provider::HellgateCloud {
            shot(&app, "create-form");
        }
        app.click(&testid("create-submit"));

        // The shown-once result holds exactly what the provider issued.
        app.wait_for(&testid("result-dialog"));
        let shown = app.prop(&testid("result-secret"), "value");
        let issued = fake.issued_secrets();
        assert_eq!(issued.len(), 1, "{p}: one key issued");
        assert_eq!(
            shown,
            json!(issued[0]),
            "{p}: the dialog shows the issued secret"
        );
        let reqs = fake.requests();
        assert_eq!(reqs.len(), 1, "{p}: one request");
        assert_eq!(reqs[0].violation, None, "{p}: request breaks the contract");
        if p == Provider::Fireworks {
            let body = reqs[0].json().expect("json");
            assert!(
                body["apiKey"]["expireTime"].is_string(),
                "30d expiry sent: {body}"
            );
            shot(&app, "result-dialog");
        }
        assert!(
            env.secret_tool_search().contains(&issued[0]),
            "{p}: secret is in the keychain"
        );
        dismiss_dialog(&app, "result-close", "result-dialog");

        // The row is in the list, selected, with its account and provider.
        let labels = wait_rows(&app, n + 1);
        assert!(labels.contains(&label), "{p}: {labels:?}");
        let r = row(&label);
        assert_eq!(app.attr(&r, "aria-selected").as_deref(), Some("true"));
        let text = app.text(&r);
        assert!(
            text.contains(&account),
            "{p}: row shows the account: {text}"
        );
        assert_eq!(app.text(&testid("detail-label")), label);
        if p == Provider::Fireworks {
            let fields = app.text(&testid("detail-provider-fields"));
            assert!(
                fields.contains("Email") && fields.contains("Prefix"),
                "{fields}"
            );
            // The display name only repeats the label; it is not kept.
            assert!(!fields.contains("Display name"), "{fields}");
        }
    }
    assert_eq!(app.text(&testid("key-count")), "5 keys");
}

/// Ctrl+C on the selected row and the Copy button put the secret on the clipboard; with the
/// clipboard_clear_secs setting at 5 (set through the CLI) it is gone again after 5 s.
#[test]
fn copy_puts_the_secret_on_the_clipboard_and_clears_it() {
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = fireworks_with_keys(&env, &["clip-other", "clip-me"]);
    env.run(&["settings", "set", "clipboard_clear_secs", "5"], None)
        .ok();
    let app = App::launch(&env, &[]);
    wait_rows(&app, 2);

    app.click(&row("clip-me"));
    app.wait_text(&testid("detail-label"), "is clip-me", |t| t == "clip-me");
    app.send_keys(&testid("key-list"), &format!("{CONTROL}c"));
    let copied = Instant::now();
    app.wait_until("the secret on the clipboard", TIMEOUT, || {
        Ok((read_clipboard().as_deref() == Some(secrets[1].as_str())).then_some(()))
    });
    let toast = app.wait_text(&testid("toast"), "says copied", |t| t.starts_with("Copied"));
    assert!(toast.contains("clears in"), "{toast}");
    assert!(
        toast.contains("5") || toast.contains("4"),
        "the setting's 5 s: {toast}"
    );
    app.wait_text(&testid("detail-events"), "lists the copy", |t| {
        t.to_lowercase().contains("copied")
    });

    app.wait_until(
        "the clipboard to be cleared",
        Duration::from_secs(10),
        || Ok((read_clipboard().as_deref() != Some(secrets[1].as_str())).then_some(())),
    );
    let after = copied.elapsed();
    assert!(
        after >= Duration::from_millis(4500),
        "cleared after {after:?}, before the 5 s"
    );
    app.wait_text(&testid("toast"), "says cleared", |t| {
        t.contains("Clipboard cleared")
    });

    // The Copy button of the detail pane, on the other key.
    app.click(&row("clip-other"));
    app.wait_text(&testid("detail-label"), "is clip-other", |t| {
        t == "clip-other"
    });
    app.click(&testid("copy"));
    app.wait_until("the other secret on the clipboard", TIMEOUT, || {
        Ok((read_clipboard().as_deref() == Some(secrets[0].as_str())).then_some(()))
    });
}

/// The detail pane shows the key's reference; Copy reference puts it (not the secret) on the
/// clipboard, with no clear timer and no audit event.
#[test]
fn copy_reference_copies_the_reference_not_the_secret() {
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = fireworks_with_keys(&env, &["ref me"]);
    let app = App::launch(&env, &[]);
    wait_rows(&app, 1);
    app.click(&row("ref me"));
    let shown = app.wait_text(&testid("detail-reference"), "shows the reference", |t| {
        t.starts_with("keymint://")
    });
    assert!(shown.ends_with("/ref%20me"), "{shown}");
    app.click(&testid("copy-reference"));
    app.wait_until("the reference on the clipboard", TIMEOUT, || {
        Ok((read_clipboard().as_deref() == Some(shown.as_str())).then_some(()))
    });
    app.wait_text(&testid("toast"), "says reference copied", |t| {
        t.starts_with("Reference copied")
    });
    assert_ne!(read_clipboard().as_deref(), Some(secrets[0].as_str()));
    // It resolves to the secret through the CLI, and no secret event was recorded.
    let read = env.run(&["read", &shown], None).ok();
    assert_eq!(read.stdout.trim_end(), secrets[0]);
    let id = env.run(&["--json", "key", "list"], None).ok().json()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let kinds = env.event_kinds(&id);
    assert!(!kinds.iter().any(|k| k == "copied"), "{kinds:?}");
}

/// Rotate in the detail pane: the successor's secret is shown once, the old row is marked
/// superseded (dimmed, filterable) and its reference now reads the new secret.
#[test]
fn rotate_creates_the_successor_and_marks_the_old_key() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, secrets) = fireworks_with_keys(&env, &["rotate me"]);
    let app = App::launch(&env, &[]);
    wait_rows(&app, 1);
    app.click(&row("rotate me"));
    app.click(&testid("rotate"));
    app.wait_for(&testid("rotate-dialog"));
    assert!(app.text(&testid("rotate-dialog")).contains("revoke"));
    app.click(&testid("confirm"));
    app.wait_for(&testid("result-dialog"));
    let issued = fake.issued_secrets();
    assert_eq!(issued.len(), 2, "one more key at the provider");
    assert_ne!(issued[1], secrets[0]);
    app.wait_until("the new secret shown once", TIMEOUT, || {
        Ok(
            (app.prop(&testid("result-secret"), "value").as_str() == Some(issued[1].as_str()))
                .then_some(()),
        )
    });
    app.click(&testid("result-close"));
    app.wait_gone(&testid("result-dialog"));
    assert_eq!(wait_rows(&app, 2).len(), 2);
    app.wait_for(&testid("superseded-badge"));
    let read = env.run(&["read", "keymint://fw/rotate%20me"], None).ok();
    assert_eq!(read.stdout.trim_end(), issued[1]);
}

/// Typing in the search field, the provider filter and an account in the sidebar narrow
/// the list; clearing them brings every key back.
#[test]
fn search_and_filters_narrow_the_list() {
    let _display = shared_display();
    let env = Env::new();
    let (fw, _) = start_fake(&env, Provider::Fireworks);
    let (flex, _) = start_fake(&env, Provider::Flexprice);
    cli_account(&env, &fw, None, "fw-prod");
    cli_account(&env, &flex, None, "flex-us");
    for (p, account, label) in [
        (Provider::Fireworks, "fw-prod", "deploy-bot"),
        (Provider::Fireworks, "fw-prod", "web-staging"),
        (Provider::Flexprice, "flex-us", "export-bot"),
        (Provider::Flexprice, "flex-us", "billing-web"),
    ] {
        cli_key(&env, p, account, label, &[]);
    }
    let app = App::launch(&env, &[]);
    wait_rows(&app, 4);

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // A search that leaves the selected key out drops the selection with it, so Enter or
    // Ctrl+C cannot copy a key the list no longer shows.
    app.click(&row("web-staging"));
    app.wait_for(&testid("detail-pane"));
    app.send_keys(&testid("search"), "-bot");
    assert_eq!(sorted(wait_rows(&app, 2)), ["deploy-bot", "export-bot"]);
    app.wait_gone(&testid("detail-pane"));
    app.fill(&testid("search"), "staging");
    assert_eq!(wait_rows(&app, 1), ["web-staging"]);
    app.fill(&testid("search"), "no-such-key");
    wait_rows(&app, 0);
    app.wait_for(&testid("clear-filters"));
    app.click(&testid("clear-filters"));
    wait_rows(&app, 4);
    assert_eq!(app.prop(&testid("search"), "value"), json!(""));

    app.select(&testid("filter-provider"), "flexprice");
    assert_eq!(sorted(wait_rows(&app, 2)), ["billing-web", "export-bot"]);
    assert!(app.text(&testid("key-count")).starts_with("2 keys"));
    app.select(&testid("filter-provider"), "");
    wait_rows(&app, 4);

    app.click(&testid("account-fw-prod"));
    assert_eq!(sorted(wait_rows(&app, 2)), ["deploy-bot", "web-staging"]);
    // Search within the account filter.
    app.send_keys(&testid("search"), "-bot");
    assert_eq!(wait_rows(&app, 1), ["deploy-bot"]);
    app.click(&testid("clear-all-filters"));
    wait_rows(&app, 4);
}

/// Reveal shows the secret in the detail pane; Hide takes it away again.
#[test]
fn reveal_shows_the_secret_until_hidden() {
    // Revealed secrets hide when the window loses focus: keep other windows away.
    let _display = exclusive_display();
    let env = Env::new();
    let (_fake, secrets) = fireworks_with_keys(&env, &["reveal-me"]);
    let app = App::launch(&env, &[]);
    wait_rows(&app, 1);
    app.click(&row("reveal-me"));
    assert_eq!(app.count(&testid("revealed-secret")), 0);

    app.click(&testid("reveal"));
    app.wait_for(&testid("revealed-secret"));
    assert_eq!(
        app.prop(&testid("revealed-secret"), "value"),
        json!(secrets[0])
    );
    assert_eq!(
        app.attr(&testid("reveal"), "aria-pressed").as_deref(),
        Some("true")
    );
    app.wait_text(&testid("detail-events"), "lists the reveal", |t| {
        t.to_lowercase().contains("revealed")
    });

    app.click(&testid("reveal"));
    app.wait_gone(&testid("revealed-secret"));
    // Still hidden a moment later (the click did not reveal it again).
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(app.count(&testid("revealed-secret")), 0);
    assert_eq!(
        app.attr(&testid("reveal"), "aria-pressed").as_deref(),
        Some("false")
    );
}

/// Forget asks first, then removes the row and the keychain item; the other key and the
/// account's credential stay.
#[test]
fn forget_removes_the_row_and_the_keychain_item() {
    let _display = shared_display();
    let env = Env::new();
    let (_fake, secrets) = fireworks_with_keys(&env, &["keep-me", "forget-me"]);
    let before = env.secret_tool_search();
    assert!(before.contains(&secrets[1]));
    let app = App::launch(&env, &[]);
    wait_rows(&app, 2);

    app.click(&row("forget-me"));
    app.click(&testid("forget"));
    app.wait_for(&testid("forget-dialog"));
    assert!(app.text(&testid("forget-dialog")).contains("NOT revoked"));
    // Cancel keeps it.
    app.click("[data-testid=\"forget-dialog\"] .dialog-footer .btn:not(.danger)");
    app.wait_gone(&testid("forget-dialog"));
    wait_rows(&app, 2);

    app.click(&testid("forget"));
    app.click(&testid("confirm"));
    app.wait_gone(&testid("forget-dialog"));
    assert_eq!(wait_rows(&app, 1), ["keep-me"]);
    app.wait_text(&testid("toast"), "says forgot", |t| t.contains("Forgot"));

    let after = env.secret_tool_search();
    assert!(
        !after.contains(&secrets[1]),
        "forgotten secret still in the keychain"
    );
    assert!(
        !after.contains("/ forget-me"),
        "forgotten item still in the keychain"
    );
    assert!(after.contains(&secrets[0]), "the other key went too");
    assert!(
        after.contains(DEFAULT_CREDENTIAL),
        "the credential went too"
    );
    let list = env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

/// Import takes the secret in a password field, keeps it in the keychain and adds the row,
/// without a request to the provider.
#[test]
fn import_keeps_a_key_made_elsewhere() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, _) = fireworks_with_keys(&env, &[]);
    let app = App::launch(&env, &[]);
    wait_rows(&app, 0);

    let secret = "fw_imported_0123456789abcdefghijklmnop";
    app.click(&testid("import"));
    app.wait_for(&testid("import-key-dialog"));
    assert_eq!(app.prop(&testid("field-account"), "value"), json!("fw"));
    app.fill(&testid("field-label"), "from-console");
    app.fill(&testid("field-secret"), secret);
    assert_eq!(app.prop(&testid("field-secret"), "type"), json!("password"));
    app.fill(&testid("field-remote_id"), "key-abc");
    app.click(&testid("expiry-90d"));
    app.click(&testid("import-submit"));
    app.wait_gone(&testid("import-key-dialog"));
    app.wait_text(&testid("toast"), "says imported", |t| {
        t.contains("Imported")
    });

    assert_eq!(wait_rows(&app, 1), ["from-console"]);
    let shown = env
        .run(&["--json", "key", "show", "from-console"], None)
        .ok()
        .json();
    let hint = shown["hint"].as_str().expect("a hint");
    assert!(!secret.contains(hint), "the hint is not the secret");
    let text = app.text(&row("from-console"));
    assert!(text.contains(hint), "row shows the hint {hint}: {text}");
    assert_eq!(fake.request_count(), 0, "import must not call the provider");
    assert_eq!(
        env.run(&["key", "secret", "from-console"], None)
            .ok()
            .stdout,
        format!("{secret}\n")
    );
    let found = env.secret_tool_search();
    assert!(
        found.contains("Keymint: fireworks / fw / from-console"),
        "{found}"
    );
}

/// Mistakes are shown under the field, and nothing goes to the provider: hellgate-cloud
/// with no scope (checked in the form), then an expiry in the past (checked by the core).
/// Fixing both creates the key.
#[test]
fn validation_errors_show_inline_and_send_nothing() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, _) = start_fake(&env, Provider::HellgateCloud);
    cli_account(&env, &fake, None, "cloud");
    let app = App::launch(&env, &[FOR_SCREENSHOTS]);
    wait_rows(&app, 0);

    app.click(&testid("new-key"));
    app.wait_for(&testid("create-key-dialog"));
    assert_eq!(app.prop(&testid("field-account"), "value"), json!("cloud"));
    app.fill(&testid("field-label"), "no-scopes");
    app.click(&testid("create-submit"));
    let error = app.wait_text(&testid("error-scopes"), "is shown", |t| !t.is_empty());
    assert!(error.contains("at least 1"), "{error}");
    assert_eq!(
        app.attr(&testid("field-scopes"), "data-invalid").as_deref(),
        Some("true")
    );
    shot(&app, "error-inline");
    assert_eq!(fake.request_count(), 0);

    let scope = HELLGATE_CLOUD_SCOPES[0];
    app.click(&testid(&format!("option-scopes-{scope}")));
    app.wait_gone(&testid("error-scopes"));
    app.fill(&testid("field-expires"), "2020-01-01T00:00:00Z");
    app.click(&testid("create-submit"));
    let error = app.wait_text(&testid("error-expires"), "is shown", |t| !t.is_empty());
    assert!(error.contains("in the past"), "{error}");
    assert_eq!(
        app.attr(&testid("field-expires"), "aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert_eq!(app.count(&testid("result-dialog")), 0);
    assert_eq!(fake.request_count(), 0, "a refused form sent a request");

    app.click(&testid("expiry-30d"));
    app.wait_gone(&testid("error-expires"));
    app.click(&testid("create-submit"));
    app.wait_for(&testid("result-dialog"));
    assert_eq!(fake.request_count(), 1);
    let body = fake.requests()[0].json().expect("json");
    assert_eq!(body["scopes"], json!([scope]));
    assert_eq!(body["expires_in"], json!(30 * 86_400));
}

/// The inventory with keys of every provider, in the light and the dark theme (GTK_THEME
/// tells WebKitGTK which one the OS prefers).
#[test]
fn inventory_follows_the_light_and_dark_theme() {
    let _display = shared_display();
    let env = Env::new();
    let mut fakes: Vec<FakeServer> = Vec::new();
    let keys: [(Provider, &str, &str, &[&str]); 7] = [
        (
            Provider::HellgateCommerce,
            "commerce-eu",
            "payments-api",
            &["--expires", "365d"],
        ),
        (
            Provider::Flexprice,
            "flex-us",
            "billing-export",
            &["--expires", "7d"],
        ),
        (
            Provider::Fireworks,
            "fw-prod",
            "ci-deploy",
            &["--expires", "90d"],
        ),
        (Provider::Fireworks, "fw-prod", "notebook-dev", &[]),
        (
            Provider::HellgateCloud,
            "cloud-ops",
            "tokenizer-read",
            &["--expires", "30d"],
        ),
        (Provider::Hsrcpay, "hsrc-sandbox", "checkout-web", &[]),
        (
            Provider::Hsrcpay,
            "hsrc-sandbox",
            "refunds-worker",
            &["--expires", "10d"],
        ),
    ];
    for (p, account, label, extra) in keys {
        if !fakes.iter().any(|f| f.provider() == p) {
            let (fake, pki) = start_fake(&env, p);
            cli_account(&env, &fake, pki.as_ref(), account);
            fakes.push(fake);
        }
        cli_key(&env, p, account, label, extra);
    }

    for (theme, dark, name) in [
        ("Adwaita", false, "inventory-light"),
        ("Adwaita:dark", true, "inventory-dark"),
    ] {
        let app = App::launch(&env, &[("GTK_THEME", theme), FOR_SCREENSHOTS]);
        wait_rows(&app, keys.len());
        let prefers = app.exec(
            "return matchMedia('(prefers-color-scheme: dark)').matches",
            vec![],
        );
        assert_eq!(prefers, json!(dark), "{theme}: prefers-color-scheme");
        let bg = app.exec(
            "return getComputedStyle(document.body).backgroundColor",
            vec![],
        );
        let expected = if dark {
            "rgb(22, 22, 24)"
        } else {
            "rgb(255, 255, 255)"
        };
        assert_eq!(bg, Value::from(expected), "{theme}: page background");
        app.click(&row("billing-export"));
        app.wait_for(&testid("detail-events"));
        shot(&app, name);
        if !dark {
            // A small window (900×600): the labels still show whole.
            app.command(
                "POST",
                "/window/rect",
                Some(json!({ "width": 900, "height": 600 })),
            )
            .expect("resize the window");
            app.wait_until("a 900 px wide page", TIMEOUT, || {
                let w = app.exec("return window.innerWidth", vec![]);
                Ok((w.as_i64().is_some_and(|w| w <= 900)).then_some(()))
            });
            app.settle();
            let cut = app.exec(
                "return [...document.querySelectorAll('[data-testid=key-row] .c-label .ellipsis')]
                     .filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent);",
                vec![],
            );
            shot(&app, "inventory-900x600");
            assert_eq!(cut, json!([]), "labels cut at 900×600");
        }
    }
}

// ---- Day-one polish ------------------------------------------------------------------------

/// Where the page lays out `data-testid=id` now: `[left, top]` in CSS pixels.
fn position(app: &App, id: &str) -> (i64, i64) {
    let at = app.exec(
        "const r = document.querySelector(`[data-testid='${arguments[0]}']`).getBoundingClientRect();
         return [Math.round(r.left), Math.round(r.top)];",
        vec![json!(id)],
    );
    let v: Vec<i64> = serde_json::from_value(at).expect("a position");
    (v[0], v[1])
}

/// Opens the New key dialog with `account` and `label` filled in.
fn open_create(app: &App, account: &str, label: &str) {
    app.click(&testid("new-key"));
    app.wait_for(&testid("create-key-dialog"));
    app.select(&testid("field-account"), account);
    app.fill(&testid("field-label"), label);
}

/// A provider that answers with an expiry in 2023 and other scopes than asked: the result
/// dialog says so, and the key's detail keeps it. Esc closes a stored result at once.
#[test]
fn the_result_and_the_detail_say_when_the_answer_differs() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, _) = start_fake(&env, Provider::HellgateCloud);
    cli_account(&env, &fake, None, "cloud");
    fake.set_mode(Mode::Contrary);
    let app = App::launch(&env, &[]);
    wait_rows(&app, 0);

    open_create(&app, "cloud", "contrary");
    app.click(&testid(&format!(
        "option-scopes-{}",
        HELLGATE_CLOUD_SCOPES[0]
    )));
    app.click(&testid("expiry-30d"));
    app.click(&testid("create-submit"));
    app.wait_for(&testid("result-dialog"));
    let warnings = app.text(&testid("result-warnings"));
    assert!(warnings.contains("already expired"), "{warnings}");
    assert!(warnings.contains("other scopes than asked"), "{warnings}");
    // Stored in the keychain: Esc closes without asking.
    app.send_keys(&testid("result-dialog"), &ESCAPE.to_string());
    app.wait_gone(&testid("result-dialog"));
    assert_eq!(app.count(&testid("confirm-close")), 0);

    app.click(&row("contrary"));
    let notes = app.wait_text(&testid("answer-notes"), "is shown", |t| !t.is_empty());
    assert!(
        notes.contains("already expired (expiry 1 Jan 2023"),
        "{notes}"
    );
    assert!(notes.contains("other scopes than asked"), "{notes}");
}

/// An inline error that appears and clears does not move Submit.
#[test]
fn submit_stays_put_when_an_error_clears() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, _) = start_fake(&env, Provider::HellgateCloud);
    cli_account(&env, &fake, None, "cloud");
    let app = App::launch(&env, &[]);
    wait_rows(&app, 0);

    open_create(&app, "cloud", "steady");
    app.settle();
    let before = position(&app, "create-submit");
    app.click(&testid("create-submit"));
    app.wait_text(&testid("error-scopes"), "is shown", |t| !t.is_empty());
    app.settle();
    let with_error = position(&app, "create-submit");
    app.click(&testid(&format!(
        "option-scopes-{}",
        HELLGATE_CLOUD_SCOPES[0]
    )));
    app.wait_gone(&testid("error-scopes"));
    app.settle();
    let after = position(&app, "create-submit");
    assert_eq!(with_error, after, "Submit moved when the error cleared");
    assert_eq!(before, with_error, "Submit moved when the error appeared");
    assert_eq!(fake.request_count(), 0);
}

/// A status filter is the only one highlighted, shows its count, and names the list.
#[test]
fn status_filters_show_their_count_and_name() {
    let _display = shared_display();
    let env = Env::new();
    let (fw, _) = start_fake(&env, Provider::Fireworks);
    let (cloud, _) = start_fake(&env, Provider::HellgateCloud);
    cli_account(&env, &fw, None, "fw");
    cli_account(&env, &cloud, None, "cloud");
    cli_key(&env, Provider::Fireworks, "fw", "live-one", &[]);
    cli_key(&env, Provider::Fireworks, "fw", "live-two", &[]);
    // The contrary fake answers with an expiry in 2023: an expired key.
    cloud.set_mode(Mode::Contrary);
    cli_key(
        &env,
        Provider::HellgateCloud,
        "cloud",
        "old-one",
        &["--expires", "30d"],
    );
    let app = App::launch(&env, &[]);
    wait_rows(&app, 3);

    let pressed = |id: &str| app.attr(&testid(id), "aria-pressed");
    assert_eq!(pressed("filter-all").as_deref(), Some("true"));
    app.wait_until("the expired count", TIMEOUT, || {
        Ok(
            (app.attr(&testid("status-expired"), "data-count").as_deref() == Some("1"))
                .then_some(()),
        )
    });
    app.click(&testid("status-expired"));
    assert_eq!(wait_rows(&app, 1), ["old-one"]);
    assert_eq!(pressed("status-expired").as_deref(), Some("true"));
    assert_eq!(pressed("filter-all").as_deref(), Some("false"));
    let heading = app.text(&testid("list-heading"));
    assert!(heading.starts_with("Expired"), "{heading}");
    assert!(!heading.contains("All keys"), "{heading}");
    app.click(&testid("filter-all"));
    wait_rows(&app, 3);
    assert_eq!(pressed("status-expired").as_deref(), Some("false"));
}

/// A secret the keychain refused is only on screen: Esc and the close button ask first, and
/// "Keep open" keeps it.
#[test]
fn an_unstored_secret_asks_before_closing() {
    let _display = shared_display();
    let env = Env::new();
    let (fake, _) = start_fake(&env, Provider::Fireworks);
    cli_account(&env, &fake, None, "fw");
    let app = App::launch(&env, &[("KEYMINT_FAULT", "vault_write:fail")]);
    wait_rows(&app, 0);

    open_create(&app, "fw", "unstored");
    app.click(&testid("create-submit"));
    app.wait_for(&testid("result-dialog"));
    app.wait_for(&testid("store-warning"));

    app.send_keys(&testid("result-dialog"), &ESCAPE.to_string());
    app.wait_for(&testid("confirm-close"));
    app.click(&testid("keep-open"));
    app.wait_gone(&testid("confirm-close"));
    assert_eq!(
        app.count(&testid("result-dialog")),
        1,
        "Keep open closed it"
    );
    let shown = app.prop(&testid("result-secret"), "value");
    assert_eq!(shown.as_str(), Some(fake.issued_secrets()[0].as_str()));

    app.click(&format!(
        "{} {}",
        testid("result-dialog"),
        testid("dialog-close")
    ));
    app.wait_for(&testid("confirm-close"));
    app.click(&testid("close-anyway"));
    app.wait_gone(&testid("result-dialog"));
}
