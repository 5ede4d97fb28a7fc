//! All five providers against their fakes through `keymint key create`: the request each
//! provider receives, what is kept, every validation rule (refused with exit 2 and nothing
//! sent), every documented error and misbehaving server (exit 3 or 4, a readable line, no
//! hang, nothing recorded), and mutual TLS failures.

use std::time::{Duration, Instant};

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{contains_bytes, Env};

/// Creates a key with a 30-day expiry and checks what Keymint kept and printed.
fn creates(
    p: Provider,
) -> (
    Setup,
    serde_json::Value,
    keymint_tests::fakes::RecordedRequest,
) {
    let s = Setup::new(p, Mode::Normal);
    let key = s.create("release key", &["--expires", "30d"]).ok().json();
    let issued = s.fake.issued_secrets();
    assert_eq!(issued.len(), 1, "{p:?}: one key issued");
    let secret = issued[0].clone();
    assert_eq!(key["provider"], p.id());
    assert_eq!(key["label"], "release key");
    assert_eq!(key["status"], "stored");
    assert!(
        key["remote_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{p:?}: {key}"
    );
    let expires = key["expires_at"].as_str().expect("expires_at kept");
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("rfc3339");
    let days =
        (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 1440.0;
    assert!((29.9..=30.1).contains(&days), "{p:?}: expiry {days} days");
    let hint = key["hint"].as_str().expect("hint");
    assert!(
        hint.len() < secret.len() / 2 + 8 && hint.contains('…'),
        "{p:?}: hint {hint}"
    );
    let id = key["id"].as_str().expect("id").to_owned();
    assert_eq!(
        s.env
            .run(&["key", "secret", &id], None)
            .ok()
            .stdout
            .trim_end(),
        secret
    );
    assert!(
        !contains_bytes(&s.env.db_bytes(), secret.as_bytes()),
        "{p:?}: secret in SQLite"
    );
    let reqs = s.fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = reqs[0].clone();
    assert_eq!(r.violation, None, "{p:?}: contract violation");
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    (s, key, r)
}

fn body(r: &keymint_tests::fakes::RecordedRequest) -> serde_json::Value {
    r.json().expect("JSON body")
}

#[test]
fn hellgate_commerce_creates_over_mutual_tls() {
    let (s, key, r) = creates(Provider::HellgateCommerce);
    assert_eq!(r.path, "/configuration/accounts/acc%201%2Fx/keys");
    assert_eq!(r.header("x-account-id"), Some("acc 1/x"));
    assert!(
        r.client_cert_subject.is_some(),
        "client certificate presented"
    );
    let b = body(&r);
    assert!(b["expired_at"].as_str().is_some());
    assert_eq!(b.as_object().map(|o| o.len()), Some(1));
    assert_eq!(key["sandbox"], false);
    // Without an expiry the body is `{}`, never `{"expired_at": null}`.
    s.create("no expiry", &[]).ok();
    let reqs = s.fake.requests();
    assert_eq!(reqs.last().map(|r| r.body.clone()), Some(b"{}".to_vec()));
}

#[test]
fn flexprice_creates_with_type_and_roles() {
    let (s, key, r) = creates(Provider::Flexprice);
    assert_eq!(r.path, "/v1/secrets/api/keys");
    assert_eq!(r.header("x-api-key"), Some(DEFAULT_CREDENTIAL));
    let b = body(&r);
    assert_eq!(b["name"], "release key");
    assert_eq!(b["type"], "private_key");
    assert!(b.get("service_account_id").is_none());
    assert!(key["scopes"].is_array(), "roles kept: {key}");
    // Optional service account and another type.
    s.create("svc", &["--set", "service_account_id=sa_1"]).ok();
    let last = s.fake.requests().pop().expect("request");
    let b = body(&last);
    assert_eq!(b["service_account_id"], "sa_1");
}

#[test]
fn fireworks_creates_for_account_and_user() {
    let (_s, key, r) = creates(Provider::Fireworks);
    assert_eq!(r.path, "/v1/accounts/acme/users/dev%2F1/apiKeys");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {DEFAULT_CREDENTIAL}").as_str())
    );
    assert_eq!(body(&r)["apiKey"]["displayName"], "release key");
    assert_eq!(key["scopes"], serde_json::Value::Null);
}

#[test]
fn hellgate_cloud_creates_with_scopes_and_expires_in() {
    let (_s, key, r) = creates(Provider::HellgateCloud);
    assert_eq!(r.path, "/api/admin/api-keys");
    assert_eq!(r.header("x-api-key"), Some(DEFAULT_CREDENTIAL));
    let b = body(&r);
    assert_eq!(
        b["scopes"],
        serde_json::json!(["pci:tokens:read", "admin:webhooks:read"])
    );
    let secs = b["expires_in"].as_i64().expect("expires_in");
    assert!(
        (30 * 86_400 - 5..=30 * 86_400 + 1).contains(&secs),
        "expires_in {secs}"
    );
    assert_eq!(
        key["scopes"],
        serde_json::json!(["pci:tokens:read", "admin:webhooks:read"])
    );
}

#[test]
fn hsrcpay_creates_with_permissions_metadata_and_sandbox() {
    let (_s, key, r) = creates(Provider::Hsrcpay);
    assert_eq!(r.path, "/v1/api-keys/");
    assert_eq!(r.query.as_deref(), Some("account_id=acct%261"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {DEFAULT_CREDENTIAL}").as_str())
    );
    let b = body(&r);
    assert_eq!(b["name"], "release key");
    assert_eq!(
        b["permissions"],
        serde_json::json!({"payments": ["read", "write"]})
    );
    assert_eq!(b["metadata"], serde_json::json!({"team": "billing"}));
    assert!(b["expires_at"].is_string());
    assert_eq!(
        key["scopes"],
        serde_json::json!({"payments": ["read", "write"]})
    );
    assert_eq!(key["sandbox"], true, "sk_test_ credential marks sandbox");
}

/// `key create` refusals: exit 2, the named problem on stderr, nothing sent.
#[test]
fn invalid_key_forms_are_refused_before_sending() {
    let cases: &[(Provider, &[&str], &str)] = &[
        (
            Provider::Fireworks,
            &["--expires", "2020-01-01T00:00:00Z"],
            "in the past",
        ),
        (
            Provider::Fireworks,
            &["--expires", "soon"],
            "not understood",
        ),
        (Provider::Fireworks, &["--expires", "0s"], "in the past"),
        (Provider::Fireworks, &["--set", "nope=1"], "Unknown field"),
        (
            Provider::Flexprice,
            &["--set", "type=secret"],
            "must be one of",
        ),
        (
            Provider::HellgateCloud,
            &["--set", "scopes=pci:tokens:read,pci:tokens:read"],
            "listed twice",
        ),
        (
            Provider::HellgateCloud,
            &["--set", "scopes=admin:everything"],
            "not a known value",
        ),
        (
            Provider::HellgateCloud,
            &["--set", "scopes=pci:tokens:read", "--expires", "91d"],
            "at most 90 days",
        ),
        (
            Provider::Hsrcpay,
            &["--set", "permissions=[\"read\"]"],
            "JSON object",
        ),
        (
            Provider::Hsrcpay,
            &["--set", r#"permissions={"payments":"read"}"#],
            "list of strings",
        ),
        (
            Provider::Hsrcpay,
            &["--set", "metadata=not json"],
            "JSON object",
        ),
        (
            Provider::HellgateCommerce,
            &["--expires=-1d"],
            "not understood",
        ),
    ];
    for (p, extra, needle) in cases {
        let s = Setup::new(*p, Mode::Normal);
        let mut args = vec!["key", "create", &s.account, "--label", "x"];
        args.extend_from_slice(extra);
        let run = s.env.run(&args, None);
        assert_eq!(run.code, 2, "{p:?} {extra:?}: {}", run.stderr);
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{p:?} {extra:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
        assert_eq!(
            s.fake.request_count(),
            0,
            "{p:?} {extra:?}: a request was sent"
        );
        assert_eq!(s.key_count(), 0);
    }
    // Hellgate cloud needs at least one scope.
    let s = Setup::new(Provider::HellgateCloud, Mode::Normal);
    let run = s
        .env
        .run(&["key", "create", &s.account, "--label", "x"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("Scopes is required"), "{}", run.stderr);
    assert_eq!(s.fake.request_count(), 0);
}

/// `account add` refusals: exit 2, nothing stored.
#[test]
fn invalid_accounts_are_refused() {
    let env = Env::new();
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["hellgate-cloud", "c1", "--set", "cluster_id=evil.com/x"],
            Some("k"),
            "DNS label",
        ),
        (
            &["hellgate-cloud", "c2", "--set", "cluster_id=a@b"],
            Some("k"),
            "DNS label",
        ),
        (
            &["hellgate-cloud", "c3", "--set", "cluster_id=host:443"],
            Some("k"),
            "DNS label",
        ),
        (
            &["hellgate-cloud", "c4", "--set", "cluster_id=Prod"],
            Some("k"),
            "DNS label",
        ),
        (
            &["hellgate-cloud", "c5", "--set", "cluster_id=-a"],
            Some("k"),
            "DNS label",
        ),
        (
            &["hsrcpay", "h1", "--set", "account_id=a"],
            Some("pk_live_abcdefghijklmnop"),
            "publishable",
        ),
        (
            &["hsrcpay", "h2", "--set", "account_id=a"],
            Some("plainpassword"),
            "JWT",
        ),
        (
            &["fireworks", "f1", "--set", "account_id=a"],
            Some("k"),
            "User ID is required",
        ),
        (
            &[
                "fireworks",
                "f2",
                "--set",
                "account_id=a",
                "--set",
                "user_id=u",
                "--base-url",
                "http://example.com",
            ],
            Some("k"),
            "plain http",
        ),
        (
            &[
                "fireworks",
                "f3",
                "--set",
                "account_id=a",
                "--set",
                "user_id=u",
                "--base-url",
                "ftp://x",
            ],
            Some("k"),
            "https",
        ),
        (
            &["flexprice", "x1", "--set", "region=eu"],
            Some("k"),
            "must be one of",
        ),
        (&["nope", "n1"], Some("k"), "unknown provider"),
        (
            &[
                "fireworks",
                "f4",
                "--set",
                "account_id=a",
                "--set",
                "user_id=u",
            ],
            Some("two words"),
            "spaces",
        ),
    ];
    for (args, stdin, needle) in cases {
        let mut all = vec!["account", "add"];
        all.extend_from_slice(args);
        all.push("--credential-stdin");
        let run = env.run(&all, *stdin);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{args:?}: {}",
            run.stderr
        );
    }
    let list = env.run(&["--json", "account", "list"], None).ok().json();
    assert_eq!(list, serde_json::json!([]));
    // A credential can only come from stdin, env or files: no argument takes one.
    let run = env.run(
        &["account", "add", "fireworks", "f", "--credential", "secret"],
        None,
    );
    assert_eq!(run.code, 2);
    // Malformed PEM for mutual TLS.
    let bad = env.dir.join("bad.pem");
    std::fs::write(&bad, "not a certificate").expect("write");
    let bad = bad.display().to_string();
    let run = env.run(
        &[
            "account",
            "add",
            "hellgate-commerce",
            "m",
            "--set",
            "account_id=a",
            "--client-cert",
            &bad,
            "--client-key",
            &bad,
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("PEM"), "{}", run.stderr);
}

#[test]
fn documented_errors_are_shown_in_the_providers_words() {
    for p in Provider::ALL {
        let s = Setup::new(p, Mode::DocumentedError);
        let run = s.create("refused", &[]);
        assert_eq!(run.code, 3, "{p:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(p.documented_error_message()),
            "{p:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{p:?}: {}", run.stderr);
        assert!(!run.stderr.contains(DEFAULT_CREDENTIAL));
        assert_eq!(s.key_count(), 0, "{p:?}: nothing recorded");
    }
}

/// One misbehaving mode against every provider, with a 2 s timeout; returns, per provider,
/// how long the command took and how many requests the fake received.
/// What a failed create leaves in the inventory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Leaves {
    /// Nothing: the provider refused or only redirected; no key was made.
    Nothing,
    /// One `interrupted` row: the request may have been acted on (SPEC §5, issue 13 item 8).
    Interrupted,
    /// A 2xx answer: nothing when the provider's own refusal shape was recognised (exit 3,
    /// "refused"), an `interrupted` row when the answer is unusable (a key may exist).
    ByAnswer,
}

fn misbehaving(
    mode: Mode,
    code: i32,
    needle: &str,
    leaves: Leaves,
) -> Vec<(Provider, Duration, usize)> {
    let mut seen = Vec::new();
    for p in Provider::ALL {
        let mut env = Env::new();
        env.vars.push(("KEYMINT_TIMEOUT_SECS".into(), "2".into()));
        let s = Setup::with_env(p, mode, env, Duration::from_secs(30));
        let started = Instant::now();
        let run = s.create("bad server", &[]);
        let took = started.elapsed();
        assert_eq!(run.code, code, "{p:?} {mode:?}: {}", run.stderr);
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{p:?} {mode:?}: {}",
            run.stderr
        );
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "{p:?} {mode:?}: {}",
            run.stderr
        );
        assert!(
            took < Duration::from_secs(10),
            "{p:?} {mode:?}: took {took:?}"
        );
        for secret in s.fake.issued_secrets() {
            assert!(
                !run.stderr.contains(&secret),
                "{p:?} {mode:?}: secret in error"
            );
        }
        let keys = s.env.run(&["--json", "key", "list"], None).ok().json();
        let statuses: Vec<&str> = keys
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|k| k["status"].as_str())
            .collect();
        let leaves = match leaves {
            Leaves::ByAnswer if run.stderr.contains(" refused (HTTP") => Leaves::Nothing,
            Leaves::ByAnswer => Leaves::Interrupted,
            other => other,
        };
        match leaves {
            Leaves::ByAnswer => unreachable!("resolved above"),
            Leaves::Nothing => assert!(statuses.is_empty(), "{p:?} {mode:?}: {statuses:?}"),
            Leaves::Interrupted => {
                assert_eq!(statuses, ["interrupted"], "{p:?} {mode:?}");
                assert!(
                    run.stderr.contains("may exist at the provider"),
                    "{p:?} {mode:?}: {}",
                    run.stderr
                );
            }
        }
        seen.push((p, took, s.fake.request_count()));
    }
    seen
}

