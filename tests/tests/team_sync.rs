//! Keys in a team store (SPEC §8) against a real OpenBao dev server, with two and three
//! "machines" (data directories and keychain services) sharing one store: keys of a store's
//! account live in the store, every member sees them after a sync and reads their secrets
//! from the store; a member who may not write is refused before the provider is called; a
//! store that stops answering after the provider did keeps the key here until the next sync.

use std::process::Stdio;
use std::time::{Duration, Instant};

use keymint_tests::accounts::Setup;
use keymint_tests::bao::{add_store, Bao, BaoApi, READER, WRITER};
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{contains_bytes, Env, Run};

/// One machine's keys, by label: (id, json).
fn keys(env: &Env) -> Vec<serde_json::Value> {
    env.run(&["--json", "key", "list"], None)
        .ok()
        .json()
        .as_array()
        .expect("array")
        .clone()
}

fn labels(env: &Env) -> Vec<String> {
    let mut l: Vec<String> = keys(env)
        .iter()
        .filter_map(|k| k["label"].as_str().map(str::to_owned))
        .collect();
    l.sort();
    l
}

fn sync(env: &Env) -> serde_json::Value {
    env.run(&["--json", "store", "sync", "team"], None)
        .ok()
        .json()[0]
        .clone()
}

fn secret_of(env: &Env, reference: &str) -> Run {
    env.run(&["read", reference], None)
}

/// A member: its own data directory and keychain service, the store added under `member`.
fn member(bao: &Bao, token: &str, name: &str) -> Env {
    let env = Env::new();
    add_store(&env, &bao.address, "team", token, &["--member", name]).ok();
    env
}

#[test]
fn keys_of_a_store_account_live_in_the_store_and_every_member_sees_them() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add_store(&s.env, &bao.address, "team", &token, &["--member", "ana"]).ok();
    s.add_account("shared", &["--store", "team"]).ok();

    // Machine A creates: the secret goes to the store, not to A's keychain or SQLite.
    let created = s
        .env
        .run(
            &[
                "--json",
                "key",
                "create",
                "shared",
                "--label",
                "deploy",
                "--show-secret",
            ],
            None,
        )
        .ok()
        .json();
    let id = created["id"].as_str().expect("id").to_owned();
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert_eq!(created["team_store"], "team", "{created}");
    assert_eq!(created["store_state"], "uploaded", "{created}");
    let entry = bao
        .kv_get(&format!("keymint/keys/shared/{id}"))
        .expect("the key's entry in the store");
    assert_eq!(entry["secret"], secret.as_str());
    assert_eq!(entry["label"], "deploy");
    assert_eq!(entry["created_by"], "ana");
    assert!(
        !s.env.secret_tool_search().contains(&format!("key:{id}")),
        "no copy left in A's keychain"
    );
    assert!(!contains_bytes(&s.env.db_bytes(), secret.as_bytes()));
    // A reads it back from the store.
    let read = secret_of(&s.env, "keymint://shared/deploy").ok();
    assert_eq!(read.stdout.trim(), secret);

    // Machine B syncs: the account and the key appear; the secret comes from the store.
    let b = member(&bao, &token, "ben");
    let report = sync(&b);
    assert_eq!(
        report["accounts_added"],
        serde_json::json!(["shared"]),
        "{report}"
    );
    assert_eq!(report["keys_added"], 1, "{report}");
    let on_b = keys(&b);
    assert_eq!(on_b.len(), 1);
    assert_eq!(on_b[0]["id"], id.as_str());
    assert_eq!(on_b[0]["created_by"], "ana");
    assert_eq!(on_b[0]["team_store"], "team");
    assert_eq!(
        secret_of(&b, "keymint://shared/deploy").ok().stdout.trim(),
        secret
    );
    assert!(!contains_bytes(&b.db_bytes(), secret.as_bytes()));
    assert!(!b.secret_tool_search().contains(&format!("key:{id}")));

    // B creates with the account it synced (the credential comes from the store).
    let mut create = vec!["--json", "key", "create", "shared", "--label", "from-ben"];
    let fields = keymint_tests::accounts::set_args(&keymint_tests::accounts::key_fields(
        Provider::Fireworks,
    ));
    create.extend(fields.iter().map(String::as_str));
    b.run(&create, None).ok();
    let report = sync(&s.env);
    assert_eq!(report["keys_added"], 1, "{report}");
    let from_ben = keys(&s.env)
        .into_iter()
        .find(|k| k["label"] == "from-ben")
        .expect("ben's key on A");
    assert_eq!(from_ben["created_by"], "ben");

    // A third machine sees both; a second sync changes nothing.
    let c = member(&bao, &token, "cleo");
    assert_eq!(sync(&c)["keys_added"], 2);
    assert_eq!(labels(&c), ["deploy", "from-ben"]);
    let again = sync(&c);
    assert_eq!(
        (again["keys_added"].as_u64(), again["keys_removed"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(again["keys_in_store"], 2);

    // A forgets `deploy`: it leaves the store, and the others drop it at their next sync.
    s.env
        .run(&["key", "forget", "keymint://shared/deploy"], None)
        .ok();
    assert!(bao.kv_get(&format!("keymint/keys/shared/{id}")).is_none());
    assert_eq!(sync(&b)["keys_removed"], 1);
    assert_eq!(labels(&b), ["from-ben"]);
    assert_eq!(sync(&c)["keys_removed"], 1);
    let gone = secret_of(&c, &id);
    assert_ne!(gone.code, 0, "{}", gone.stdout);
}

#[test]
fn a_member_who_may_not_write_is_refused_before_the_provider_is_called() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    bao.policy("keymint-reader", READER);
    let writer = bao.token("keymint-writer", "1h");
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add_store(&s.env, &bao.address, "team", &writer, &[]).ok();
    s.add_account("shared", &["--store", "team"]).ok();

    let fields = keymint_tests::accounts::set_args(&keymint_tests::accounts::key_fields(
        Provider::Fireworks,
    ));
    let create = |env: &Env, label: &str| {
        let mut args = vec!["key", "create", "shared", "--label", label];
        args.extend(fields.iter().map(String::as_str));
        env.run(&args, None)
    };

    // A reader syncs the account, then may not create a key in the store.
    let reader = member(&bao, &bao.token("keymint-reader", "1h"), "rita");
    sync(&reader);
    let before = s.fake.request_count();
    let refused = create(&reader, "not-allowed");
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert_eq!(
        refused.stderr.lines().count(),
        1,
        "one line: {}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("secret/data/keymint/keys/shared/")
            && refused.stderr.contains("create"),
        "names the path and the capability: {}",
        refused.stderr
    );
    assert_eq!(
        s.fake.request_count(),
        before,
        "the provider was not called"
    );
    assert!(labels(&reader).is_empty(), "no row kept");

    // A token without any access: its sync is refused in one line, and so is a create.
    let nobody = Env::new();
    add_store(
        &nobody,
        &bao.address,
        "team",
        &bao.token("default", "1h"),
        &[],
    )
    .ok();
    let denied = nobody.run(&["store", "sync"], None);
    assert_eq!(denied.code, 5, "{}", denied.stderr);
    assert_eq!(denied.stderr.lines().count(), 1, "{}", denied.stderr);
    assert!(
        denied.stderr.contains("secret/metadata/keymint/accounts"),
        "{}",
        denied.stderr
    );
    let listed = nobody.run(&["--json", "store", "list"], None).ok().json();
    assert!(
        listed[0]["sync_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not let the token list")),
        "the failed sync is kept with the store: {listed}"
    );
    assert_eq!(s.fake.request_count(), before);
}

