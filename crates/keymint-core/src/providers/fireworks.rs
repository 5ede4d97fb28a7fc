//! Fireworks AI: `POST /v1/accounts/{account_id}/users/{user_id}/apiKeys`, Bearer API key.

use serde_json::json;

use crate::descriptor::{path_segment, CredentialKind, Descriptor, ExpiryKind};
use crate::error::Result;
use crate::expiry::rfc3339;
use crate::providers::{
    extra_from, secret_at, segment, str_at, time_at, CreatedKey, KeyRequest, Provider,
    ProviderMessage, RequestSpec,
};

pub struct Fireworks;

static DESCRIPTOR: Descriptor = Descriptor {
    id: "fireworks",
    name: "Fireworks AI",
    default_base_url: Some("https://api.fireworks.ai"),
    credential: CredentialKind::Bearer {
        hint: "a Fireworks API key allowed to create keys for this user",
    },
    account_fields: &[
        path_segment("account_id", "Account ID", "your Fireworks account id"),
        path_segment("user_id", "User ID", "the user that will own the new keys"),
    ],
    key_fields: &[],
    expiry: ExpiryKind::Timestamp,
};

impl Provider for Fireworks {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec> {
        let account = segment("account_id", super::text(req.account, "account_id")?)?;
        let user = segment("user_id", super::text(req.account, "user_id")?)?;
        let mut key = json!({ "displayName": req.label });
        if let Some(at) = req.expires {
            key["expireTime"] = json!(rfc3339(at));
        }
        Ok(RequestSpec {
            path: format!("/v1/accounts/{account}/users/{user}/apiKeys"),
            query: vec![],
            headers: vec![],
            body: json!({ "apiKey": key }),
        })
    }

    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String> {
        Ok(CreatedKey {
            secret: secret_at(body, "/key")?,
            remote_id: str_at(body, "/keyId"),
            expires_at: time_at(body, "/expireTime"),
            prefix: str_at(body, "/prefix"),
            scopes: None,
            extra: extra_from(body, "", &["prefix", "email", "secure"]),
        })
    }

    fn parse_error(&self, _status: u16, _body: &serde_json::Value) -> Option<ProviderMessage> {
        None
    }
}