#[test]
fn slow_headers_time_out() {
    misbehaving(
        Mode::SlowHeaders,
        4,
        "did not answer within 2 s",
        Leaves::Interrupted,
    );
}

#[test]
fn slow_body_times_out() {
    misbehaving(
        Mode::SlowBody,
        4,
        "did not answer within 2 s",
        Leaves::Interrupted,
    );
}

#[test]
fn huge_body_is_cut_off() {
    misbehaving(
        Mode::HugeBody,
        4,
        "larger than 1024 KiB",
        Leaves::Interrupted,
    );
}

#[test]
fn endless_body_is_cut_off() {
    for (p, took, requests) in misbehaving(
        Mode::EndlessBody,
        4,
        "larger than 1024 KiB",
        Leaves::Interrupted,
    ) {
        // Cut off by size, not by the 2 s timeout.
        assert!(took < Duration::from_secs(2), "{p:?}: took {took:?}");
        assert_eq!(requests, 1, "{p:?}");
    }
}

/// The client follows redirects within the origin, at most 5: a server redirecting to
/// itself forever gets a bounded number of requests and a clear error, well before the
/// 2 s timeout.
#[test]
fn redirect_loop_on_the_same_origin_is_cut_off() {
    for (p, took, requests) in misbehaving(Mode::RedirectLoop, 4, "redirect loop", Leaves::Nothing)
    {
        eprintln!("redirect loop, {p}: {requests} requests, {took:?}");
        assert!(took < Duration::from_secs(2), "{p:?}: took {took:?}");
        assert_eq!(
            requests, 5,
            "{p:?}: {requests} requests (the first and 4 redirects followed; the 5th in a row is refused, as docs/security.md says)"
        );
    }
}