#[test]
fn a_store_that_stops_answering_after_the_provider_did_keeps_the_key_here_until_sync() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");
    let mut env = Env::new();
    env.vars.push(("KEYMINT_TIMEOUT_SECS".into(), "3".into()));
    let s = Setup::with_env(
        Provider::Fireworks,
        Mode::Normal,
        env,
        Duration::from_secs(2),
    );
    add_store(&s.env, &bao.address, "team", &token, &[]).ok();
    s.add_account("shared", &["--store", "team"]).ok();

    // The provider holds its answer 2 s; the store is stopped while it does.
    s.fake.set_mode(Mode::SlowHeaders);
    let before = s.fake.request_count();
    let child = s
        .env
        .command(&[
            "--json",
            "key",
            "create",
            "shared",
            "--label",
            "precious",
            "--show-secret",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keymint");
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.fake.request_count() == before {
        assert!(
            Instant::now() < deadline,
            "the create never reached the provider"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    bao.pause();
    let run: Run = child.wait_with_output().expect("keymint").into();
    bao.resume();

    let run = run.ok();
    let created = run.json();
    let secret = created["secret"]
        .as_str()
        .expect("the secret is shown")
        .to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(Some(secret.clone()), s.fake.issued_secrets().pop());
    assert_eq!(created["store_state"], "upload_pending", "{created}");
    assert!(
        run.stderr.contains("the next sync uploads it"),
        "one warning says where it is: {}",
        run.stderr
    );
    assert!(!run.stderr.contains(&secret));
    // Kept in this keychain, readable here, not in the store yet.
    assert!(s.env.secret_tool_search().contains(&format!("key:{id}")));
    assert_eq!(secret_of(&s.env, &id).ok().stdout.trim(), secret);
    assert!(bao.kv_get(&format!("keymint/keys/shared/{id}")).is_none());
    let shown = s.env.run(&["key", "show", &id], None).ok();
    assert!(
        shown.stdout.contains("waiting in this keychain for upload"),
        "{}",
        shown.stdout
    );

    // The account cannot be removed while the key waits (its only copy is here).
    let busy = s
        .env
        .run(&["account", "remove", "shared", "--forget-keys"], None);
    assert_eq!(busy.code, 2, "{}", busy.stderr);
    assert!(
        busy.stderr.contains("sync the store first"),
        "{}",
        busy.stderr
    );

    // The next sync uploads it and drops the local copy.
    let report = sync(&s.env);
    assert_eq!(report["uploaded"], 1, "{report}");
    let entry = bao
        .kv_get(&format!("keymint/keys/shared/{id}"))
        .expect("uploaded");
    assert_eq!(entry["secret"], secret.as_str());
    assert!(!s.env.secret_tool_search().contains(&format!("key:{id}")));
    assert_eq!(secret_of(&s.env, &id).ok().stdout.trim(), secret);
    assert_eq!(
        s.env.event_kinds(&id).last().map(String::as_str),
        Some("read")
    );
    assert!(s.env.event_kinds(&id).contains(&"uploaded".to_owned()));
}

#[test]
fn an_entry_holding_another_secret_is_a_conflict_and_is_not_overwritten() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "1h");
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add_store(&s.env, &bao.address, "team", &token, &[]).ok();
    s.add_account("shared", &["--store", "team"]).ok();

    // The store write fails (injected): the key waits here.
    let mut cmd = s.env.command(&[
        "--json",
        "key",
        "create",
        "shared",
        "--label",
        "twice",
        "--show-secret",
    ]);
    cmd.env("KEYMINT_FAULT", "store_write:fail");
    let run: Run = cmd.output().expect("keymint").into();
    let created = run.ok().json();
    let id = created["id"].as_str().expect("id").to_owned();
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert_eq!(created["store_state"], "upload_pending");

    // Meanwhile something else wrote another secret at its path.
    let path = format!("secret/keymint/keys/shared/{id}");
    let put = bao.bao(
        &[
            "kv",
            "put",
            &path,
            "secret=someone-elses",
            "account=shared",
            "label=twice",
            "provider=fireworks",
        ],
        None,
    );
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );

    let conflict = s.env.run(&["store", "sync", "team"], None);
    assert_eq!(conflict.code, 6, "{}\n{}", conflict.stdout, conflict.stderr);
    assert!(
        conflict
            .stderr
            .contains("already holds another secret for key")
            && conflict.stderr.contains("twice"),
        "{}",
        conflict.stderr
    );
    assert!(!conflict.stderr.contains(&secret));
    let entry = bao
        .kv_get(&format!("keymint/keys/shared/{id}"))
        .expect("entry");
    assert_eq!(entry["secret"], "someone-elses", "not overwritten");
    // Still here, still readable, still waiting.
    assert_eq!(secret_of(&s.env, &id).ok().stdout.trim(), secret);
    let shown = s.env.run(&["--json", "key", "show", &id], None).ok().json();
    assert_eq!(shown["store_state"], "upload_pending", "{shown}");
}

