//! hsrcpay: `POST {base}/api-keys/?account_id=…` (base ends in `/v1`), Bearer token, body
//! `{name, permissions?, expires_at?, metadata?}`, 201 envelope `{message, success, data}`;
//! errors `{message, success: false, error{code, message, details}}`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::contract::{self, Call, Contract, Params, Refusal};

pub(super) const CONTRACT: Contract = Contract {
    base_path: "/v1",
    secret_pointer: "/data/key",
    route,
    check,
    success,
    error_body,
    documented_status: StatusCode::BAD_REQUEST,
    documented_message: "api key limit reached for this account",
    new_secret: |credential| {
        let prefix = if credential.contains("_test_") {
            "sk_test_"
        } else {
            "sk_live_"
        };
        super::fake_secret(prefix, 40)
    },
};

fn route(call: &Call) -> Result<Params, Refusal> {
    if call.path != "/v1/api-keys/" {
        let mut refusal = contract::not_found(call, "/v1/api-keys/?account_id=…");
        if call.path == "/v1/api-keys" {
            refusal.reason.push_str(" (with the trailing slash)");
        }
        return Err(refusal);
    }
    let pairs = contract::query_pairs(call.query.as_deref().unwrap_or(""))?;
    if let Some((name, _)) = pairs.iter().find(|(n, _)| n != "account_id") {
        return Err(Refusal::bad(format!("unknown query parameter {name:?}")));
    }
    match pairs.as_slice() {
        [(_, account)] if !account.is_empty() => Ok(pairs),
        [] => Err(Refusal::bad("account_id query parameter is required")),
        [_] => Err(Refusal::bad("account_id query parameter is empty")),
        _ => Err(Refusal::bad("account_id query parameter is repeated")),
    }
}

fn check(call: &Call, _params: &Params, credential: &str) -> Result<(), Refusal> {
    contract::expect_post(call)?;
    contract::expect_bearer(call, credential)?;
    let allowed = ["name", "permissions", "expires_at", "metadata"];
    let body = contract::json_object(call, &allowed, &["metadata"])?;
    contract::string_field(&body, "name", true)?;
    if let Some(permissions) = body.get("permissions") {
        let Some(map) = permissions.as_object() else {
            return Err(Refusal::bad("permissions must be an object"));
        };
        for (resource, actions) in map {
            let is_list = actions
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string));
            if !is_list {
                return Err(Refusal::bad(format!(
                    "permissions.{resource} must be an array of strings"
                )));
            }
        }
    }
    contract::future_time(&body, "expires_at")?;
    if body.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err(Refusal::bad("metadata must be an object"));
    }
    Ok(())
}

fn success(call: &Call, params: &Params, secret: &str) -> (StatusCode, Value) {
    let body = call.lenient_object();
    let get = |name: &str| body.get(name).cloned();
    let now = contract::now();
    let data = json!({
        "object": "api_key",
        "id": super::fake_secret("ak_", 24),
        "account_id": contract::param(params, "account_id", ""),
        "name": get("name").unwrap_or_else(|| json!("")),
        "type": "SECRET",
        "key": secret,
        "last_used_ip": null,
        "metadata": get("metadata").unwrap_or_else(|| json!({})),
        "permissions": get("permissions").unwrap_or_else(|| json!({})),
        "status": "ACTIVE",
        "last_used_at": null,
        "expires_at": get("expires_at").unwrap_or(Value::Null),
        "managed": false,
        "deleted": false,
        "created_at": now,
        "updated_at": now,
    });
    let out = json!({"message": "success", "success": true, "data": data});
    (StatusCode::CREATED, out)
}

/// The `success: false` envelope; [`super::Mode::SuccessFalse200`] sends it for every provider.
pub(super) fn error_body(status: StatusCode, message: &str) -> Value {
    json!({
        "message": message,
        "success": false,
        "error": {"code": status.as_u16(), "message": message, "details": {}},
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{post_json, start_with};
    use super::super::{FakeOptions, Provider};
    use serde_json::json;

    #[test]
    fn creates_a_key_and_refuses_a_bad_request() {
        let token = "sk_live_abcdef";
        let options = FakeOptions {
            credential: token.into(),
            ..FakeOptions::default()
        };
        let fake = start_with(Provider::Hsrcpay, options);
        assert!(fake.base_url().ends_with("/v1"));
        let url = format!("{}/api-keys/?account_id=acct%2B1", fake.base_url());
        let auth = [("authorization", "Bearer sk_live_abcdef")];
        let body =
            json!({"name": "ci", "permissions": {"payments": ["read"]}, "metadata": {"a": null}});
        let ok = post_json(&url, &auth, body);
        assert_eq!(ok.0, 201, "{}", ok.1);
        assert_eq!(ok.1["success"], json!(true));
        let key = ok.1["data"]["key"].as_str().expect("data.key in body");
        assert!(key.starts_with("sk_live_") && key.len() == 48);
        assert_eq!(ok.1["data"]["account_id"], json!("acct+1"));
        assert_eq!(ok.1["data"]["permissions"], json!({"payments": ["read"]}));

        let no_slash = format!("{}/api-keys?account_id=a", fake.base_url());
        assert_eq!(post_json(&no_slash, &auth, json!({"name": "ci"})).0, 404);
        let no_account = format!("{}/api-keys/", fake.base_url());
        assert_eq!(post_json(&no_account, &auth, json!({"name": "ci"})).0, 400);
        let bad = post_json(
            &url,
            &auth,
            json!({"name": "ci", "permissions": {"p": "read"}}),
        );
        assert_eq!(bad.0, 400);
        assert_eq!(bad.1["success"], json!(false));
        assert!(bad.1["error"]["code"].is_u64());
        assert_eq!(post_json(&url, &[], json!({"name": "ci"})).0, 401);
        assert_eq!(fake.issued_secrets().len(), 1);
        assert_eq!(fake.request_count(), 5);
    }
}
