//! SPEC §5, the rules about where a credential may go (issue 13 items 1, 2, 8 and 9): a
//! credential is bound to the destination it was entered for; a loopback destination never
//! goes through a proxy; a create cut off after sending keeps an `interrupted` row; an error
//! never quotes the credential the request carried, however short.

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keymint_core::service::destination;
use keymint_core::vault::{Item, KeyringVault, Vault};
use keymint_core::{ExposeSecret, SecretString};
use keymint_tests::accounts::{add_account_at, timed_out_create, Setup};
use keymint_tests::fakes::{FakeOptions, FakeServer, Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::Env;

/// A TCP listener on 127.0.0.1 that counts the connections it receives (and reads what
/// they send, so a client is not left waiting on a full buffer).
struct Listener {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    fn start() -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = socket.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        std::thread::spawn(move || {
            for stream in socket.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
            }
        });
        Self { port, connections }
    }

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Runs SQL on the inventory behind Keymint's back (a restored backup, a synced folder).
fn tamper(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.dir.join("keymint.db")).expect("open db");
    conn.execute_batch(sql).expect("tamper");
}

fn account_id(env: &Env, name: &str) -> String {
    let list = env.run(&["--json", "account", "list"], None).ok().json();
    list.as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["name"] == name)
        .and_then(|a| a["id"].as_str())
        .expect("account id")
        .to_owned()
}

fn vault(env: &Env) -> KeyringVault {
    KeyringVault::new(env.service.clone(), Duration::from_secs(10))
}

