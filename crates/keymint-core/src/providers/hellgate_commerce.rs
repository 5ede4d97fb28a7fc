//! Hellgate Commerce: `POST /configuration/accounts/{account_id}/keys` over mutual TLS with
//! `X-Account-ID`; errors 422 `{code, classifier, message}`.

use serde_json::json;

use crate::descriptor::{path_segment, CredentialKind, Descriptor, ExpiryKind};
use crate::error::Result;
use crate::expiry::rfc3339;
use crate::providers::{
    secret_at, segment, str_at, text, CreatedKey, KeyRequest, Provider, ProviderMessage,
    RequestSpec,
};

pub struct HellgateCommerce;

static DESCRIPTOR: Descriptor = Descriptor {
    id: "hellgate-commerce",
    name: "Hellgate Commerce",
    default_base_url: Some("https://commerce1.on-hellgate.dev"),
    credential: CredentialKind::ClientCertificate {
        hint: "the client certificate and private key (PEM) Hellgate issued for this account",
    },
    account_fields: &[path_segment(
        "account_id",
        "Account ID",
        "your Hellgate Commerce account id",
    )],
    key_fields: &[],
    expiry: ExpiryKind::Timestamp,
};

impl Provider for HellgateCommerce {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec> {
        let account_id = text(req.account, "account_id")?;
        let mut body = json!({});
        if let Some(at) = req.expires {
            body["expired_at"] = json!(rfc3339(at));
        }
        Ok(RequestSpec {
            path: format!(
                "/configuration/accounts/{}/keys",
                segment("account_id", account_id)?
            ),
            query: vec![],
            headers: vec![("X-Account-ID", account_id.to_owned())],
            body,
        })
    }

    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String> {
        Ok(CreatedKey {
            secret: secret_at(body, "/key_value")?,
            remote_id: str_at(body, "/id"),
            expires_at: None,
            prefix: None,
            scopes: None,
            extra: serde_json::Map::new(),
        })
    }

    fn parse_error(&self, status: u16, body: &serde_json::Value) -> Option<ProviderMessage> {
        if (200..300).contains(&status) {
            return None;
        }
        let message = str_at(body, "/message")?;
        let code = body.get("code").map(|c| match c {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let classifier = str_at(body, "/classifier");
        Some(ProviderMessage {
            code: match (classifier, code) {
                (Some(cl), Some(c)) => Some(format!("{cl} {c}")),
                (cl, c) => cl.or(c),
            },
            message,
        })
    }
}
