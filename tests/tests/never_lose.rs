//! A secret the provider returned is never lost: the create flow is interrupted at each
//! fault point (SIGKILL of the CLI, or the step failing), then the next start reconciles.
//! Needs the binary built with `--features keymint-cli/fault-injection` (make test does).

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{contains_bytes, Run};

fn interrupted(fault: &str) -> (Setup, Run, String) {
    let mut s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.env
        .vars
        .push(("KEYMINT_STALE_PENDING_SECS".into(), "0".into()));
    let mut cmd = s.env.command(&[
        "--json",
        "key",
        "create",
        "fireworks",
        "--label",
        "precious",
    ]);
    let run: Run = cmd
        .env("KEYMINT_FAULT", fault)
        .output()
        .expect("run")
        .into();
    let secret = s
        .fake
        .issued_secrets()
        .pop()
        .expect("the provider created a key");
    (s, run, secret)
}

fn list(s: &Setup) -> serde_json::Value {
    // The next start reconciles before listing; the database must still be usable.
    let list = s.env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    list[0].clone()
}

fn events(s: &Setup) -> Vec<String> {
    s.env.event_kinds("precious")
}

#[test]
fn killed_after_the_keychain_write_is_recovered_with_its_row() {
    let (s, run, secret) = interrupted("after_vault:kill");
    assert_eq!(run.code, -1, "killed: {}", run.stderr);
    assert!(!run.stdout.contains(&secret));
    let key = list(&s);
    assert_eq!(key["status"], "stored");
    assert_eq!(
        key["hint"].as_str(),
        Some(format!("{}…{}", &secret[..4], &secret[secret.len() - 4..]).as_str())
    );
    assert_eq!(
        s.env
            .run(&["key", "secret", "precious"], None)
            .ok()
            .stdout
            .trim_end(),
        secret
    );
    assert_eq!(events(&s), ["recovered", "revealed"]);
    assert!(!contains_bytes(&s.env.db_bytes(), secret.as_bytes()));
}

#[test]
fn killed_after_the_row_is_complete_loses_nothing() {
    let (s, run, secret) = interrupted("after_db:kill");
    assert_eq!(run.code, -1);
    let key = list(&s);
    assert_eq!(key["status"], "stored");
    assert!(key["remote_id"].is_string());
    assert_eq!(
        s.env
            .run(
                &[
                    "key",
                    "secret",
                    &key["id"].as_str().unwrap_or_default()[..8]
                ],
                None
            )
            .ok()
            .stdout
            .trim_end(),
        secret
    );
}

/// SIGKILL between the provider's answer and the keychain write: the secret existed only
/// in the dead process. What Keymint can do is leave a trace so the user can revoke it.
#[test]
fn killed_before_the_keychain_write_is_marked_interrupted() {
    let (s, run, secret) = interrupted("after_response:kill");
    assert_eq!(run.code, -1);
    assert!(!s.env.secret_tool_search().contains(&secret));
    let key = list(&s);
    assert_eq!(key["status"], "interrupted");
    assert_eq!(events(&s), ["interrupted"]);
}

#[test]
fn keychain_write_failing_prints_the_secret_with_a_warning() {
    let (s, run, secret) = interrupted("vault_write:fail");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["secret"].as_str(), Some(secret.as_str()));
    assert!(
        run.stderr.contains("could not be stored in the keychain"),
        "{}",
        run.stderr
    );
    assert_eq!(list(&s)["status"], "not_stored");
    assert!(!s.env.secret_tool_search().contains(&secret));
}

#[test]
fn database_write_failing_prints_the_secret_and_the_next_start_recovers_the_row() {
    let (s, run, secret) = interrupted("db_write:fail");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["secret"].as_str(), Some(secret.as_str()));
    assert_eq!(out["stored"], true);
    assert!(
        run.stderr
            .contains("could not be recorded in the inventory"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&secret));
    let key = list(&s);
    assert_eq!(key["status"], "stored");
    assert_eq!(
        s.env
            .run(&["key", "secret", "precious"], None)
            .ok()
            .stdout
            .trim_end(),
        secret
    );
}

#[test]
fn doctor_reports_keychain_items_without_rows_and_rows_without_items() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("kept", &[]).ok();
    let gone = s.create("gone", &[]).ok().json();
    // The item of "gone" disappears behind Keymint's back.
    let status = std::process::Command::new("secret-tool")
        .args([
            "clear",
            "service",
            &s.env.service,
            "username",
            &format!("key:{}", gone["id"].as_str().unwrap_or("")),
        ])
        .status()
        .expect("secret-tool");
    assert!(status.success());
    let checks = s.env.run(&["--json", "doctor"], None).ok().json();
    let step = checks
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "in step"))
        .expect("in-step check")
        .clone();
    assert!(
        step["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 missing from the keychain")),
        "{step}"
    );
    let list = s
        .env
        .run(&["--json", "key", "list", "--search", "gone"], None)
        .ok()
        .json();
    assert_eq!(list[0]["status"], "missing");
}
