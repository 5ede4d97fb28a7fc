//! Reading a key's secret: a vanished keychain item marks the key missing.

use secrecy::{ExposeSecret, SecretString};

use super::fake_provider::refused_url;
use super::{add_fireworks, core};
use crate::model::KeyStatus;
use crate::service::ImportInput;
use crate::vault::{Item, Vault};

fn import(label: &str) -> ImportInput {
    ImportInput {
        account: "fw".to_owned(),
        label: label.to_owned(),
        remote_id: Some("r-1".to_owned()),
        expires: None,
    }
}

#[tokio::test]
async fn reading_a_vanished_secret_marks_the_key_missing() {
    let (core, vault) = core();
    add_fireworks(&core, "fw", &refused_url()).await;
    let secret = "fw_importedsecret0123456789";
    let key = core
        .import_key(import("imported"), SecretString::from(secret))
        .await
        .expect("import");
    assert_eq!(key.status, KeyStatus::Stored);

    let read = core.key_secret(&key.id, "copied").await.expect("read");
    assert_eq!(read.expose_secret(), secret);
    let kinds: Vec<_> = core
        .key_events(&key.id)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["imported", "copied"]);

    vault
        .delete(&Item::key(&key.id, "fireworks", "fw", "imported"))
        .expect("delete outside Keymint");
    let err = core
        .key_secret(&key.id, "copied")
        .await
        .expect_err("item gone");
    assert_eq!(err.code().as_str(), "secret_missing");
    assert!(err.to_string().contains("now marked missing"), "{err}");
    assert_eq!(
        core.resolve_key(&key.id).expect("row").status,
        KeyStatus::Missing
    );
    let done = core
        .reconcile(std::time::Duration::ZERO, true)
        .expect("reconcile");
    assert_eq!(done.missing, 0, "already marked");
}

#[tokio::test]
async fn a_key_is_imported_only_once_its_secret_is_in_the_keychain() {
    let (core, vault) = core();
    add_fireworks(&core, "fw", &refused_url()).await;
    vault
        .fail_writes
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let err = core
        .import_key(import("refused"), SecretString::from("fw_secret123456"))
        .await
        .expect_err("keychain refuses");
    assert_eq!(err.code().as_str(), "keychain_unavailable");
    assert!(super::keys(&core).is_empty(), "no row without its secret");
}
