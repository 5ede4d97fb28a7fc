//! Team stores against a fake Vault API on 127.0.0.1: the token is checked before anything is
//! kept, travels only in its header, and lives only in the keychain.

use secrecy::{ExposeSecret, SecretString};

use super::core;
use super::fake_provider::{refused_url, Answer, FakeProvider};
use crate::error::ErrorCode;
use crate::service::TeamStoreInput;
use crate::vault::{Item, Vault};

const TOKEN: &str = "s.teamstoretoken0123456789";

fn input(name: &str, address: &str) -> TeamStoreInput {
    TeamStoreInput {
        name: name.to_owned(),
        address: address.to_owned(),
        namespace: Some("team-a".to_owned()),
        ..TeamStoreInput::default()
    }
}

#[tokio::test]
async fn a_store_is_kept_once_the_server_accepts_its_token() {
    let lookup = r#"{"data":{"id":"s.teamstoretoken0123456789","ttl":3600,"renewable":true,"policies":["default"]}}"#;
    let fake = FakeProvider::start(Answer::Json(200, lookup.to_owned()));
    let (core, vault) = core();
    let added = core
        .add_team_store(input("team", &fake.url), SecretString::from(TOKEN))
        .await
        .expect("added");
    assert_eq!(
        (added.mount.as_str(), added.prefix.as_str()),
        ("secret", "keymint")
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].line.starts_with("GET /v1/auth/token/lookup-self "),
        "{}",
        sent[0].line
    );
    assert_eq!(sent[0].header("x-vault-token"), Some(TOKEN));
    assert_eq!(sent[0].header("x-vault-namespace"), Some("team-a"));
    let item = Item::store_token(&added.id, "team");
    assert_eq!(vault.get(&item).expect("token").expose_secret(), TOKEN);
    assert_eq!(core.team_stores().expect("list").len(), 1);

    core.remove_team_store("team").await.expect("removed");
    assert!(vault.get(&item).is_err(), "token deleted");
    assert!(core.team_stores().expect("list").is_empty());
}

#[tokio::test]
async fn a_refused_token_keeps_nothing() {
    let fake = FakeProvider::start(Answer::Json(
        403,
        r#"{"errors":["permission denied"]}"#.to_owned(),
    ));
    let (core, vault) = core();
    let err = core
        .add_team_store(input("team", &fake.url), SecretString::from(TOKEN))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::StoreDenied);
    assert_eq!(err.code().exit_status(), 5);
    let text = err.to_string();
    assert!(text.contains("permission denied"), "{text}");
    assert!(!text.contains(TOKEN) && !text.contains('`'), "{text}");
    assert!(core.team_stores().expect("list").is_empty());
    assert!(vault.list_users().expect("users").is_empty());
}

#[tokio::test]
async fn bad_forms_are_refused_before_anything_is_sent() {
    let (core, _) = core();
    let cases = [
        (input("team", "http://bao.example:8200"), "address"),
        (
            TeamStoreInput {
                mount: Some("../sys".into()),
                ..input("team", &refused_url())
            },
            "mount",
        ),
        (
            TeamStoreInput {
                prefix: Some("a b".into()),
                ..input("team", &refused_url())
            },
            "prefix",
        ),
        (input("", &refused_url()), "name"),
    ];
    for (form, field) in cases {
        let err = core
            .add_team_store(form, SecretString::from(TOKEN))
            .await
            .expect_err(field);
        assert_eq!(err.field_name(), Some(field), "{err}");
    }
    let err = core
        .add_team_store(
            input("team", &refused_url()),
            SecretString::from("two words"),
        )
        .await
        .expect_err("token");
    assert_eq!(err.field_name(), Some("token"));
}

#[tokio::test]
async fn an_unreachable_store_is_a_network_error() {
    let (core, _) = core();
    let err = core
        .add_team_store(input("team", &refused_url()), SecretString::from(TOKEN))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(core.team_stores().expect("list").is_empty());
}

#[tokio::test]
async fn the_check_names_missing_capabilities_and_a_short_lived_token() {
    // One body that answers health, lookup-self and capabilities-self alike.
    let body = serde_json::json!({
        "initialized": true, "sealed": false, "standby": false, "version": "2.7.2",
        "data": {
            "ttl": 3600, "renewable": false, "policies": ["reader"],
            "secret/data/keymint/*": ["read"],
            "secret/metadata/keymint/*": ["list", "read"],
        },
    });
    let fake = FakeProvider::start(Answer::Json(200, body.to_string()));
    let (core, _) = core();
    let team = core
        .add_team_store(input("team", &fake.url), SecretString::from(TOKEN))
        .await
        .expect("added");
    let check = core.check_team_store(&team).await;
    assert!(!check.ok, "{check:?}");
    assert_eq!(check.code, Some(ErrorCode::StoreDenied));
    assert!(
        check
            .detail
            .contains("lacks create, update on secret/data/keymint/*;"),
        "{}",
        check.detail
    );
    assert!(
        check
            .detail
            .contains("expires in 60 minutes (not renewable); ask for a new token"),
        "{}",
        check.detail
    );
    let paths: Vec<String> = fake.requests().iter().map(|r| r.line.clone()).collect();
    assert!(
        paths.iter().any(|l| l.starts_with("GET /v1/sys/health ")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|l| l.starts_with("POST /v1/sys/capabilities-self ")),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|l| l.contains("renew-self")),
        "a token that is not renewable is not renewed: {paths:?}"
    );
}
