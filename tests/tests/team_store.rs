//! Team stores (SPEC §8) against a real OpenBao dev server: `keymint store add|list|remove`,
//! the `doctor` line of each store, and accounts whose credential lives in a store. The token
//! is checked before anything is kept, lives only in the keychain, and is never an argument.

use keymint_tests::accounts::Setup;
use keymint_tests::bao::{add_store, Bao, BaoApi, READER, WRITER};
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{contains_bytes, Env, Run};

fn add(env: &Env, bao: &Bao, name: &str, token: &str) -> Run {
    add_store(env, &bao.address, name, token, &[])
}

/// Doctor's line about the team store.
fn store_line(doctor: &Run) -> &str {
    doctor
        .stdout
        .lines()
        .find(|l| l.contains("team store"))
        .unwrap_or_else(|| panic!("a team store line: {}", doctor.stdout))
}

fn store_names(env: &Env) -> Vec<String> {
    env.run(&["--json", "store", "list"], None)
        .ok()
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect()
}

#[track_caller]
fn assert_token_nowhere(env: &Env, run: &Run, token: &str) {
    assert!(!run.stdout.contains(token), "stdout: {}", run.stdout);
    assert!(!run.stderr.contains(token), "stderr: {}", run.stderr);
    assert!(
        !contains_bytes(&env.db_bytes(), token.as_bytes()),
        "the token is in the SQLite files"
    );
}

#[test]
fn a_store_is_added_with_a_working_token_kept_in_the_keychain_only() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "48h");
    let env = Env::new();

    let added = env.run(
        &[
            "--json",
            "store",
            "add",
            "team",
            "--address",
            &bao.address,
            "--token-stdin",
        ],
        Some(&format!("{token}\n")),
    );
    assert_token_nowhere(&env, &added, &token);
    let added = added.ok().json();
    assert_eq!(added["name"], "team");
    assert_eq!(added["address"], bao.address.as_str());
    assert_eq!(
        (&added["mount"], &added["prefix"]),
        (&"secret".into(), &"keymint".into())
    );
    let id = added["id"].as_str().expect("id");
    let items = env.secret_tool_search();
    assert!(items.contains(&format!("store:{id}")), "{items}");

    // From an environment variable, with a mount, prefix and namespace of its own; the root
    // namespace of a dev server accepts the header.
    let mut by_env = env.command(&[
        "store",
        "add",
        "team-2",
        "--address",
        &bao.address,
        "--mount",
        "secret",
        "--prefix",
        "teams/a",
        "--token-env",
        "TEAM_TOKEN",
    ]);
    by_env.env("TEAM_TOKEN", &token);
    let run: Run = by_env.output().expect("keymint").into();
    assert_token_nowhere(&env, &run, &token);
    run.ok();
    assert_eq!(store_names(&env), ["team", "team-2"]);
    let events = rusqlite::Connection::open(env.dir.join("keymint.db"))
        .expect("db")
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'store_added'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("events");
    assert_eq!(events, 2);

    let again = add(&env, &bao, "team", &token);
    assert_eq!(
        again.code, 2,
        "a second store of that name: {}",
        again.stderr
    );
}