/// An HTTPS account redirected to plain http: not followed (another origin), so neither
/// the credential nor the request body travels unencrypted.
#[test]
fn redirect_from_https_to_http_is_not_followed() {
    use keymint_tests::accounts::{account_fields, set_args};
    use keymint_tests::fakes::{FakeOptions, FakeServer, TestPki};
    for p in Provider::ALL {
        let env = Env::new();
        let pki = TestPki::generate(&env.dir.join("pki"));
        let tls = if p == Provider::HellgateCommerce {
            pki.server_mtls()
        } else {
            pki.server_tls()
        };
        let fake = FakeServer::start(
            p,
            FakeOptions {
                mode: Mode::RedirectToHttp,
                tls: Some(tls),
                ..FakeOptions::default()
            },
        );
        let mut args: Vec<String> = vec!["account".into(), "add".into(), p.id().into(), "a".into()];
        args.extend(set_args(&account_fields(p)));
        args.extend(["--base-url".into(), fake.base_url()]);
        args.extend(["--ca-cert".into(), pki.ca_pem.display().to_string()]);
        let stdin = if p == Provider::HellgateCommerce {
            args.extend([
                "--client-cert".into(),
                pki.client_cert_pem.display().to_string(),
            ]);
            args.extend([
                "--client-key".into(),
                pki.client_key_pem.display().to_string(),
            ]);
            None
        } else {
            args.push("--credential-stdin".into());
            Some(DEFAULT_CREDENTIAL)
        };
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env.run(&refs, stdin).ok();
        assert!(fake.base_url().starts_with("https://"), "{p:?}");

        let mut args = vec!["key", "create", "a", "--label", "downgraded"];
        let fields = set_args(&keymint_tests::accounts::key_fields(p));
        args.extend(fields.iter().map(String::as_str));
        let run = env.run(&args, None);
        assert_eq!(run.code, 4, "{p:?}: {}", run.stderr);
        let target = fake.redirect_target_origin().replace("https://", "http://");
        assert!(
            run.stderr.contains("redirected") && run.stderr.contains(&target),
            "{p:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{p:?}: {}", run.stderr);
        assert_eq!(fake.request_count(), 1, "{p:?}");
        // Plain HTTP at the (TLS) target would fail its handshake: none came.
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(fake.tls_handshake_failures(), 0, "{p:?}: followed to http");
        assert!(fake.redirect_target_requests().is_empty(), "{p:?}");
        let list = env.run(&["--json", "key", "list"], None).ok().json();
        assert_eq!(list, serde_json::json!([]), "{p:?}: nothing recorded");
    }
}

