//! Credentials bound to where they were entered for: the stored form, items from before
//! binding, and rows changed behind Keymint's back.

use secrecy::{ExposeSecret, SecretString};

use super::fake_provider::{Answer, FakeProvider};
use super::{
    add_fireworks, core, create, edit_row_outside, fireworks_input, keys, vault_text, CREDENTIAL,
};
use crate::error::Error;
use crate::service::destination::{decode, encode, Destination};
use crate::service::Credential;
use crate::vault::{Item, Vault};

fn issued() -> Answer {
    Answer::Json(
        200,
        r#"{"keyId":"fk-1","key":"fw_issued0123456789"}"#.to_owned(),
    )
}

fn credential_user(core: &crate::Keymint, name: &str) -> String {
    format!("account:{}", core.account(name).expect("account").id)
}

#[test]
fn every_field_survives_encode_and_decode() {
    let secret = "line one\n\nprovider=evil\norigin=https://evil.example\n";
    for (ca, cert) in [
        (None, None),
        (Some("CA PEM"), None),
        (None, Some("CERT")),
        (Some("CA"), Some("CERT")),
    ] {
        let d = Destination::new("fireworks", "http://127.0.0.1:8080/v1/", ca, cert)
            .expect("destination");
        let stored = encode(&d, &SecretString::from(secret));
        assert!(!format!("{:?}", stored).contains("evil"), "redacted");
        let back = decode(&stored).expect("decode");
        assert_eq!(back.destination, Some(d.clone()), "{ca:?} {cert:?}");
        assert_eq!(back.secret.expose_secret(), secret);
        assert_eq!(d.origin, "http://127.0.0.1:8080");
    }
}

#[test]
fn a_raw_item_is_an_unbound_credential() {
    for raw in [
        "fw_abc123",
        "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----",
        "x keymint-credential/1\n\n",
    ] {
        let read = decode(&SecretString::from(raw)).expect("decode");
        assert!(read.destination.is_none(), "{raw}");
        assert_eq!(read.secret.expose_secret(), raw);
    }
}

#[tokio::test]
async fn an_added_account_stores_its_credential_bound_to_its_destination() {
    let server = FakeProvider::start(issued());
    let (core, vault) = core();
    let account = add_fireworks(&core, "fw", &server.url).await;
    let stored = vault_text(&vault, &credential_user(&core, "fw")).expect("item");
    assert!(stored.starts_with("keymint-credential/1\n"), "bound form");
    let bound = decode(&SecretString::from(stored)).expect("decode");
    assert_eq!(
        bound.destination,
        Some(Destination::of(&account).expect("destination"))
    );
    assert_eq!(bound.secret.expose_secret(), CREDENTIAL);
}

#[tokio::test]
async fn a_credential_from_before_binding_is_sent_as_is_and_bound_on_first_use() {
    let server = FakeProvider::start(issued());
    let (core, vault) = core();
    let account = add_fireworks(&core, "fw", &server.url).await;
    let legacy = "fw_legacycredential0123";
    let item = Item::credential(&account.id, "fireworks", "fw");
    vault
        .set(&item, &SecretString::from(legacy))
        .expect("raw item, as an earlier Keymint wrote it");

    for label in ["first", "second"] {
        core.create_key(create("fw", label)).await.expect("create");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {legacy}").as_str()),
            "the credential alone, never the stored header"
        );
    }
    let bound = decode(&vault.get(&item).expect("item")).expect("decode");
    assert_eq!(
        bound.destination,
        Some(Destination::of(&account).expect("destination"))
    );
    assert_eq!(bound.secret.expose_secret(), legacy);
}

#[tokio::test]
async fn a_row_pointed_elsewhere_is_refused_before_anything_is_sent() {
    let home = FakeProvider::start(issued());
    let elsewhere = FakeProvider::start(issued());
    let (core, vault) = core();
    let account = add_fireworks(&core, "fw", &home.url).await;
    let user = credential_user(&core, "fw");
    let before = vault_text(&vault, &user);

    edit_row_outside(&core, &account, &elsewhere.url, None);
    let err = core
        .create_key(create("fw", "diverted"))
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::DestinationChanged(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("Nothing was sent"), "{message}");
    assert!(message.contains(&elsewhere.url), "{message}");
    assert!(!message.contains(CREDENTIAL), "{message}");
    assert!(
        elsewhere.requests().is_empty(),
        "zero requests where the row points"
    );
    assert!(home.requests().is_empty());
    assert!(keys(&core).is_empty(), "no pending row left");
    assert_eq!(vault_text(&vault, &user), before, "the item is not rebound");
}

#[tokio::test]
async fn an_extra_ca_added_outside_the_editor_is_refused() {
    let home = FakeProvider::start(issued());
    let (core, _vault) = core();
    let account = add_fireworks(&core, "fw", &home.url).await;
    edit_row_outside(
        &core,
        &account,
        &home.url,
        Some("-----BEGIN CERTIFICATE-----"),
    );
    let err = core
        .create_key(create("fw", "intercepted"))
        .await
        .expect_err("refused");
    assert_eq!(err.code().as_str(), "destination_changed");
    assert!(
        err.to_string()
            .contains("an extra CA certificate was added"),
        "{err}"
    );
    assert!(home.requests().is_empty());
    assert!(keys(&core).is_empty());
}

#[tokio::test]
async fn the_editor_moves_an_account_only_with_its_credential_again() {
    let home = FakeProvider::start(issued());
    let moved = FakeProvider::start(issued());
    let (core, vault) = core();
    add_fireworks(&core, "fw", &home.url).await;

    let err = core
        .update_account("fw", fireworks_input("fw", &moved.url), None)
        .await
        .expect_err("credential needed");
    assert_eq!(err.field_name(), Some("credential"), "{err}");
    let account = core.account("fw").expect("account");
    assert_eq!(account.base_url, home.url, "row unchanged");

    let fresh = "fw_freshcredential98765";
    let account = core
        .update_account(
            "fw",
            fireworks_input("fw", &moved.url),
            Some(Credential::Secret(SecretString::from(fresh))),
        )
        .await
        .expect("moved");
    let stored = vault_text(&vault, &credential_user(&core, "fw")).expect("item");
    let bound = decode(&SecretString::from(stored)).expect("decode");
    assert_eq!(
        bound.destination,
        Some(Destination::of(&account).expect("destination"))
    );
    core.create_key(create("fw", "after-move"))
        .await
        .expect("create");
    assert!(home.requests().is_empty());
    let sent = moved.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {fresh}").as_str())
    );
}
