//! Foundation acceptance: a Fireworks key created through the CLI, with the real keychain and
//! a local server speaking Fireworks' contract; and the never-lose order when the keychain
//! fails after the provider answered.

use std::process::Stdio;
use std::time::Duration;

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{contains_bytes, Env, Run};

#[test]
fn fireworks_key_is_created_kept_in_the_keychain_and_readable() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let key = s.create("ci deploy", &["--expires", "30d"]).ok().json();
    let issued = s.fake.issued_secrets();
    assert_eq!(issued.len(), 1);
    let secret = &issued[0];

    // The request the provider received.
    let reqs = s.fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.violation, None, "contract violation");
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/accounts/acme/users/dev%2F1/apiKeys");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {DEFAULT_CREDENTIAL}").as_str())
    );
    let body = r.json().expect("json body");
    assert_eq!(body["apiKey"]["displayName"], "ci deploy");
    let expire = body["apiKey"]["expireTime"]
        .as_str()
        .expect("expireTime sent");
    let expire = chrono::DateTime::parse_from_rfc3339(expire).expect("rfc3339");
    let days = (expire.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "30d became {days} days");

    // What the CLI printed: the SPEC key object, without the secret.
    assert_eq!(key["provider"], "fireworks");
    assert_eq!(key["account"], "fireworks");
    assert_eq!(key["label"], "ci deploy");
    assert_eq!(key["status"], "stored");
    assert_eq!(key["sandbox"], false);
    assert!(key["remote_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        key["hint"].as_str(),
        Some(format!("{}…", &secret[..8]).as_str())
    );
    assert!(
        key.get("secret").is_none(),
        "secret printed without --show-secret"
    );

    // An independent Secret Service client finds both items under their labels.
    let found = s.env.secret_tool_search();
    assert!(
        found.contains("label = Keymint: fireworks / fireworks / ci deploy"),
        "{found}"
    );
    assert!(found.contains(&format!("secret = {secret}")), "{found}");
    assert!(
        found.contains("label = Keymint: fireworks / fireworks / credential"),
        "{found}"
    );
    // The credential is stored bound to the destination it was entered for (SPEC §5).
    assert!(
        found.contains(
            "secret = keymint-credential/1\nprovider=fireworks\norigin=http://127.0.0.1:"
        ) && found.contains(&format!("\n\n{DEFAULT_CREDENTIAL}")),
        "{found}"
    );

    // `key secret` by id prefix and by label prints exactly the secret.
    let id = key["id"].as_str().expect("id");
    assert_eq!(
        s.env.run(&["key", "secret", &id[..8]], None).ok().stdout,
        format!("{secret}\n")
    );
    assert_eq!(
        s.env.run(&["key", "secret", "ci deploy"], None).ok().stdout,
        format!("{secret}\n")
    );

    // `key list --json` shows it; the inventory files hold neither secret nor credential.
    let list = s.env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], key["id"]);
    let db = s.env.db_bytes();
    assert!(db.len() > 4096, "database files missing");
    assert!(
        !contains_bytes(&db, secret.as_bytes()),
        "secret found in SQLite files"
    );
    assert!(
        !contains_bytes(&db, DEFAULT_CREDENTIAL.as_bytes()),
        "credential found in SQLite files"
    );
}

#[test]
fn show_secret_prints_it_once_in_json() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let key = s.create("shown", &["--show-secret"]).ok().json();
    assert_eq!(
        key["secret"].as_str(),
        s.fake.issued_secrets().first().map(String::as_str)
    );
}

/// Kills the Secret Service while the provider is answering: the credential was read, the
/// key is created, the keychain write fails. The secret must reach the user anyway.
#[test]
fn secret_is_printed_and_marked_not_stored_when_the_keychain_fails_after_the_answer() {
    let mut env = Env::with_private_keyring();
    env.vars
        .push(("KEYMINT_KEYCHAIN_TIMEOUT_SECS".into(), "3".into()));
    env.vars.push(("KEYMINT_TIMEOUT_SECS".into(), "20".into()));
    let s = Setup::with_env(
        Provider::Fireworks,
        Mode::Normal,
        env,
        Duration::from_secs(2),
    );
    s.fake.set_mode(Mode::SlowHeaders);
    let child = s
        .env
        .command(&[
            "--json",
            "key",
            "create",
            "fireworks",
            "--label",
            "precious",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(
        s.fake.wait_for_requests(1, Duration::from_secs(20)),
        "no request reached the fake"
    );
    s.env
        .keyring()
        .expect("private keyring")
        .kill_secret_service();
    let run: Run = child.wait_with_output().expect("wait").into();

    let issued = s.fake.issued_secrets();
    assert_eq!(issued.len(), 1, "the provider created one key");
    let secret = &issued[0];
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let out = run.json();
    assert_eq!(
        out["secret"].as_str(),
        Some(secret.as_str()),
        "secret not printed"
    );
    assert_eq!(out["status"], "not_stored");
    assert!(
        run.stderr.contains("could not be stored in the keychain"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(secret.as_str()), "secret in stderr");

    // The inventory (no keychain needed to list) says so, and holds no secret.
    let list = s.env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(list[0]["status"], "not_stored");
    assert!(!contains_bytes(&s.env.db_bytes(), secret.as_bytes()));
}