/// A host name other than `localhost` that resolves to 127.0.0.1 here (the machine's own
/// name usually does, through /etc/hosts), or `None`.
fn loopback_alias(port: u16) -> Option<String> {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    for h in [hostname.trim(), "localhost."] {
        if h.is_empty() || h.eq_ignore_ascii_case("localhost") {
            continue;
        }
        let resolves = std::net::ToSocketAddrs::to_socket_addrs(&(h, port))
            .map(|mut addrs| addrs.any(|a| a.ip() == std::net::Ipv4Addr::LOCALHOST))
            .unwrap_or(false);
        if resolves {
            return Some(h.to_owned());
        }
    }
    None
}

/// Plain http is allowed only for a loopback address or `localhost`. Any other name is
/// refused, even one that resolves to 127.0.0.1 (the machine's own name): when the account
/// is added, and again at create time when the stored base URL was changed behind Keymint's
/// back, with nothing sent although the fake listens at that name.
#[test]
fn plain_http_to_a_non_loopback_host_is_refused() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let port = s.fake.port();
    let host = match loopback_alias(port) {
        Some(host) => {
            // The name does reach the fake: only Keymint's rule keeps requests away from it.
            assert!(std::net::TcpStream::connect((host.as_str(), port)).is_ok());
            host
        }
        None => {
            eprintln!("no name but localhost resolves to 127.0.0.1 here; using one that does not");
            "keymint-test.invalid".to_owned()
        }
    };
    let sneaky = format!("http://{host}:{port}");
    let run = s.env.run(
        &[
            "account",
            "add",
            "fireworks",
            "sneaky",
            "--set",
            "account_id=a",
            "--set",
            "user_id=u",
            "--base-url",
            &sneaky,
            "--credential-stdin",
        ],
        Some(DEFAULT_CREDENTIAL),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("plain http"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // The stored base URL edited in the database: the create refuses before sending.
    let db = rusqlite::Connection::open(s.env.dir.join("keymint.db")).expect("open the db");
    let changed = db
        .execute(
            "UPDATE accounts SET base_url = ?1 WHERE name = ?2",
            (&sneaky, &s.account),
        )
        .expect("update");
    assert_eq!(changed, 1);
    drop(db);
    let run = s.create("downgraded", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("plain http"), "{}", run.stderr);
    assert_eq!(
        s.fake.request_count(),
        0,
        "a request went out over plain http"
    );
    assert_eq!(s.key_count(), 0);
}

#[test]
fn redirect_to_another_origin_is_not_followed() {
    misbehaving(Mode::RedirectOtherPort, 4, "redirected", Leaves::Nothing);
    let s = Setup::new(Provider::Flexprice, Mode::RedirectOtherPort);
    s.create("r", &[]);
    assert!(
        s.fake.redirect_target_requests().is_empty(),
        "request followed the redirect"
    );
}

#[test]
fn success_without_secret_is_an_error() {
    misbehaving(Mode::NoSecret, 3, "no secret", Leaves::Interrupted);
}

#[test]
fn html_error_page_is_reported_with_status() {
    misbehaving(Mode::HtmlError, 3, "HTTP 502", Leaves::Nothing);
}

#[test]
fn success_false_under_200_is_an_error() {
    misbehaving(Mode::SuccessFalse200, 3, "HTTP 200", Leaves::ByAnswer);
}

#[test]
fn mutual_tls_with_an_untrusted_client_certificate_fails() {
    let s = Setup::new(Provider::HellgateCommerce, Mode::Normal);
    let pki = s.pki.as_ref().expect("pki");
    let (cert, key) = (
        pki.untrusted_client_cert_pem.display().to_string(),
        pki.untrusted_client_key_pem.display().to_string(),
    );
    s.add_account("untrusted", &[]).ok();
    // Replace the account with one holding the untrusted identity.
    s.env.run(&["account", "remove", "untrusted"], None).ok();
    let base = s.fake.base_url();
    let ca = pki.ca_pem.display().to_string();
    s.env
        .run(
            &[
                "account",
                "add",
                "hellgate-commerce",
                "untrusted",
                "--set",
                "account_id=a1",
                "--base-url",
                &base,
                "--ca-cert",
                &ca,
                "--client-cert",
                &cert,
                "--client-key",
                &key,
            ],
            None,
        )
        .ok();
    let run = s
        .env
        .run(&["key", "create", "untrusted", "--label", "x"], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("TLS") || run.stderr.contains("certificate"),
        "{}",
        run.stderr
    );
    assert_eq!(s.fake.requests().len(), 0);
    assert_eq!(s.key_count(), 0, "{}", run.stderr);
}

#[test]
fn mutual_tls_with_the_server_ca_not_trusted_fails() {
    let s = Setup::new(Provider::HellgateCommerce, Mode::Normal);
    let pki = s.pki.as_ref().expect("pki");
    let base = s.fake.base_url();
    let (cert, key) = (
        pki.client_cert_pem.display().to_string(),
        pki.client_key_pem.display().to_string(),
    );
    s.env
        .run(
            &[
                "account",
                "add",
                "hellgate-commerce",
                "noca",
                "--set",
                "account_id=a1",
                "--base-url",
                &base,
                "--client-cert",
                &cert,
                "--client-key",
                &key,
            ],
            None,
        )
        .ok();
    let run = s.env.run(&["key", "create", "noca", "--label", "x"], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
    assert_eq!(s.fake.requests().len(), 0);
}

/// A TLS server presenting a bad certificate (trusted CA): a clear TLS error, exit 4.
fn bad_server_certificate(
    tls: fn(&keymint_tests::fakes::TestPki) -> keymint_tests::fakes::TlsFiles,
    needle: &str,
) {
    use keymint_tests::fakes::{FakeOptions, FakeServer, TestPki};
    let env = Env::new();
    let pki = TestPki::generate(&env.dir.join("pki"));
    let fake = FakeServer::start(
        Provider::Flexprice,
        FakeOptions {
            tls: Some(tls(&pki)),
            ..FakeOptions::default()
        },
    );
    let ca = pki.ca_pem.display().to_string();
    env.run(
        &[
            "account",
            "add",
            "flexprice",
            "fp",
            "--set",
            "region=us",
            "--base-url",
            &fake.base_url(),
            "--ca-cert",
            &ca,
            "--credential-stdin",
        ],
        Some(DEFAULT_CREDENTIAL),
    )
    .ok();
    let run = env.run(&["key", "create", "fp", "--label", "x"], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("TLS") && run.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{}",
        run.stderr
    );
    assert_eq!(
        fake.requests().len(),
        0,
        "nothing may be sent over a bad connection"
    );
}

#[test]
fn server_certificate_for_another_name_is_refused() {
    bad_server_certificate(
        keymint_tests::fakes::TestPki::server_tls_wrong_name,
        "not valid for name",
    );
}

#[test]
fn expired_server_certificate_is_refused() {
    bad_server_certificate(
        keymint_tests::fakes::TestPki::server_tls_expired,
        "certificate expired",
    );
}

/// A provider that answers with something else than asked (an expiry in 2023, other scopes
/// or permissions): the key is kept — the provider made it — and the create says so on
/// stderr, one line each, and the key keeps the notes (`key show`).
#[test]
fn an_answer_other_than_asked_is_said_and_kept() {
    for p in [Provider::HellgateCloud, Provider::Hsrcpay] {
        let s = Setup::new(p, Mode::Contrary);
        let run = s.create("contrary", &["--expires", "30d"]);
        assert_eq!(run.code, 0, "{p:?}: {}", run.stderr);
        let expired = "The provider returned the key already expired (expiry 1 Jan 2023 00:00 UTC)";
        assert!(run.stderr.contains(expired), "{p:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("The provider granted other scopes than asked"),
            "{p:?}: {}",
            run.stderr
        );
        let id = run.json()["id"].as_str().expect("id").to_owned();
        let shown = s.env.run(&["--json", "key", "show", &id], None).ok().json();
        let notes = shown["answer_notes"].as_array().expect("answer_notes");
        assert_eq!(notes.len(), 2, "{p:?}: {shown}");
        assert_eq!(notes[0], expired, "{p:?}");
        // A matching answer leaves no note.
        s.fake.set_mode(Mode::Normal);
        let run = s.create("matching", &["--expires", "30d"]).ok();
        assert!(
            !run.stderr.contains("The provider"),
            "{p:?}: {}",
            run.stderr
        );
    }
}

/// A base URL where nothing listens: one line that says so with the port, without the
/// operating system's error number.
#[test]
fn nothing_listening_is_said_in_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let env = Env::new();
    let base = format!("http://127.0.0.1:{port}");
    keymint_tests::accounts::add_account_at(
        &env,
        Provider::Fireworks,
        "closed",
        &base,
        DEFAULT_CREDENTIAL,
    )
    .ok();
    let run = env.run(&["key", "create", "closed", "--label", "x"], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("nothing is listening at 127.0.0.1:{port}")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
}
