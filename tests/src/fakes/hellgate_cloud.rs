//! Hellgate Cloud: `POST /api/admin/api-keys`, header `x-api-key`,
//! body `{scopes, expires_in?}`, 201 `{id, created_at, expires_at?, key_value, scopes}`.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use super::contract::{self, Call, Contract, Params, Refusal};

/// The 22 scopes the page lists.
pub const SCOPES: [&str; 22] = [
    "admin:api-keys:create",
    "admin:api-keys:read",
    "admin:api-keys:update",
    "admin:api-keys:delete",
    "admin:webhooks:create",
    "admin:webhooks:read",
    "admin:webhooks:delete",
    "pci:tokens:create",
    "pci:tokens:read",
    "pci:tokens:update",
    "pci:tokens:delete",
    "pci:tokens:forward",
    "network:tokens:create",
    "network:tokens:read",
    "network:tokens:delete",
    "network:tokens:use",
    "generic:tokens:create",
    "generic:tokens:read",
    "generic:tokens:delete",
    "admin:types:create",
    "admin:types:read",
    "admin:types:delete",
];

/// 90 days, the page's upper bound for `expires_in`.
const MAX_EXPIRES_IN: u64 = 7_776_000;

pub(super) const CONTRACT: Contract = Contract {
    base_path: "",
    secret_pointer: "/key_value",
    route: |call| contract::match_path(call, "/api/admin/api-keys"),
    check,
    success,
    error_body,
    documented_status: StatusCode::BAD_REQUEST,
    documented_message: "maximum number of API keys reached for this cluster",
    new_secret: |_| super::fake_secret("key_", 32),
};

fn check(call: &Call, _params: &Params, credential: &str) -> Result<(), Refusal> {
    contract::expect_post(call)?;
    contract::expect_header(call, "x-api-key", credential)?;
    let body = contract::json_object(call, &["scopes", "expires_in"], &[])?;
    let scopes = match body.get("scopes") {
        None => return Err(Refusal::bad("scopes is required")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Refusal::bad("scopes must be an array")),
    };
    if scopes.is_empty() {
        return Err(Refusal::bad("scopes must contain at least 1 item"));
    }
    let mut seen = Vec::new();
    for scope in scopes {
        let Some(scope) = scope.as_str() else {
            return Err(Refusal::bad("scopes must be strings"));
        };
        if !SCOPES.contains(&scope) {
            return Err(Refusal::bad(format!("unknown scope {scope:?}")));
        }
        if seen.contains(&scope) {
            return Err(Refusal::bad(format!("scope {scope:?} is repeated")));
        }
        seen.push(scope);
    }
    if let Some(expires_in) = body.get("expires_in") {
        match expires_in.as_u64() {
            Some(n) if (1..=MAX_EXPIRES_IN).contains(&n) => {}
            _ => {
                return Err(Refusal::bad(format!(
                    "expires_in must be an integer from 1 to {MAX_EXPIRES_IN}, got {expires_in}"
                )))
            }
        }
    }
    Ok(())
}

fn success(call: &Call, _params: &Params, secret: &str) -> (StatusCode, Value) {
    let body = call.lenient_object();
    let created = Utc::now();
    let mut out = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "created_at": contract::rfc3339(created),
        "key_value": secret,
        "scopes": body.get("scopes").cloned().unwrap_or_else(|| json!([])),
    });
    if let Some(seconds) = body.get("expires_in").and_then(Value::as_i64) {
        let expires = created + Duration::seconds(seconds);
        out["expires_at"] = json!(contract::rfc3339(expires));
    }
    (StatusCode::CREATED, out)
}

fn error_body(status: StatusCode, message: &str) -> Value {
    json!({
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{post_json, start};
    use super::super::Provider;
    use serde_json::json;

    #[test]
    fn creates_a_key_and_refuses_a_bad_request() {
        let fake = start(Provider::HellgateCloud);
        let url = format!("{}/api/admin/api-keys", fake.base_url());
        let auth = [("x-api-key", "sk_test_keymint_fake_credential_0001")];
        let body =
            json!({"scopes": ["pci:tokens:read", "admin:webhooks:read"], "expires_in": 3600});
        let ok = post_json(&url, &auth, body);
        assert_eq!(ok.0, 201, "{}", ok.1);
        let key = ok.1["key_value"].as_str().expect("key_value in body");
        assert!(key.starts_with("key_") && key.len() == 36);
        assert!(ok.1["expires_at"].is_string());
        assert_eq!(
            ok.1["scopes"],
            json!(["pci:tokens:read", "admin:webhooks:read"])
        );

        for bad in [
            json!({"scopes": []}),
            json!({"scopes": ["pci:tokens:read", "pci:tokens:read"]}),
            json!({"scopes": ["pci:everything"]}),
            json!({"scopes": ["pci:tokens:read"], "expires_in": 7776001}),
            json!({"scopes": ["pci:tokens:read"], "expires_in": 60.5}),
        ] {
            let answer = post_json(&url, &auth, bad.clone());
            assert_eq!(answer.0, 400, "{bad}");
            assert!(answer.1["message"].is_string());
        }
        assert!(fake
            .requests()
            .iter()
            .skip(1)
            .all(|r| r.violation.is_some()));
        assert_eq!(fake.issued_secrets().len(), 1);
    }
}
