//! The `keymint` command line as scripts use it (SPEC §4): every command, the JSON shapes,
//! key references, exit statuses, exec and the clipboard. Runs the built binary only.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{Env, Run};

fn id_of(run: Run) -> String {
    run.ok().json()["id"].as_str().expect("id").to_owned()
}

#[test]
fn providers_json_describes_every_field() {
    let env = Env::new();
    let all = env.run(&["--json", "providers"], None).ok().json();
    let ids: Vec<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "hellgate-commerce",
            "flexprice",
            "fireworks",
            "hellgate-cloud",
            "hsrcpay"
        ]
    );
    let cloud = &all[3];
    assert_eq!(cloud["account_fields"][0]["kind"]["pattern"], "dns_label");
    assert_eq!(cloud["key_fields"][0]["kind"]["type"], "multi_enum");
    assert_eq!(
        cloud["key_fields"][0]["kind"]["options"]
            .as_array()
            .map(Vec::len),
        Some(22)
    );
    assert_eq!(cloud["expiry"]["max_seconds"], 7_776_000);
    assert_eq!(all[1]["key_fields"][0]["default"], "private_key");
    assert_eq!(all[0]["credential"]["kind"], "client_certificate");
    let text = env.run(&["providers"], None).ok().stdout;
    assert_eq!(
        text.lines().count(),
        5,
        "one tab-separated line each when piped: {text}"
    );
}

#[test]
fn accounts_list_and_remove() {
    let s = Setup::new(Provider::Flexprice, Mode::Normal);
    let list = s.env.run(&["--json", "account", "list"], None).ok().json();
    assert_eq!(list[0]["name"], "flexprice");
    assert_eq!(list[0]["fields"]["region"], "us");
    assert_eq!(list[0]["key_count"], 0);
    assert!(list[0].get("credential").is_none());
    let dup = s.add_account("flexprice", &[]);
    assert_eq!(dup.code, 2, "{}", dup.stderr);
    assert!(dup.stderr.contains("already exists"));

    s.create("one", &[]).ok();
    let refused = s.env.run(&["account", "remove", "flexprice"], None);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("--forget-keys"),
        "{}",
        refused.stderr
    );
    s.env
        .run(&["account", "remove", "flexprice", "--forget-keys"], None)
        .ok();
    assert_eq!(
        s.env.run(&["--json", "account", "list"], None).ok().json(),
        serde_json::json!([])
    );
    let left = s.env.secret_tool_search();
    assert!(!left.contains("Keymint:"), "keychain items left: {left}");
    assert_eq!(s.env.run(&["account", "remove", "flexprice"], None).code, 2);
}

#[test]
fn credential_from_environment_variable() {
    let env = Env::new();
    let fake = keymint_tests::fakes::FakeServer::start(Provider::Fireworks, Default::default());
    let mut cmd = env.command(&[
        "account",
        "add",
        "fireworks",
        "fw",
        "--set",
        "account_id=a",
        "--set",
        "user_id=u",
        "--credential-env",
        "FW_KEY",
        "--base-url",
        &fake.base_url(),
    ]);
    let out: Run = cmd
        .env("FW_KEY", DEFAULT_CREDENTIAL)
        .output()
        .expect("run")
        .into();
    out.ok();
    env.run(&["key", "create", "fw", "--label", "from-env"], None)
        .ok();
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some(format!("Bearer {DEFAULT_CREDENTIAL}").as_str())
    );
    let missing = env.run(
        &[
            "account",
            "add",
            "fireworks",
            "fw2",
            "--set",
            "account_id=a",
            "--set",
            "user_id=u",
            "--credential-env",
            "NOPE_NOT_SET",
        ],
        None,
    );
    assert_eq!(missing.code, 2);
    let none = env.run(
        &[
            "account",
            "add",
            "fireworks",
            "fw3",
            "--set",
            "account_id=a",
            "--set",
            "user_id=u",
        ],
        None,
    );
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("--credential-stdin"),
        "{}",
        none.stderr
    );
}