#[test]
fn a_read_refused_by_policy_is_one_line_naming_the_path() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    bao.policy("keymint-member", WRITER);
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    add_store(
        &s.env,
        &bao.address,
        "team",
        &bao.token("keymint-writer", "1h"),
        &[],
    )
    .ok();
    s.add_account("shared", &["--store", "team"]).ok();
    s.env
        .run(&["key", "create", "shared", "--label", "deploy"], None)
        .ok();
    let b = member(&bao, &bao.token("keymint-member", "1h"), "ben");
    sync(&b);
    assert!(
        secret_of(&b, "keymint://shared/deploy")
            .ok()
            .stdout
            .trim()
            .len()
            > 8
    );

    // The operator takes reading the keys away from ben's policy.
    bao.policy(
        "keymint-member",
        r#"
path "secret/data/keymint/accounts/*" { capabilities = ["read"] }
path "secret/metadata/keymint/*" { capabilities = ["list", "read"] }
"#,
    );
    let refused = secret_of(&b, "keymint://shared/deploy");
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert_eq!(
        refused.stderr.lines().count(),
        1,
        "one line: {}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("/v1/secret/data/keymint/keys/shared/"),
        "names the path: {}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty());
    // The same refusal from `run`.
    let run = b.run(
        &["run", "--env", "K=keymint://shared/deploy", "--", "true"],
        None,
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
}

#[test]
fn a_sync_renews_a_renewable_token_near_its_end() {
    let bao = Bao::start();
    bao.policy("keymint-writer", WRITER);
    let token = bao.token("keymint-writer", "2h");
    let env = member(&bao, &token, "ana");
    let renewed = || {
        let out = bao.bao(&["token", "lookup", "-format=json", &token], None);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("lookup JSON");
        v["data"]["last_renewal_time"].as_i64().unwrap_or(0)
    };
    assert_eq!(renewed(), 0, "never renewed yet");
    sync(&env);
    assert!(
        renewed() > 0,
        "the sync renewed the token (less than a day left)"
    );
}