#[test]
fn a_bad_token_is_refused_in_one_line_and_nothing_is_kept() {
    let bao = Bao::start();
    let env = Env::new();
    let bad = "s.thisTokenDoesNotExist0123456789";
    let run = add(&env, &bao, "team", bad);
    assert_eq!(run.code, 5, "stderr: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(
        run.stderr.contains("did not accept the token") && run.stderr.contains("check the token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('`'), "{}", run.stderr);
    assert_token_nowhere(&env, &run, bad);
    assert!(store_names(&env).is_empty());
    assert!(!env.secret_tool_search().contains("store:"));

    // A revoked token: the same refusal.
    bao.policy("keymint-writer", WRITER);
    let revoked = bao.token("keymint-writer", "1h");
    let out = bao.bao(&["token", "revoke", &revoked], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = add(&env, &bao, "team", &revoked);
    assert_eq!(run.code, 5, "stderr: {}", run.stderr);
    assert_token_nowhere(&env, &run, &revoked);

    // Nothing listening: a network error, nothing kept.
    let gone = env.run(
        &[
            "store",
            "add",
            "team",
            "--address",
            "http://127.0.0.1:9",
            "--token-stdin",
        ],
        Some(&revoked),
    );
    assert_eq!(gone.code, 4, "stderr: {}", gone.stderr);
    assert!(store_names(&env).is_empty());
}

#[test]
fn stores_are_listed_and_removed_with_their_tokens() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");
    let env = Env::new();
    add(&env, &bao, "alpha", &token).ok();
    add(&env, &bao, "beta", &token).ok();
    let text = env.run(&["store", "list"], None).ok().stdout;
    assert!(text.contains("alpha") && text.contains("beta"), "{text}");
    assert!(text.contains("secret/keymint"), "{text}");

    let removed = env.run(&["store", "remove", "alpha"], None).ok();
    assert!(
        removed.stderr.contains("Removed team store alpha"),
        "{}",
        removed.stderr
    );
    assert_eq!(store_names(&env), ["beta"]);
    assert_eq!(env.secret_tool_search().matches("store:").count(), 1);

    let unknown = env.run(&["store", "remove", "alpha"], None);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("No team store named"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn doctor_reports_a_read_only_tokens_missing_capabilities_and_its_ttl() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    bao.policy("keymint-reader", READER);
    let writer = bao.token("keymint-writer", "72h");
    let reader = bao.token("keymint-reader", "2h");

    let env = Env::new();
    add(&env, &bao, "team", &writer).ok();
    let fine = env.run(&["doctor"], None);
    assert_eq!(fine.code, 0, "{}\n{}", fine.stdout, fine.stderr);
    let line = store_line(&fine);
    assert!(line.starts_with("ok"), "{line}");
    assert!(line.contains("unsealed"), "{line}");
    assert!(line.contains("expires in 3 days (renewable)"), "{line}");

    let env = Env::new();
    add(&env, &bao, "team", &reader).ok();
    let doctor = env.run(&["doctor"], None);
    assert_eq!(doctor.code, 5, "{}\n{}", doctor.stdout, doctor.stderr);
    let line = store_line(&doctor);
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(
        line.contains("lacks create, update on secret/data/keymint/*"),
        "{line}"
    );
    assert!(
        !line.contains("on secret/metadata"),
        "list and read are there: {line}"
    );
    // Under a day left and renewable: renewed, and the line says so.
    assert!(line.contains("renewed: expires in"), "{line}");
    assert!(!doctor.stdout.contains(&reader) && !doctor.stderr.contains(&reader));

    let json = env.run(&["--json", "doctor"], None);
    let checks = json.json();
    let store = checks
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "team store")
        .expect("team store check");
    assert_eq!(store["ok"], false);
    assert_eq!(store["code"], "store_denied");

    // A sealed server: the store's line fails and says so.
    let out = bao.bao(&["operator", "seal"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sealed = env.run(&["doctor"], None);
    assert_ne!(sealed.code, 0);
    assert!(sealed.stdout.contains("is sealed"), "{}", sealed.stdout);
}

#[test]
fn a_token_cannot_be_given_as_an_argument() {
    let env = Env::new();
    let token = "s.argumentToken0123456789";
    for args in [
        vec![
            "store",
            "add",
            "team",
            "--address",
            "http://127.0.0.1:9",
            "--token",
            token,
        ],
        vec![
            "store",
            "add",
            "team",
            "--address",
            "http://127.0.0.1:9",
            token,
        ],
        vec![
            "store",
            "add",
            "team",
            "--address",
            "http://127.0.0.1:9",
            &format!("--token={token}"),
        ],
    ] {
        let run = env.run(&args, None);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("unexpected argument"), "{}", run.stderr);
    }
    // Neither --token-stdin nor --token-env: refused before anything runs.
    let none = env.run(
        &["store", "add", "team", "--address", "http://127.0.0.1:9"],
        None,
    );
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("--token-stdin"), "{}", none.stderr);
    let help = env.run(&["store", "add", "--help"], None).ok().stdout;
    assert!(
        help.contains("--token-stdin") && help.contains("--token-env"),
        "{help}"
    );
    assert!(!help.contains("--token "), "{help}");
    assert!(store_names(&env).is_empty());
}

#[test]
fn an_account_added_to_a_store_keeps_its_credential_there_and_creates_keys_with_it() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add(&s.env, &bao, "team", &token).ok();

    let added = s
        .add_account("shared", &["--store", "team", "--json"])
        .ok()
        .json();
    assert_eq!(added["team_store"], "team");
    let stored = bao
        .kv_get("keymint/accounts/shared/credential")
        .expect("in the store");
    assert_eq!(stored["provider"], "fireworks");
    assert_eq!(stored["base_url"], s.fake.base_url().as_str());
    let credential = stored["credential"].as_str().expect("credential");
    assert!(
        credential.ends_with(DEFAULT_CREDENTIAL),
        "bound, then the credential"
    );
    // Not in the keychain, not in SQLite: only the store holds it.
    let id = added["id"].as_str().expect("id");
    assert!(!s
        .env
        .secret_tool_search()
        .contains(&format!("account:{id}")));
    assert!(!contains_bytes(
        &s.env.db_bytes(),
        DEFAULT_CREDENTIAL.as_bytes()
    ));

    // A create reads the credential from the store.
    let created = s
        .env
        .run(
            &["--json", "key", "create", "shared", "--label", "from-store"],
            None,
        )
        .ok()
        .json();
    assert_eq!(created["account"], "shared", "{created}");
    let sent = s.fake.requests();
    assert!(
        sent.last()
            .is_some_and(|r| r.header("authorization")
                == Some(format!("Bearer {DEFAULT_CREDENTIAL}").as_str())),
        "the provider got the store's credential"
    );

    // Another member's account of the same name is never overwritten (check-and-set 0).
    let other = Env::new();
    add(&other, &bao, "team", &token).ok();
    let again = s.add_account_in(&other, "shared", &["--store", "team"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );
    assert!(other.run(&["--json", "account", "list"], None).ok().json()[0].is_null());

    // The store cannot go while an account keeps its credential there.
    let busy = s.env.run(&["store", "remove", "team"], None);
    assert_eq!(busy.code, 2, "{}", busy.stderr);
    let removed = s
        .env
        .run(&["account", "remove", "shared", "--forget-keys"], None)
        .ok();
    assert!(
        removed.stderr.contains("stays in team store team"),
        "{}",
        removed.stderr
    );
    s.env.run(&["store", "remove", "team"], None).ok();
}

#[test]
fn a_read_only_member_cannot_add_an_account_to_the_store() {
    let bao = Bao::start();
    bao.policy("keymint-reader", READER);
    let reader = bao.token("keymint-reader", "1h");
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add(&s.env, &bao, "team", &reader).ok();
    let refused = s.add_account("shared", &["--store", "team"]);
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("secret/data/keymint/accounts/shared/credential"),
        "names the path: {}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(DEFAULT_CREDENTIAL));
    let names: Vec<String> = s
        .env
        .run(&["--json", "account", "list"], None)
        .ok()
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["fireworks"], "nothing kept locally");
    assert!(bao.kv_get("keymint/accounts/shared/credential").is_none());

    // A name that cannot be a path segment is refused before anything is sent.
    let bad = s.add_account("a/b", &["--store", "team"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