#[test]
fn key_references_list_filters_show_import_forget() {
    let s = Setup::new(Provider::HellgateCloud, Mode::Normal);
    let a = id_of(s.create("alpha", &["--expires", "3d"]));
    let b = id_of(s.create("beta", &["--expires", "60d"]));
    let _c = id_of(s.create("same", &[]));
    let _d = id_of(s.create("same", &[]));

    // References: full id, unique prefix, label; ambiguous and unknown are exit 2.
    let secret_a = s.env.run(&["key", "secret", &a], None).ok().stdout;
    assert_eq!(
        s.env.run(&["key", "secret", &a[..6]], None).ok().stdout,
        secret_a
    );
    assert_eq!(
        s.env.run(&["key", "secret", "alpha"], None).ok().stdout,
        secret_a
    );
    let amb = s.env.run(&["key", "secret", "same"], None);
    assert_eq!(amb.code, 2);
    assert!(
        amb.stderr.contains("matches several keys"),
        "{}",
        amb.stderr
    );
    let unknown = s.env.run(&["key", "show", "zzzz-nothing"], None);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no key matches"));

    // Filters.
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json", "key", "list"];
        all.extend_from_slice(args);
        s.env
            .run(&all, None)
            .ok()
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|k| k["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(ids(&[]).len(), 4);
    assert_eq!(ids(&["--expiring-within", "14d"]), vec![a.clone()]);
    assert_eq!(ids(&["--search", "bet"]), vec![b.clone()]);
    assert_eq!(ids(&["--search", "al"]), vec![a.clone()]);
    assert_eq!(ids(&["--provider", "hellgate-cloud"]).len(), 4);
    assert_eq!(ids(&["--provider", "fireworks"]).len(), 0);
    assert_eq!(ids(&["--account", "nobody"]).len(), 0);
    assert_eq!(
        s.env.run(&["key", "list", "--provider", "nope"], None).code,
        2
    );
    assert_eq!(
        s.env
            .run(&["key", "list", "--expiring-within", "soon"], None)
            .code,
        2
    );
    // Not a terminal: tab-separated lines, full ids.
    let tsv = s
        .env
        .run(&["key", "list", "--search", "alpha"], None)
        .ok()
        .stdout;
    assert!(
        tsv.starts_with(&format!("{a}\talpha\thellgate_cloud\thellgate-cloud\t")),
        "{tsv}"
    );

    // Show: the SPEC object plus events.
    let shown = s
        .env
        .run(&["--json", "key", "show", "alpha"], None)
        .ok()
        .json();
    for field in [
        "id",
        "account",
        "provider",
        "label",
        "remote_id",
        "hint",
        "scopes",
        "created_at",
        "expires_at",
        "status",
        "sandbox",
    ] {
        assert!(shown.get(field).is_some(), "missing {field}: {shown}");
    }
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["created", "revealed", "revealed", "revealed"]);

    // Import: secret on stdin only.
    let imported = s
        .env
        .run(
            &[
                "--json",
                "key",
                "import",
                "hellgate_cloud",
                "--label",
                "legacy",
                "--remote-id",
                "r-9",
                "--expires",
                "10d",
            ],
            Some("legacy-secret-value-0123456789\n"),
        )
        .ok()
        .json();
    assert_eq!(imported["remote_id"], "r-9");
    assert_eq!(imported["hint"], "lega…6789");
    assert_eq!(
        s.env.run(&["key", "secret", "legacy"], None).ok().stdout,
        "legacy-secret-value-0123456789\n"
    );
    assert!(s
        .env
        .secret_tool_search()
        .contains("Keymint: hellgate-cloud / hellgate_cloud / legacy"));
    assert_eq!(
        s.env
            .run(
                &["key", "import", "hellgate_cloud", "--label", "empty"],
                Some("")
            )
            .code,
        2
    );

    // Forget: gone from the inventory and the keychain.
    s.env.run(&["key", "forget", "legacy"], None).ok();
    assert!(!s.env.secret_tool_search().contains("legacy-secret-value"));
    assert_eq!(s.env.run(&["key", "secret", "legacy"], None).code, 2);
}

#[test]
fn exec_passes_secrets_in_the_environment_and_the_exit_status_through() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let one = id_of(s.create("one", &[]));
    let two = id_of(s.create("two", &[]));
    let secrets = s.fake.issued_secrets();
    let out = s.env.dir.join("env-seen");
    let script = format!(
        r#"printf '%s\n%s' "$ONE" "$TWO" > '{}'; exit 7"#,
        out.display()
    );
    let run = s.env.run(
        &[
            "exec",
            "--env",
            &format!("ONE={one}"),
            "--env",
            "TWO=two",
            "--",
            "sh",
            "-c",
            &script,
        ],
        None,
    );
    assert_eq!(run.code, 7, "{}", run.stderr);
    let seen = std::fs::read_to_string(&out).expect("the command ran");
    assert_eq!(seen, format!("{}\n{}", secrets[0], secrets[1]));
    assert!(!two.is_empty());

    // A missing key fails before the command starts.
    let marker = s.env.dir.join("ran");
    let run = s.env.run(
        &[
            "exec",
            "--env",
            "ONE=one",
            "--env",
            "X=missing-key",
            "--",
            "touch",
            &marker.display().to_string(),
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        !marker.exists(),
        "the command ran although a key was missing"
    );

    // Signals reach the command; its death by signal is ours.
    let status = s
        .env
        .command(&[
            "exec",
            "--env",
            "ONE=one",
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ])
        .status()
        .expect("run");
    assert_eq!(status.signal(), Some(15));
    let bad = s.env.run(&["exec", "--env", "1X=one", "--", "true"], None);
    assert_eq!(bad.code, 2);
}

fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn set_clipboard(text: &str) {
    use std::io::Write;
    let mut child = Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("xclip");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    child.wait().expect("xclip");
}

#[test]
fn copy_clears_the_clipboard_only_if_it_still_holds_the_secret() {
    if std::env::var_os("DISPLAY").is_none() {
        panic!("this test needs a display (run it through scripts/test-session.sh)");
    }
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("clip", &[]).ok();
    let secret = s.fake.issued_secrets().remove(0);
    let started = std::time::Instant::now();
    let run = s
        .env
        .run(&["key", "copy", "clip", "--clear-after", "5"], None)
        .ok();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "copy must return at once"
    );
    assert!(run.stderr.contains("clears in 5 s"), "{}", run.stderr);
    assert_eq!(clipboard(), secret);
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(clipboard(), "", "clipboard not cleared");

    // Something else copied meanwhile: left alone.
    s.env
        .run(&["key", "copy", "clip", "--clear-after", "5"], None)
        .ok();
    assert_eq!(clipboard(), secret);
    set_clipboard("something else");
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(clipboard(), "something else");
    let events = s
        .env
        .run(&["--json", "key", "show", "clip"], None)
        .ok()
        .json();
    assert_eq!(
        events["events"]
            .as_array()
            .map(|e| e.iter().filter(|e| e["kind"] == "copied").count()),
        Some(2)
    );
}

#[test]
fn exit_statuses() {
    let env = Env::new();
    // 2: usage.
    assert_eq!(env.run(&["key", "create"], None).code, 2);
    assert_eq!(env.run(&["frobnicate"], None).code, 2);
    // 5: keychain unavailable (no Secret Service on this bus).
    let mut cmd = env.command(&[
        "account",
        "add",
        "fireworks",
        "f",
        "--set",
        "account_id=a",
        "--set",
        "user_id=u",
        "--credential-env",
        "K",
    ]);
    let run: Run = cmd
        .env("K", "some-key")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .expect("run")
        .into();
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("keychain unavailable"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.run(&["--json", "account", "list"], None).ok().json(),
        serde_json::json!([]),
        "nothing kept"
    );
    // With --json an error is one JSON object on stderr, with the code the exit status
    // comes from and the field a form error belongs to.
    let run = env.run(&["--json", "key", "show", "no-such-key"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", run.stderr));
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no-such-key")),
        "{body}"
    );
    let run = env.run(
        &["--json", "settings", "set", "clipboard_clear_secs", "1"],
        None,
    );
    let body: serde_json::Value = serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", run.stderr));
    assert_eq!(body["error"]["code"], "validation", "{body}");
    assert_eq!(body["error"]["field"], "clipboard_clear_secs", "{body}");
    // doctor: all good in the test session.
    let checks = env.run(&["--json", "doctor"], None).ok().json();
    assert!(
        checks
            .as_array()
            .expect("checks")
            .iter()
            .all(|c| c["ok"] == true),
        "{checks}"
    );
}

#[test]
fn completions_and_man_page() {
    let env = Env::new();
    let bash = env.run(&["completions", "bash"], None).ok().stdout;
    assert!(bash.contains("keymint") && bash.contains("--credential-stdin"));
    let man = env.run(&["man"], None).ok().stdout;
    assert!(man.contains(".TH keymint 1"));
}

#[test]
fn calendar_has_one_event_per_expiring_key_and_no_secret() {
    use icalendar::Component;
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("soon, really; \\ odd", &["--expires", "10d"]).ok();
    s.create("later", &["--expires", "200d"]).ok();
    s.create("never", &[]).ok();
    let ics = s.env.run(&["key", "calendar"], None).ok().stdout;
    for secret in s.fake.issued_secrets() {
        assert!(!ics.contains(&secret));
    }
    let cal: icalendar::Calendar = ics.parse().expect("valid iCalendar");
    let events: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 2, "one event per key with an expiry");
    assert_eq!(
        events[0].get_summary(),
        Some("API key expires: soon, really; \\ odd (fireworks / fireworks)")
    );
    assert!(events[1].get_summary().is_some_and(|s| s.contains("later")));
    let uids: Vec<_> = events.iter().filter_map(|e| e.get_uid()).collect();
    assert_eq!(uids.len(), 2);
    assert_ne!(uids[0], uids[1]);
}
