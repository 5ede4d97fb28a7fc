//! Hostile input for every field and flag: each is refused before anything is sent, with a
//! specific message and exit status 2, and nothing is kept.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::Run;

struct Case {
    provider: Provider,
    /// `account add` (true) or `key create` (false).
    account: bool,
    args: Vec<String>,
    stdin: Option<String>,
    needle: &'static str,
}

fn case(
    provider: Provider,
    account: bool,
    args: &[&str],
    stdin: Option<&str>,
    needle: &'static str,
) -> Case {
    Case {
        provider,
        account,
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        stdin: stdin.map(str::to_owned),
        needle,
    }
}

fn cases() -> Vec<Case> {
    use Provider::*;
    let big = "x".repeat(100_000);
    let mut v = vec![
        // Path values: traversal segments are refused (encoded `/`, `?`, `#` are covered by
        // the provider tests, where the fake receives them percent-encoded).
        case(
            Fireworks,
            true,
            &["--set", "account_id=..", "--set", "user_id=u"],
            Some("k"),
            "cannot be used in a URL path",
        ),
        case(
            Fireworks,
            true,
            &["--set", "account_id=.", "--set", "user_id=u"],
            Some("k"),
            "cannot be used in a URL path",
        ),
        case(
            HellgateCommerce,
            true,
            &["--set", "account_id=.."],
            None,
            "cannot be used in a URL path",
        ),
        // Header injection through a value sent as a header.
        case(
            HellgateCommerce,
            true,
            &["--set", "account_id=a\r\nX-Evil: 1"],
            None,
            "control character",
        ),
        case(
            Fireworks,
            true,
            &["--set", "account_id=a\tb", "--set", "user_id=u"],
            Some("k"),
            "control character",
        ),
        // Host injection in cluster_id.
        case(
            HellgateCloud,
            true,
            &["--set", "cluster_id=evil.com#"],
            Some("k"),
            "DNS label",
        ),
        case(
            HellgateCloud,
            true,
            &["--set", "cluster_id=a.evil.com"],
            Some("k"),
            "DNS label",
        ),
        case(
            HellgateCloud,
            true,
            &["--set", "cluster_id=x@evil.com"],
            Some("k"),
            "DNS label",
        ),
        case(
            HellgateCloud,
            true,
            &["--set", "cluster_id=x:8443"],
            Some("k"),
            "DNS label",
        ),
        case(
            HellgateCloud,
            true,
            &["--set", "cluster_id=x/../y"],
            Some("k"),
            "DNS label",
        ),
        case(
            HellgateCloud,
            true,
            &["--set", &format!("cluster_id={}", "a".repeat(64))],
            Some("k"),
            "at most 63",
        ),
        // Credentials: CRLF, NUL, spaces, empty, oversize, publishable.
        case(
            Flexprice,
            true,
            &["--set", "region=us"],
            Some("key\r\nX-Evil: 1"),
            "control characters",
        ),
        case(
            Flexprice,
            true,
            &["--set", "region=us"],
            Some("key\0tail"),
            "control characters",
        ),
        case(
            Flexprice,
            true,
            &["--set", "region=us"],
            Some(""),
            "no credential on standard input",
        ),
        case(
            Flexprice,
            true,
            &["--set", "region=us"],
            Some(&"k".repeat(9000)),
            "too long",
        ),
        case(
            Hsrcpay,
            true,
            &["--set", "account_id=a"],
            Some("pk_test_abcdefghijklmnopqrstuv"),
            "publishable",
        ),
        // Base URLs.
        case(
            Flexprice,
            true,
            &["--set", "region=us", "--base-url", "http://10.0.0.1/v1"],
            Some("k"),
            "plain http",
        ),
        case(
            Flexprice,
            true,
            &["--set", "region=us", "--base-url", "https://user:pw@x.io"],
            Some("k"),
            "user name or password",
        ),
        case(
            Flexprice,
            true,
            &["--set", "region=us", "--base-url", "javascript:alert(1)"],
            Some("k"),
            "https",
        ),
        // Key forms.
        case(
            Fireworks,
            false,
            &["--label", "a\r\nb"],
            None,
            "control character",
        ),
        case(Fireworks, false, &["--label", " padded"], None, "space"),
        case(Fireworks, false, &["--label", &big], None, "too long"),
        case(
            Fireworks,
            false,
            &["--label", "x", "--expires", "1970-01-01T00:00:00Z"],
            None,
            "in the past",
        ),
        case(
            Fireworks,
            false,
            &["--label", "x", "--expires", "99999999999d"],
            None,
            "100 years",
        ),
        case(
            Fireworks,
            false,
            &["--label", "x", "--expires", "9999-12-31T23:59:59Z"],
            None,
            "100 years",
        ),
        case(
            Fireworks,
            false,
            &["--label", "x", "--expires", "2030-13-45T00:00:00Z"],
            None,
            "not understood",
        ),
        case(
            HellgateCloud,
            false,
            &[
                "--label",
                "x",
                "--set",
                "scopes=pci:tokens:read,pci:tokens:read",
            ],
            None,
            "listed twice",
        ),
        case(
            HellgateCloud,
            false,
            &[
                "--label",
                "x",
                "--set",
                "scopes=pci:tokens:read",
                "--expires",
                "7776001s",
            ],
            None,
            "at most 90 days",
        ),
        case(
            Hsrcpay,
            false,
            &[
                "--label",
                "x",
                "--set",
                &format!("metadata={{\"a\":\"{}\"}}", "m".repeat(20_000)),
            ],
            None,
            "too large",
        ),
        case(
            Hsrcpay,
            false,
            &["--label", "x", "--set", "permissions={\"p\":[1]}"],
            None,
            "list of strings",
        ),
        case(
            Flexprice,
            false,
            &["--label", "x", "--set", "service_account_id=sa\u{7f}"],
            None,
            "control character",
        ),
    ];
    // Malformed PEM for mutual TLS, given as files.
    v.push(case(
        HellgateCommerce,
        true,
        &[
            "--set",
            "account_id=a",
            "--client-cert",
            "/etc/hostname",
            "--client-key",
            "/etc/hostname",
        ],
        None,
        "PEM",
    ));
    v.push(case(
        HellgateCommerce,
        true,
        &[
            "--set",
            "account_id=a",
            "--client-cert",
            "/nonexistent.pem",
            "--client-key",
            "/nonexistent.pem",
        ],
        None,
        "cannot read",
    ));
    v
}

