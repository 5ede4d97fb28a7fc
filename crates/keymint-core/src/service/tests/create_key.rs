//! Creating a key: where its secret and its row end up for each way the exchange can end.

use std::sync::atomic::Ordering;

use secrecy::ExposeSecret;

use super::fake_provider::{refused_url, Answer, FakeProvider};
use super::{add_fireworks, core, create, keys, vault_text, CREDENTIAL};
use crate::model::KeyStatus;
use crate::store::{KeyQuery, KeyStatusFilter};
use crate::vault::Vault;

/// The secret the fake provider hands out.
const NEW_SECRET: &str = "fw_newkeysecret9876543210abcdef";

fn issued() -> Answer {
    Answer::Json(
        200,
        format!(
            r#"{{"keyId":"fk-1","displayName":"ci","key":"{NEW_SECRET}","prefix":"fw_newke","email":"u@fake.test"}}"#
        ),
    )
}

fn event_kinds(core: &crate::Keymint, key_id: &str) -> Vec<String> {
    core.key_events(key_id)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[tokio::test]
async fn a_created_key_is_in_the_vault_and_its_row_is_stored() {
    let server = FakeProvider::start(issued());
    let (core, vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    let mut input = create("fw", "ci-deploy");
    input.expires = Some("30d".to_owned());
    let created = core.create_key(input).await.expect("create");

    assert!(created.stored);
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    assert_eq!(created.secret.expose_secret(), NEW_SECRET);
    let key = created.key.expect("row recorded");
    assert_eq!(key.status, KeyStatus::Stored);
    assert_eq!(key.label, "ci-deploy");
    assert_eq!(key.remote_id.as_deref(), Some("fk-1"));
    assert_eq!(key.origin, "created");
    assert_eq!(
        key.extra.get("email"),
        Some(&serde_json::json!("u@fake.test"))
    );
    let hint = key.hint.as_deref().expect("hint");
    assert!(!hint.contains(NEW_SECRET), "{hint}");
    // The provider gave no expiry: the one asked for is kept.
    let days = (key.expires_at.expect("expiry") - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{days}");

    let user = format!("key:{}", key.id);
    assert_eq!(vault_text(&vault, &user).as_deref(), Some(NEW_SECRET));
    assert_eq!(
        vault.label_of(&user).as_deref(),
        Some("Keymint: fireworks / fw / ci-deploy")
    );
    assert_eq!(event_kinds(&core, &key.id), ["created"]);
    assert_eq!(keys(&core).len(), 1, "no pending row left behind");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(
        sent.line,
        "POST /v1/accounts/acc/users/usr/apiKeys HTTP/1.1"
    );
    let bearer = format!("Bearer {CREDENTIAL}");
    assert_eq!(sent.header("authorization"), Some(bearer.as_str()));
    let body: serde_json::Value = serde_json::from_str(&sent.body).expect("json body");
    assert_eq!(body["apiKey"]["displayName"], "ci-deploy");
    assert!(body["apiKey"]["expireTime"].is_string(), "{body}");
}

#[tokio::test]
async fn a_create_that_never_reached_the_provider_leaves_no_row() {
    let (core, vault) = core();
    add_fireworks(&core, "fw", &refused_url()).await;
    let err = core
        .create_key(create("fw", "never-sent"))
        .await
        .expect_err("connection refused");
    assert_eq!(err.code().as_str(), "network", "{err}");
    assert!(!err.to_string().contains("interrupted"), "{err}");
    assert!(keys(&core).is_empty(), "the pending row is removed");
    assert_eq!(
        vault.list_users().expect("users").len(),
        1,
        "only the account credential"
    );
}

#[tokio::test]
async fn a_refusal_by_the_provider_leaves_no_row() {
    let server = FakeProvider::start(Answer::Json(
        400,
        r#"{"error":{"message":"API key quota exceeded for this user"}}"#.to_owned(),
    ));
    let (core, _vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    let err = core
        .create_key(create("fw", "refused"))
        .await
        .expect_err("refused");
    assert_eq!(err.code().as_str(), "provider_refused", "{err}");
    assert!(err.to_string().contains("quota exceeded"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert!(keys(&core).is_empty(), "a refusal made no key: no row");
}

/// Runs a create against `answer` that must fail after the request left, and checks that
/// the row stays as `interrupted`, without a secret, and that the error says so.
async fn assert_interrupted(answer: Answer, code: &str) {
    let server = FakeProvider::start(answer);
    let (core, vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    let err = core
        .create_key(create("fw", "cut-off"))
        .await
        .expect_err("no usable answer");
    assert_eq!(err.code().as_str(), code, "{err}");
    assert!(
        err.to_string().contains("may exist at the provider"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    let rows = keys(&core);
    assert_eq!(rows.len(), 1, "the row stays");
    assert_eq!(rows[0].status, KeyStatus::Interrupted);
    assert_eq!(rows[0].label, "cut-off");
    assert_eq!(event_kinds(&core, &rows[0].id), ["interrupted"]);
    assert_eq!(vault_text(&vault, &format!("key:{}", rows[0].id)), None);
    let (n, _) = core
        .list_keys(&KeyQuery {
            status: Some(KeyStatusFilter::Interrupted),
            ..KeyQuery::default()
        })
        .expect("filter");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_success_status_without_a_secret_keeps_the_row_as_interrupted() {
    assert_interrupted(
        Answer::Json(
            200,
            r#"{"keyId":"fk-2","displayName":"cut-off"}"#.to_owned(),
        ),
        "bad_response",
    )
    .await;
}

#[tokio::test]
async fn a_success_status_with_an_html_page_keeps_the_row_as_interrupted() {
    assert_interrupted(
        Answer::Json(201, "<html><body>ok</body></html>".to_owned()),
        "bad_response",
    )
    .await;
}

#[tokio::test]
async fn a_connection_closed_after_the_request_keeps_the_row_as_interrupted() {
    // The same branch as a timeout: the request may have been acted on.
    assert_interrupted(Answer::HangUp, "network").await;
}

#[tokio::test]
async fn a_create_cancelled_while_waiting_keeps_the_row_as_interrupted() {
    let server = FakeProvider::start(Answer::Silent);
    let (core, _vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    let mut running = Box::pin(core.create_key(create("fw", "cancelled")));
    tokio::select! {
        r = &mut running => panic!("a silent provider gave an answer: {r:?}"),
        () = server.wait_for_request() => {}
    }
    let rows = keys(&core);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, KeyStatus::Pending, "in flight: pending");
    // The app cancels (or times out) by dropping the future.
    drop(running);
    let rows = keys(&core);
    assert_eq!(rows.len(), 1, "the row stays");
    assert_eq!(rows[0].status, KeyStatus::Interrupted);
    assert_eq!(event_kinds(&core, &rows[0].id), ["interrupted"]);
}

#[tokio::test]
async fn a_keychain_write_failure_still_returns_the_secret() {
    let server = FakeProvider::start(issued());
    let (core, vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    vault.fail_writes.store(true, Ordering::SeqCst);
    let created = core
        .create_key(create("fw", "unstored"))
        .await
        .expect("the provider made the key: no error");

    assert!(!created.stored);
    assert_eq!(created.secret.expose_secret(), NEW_SECRET, "shown once");
    assert_eq!(created.warnings.len(), 1, "{:?}", created.warnings);
    let warning = &created.warnings[0];
    assert!(
        warning.contains("could not be stored in the keychain"),
        "{warning}"
    );
    assert!(warning.contains("copy it now"), "{warning}");
    assert!(!warning.contains(NEW_SECRET), "{warning}");
    let key = created.key.expect("row recorded");
    assert_eq!(key.status, KeyStatus::NotStored);
    assert_eq!(key.remote_id.as_deref(), Some("fk-1"));
    assert_eq!(vault_text(&vault, &format!("key:{}", key.id)), None);
    let (n, _) = core
        .list_keys(&KeyQuery {
            status: Some(KeyStatusFilter::NotStored),
            ..KeyQuery::default()
        })
        .expect("filter");
    assert_eq!(n, 1);

    vault.fail_writes.store(false, Ordering::SeqCst);
    let err = core
        .key_secret(&key.id, "copied")
        .await
        .expect_err("no copy kept");
    assert_eq!(err.code().as_str(), "secret_missing");
    assert!(err.to_string().contains("never stored"), "{err}");
    assert_eq!(
        core.resolve_key(&key.id).expect("row").status,
        KeyStatus::NotStored,
        "not turned into missing"
    );
}

#[tokio::test]
async fn an_unreadable_credential_sends_nothing_and_leaves_no_row() {
    let server = FakeProvider::start(issued());
    let (core, vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    vault.fail_reads.store(true, Ordering::SeqCst);
    let err = core
        .create_key(create("fw", "locked"))
        .await
        .expect_err("keychain locked");
    assert_eq!(err.code().as_str(), "keychain_unavailable", "{err}");
    assert!(server.requests().is_empty());
    assert!(keys(&core).is_empty(), "the pending row is removed");
}

#[tokio::test]
async fn an_invalid_form_sends_nothing_and_leaves_no_row() {
    let server = FakeProvider::start(issued());
    let (core, _vault) = core();
    add_fireworks(&core, "fw", &server.url).await;
    for (label, expires) in [("bad\u{7}label", None), ("ok", Some("yesterday-ish"))] {
        let mut input = create("fw", label);
        input.expires = expires.map(str::to_owned);
        let err = core.create_key(input).await.expect_err("refused");
        assert_eq!(err.code().as_str(), "validation", "{label}: {err}");
    }
    assert!(server.requests().is_empty());
    assert!(keys(&core).is_empty());
}