fn account_events(env: &Env, kind: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(env.dir.join("keymint.db")).expect("open db");
    let mut stmt = conn
        .prepare("SELECT coalesce(detail, '') FROM events WHERE kind = ?1")
        .expect("prepare");
    stmt.query_map([kind], |r| r.get::<_, String>(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The database says "send it elsewhere": refused before sending, for every provider, for
/// a new origin and for a new CA, with 0 requests at either place.
#[test]
fn an_edited_row_cannot_send_the_credential_elsewhere() {
    for p in Provider::ALL {
        let s = Setup::new(p, Mode::Normal);
        let elsewhere = FakeServer::start(
            p,
            FakeOptions {
                tls: s.pki.as_ref().map(|pki| pki.server_mtls()),
                ..FakeOptions::default()
            },
        );
        tamper(
            &s.env,
            &format!(
                "UPDATE accounts SET base_url = '{}' WHERE name = '{}'",
                elsewhere.base_url(),
                s.account
            ),
        );
        let run = s.create("redirected", &[]);
        assert_eq!(run.code, 2, "{p:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("Nothing was sent")
                && run.stderr.contains(&elsewhere.origin())
                && run.stderr.contains("enter the credential again"),
            "{p:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{p:?}: {}", run.stderr);
        assert_eq!(
            elsewhere.request_count(),
            0,
            "{p:?}: credential sent elsewhere"
        );
        assert_eq!(s.fake.request_count(), 0, "{p:?}");
        assert_eq!(s.key_count(), 0, "{p:?}: no row left");

        // Back to the origin it was given for, but with another CA: refused too.
        let other_ca = keymint_tests::fakes::TestPki::generate(&s.env.dir.join("other-pki"));
        let pem = std::fs::read_to_string(&other_ca.ca_pem).expect("ca");
        tamper(
            &s.env,
            &format!(
                "UPDATE accounts SET base_url = '{}', ca_cert_pem = '{pem}' WHERE name = '{}'",
                s.fake.base_url(),
                s.account
            ),
        );
        let run = s.create("new ca", &[]);
        assert_eq!(run.code, 2, "{p:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("CA certificate"),
            "{p:?}: {}",
            run.stderr
        );
        assert_eq!(s.fake.request_count(), 0, "{p:?}");
    }
}

/// Editing the base URL through Keymint asks for the credential again; given, the
/// credential is bound to the new place and a create goes there.
#[test]
fn moving_an_account_needs_the_credential_again() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let second = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    let edit = [
        "account",
        "edit",
        "fireworks",
        "--base-url",
        &second.base_url(),
    ];
    let refused = s.env.run(&edit, None);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("nter the account's credential again")
            && refused.stderr.contains("--credential-stdin"),
        "{}",
        refused.stderr
    );
    let list = s.env.run(&["--json", "account", "list"], None).ok().json();
    assert_eq!(list[0]["base_url"], s.fake.base_url(), "nothing changed");

    let mut with_credential = edit.to_vec();
    with_credential.push("--credential-stdin");
    s.env.run(&with_credential, Some(DEFAULT_CREDENTIAL)).ok();
    s.create("moved", &[]).ok();
    assert_eq!(second.request_count(), 1);
    assert_eq!(s.fake.request_count(), 0);

    // A rename alone is no new destination: no credential needed.
    s.env
        .run(&["account", "edit", "fireworks", "--rename", "fw2"], None)
        .ok();
}

/// A credential stored by an earlier Keymint (no destination with it) is bound to the
/// row's destination on first use, and an event says so.
#[test]
fn credentials_from_before_binding_are_bound_on_first_use() {
    let s = Setup::new(Provider::Flexprice, Mode::Normal);
    let id = account_id(&s.env, &s.account);
    let item = Item::credential(&id, "flexprice", &s.account);
    let v = vault(&s.env);
    let bound = v.get(&item).expect("item");
    assert!(
        bound.expose_secret().starts_with("keymint-credential/1\n"),
        "a new account's credential is stored with its destination"
    );
    v.set(&item, &SecretString::from(DEFAULT_CREDENTIAL))
        .expect("store an unbound credential");

    s.create("after upgrade", &[]).ok();
    let now = destination::decode(&v.get(&item).expect("item")).expect("decode");
    assert_eq!(
        now.destination.map(|d| d.origin),
        Some(s.fake.origin()),
        "bound to the origin in use"
    );
    assert_eq!(now.secret.expose_secret(), DEFAULT_CREDENTIAL);
    let events = account_events(&s.env, "credential_bound");
    assert_eq!(events, [format!("bound to {}", s.fake.origin())]);
    s.create("again", &[]).ok();
    assert_eq!(account_events(&s.env, "credential_bound").len(), 1);
}

/// `HTTP_PROXY` and friends never see a request to a loopback address (it would carry the
/// credential in clear).
#[test]
fn loopback_requests_bypass_proxies() {
    let proxy = Listener::start();
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let mut env = Env::new();
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
    ] {
        env.vars.push((var.into(), url.clone()));
    }
    env.vars.push(("NO_PROXY".into(), String::new()));
    env.vars.push(("no_proxy".into(), String::new()));
    let s = Setup::with_env(
        Provider::Fireworks,
        Mode::Normal,
        env,
        Duration::from_secs(5),
    );
    let run = s.create("direct", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(s.fake.request_count(), 1, "the fake got the request");
    assert_eq!(proxy.count(), 0, "the proxy saw the request");
}

/// A timeout after the request left keeps the row as `interrupted`, listed and filterable,
/// with the line that says to look at the provider's console; a request that never left
/// (nothing listening) leaves nothing.
#[test]
fn a_create_cut_off_after_sending_is_kept_as_interrupted() {
    let (s, run) = timed_out_create("timed out");
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("may exist at the provider"),
        "{}",
        run.stderr
    );
    let listed = s
        .env
        .run(&["--json", "key", "list", "--status", "interrupted"], None)
        .ok()
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["label"], "timed out");
    assert_eq!(listed[0]["status"], "interrupted");
    let shown = s.env.run(&["key", "show", "timed out"], None).ok();
    assert!(
        shown.stdout.contains("may exist at the provider"),
        "{}",
        shown.stdout
    );
    assert!(s
        .env
        .event_kinds("timed out")
        .contains(&"interrupted".to_owned()));
    let active = s
        .env
        .run(&["--json", "key", "list", "--status", "not-stored"], None)
        .ok()
        .json();
    assert_eq!(active.as_array().map(Vec::len), Some(1));

    // Nothing listening: the request never left, no row.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    add_account_at(
        &s.env,
        Provider::HellgateCloud,
        "nowhere",
        &format!("http://127.0.0.1:{port}"),
        DEFAULT_CREDENTIAL,
    )
    .ok();
    let run = s.env.run(
        &[
            "key",
            "create",
            "nowhere",
            "--label",
            "never sent",
            "--set",
            "scopes=pci:tokens:read",
        ],
        None,
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(!run.stderr.contains("may exist"), "{}", run.stderr);
    assert_eq!(s.key_count(), 1, "only the interrupted row");
}

/// A server that quotes the credential it received: the message reaches the user without
/// it, even when it is too short for the token heuristic (under 20 characters).
#[test]
fn an_echoed_credential_is_redacted_by_value() {
    let short = "pw-1234-abcd";
    let fake = FakeServer::start(
        Provider::Fireworks,
        FakeOptions {
            mode: Mode::EchoCredential,
            credential: short.to_owned(),
            ..FakeOptions::default()
        },
    );
    let env = Env::new();
    add_account_at(&env, Provider::Fireworks, "fw", &fake.base_url(), short).ok();
    let run = env.run(&["key", "create", "fw", "--label", "echo"], None);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(fake.request_count() == 1, "the server was asked");
    assert!(
        run.stderr.contains("invalid credential '[redacted]'"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(short), "{}", run.stderr);
}
