//! Flexprice: `POST {base}/secrets/api/keys` (base ends in `/v1`), header `x-api-key`,
//! body `{name, type, expires_at?, service_account_id?}`, 201 `{api_key, secret{…}}`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::contract::{self, Call, Contract, Params, Refusal};

const TYPES: [&str; 3] = ["private_key", "publishable_key", "integration"];

pub(super) const CONTRACT: Contract = Contract {
    base_path: "/v1",
    secret_pointer: "/api_key",
    route: |call| contract::match_path(call, "/v1/secrets/api/keys"),
    check,
    success,
    error_body,
    documented_status: StatusCode::BAD_REQUEST,
    documented_message: "api key limit reached for this environment",
    new_secret: |_| super::fake_secret("sk_", 40),
};

fn check(call: &Call, _params: &Params, credential: &str) -> Result<(), Refusal> {
    contract::expect_post(call)?;
    contract::expect_header(call, "x-api-key", credential)?;
    let allowed = ["name", "type", "expires_at", "service_account_id"];
    let body = contract::json_object(call, &allowed, &[])?;
    contract::string_field(&body, "name", true)?;
    let kind = contract::string_field(&body, "type", true)?.unwrap_or_default();
    if !TYPES.contains(&kind) {
        return Err(Refusal::bad(format!(
            "type {kind:?} is not one of {}",
            TYPES.join(", ")
        )));
    }
    contract::future_time(&body, "expires_at")?;
    contract::string_field(&body, "service_account_id", false)?;
    Ok(())
}

fn success(call: &Call, _params: &Params, secret: &str) -> (StatusCode, Value) {
    let body = call.lenient_object();
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let kind = field("type").unwrap_or("private_key");
    let roles = match kind {
        "publishable_key" => json!(["event_ingestor"]),
        "integration" => json!(["integration"]),
        _ => json!(["admin"]),
    };
    let tail = &secret[secret.len().saturating_sub(4)..];
    let now = contract::now();
    let mut out = json!({
        "api_key": secret,
        "secret": {
            "id": format!("secret_{}", super::fake_secret("", 26).to_ascii_uppercase()),
            "display_id": format!("sk_****{tail}"),
            "name": field("name").unwrap_or("default"),
            "type": kind,
            "status": "published",
            "roles": roles,
            "created_at": now,
            "updated_at": now,
            "provider": "flexprice",
            "user_type": if field("service_account_id").is_some() { "service_account" } else { "user" },
        }
    });
    if let Some(expires) = field("expires_at") {
        out["secret"]["expires_at"] = json!(expires);
    }
    (StatusCode::CREATED, out)
}

fn error_body(status: StatusCode, message: &str) -> Value {
    let code = match status.as_u16() {
        401 | 403 => "permission_denied",
        404 => "not_found",
        405 => "invalid_operation",
        500..=599 => "internal_error",
        _ => "validation_error",
    };
    json!({
        "code": code,
        "message": message,
        "http_status_code": status.as_u16(),
        "details": {},
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{post_json, start};
    use super::super::Provider;
    use serde_json::json;

    #[test]
    fn creates_a_key_and_refuses_a_bad_request() {
        let fake = start(Provider::Flexprice);
        assert!(fake.base_url().ends_with("/v1"));
        let url = format!("{}/secrets/api/keys", fake.base_url());
        let auth = [("x-api-key", "sk_test_keymint_fake_credential_0001")];
        let ok = post_json(&url, &auth, json!({"name": "ci", "type": "private_key"}));
        assert_eq!(ok.0, 201, "{}", ok.1);
        let key = ok.1["api_key"].as_str().expect("api_key in body");
        assert!(key.starts_with("sk_") && key.len() == 43);
        assert_eq!(ok.1["secret"]["status"], json!("published"));
        assert_eq!(ok.1["secret"]["provider"], json!("flexprice"));
        assert!(ok.1["secret"].get("expires_at").is_none());

        let bad = post_json(&url, &auth, json!({"name": "ci", "type": "root_key"}));
        assert_eq!(bad.0, 400);
        assert_eq!(bad.1["code"], json!("validation_error"));
        assert_eq!(bad.1["http_status_code"], json!(400));
        let unknown = post_json(
            &url,
            &auth,
            json!({"name": "ci", "type": "private_key", "x": 1}),
        );
        assert_eq!(unknown.0, 400);
        let past =
            json!({"name": "ci", "type": "integration", "expires_at": "2001-01-01T00:00:00Z"});
        assert_eq!(post_json(&url, &auth, past).0, 400);
        let wrong_key = post_json(
            &url,
            &[("x-api-key", "nope")],
            json!({"name": "a", "type": "integration"}),
        );
        assert_eq!(wrong_key.0, 401);
        assert_eq!(fake.request_count(), 5);
        assert_eq!(fake.issued_secrets().len(), 1);
    }
}
