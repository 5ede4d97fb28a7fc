//! Fireworks: `POST /v1/accounts/{account_id}/users/{user_id}/apiKeys`, Bearer API key,
//! body `{"apiKey": {displayName, expireTime?}}`, 200 with the created key.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::contract::{self, Call, Contract, Params, Refusal};

const PATH: &str = "/v1/accounts/{account_id}/users/{user_id}/apiKeys";

pub(super) const CONTRACT: Contract = Contract {
    base_path: "",
    secret_pointer: "/key",
    route: |call| contract::match_path(call, PATH),
    check,
    success,
    error_body,
    documented_status: StatusCode::BAD_REQUEST,
    documented_message: "API key quota exceeded for this user",
    new_secret: |_| super::fake_secret("fw_", 40),
};

fn check(call: &Call, _params: &Params, credential: &str) -> Result<(), Refusal> {
    contract::expect_post(call)?;
    contract::expect_bearer(call, credential)?;
    let body = contract::json_object(call, &["apiKey"], &[])?;
    let api_key = match body.get("apiKey") {
        None => return Err(Refusal::bad("apiKey is required")),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(Refusal::bad("apiKey must be an object")),
    };
    for key in api_key.keys() {
        if key != "displayName" && key != "expireTime" {
            return Err(Refusal::bad(format!(
                "unknown field apiKey.{key}; allowed: displayName, expireTime"
            )));
        }
    }
    contract::string_field(api_key, "displayName", true)?;
    contract::future_time(api_key, "expireTime")?;
    Ok(())
}

fn success(call: &Call, params: &Params, secret: &str) -> (StatusCode, Value) {
    let body = call.lenient_object();
    let api_key = body.get("apiKey").and_then(Value::as_object);
    let field = |name: &str| api_key.and_then(|k| k.get(name)).and_then(Value::as_str);
    let mut out = json!({
        "keyId": super::fake_secret("", 20).to_ascii_lowercase(),
        "displayName": field("displayName").unwrap_or("default"),
        "key": secret,
        "createTime": contract::now(),
        "prefix": secret.chars().take(8).collect::<String>(),
        "secure": true,
        "email": format!("{}@fake.fireworks.test", contract::param(params, "user_id", "user")),
    });
    if let Some(expire) = field("expireTime") {
        out["expireTime"] = json!(expire);
    }
    (StatusCode::OK, out)
}

/// Fireworks answers errors as gRPC-gateway statuses.
fn error_body(status: StatusCode, message: &str) -> Value {
    let code = match status.as_u16() {
        401 => 16, // UNAUTHENTICATED
        403 => 7,  // PERMISSION_DENIED
        404 => 5,  // NOT_FOUND
        405 => 12, // UNIMPLEMENTED
        500..=599 => 13,
        _ => 3, // INVALID_ARGUMENT
    };
    json!({"code": code, "message": message, "details": []})
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{post_json, start};
    use super::super::Provider;
    use serde_json::json;

    #[test]
    fn creates_a_key_and_refuses_a_bad_request() {
        let fake = start(Provider::Fireworks);
        let url = format!(
            "{}/v1/accounts/acme%20co/users/u%2F1/apiKeys",
            fake.base_url()
        );
        let ok = post_json(
            &url,
            &[(
                "authorization",
                "Bearer sk_test_keymint_fake_credential_0001",
            )],
            json!({"apiKey": {"displayName": "ci", "expireTime": "2999-01-01T00:00:00Z"}}),
        );
        assert_eq!(ok.0, 200, "{}", ok.1);
        let key = ok.1["key"].as_str().expect("key in body");
        assert!(key.starts_with("fw_") && key.len() == 43);
        assert_eq!(ok.1["prefix"], json!(&key[..8]));
        assert_eq!(ok.1["expireTime"], json!("2999-01-01T00:00:00Z"));
        assert_eq!(fake.issued_secrets(), vec![key.to_string()]);
        let first = &fake.requests()[0];
        assert_eq!(first.violation, None);
        assert_eq!(first.param("account_id"), Some("acme co"));
        assert_eq!(first.param("user_id"), Some("u/1"));

        let bad = post_json(
            &url,
            &[(
                "authorization",
                "Bearer sk_test_keymint_fake_credential_0001",
            )],
            json!({"apiKey": {"displayName": "ci", "expireTime": null}}),
        );
        assert_eq!(bad.0, 400);
        assert_eq!(bad.1["code"], json!(3));
        let unauth = post_json(&url, &[], json!({"apiKey": {"displayName": "ci"}}));
        assert_eq!(unauth.0, 401);
        let requests = fake.requests();
        assert_eq!(requests.len(), 3);
        assert!(requests[1]
            .violation
            .as_deref()
            .unwrap_or("")
            .contains("null"));
        assert!(requests[2].violation.is_some());
        assert_eq!(fake.issued_secrets().len(), 1);
    }
}