fn run_case(s: &Setup, c: &Case, i: usize) -> Run {
    let mut args: Vec<String> = if c.account {
        vec![
            "account".into(),
            "add".into(),
            c.provider.id().into(),
            format!("hostile{i}"),
        ]
    } else {
        vec!["key".into(), "create".into(), s.account.clone()]
    };
    args.extend(c.args.iter().cloned());
    if c.account && c.stdin.is_some() {
        args.push("--credential-stdin".into());
    }
    if let (true, Some(pki)) = (
        c.account && !c.args.iter().any(|a| a == "--client-cert"),
        &s.pki,
    ) {
        for (flag, path) in [
            ("--client-cert", &pki.client_cert_pem),
            ("--client-key", &pki.client_key_pem),
        ] {
            args.push(flag.into());
            args.push(path.display().to_string());
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    s.env.run(&refs, c.stdin.as_deref())
}

#[test]
fn hostile_inputs_are_refused_before_sending() {
    let mut setups: Vec<Setup> = Vec::new();
    let mut tried = 0;
    for (i, c) in cases().iter().enumerate() {
        let s = match setups.iter().position(|s| s.fake.provider() == c.provider) {
            Some(pos) => &setups[pos],
            None => {
                setups.push(Setup::new(c.provider, Mode::Normal));
                setups.last().expect("setup")
            }
        };
        let before = s.fake.request_count();
        let run = run_case(s, c, i);
        assert_eq!(run.code, 2, "case {i} {:?}: {}", &c.args, run.stderr);
        assert!(
            run.stderr.to_lowercase().contains(&c.needle.to_lowercase()),
            "case {i}: expected `{}` in: {}",
            c.needle,
            run.stderr
        );
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "case {i}: one line: {}",
            run.stderr
        );
        assert!(
            run.stderr.len() < 600,
            "case {i}: message echoes too much input ({} bytes)",
            run.stderr.len()
        );
        assert_eq!(
            s.fake.request_count(),
            before,
            "case {i}: a request was sent"
        );
        tried += 1;
    }
    for s in &setups {
        assert_eq!(s.key_count(), 0);
        let accounts = s.env.run(&["--json", "account", "list"], None).ok().json();
        assert_eq!(
            accounts.as_array().map(Vec::len),
            Some(1),
            "only the set-up account exists"
        );
    }
    assert!(tried >= 30, "{tried} hostile inputs tried");
}

#[test]
fn non_utf8_arguments_are_refused() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let bad = OsStr::from_bytes(b"lab\xffel");
    let out = s
        .env
        .command(&["key", "create", "fireworks", "--label"])
        .arg(bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("UTF-8"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.fake.request_count(), 0);
}

/// Durations, dates and sizes on every command that takes one: each hostile value is refused
/// (exit 2, one line, a specific message), never an overflow that aborts. `now + 99999999999
/// days` panicked in `key list --expiring-within` before its window was bounded.
#[test]
fn huge_durations_and_dates_are_refused_without_overflow() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.create("existing", &[]).ok();
    type Row<'a> = (&'a [&'a str], Option<&'a str>, &'a str);
    let rows: &[Row] = &[
        (
            &["key", "list", "--expiring-within", "99999999999d"],
            None,
            "100 years",
        ),
        (
            &["key", "list", "--expiring-within", "999999999999w"],
            None,
            "100 years",
        ),
        (
            &["key", "list", "--expiring-within", "106751991167301d"],
            None,
            "100 years",
        ),
        (
            &["key", "list", "--expiring-within", "36501d"],
            None,
            "100 years",
        ),
        (
            &["--json", "key", "list", "--expiring-within", "99999999999h"],
            None,
            "100 years",
        ),
        (
            &["key", "copy", "existing", "--clear-after", "99999999999"],
            None,
            "between 5 and 600",
        ),
        (
            &[
                "key",
                "import",
                "fireworks",
                "--label",
                "far",
                "--expires",
                "99999999999d",
            ],
            Some("sk-imported-far-0123456789abcdefghij"),
            "100 years",
        ),
        (
            &[
                "key",
                "import",
                "fireworks",
                "--label",
                "far",
                "--expires",
                "+275760-09-13T00:00:00Z",
            ],
            Some("sk-imported-far-0123456789abcdefghij"),
            "not understood",
        ),
        (
            &["settings", "set", "reminder_days", "99999999999"],
            None,
            "different numbers of days",
        ),
        (
            &[
                "settings",
                "set",
                "clipboard_clear_secs",
                "99999999999999999999",
            ],
            None,
            "5 seconds to 10 minutes",
        ),
        (
            &["settings", "set", "reveal_timeout_secs", "4294967296"],
            None,
            "5 seconds to 5 minutes",
        ),
    ];
    for (i, (args, stdin, needle)) in rows.iter().enumerate() {
        let run = s.env.run(args, *stdin);
        assert_eq!(run.code, 2, "row {i} {args:?}: {run:?}");
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "row {i} {args:?}: expected `{needle}` in: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "row {i}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "row {i}: {}", run.stderr);
    }
    // The widest window that is accepted lists the key (it has no expiry: not "expiring").
    let run = s
        .env
        .run(
            &["--json", "key", "list", "--expiring-within", "36500d"],
            None,
        )
        .ok();
    assert_eq!(run.json().as_array().map(Vec::len), Some(0));
    assert_eq!(s.key_count(), 1, "nothing was imported");
}
