//! Flexprice: `POST /secrets/api/keys` with `x-api-key`; errors `{code, message, ...}`.

use serde_json::json;

use crate::descriptor::{optional_text, CredentialKind, Descriptor, ExpiryKind, Field, FieldKind};
use crate::error::Result;
use crate::expiry::rfc3339;
use crate::providers::{
    extra_from, secret_at, str_at, text, time_at, CreatedKey, KeyRequest, Provider,
    ProviderMessage, RequestSpec,
};

pub struct Flexprice;

static DESCRIPTOR: Descriptor = Descriptor {
    id: "flexprice",
    name: "Flexprice",
    default_base_url: Some("https://us.api.flexprice.io/v1"),
    credential: CredentialKind::ApiKeyHeader {
        header: "x-api-key",
        hint: "a Flexprice API key allowed to create keys",
    },
    account_fields: &[Field {
        name: "region",
        label: "Region",
        help: "us: us.api.flexprice.io; india: api.cloud.flexprice.io",
        required: true,
        default: Some("us"),
        kind: FieldKind::Enum {
            options: &["us", "india"],
        },
    }],
    key_fields: &[
        Field {
            name: "type",
            label: "Key type",
            help: "private_key for servers, publishable_key for browsers, integration for integrations",
            required: true,
            default: Some("private_key"),
            kind: FieldKind::Enum {
                options: &["private_key", "publishable_key", "integration"],
            },
        },
        optional_text(
            "service_account_id",
            "Service account",
            "create the key for this service account instead of yourself",
        ),
    ],
    expiry: ExpiryKind::Timestamp,
};

/// The documented base URL of a region.
pub fn region_base_url(region: &str) -> &'static str {
    match region {
        "india" => "https://api.cloud.flexprice.io/v1",
        _ => "https://us.api.flexprice.io/v1",
    }
}

impl Provider for Flexprice {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn default_base_url(&self, account: &crate::values::Values) -> Result<String> {
        Ok(region_base_url(text(account, "region")?).to_owned())
    }

    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec> {
        let mut body = json!({
            "name": req.label,
            "type": text(req.fields, "type")?,
        });
        if let Some(at) = req.expires {
            body["expires_at"] = json!(rfc3339(at));
        }
        if let Some(sa) = req.fields.get("service_account_id") {
            body["service_account_id"] = sa.to_json();
        }
        Ok(RequestSpec {
            path: "/secrets/api/keys".to_owned(),
            query: vec![],
            headers: vec![],
            body,
        })
    }

    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String> {
        Ok(CreatedKey {
            secret: secret_at(body, "/api_key")?,
            remote_id: str_at(body, "/secret/id"),
            expires_at: time_at(body, "/secret/expires_at"),
            prefix: None,
            scopes: body.pointer("/secret/roles").cloned(),
            extra: extra_from(
                body,
                "/secret",
                &["display_id", "type", "status", "user_type"],
            ),
        })
    }

    fn parse_error(&self, status: u16, body: &serde_json::Value) -> Option<ProviderMessage> {
        if (200..300).contains(&status) {
            return None;
        }
        let message = str_at(body, "/message")?;
        Some(ProviderMessage {
            code: str_at(body, "/code"),
            message,
        })
    }
}
