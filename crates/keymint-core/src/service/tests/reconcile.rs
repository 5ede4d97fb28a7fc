//! Reconciling the inventory with the keychain: abandoned pending rows, vanished items,
//! orphans, and a keychain that cannot be read.

use std::sync::atomic::Ordering;
use std::time::Duration;

use secrecy::SecretString;

use super::{core, fireworks_fields, keys};
use crate::model::KeyStatus;
use crate::service::{Keymint, DEFAULT_STALE_AFTER};
use crate::store::{AccountRow, NewKey};
use crate::vault::{Item, MemoryVault, Vault};

/// Every pending row counts as abandoned.
const NOW: Duration = Duration::ZERO;

/// An account row `fw` (no credential needed: nothing is sent).
fn account(core: &Keymint) -> String {
    core.store()
        .insert_account(&AccountRow {
            name: "fw",
            provider: "fireworks",
            base_url: None,
            ca_cert_pem: None,
            client_cert_pem: None,
            fields: &fireworks_fields(),
            sandbox: false,
        })
        .expect("account")
}

/// A key row `label` with `status`; with `secret`, its keychain item too.
fn key(
    core: &Keymint,
    vault: &MemoryVault,
    account_id: &str,
    label: &str,
    status: KeyStatus,
    secret: Option<&str>,
) -> String {
    let id = core
        .store()
        .insert_key(&NewKey {
            id: "",
            account_id,
            label,
            remote_id: None,
            hint: None,
            scopes: None,
            extra: &serde_json::Map::new(),
            expires_at: None,
            status,
            origin: "created",
        })
        .expect("key");
    if let Some(s) = secret {
        vault
            .set(
                &Item::key(&id, "fireworks", "fw", label),
                &SecretString::from(s),
            )
            .expect("item");
    }
    id
}

fn status(core: &Keymint, id: &str) -> KeyStatus {
    core.resolve_key(id).expect("row").status
}

fn event_kinds(core: &Keymint, id: &str) -> Vec<String> {
    core.key_events(id)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[test]
fn abandoned_pending_rows_are_recovered_or_marked_interrupted() {
    let (core, vault) = core();
    let a = account(&core);
    let secret = "fw_recoveredsecret0123456789";
    let found = key(&core, &vault, &a, "found", KeyStatus::Pending, Some(secret));
    let lost = key(&core, &vault, &a, "lost", KeyStatus::Pending, None);

    let done = core.reconcile(NOW, false).expect("reconcile");
    assert_eq!((done.recovered, done.interrupted, done.missing), (1, 1, 0));
    assert!(done.orphans.is_empty());

    let row = core.resolve_key(&found).expect("row");
    assert_eq!(row.status, KeyStatus::Stored);
    let hint = row.hint.expect("a hint from the recovered secret");
    assert_ne!(hint, secret);
    assert_eq!(event_kinds(&core, &found), ["recovered"]);
    assert_eq!(status(&core, &lost), KeyStatus::Interrupted);
    assert_eq!(event_kinds(&core, &lost), ["interrupted"]);

    let again = core.reconcile(NOW, true).expect("again");
    assert_eq!(
        (again.recovered, again.interrupted, again.missing),
        (0, 0, 0),
        "nothing left to resolve"
    );
}

#[test]
fn pending_rows_of_a_create_still_running_are_left_alone() {
    let (core, vault) = core();
    let a = account(&core);
    let running = key(&core, &vault, &a, "running", KeyStatus::Pending, None);
    let written = key(
        &core,
        &vault,
        &a,
        "written",
        KeyStatus::Pending,
        Some("fw_x1234567"),
    );

    let done = core
        .reconcile(DEFAULT_STALE_AFTER, true)
        .expect("reconcile");
    assert_eq!((done.recovered, done.interrupted, done.missing), (0, 0, 0));
    assert!(
        done.orphans.is_empty(),
        "a row names it: {:?}",
        done.orphans
    );
    assert_eq!(status(&core, &running), KeyStatus::Pending);
    assert_eq!(status(&core, &written), KeyStatus::Pending);
    assert!(event_kinds(&core, &running).is_empty());
}

#[test]
fn stored_keys_whose_item_vanished_are_marked_missing() {
    let (core, vault) = core();
    let a = account(&core);
    let kept = key(
        &core,
        &vault,
        &a,
        "kept",
        KeyStatus::Stored,
        Some("fw_kept1234"),
    );
    let gone = key(&core, &vault, &a, "gone", KeyStatus::Stored, None);
    let unstored = key(&core, &vault, &a, "unstored", KeyStatus::NotStored, None);
    let orphan = Item::key("0123456789abcdef", "fireworks", "fw", "orphan");
    vault
        .set(&orphan, &SecretString::from("fw_orphan123"))
        .expect("orphan");
    vault
        .set(
            &Item::credential(&a, "fireworks", "fw"),
            &SecretString::from("fw_credential"),
        )
        .expect("credential");

    let quick = core.reconcile(NOW, false).expect("pending rows only");
    assert_eq!(quick.missing, 0);
    assert_eq!(status(&core, &gone), KeyStatus::Stored, "not checked yet");

    let done = core.reconcile(NOW, true).expect("full");
    assert_eq!(done.missing, 1);
    assert_eq!(done.orphans, vec![orphan.user]);
    assert_eq!(status(&core, &gone), KeyStatus::Missing);
    assert_eq!(event_kinds(&core, &gone), ["missing"]);
    assert_eq!(status(&core, &kept), KeyStatus::Stored);
    assert_eq!(status(&core, &unstored), KeyStatus::NotStored);
    assert!(event_kinds(&core, &kept).is_empty());

    let again = core.reconcile(NOW, true).expect("again");
    assert_eq!(again.missing, 0, "a missing row is not counted twice");
}

#[test]
fn an_unreadable_keychain_changes_nothing() {
    let (core, vault) = core();
    let a = account(&core);
    let pending = key(&core, &vault, &a, "pending", KeyStatus::Pending, None);
    let stored = key(&core, &vault, &a, "stored", KeyStatus::Stored, None);
    vault.fail_reads.store(true, Ordering::SeqCst);

    for full in [false, true] {
        let err = core.reconcile(NOW, full).expect_err("keychain locked");
        assert_eq!(err.code().as_str(), "keychain_unavailable", "{err}");
    }
    assert_eq!(status(&core, &pending), KeyStatus::Pending);
    assert_eq!(status(&core, &stored), KeyStatus::Stored);
    assert!(keys(&core)
        .iter()
        .all(|k| event_kinds(&core, &k.id).is_empty()));

    // Once the keychain answers, the same rows are resolved.
    vault.fail_reads.store(false, Ordering::SeqCst);
    let done = core.reconcile(NOW, true).expect("reconcile");
    assert_eq!((done.interrupted, done.missing), (1, 1));
}
