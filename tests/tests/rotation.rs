//! `keymint key rotate` (SPEC §6) against each provider's fake: the successor is asked for with
//! exactly the first request's form, the old key is superseded, references follow.

use keymint_tests::accounts::{offline_account, Setup};
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};

/// The create requests the fake received (everything but the TLS/HTTP noise).
fn creates(s: &Setup) -> Vec<keymint_tests::fakes::RecordedRequest> {
    s.fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

#[test]
fn rotation_asks_every_provider_for_the_same_key_again() {
    for p in Provider::ALL {
        let s = Setup::new(p, Mode::Normal);
        let old = s.create("svc", &[]).ok().json();
        let old_id = old["id"].as_str().expect("id").to_owned();
        let reference = format!("keymint://{}/svc", s.account);
        let run = s
            .env
            .run(&["--json", "key", "rotate", &reference], None)
            .ok();
        assert!(run.stderr.contains("revoke"), "{p:?}: {}", run.stderr);
        let new = run.json();
        let new_id = new["id"].as_str().expect("id").to_owned();
        assert_ne!(new_id, old_id);
        assert_eq!(new["label"], "svc");

        // The same request twice: path, query and body (the fake checked the contract).
        let reqs = creates(&s);
        assert_eq!(reqs.len(), 2, "{p:?}");
        assert_eq!(reqs[0].path, reqs[1].path, "{p:?}");
        assert_eq!(reqs[0].query, reqs[1].query, "{p:?}");
        assert_eq!(
            String::from_utf8_lossy(&reqs[0].body),
            String::from_utf8_lossy(&reqs[1].body),
            "{p:?}: the form values reused exactly"
        );
        assert!(
            reqs[1].violation.is_none(),
            "{p:?}: {:?}",
            reqs[1].violation
        );

        // The old key is superseded, still listed and readable; references follow the new.
        let shown = s
            .env
            .run(&["--json", "key", "show", &old_id], None)
            .ok()
            .json();
        assert_eq!(shown["superseded_by"], new_id.as_str(), "{p:?}: {shown}");
        assert!(s.env.event_kinds(&old_id).iter().any(|k| k == "superseded"));
        assert!(s.env.event_kinds(&new_id).iter().any(|k| k == "rotated"));
        let secrets = s.fake.issued_secrets();
        let read = s.env.run(&["read", &reference], None).ok();
        assert_eq!(read.stdout.trim_end(), secrets[1], "{p:?}");
        let old_secret = s.env.run(&["key", "secret", &old_id], None).ok();
        assert_eq!(old_secret.stdout.trim_end(), secrets[0], "{p:?}");
        // A superseded key is not rotated twice.
        let again = s.env.run(&["key", "rotate", &old_id], None);
        assert_eq!(again.code, 2, "{p:?}: {}", again.stderr);
        assert!(again.stderr.contains("already rotated"), "{}", again.stderr);
    }
}

#[test]
fn the_successor_lives_as_long_as_the_old_key_did() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let old = s.create("timed", &["--expires", "30d"]).ok().json();
    let new = s
        .env
        .run(
            &["--json", "key", "rotate", old["id"].as_str().unwrap_or("")],
            None,
        )
        .ok()
        .json();
    let at = |v: &serde_json::Value, f: &str| {
        chrono::DateTime::parse_from_rfc3339(v[f].as_str().unwrap_or("")).expect(f)
    };
    let life = at(&new, "expires_at") - at(&new, "created_at");
    assert!(
        (life.num_seconds() - 30 * 86_400).abs() <= 5,
        "new key lives {life:?}: {new}"
    );
    // --expires overrides.
    let newer = s
        .env
        .run(
            &[
                "--json",
                "key",
                "rotate",
                "keymint://fireworks/timed",
                "--expires",
                "2d",
            ],
            None,
        )
        .ok()
        .json();
    let life = at(&newer, "expires_at") - at(&newer, "created_at");
    assert!((life.num_seconds() - 2 * 86_400).abs() <= 5, "{newer}");
}

#[test]
fn a_rotation_whose_create_fails_leaves_the_old_key_untouched() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let old = s.create("stays", &[]).ok().json();
    let old_id = old["id"].as_str().expect("id").to_owned();
    // The account now points where nothing listens (moved with its credential, as allowed).
    s.env
        .run(
            &[
                "account",
                "edit",
                &s.account,
                "--base-url",
                "http://127.0.0.1:9",
                "--credential-stdin",
            ],
            Some(DEFAULT_CREDENTIAL),
        )
        .ok();
    let run = s.env.run(&["key", "rotate", &old_id], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let shown = s
        .env
        .run(&["--json", "key", "show", &old_id], None)
        .ok()
        .json();
    assert!(shown["superseded_by"].is_null(), "{shown}");
    assert_eq!(s.key_count(), 1, "no successor row left behind");
    let read = s.env.run(&["read", "keymint://fireworks/stays"], None).ok();
    assert_eq!(read.stdout.trim_end(), s.fake.issued_secrets()[0]);
}

#[test]
fn an_imported_key_cannot_be_rotated_and_says_why() {
    let env = keymint_tests::harness::Env::new();
    offline_account(&env, "prod");
    env.run(
        &["key", "import", "prod", "--label", "old"],
        Some("sk-imported-0123456789"),
    )
    .ok();
    let run = env.run(&["key", "rotate", "keymint://prod/old"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("imported"), "{}", run.stderr);
}
