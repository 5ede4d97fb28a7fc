//! Hellgate cloud admin: `POST /api/admin/api-keys` on `https://<cluster_id>.on-hellgate.cloud`
//! with `x-api-key`; scopes from a fixed list; expiry as whole seconds, at most 90 days.

use serde_json::json;

use crate::descriptor::{CredentialKind, Descriptor, ExpiryKind, Field, FieldKind, TextPattern};
use crate::error::{Error, Result};
use crate::providers::{
    secret_at, str_at, text, time_at, CreatedKey, KeyRequest, Provider, ProviderMessage,
    RequestSpec,
};
use crate::values::Values;

pub struct HellgateCloud;

/// Longest `expires_in` the API accepts: 90 days.
pub const MAX_EXPIRES_IN: i64 = 7_776_000;

/// The 22 documented scopes.
pub const SCOPES: &[&str] = &[
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

static DESCRIPTOR: Descriptor = Descriptor {
    id: "hellgate-cloud",
    name: "Hellgate cloud admin",
    default_base_url: Some("https://{cluster_id}.on-hellgate.cloud"),
    credential: CredentialKind::ApiKeyHeader {
        header: "x-api-key",
        hint: "an admin API key with admin:api-keys:create",
    },
    account_fields: &[Field {
        name: "cluster_id",
        label: "Cluster ID",
        help: "the first part of your cluster's host name: CLUSTER in CLUSTER.on-hellgate.cloud",
        required: true,
        default: None,
        kind: FieldKind::Text {
            max_len: 63,
            pattern: Some(TextPattern::DnsLabel),
        },
    }],
    key_fields: &[Field {
        name: "scopes",
        label: "Scopes",
        help: "what the key may do; at least one",
        required: true,
        default: None,
        kind: FieldKind::MultiEnum {
            options: SCOPES,
            min: 1,
        },
    }],
    expiry: ExpiryKind::Seconds {
        max_seconds: MAX_EXPIRES_IN,
    },
};

impl Provider for HellgateCloud {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn default_base_url(&self, account: &Values) -> Result<String> {
        let cluster = text(account, "cluster_id")?;
        crate::values::check_dns_label("cluster_id", cluster)?;
        Ok(format!("https://{cluster}.on-hellgate.cloud"))
    }

    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec> {
        let scopes = req
            .fields
            .get("scopes")
            .map(crate::values::Value::to_json)
            .ok_or_else(|| Error::field("scopes", "choose at least one scope"))?;
        let mut body = json!({ "scopes": scopes });
        if let Some(at) = req.expires {
            // Round up so that the key never expires before the time asked for.
            let millis = (at - req.now).num_milliseconds();
            let secs = (millis + 999) / 1000;
            if !(1..=MAX_EXPIRES_IN).contains(&secs) {
                return Err(Error::field(
                    "expires",
                    format!(
                        "Hellgate cloud keys expire after at most {}; this is {}",
                        crate::voice::span(MAX_EXPIRES_IN),
                        crate::voice::span(secs)
                    ),
                ));
            }
            body["expires_in"] = json!(secs);
        }
        Ok(RequestSpec {
            path: "/api/admin/api-keys".to_owned(),
            query: vec![],
            headers: vec![],
            body,
        })
    }

    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String> {
        Ok(CreatedKey {
            secret: secret_at(body, "/key_value")?,
            remote_id: str_at(body, "/id"),
            expires_at: time_at(body, "/expires_at"),
            prefix: None,
            scopes: body.get("scopes").cloned(),
            extra: serde_json::Map::new(),
        })
    }

    fn scopes_field(&self) -> Option<&'static str> {
        Some("scopes")
    }

    fn parse_error(&self, _status: u16, _body: &serde_json::Value) -> Option<ProviderMessage> {
        None
    }
}
