//! HSRC pay: `POST /api-keys/?account_id=…` with a Bearer JWT or secret key; answers in a
//! `{success, data}` envelope where `success: false` is an error whatever the status.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::descriptor::{
    text as text_field, CredentialKind, Descriptor, ExpiryKind, Field, FieldKind, JsonValues,
};
use crate::error::{Error, Result};
use crate::expiry::rfc3339;
use crate::providers::{
    extra_from, secret_at, str_at, text, time_at, CreatedKey, CredentialTraits, KeyRequest,
    Provider, ProviderMessage, RequestSpec,
};

pub struct Hsrcpay;

static DESCRIPTOR: Descriptor = Descriptor {
    id: "hsrcpay",
    name: "HSRC pay",
    default_base_url: Some("https://api.hsrcpay.com/v1"),
    credential: CredentialKind::Bearer {
        hint: "a JWT access token or a secret key (sk_live_… / sk_test_…); publishable pk_ keys cannot create keys",
    },
    account_fields: &[text_field(
        "account_id",
        "Account ID",
        "the account that will own the new keys",
    )],
    key_fields: &[
        Field {
            name: "permissions",
            label: "Permissions",
            help: r#"resource to actions, e.g. {"payments": ["read", "write"]}"#,
            required: false,
            default: None,
            kind: FieldKind::JsonObject {
                values: JsonValues::StringList,
            },
        },
        Field {
            name: "metadata",
            label: "Metadata",
            help: r#"any JSON object kept with the key, e.g. {"team": "billing"}"#,
            required: false,
            default: None,
            kind: FieldKind::JsonObject {
                values: JsonValues::Any,
            },
        },
    ],
    expiry: ExpiryKind::Timestamp,
};

fn is_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

impl Provider for Hsrcpay {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn check_credential(&self, credential: &SecretString) -> Result<CredentialTraits> {
        let token = credential.expose_secret();
        let head: String = token.chars().take(32).collect();
        let secret_key = head.contains("sk_");
        if !secret_key && head.contains("pk_") {
            return Err(Error::field(
                "credential",
                "this is a publishable key (pk_…), which cannot create API keys; use a secret key (sk_…) or a JWT access token",
            ));
        }
        if !secret_key && !is_jwt(token) {
            return Err(Error::field(
                "credential",
                "HSRC pay expects a JWT access token or a secret key containing sk_ in its first 32 characters",
            ));
        }
        Ok(CredentialTraits {
            sandbox: token.contains("_test_"),
        })
    }

    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec> {
        let mut body = json!({ "name": req.label });
        for name in ["permissions", "metadata"] {
            if let Some(v) = req.fields.get(name) {
                body[name] = v.to_json();
            }
        }
        if let Some(at) = req.expires {
            body["expires_at"] = json!(rfc3339(at));
        }
        Ok(RequestSpec {
            path: "/api-keys/".to_owned(),
            query: vec![("account_id", text(req.account, "account_id")?.to_owned())],
            headers: vec![],
            body,
        })
    }

    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String> {
        if body.get("success") != Some(&serde_json::Value::Bool(true)) {
            return Err("the envelope does not say success: true".to_owned());
        }
        Ok(CreatedKey {
            secret: secret_at(body, "/data/key")?,
            remote_id: str_at(body, "/data/id"),
            expires_at: time_at(body, "/data/expires_at"),
            prefix: None,
            scopes: body
                .pointer("/data/permissions")
                .filter(|v| !v.is_null())
                .cloned(),
            extra: extra_from(body, "/data", &["status", "type", "metadata"]),
        })
    }

    fn scopes_field(&self) -> Option<&'static str> {
        Some("permissions")
    }

    fn parse_error(&self, _status: u16, body: &serde_json::Value) -> Option<ProviderMessage> {
        if body.get("success") != Some(&serde_json::Value::Bool(false)) {
            return None;
        }
        let message = str_at(body, "/error/message")
            .or_else(|| str_at(body, "/message"))
            .unwrap_or_else(|| "no message given".to_owned());
        let code = body.pointer("/error/code").map(|c| match c {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        Some(ProviderMessage { code, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_kinds() {
        let check = |t: &str| Hsrcpay.check_credential(&SecretString::from(t.to_owned()));
        assert!(check("sk_live_abcdefghijklmnopqrstuvwx").is_ok_and(|t| !t.sandbox));
        assert!(check("sk_test_abcdefghijklmnopqrstuvwx").is_ok_and(|t| t.sandbox));
        assert!(check("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x").is_ok());
        assert!(check("pk_live_abcdefghijklmnopqrstuvwx").is_err());
        assert!(check("pk_test_abcdefghijklmnopqrstuvwx").is_err());
        assert!(check("hello").is_err());
        let late = format!("{}sk_", "x".repeat(40));
        assert!(check(&late).is_err());
    }
}
