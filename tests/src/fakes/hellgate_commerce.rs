//! Hellgate Commerce: mutual TLS (enforced by the listener), `POST
//! /configuration/accounts/{account_id}/keys` with `X-Account-ID` equal to the path's
//! account, body `{}` or `{"expired_at": future}`, 201 `{id, key_value}`; errors 422
//! `{code, classifier, message}`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::contract::{self, Call, Contract, Params, Refusal};

pub(super) const CONTRACT: Contract = Contract {
    base_path: "",
    secret_pointer: "/key_value",
    route: |call| contract::match_path(call, "/configuration/accounts/{account_id}/keys"),
    check,
    success: |_, _, secret| {
        let body = json!({"id": uuid::Uuid::new_v4().to_string(), "key_value": secret});
        (StatusCode::CREATED, body)
    },
    error_body,
    documented_status: StatusCode::UNPROCESSABLE_ENTITY,
    documented_message: "account has reached its maximum number of api keys",
    new_secret: |_| super::fake_secret("key_", 32),
};

fn check(call: &Call, params: &Params, _credential: &str) -> Result<(), Refusal> {
    contract::expect_post(call)?;
    let account = contract::param(params, "account_id", "");
    match call.header("x-account-id") {
        None => return Err(Refusal::unauthorized("missing X-Account-ID header")),
        Some(v) if v == account => {}
        Some(v) => {
            return Err(Refusal::unauthorized(format!(
                "X-Account-ID {v:?} does not match the account in the path {account:?}"
            )))
        }
    }
    let body = contract::json_object(call, &["expired_at"], &[])
        .map_err(|r| Refusal::new(unprocessable(r.status), r.reason))?;
    contract::future_time(&body, "expired_at")
        .map_err(|r| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, r.reason))?;
    Ok(())
}

/// Commerce reports body problems as 422, like its documented error.
fn unprocessable(status: StatusCode) -> StatusCode {
    if status == StatusCode::BAD_REQUEST {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
    }
}

fn error_body(status: StatusCode, message: &str) -> Value {
    let classifier = match status.as_u16() {
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        500..=599 => "INTERNAL_ERROR",
        _ => "VALIDATION_ERROR",
    };
    json!({"code": status.as_u16(), "classifier": classifier, "message": message})
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{mtls_client, send, start_tls, TempDir};
    use super::super::{Provider, TestPki};
    use serde_json::json;

    #[test]
    fn creates_a_key_over_mutual_tls_and_refuses_a_bad_request() {
        let dir = TempDir::new("commerce");
        let pki = TestPki::generate(dir.path());
        let fake = start_tls(Provider::HellgateCommerce, &pki);
        assert!(fake.base_url().starts_with("https://127.0.0.1:"));
        let client = mtls_client(&pki, Some((&pki.client_cert_pem, &pki.client_key_pem)));
        let url = format!("{}/configuration/accounts/acc%201/keys", fake.base_url());
        let ok = send(&client, &url, &[("x-account-id", "acc 1")], json!({}));
        assert_eq!(ok.0, 201, "{}", ok.1);
        let key = ok.1["key_value"].as_str().expect("key_value in body");
        assert!(key.starts_with("key_") && key.len() == 36);
        let first = &fake.requests()[0];
        assert_eq!(first.violation, None);
        assert_eq!(
            first.client_cert_subject.as_deref(),
            Some("CN=keymint-test-client, O=Keymint tests")
        );

        let future = json!({"expired_at": "2999-01-01T00:00:00Z"});
        assert_eq!(
            send(&client, &url, &[("x-account-id", "acc 1")], future).0,
            201
        );
        let past = json!({"expired_at": "2001-01-01T00:00:00Z"});
        let bad = send(&client, &url, &[("x-account-id", "acc 1")], past);
        assert_eq!(bad.0, 422);
        assert_eq!(bad.1["classifier"], json!("VALIDATION_ERROR"));
        assert_eq!(
            send(&client, &url, &[("x-account-id", "other")], json!({})).0,
            401
        );
        assert_eq!(fake.issued_secrets().len(), 2);
    }

    #[test]
    fn refuses_a_client_without_a_trusted_certificate() {
        let dir = TempDir::new("commerce-refuse");
        let pki = TestPki::generate(dir.path());
        let fake = start_tls(Provider::HellgateCommerce, &pki);
        let url = format!("{}/configuration/accounts/a/keys", fake.base_url());
        let no_cert = mtls_client(&pki, None);
        let untrusted = mtls_client(
            &pki,
            Some((
                &pki.untrusted_client_cert_pem,
                &pki.untrusted_client_key_pem,
            )),
        );
        for client in [no_cert, untrusted] {
            let result = client
                .post(&url)
                .header("x-account-id", "a")
                .json(&json!({}))
                .send()
                .and_then(|r| r.bytes());
            assert!(result.is_err(), "handshake should fail: {result:?}");
        }
        assert_eq!(fake.request_count(), 0);
        // The server counts a failed handshake just after sending its alert: give it a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while fake.tls_handshake_failures() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(fake.tls_handshake_failures(), 2);
    }
}
