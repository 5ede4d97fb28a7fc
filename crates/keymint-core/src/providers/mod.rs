//! The provider registry and the contract every provider module fulfils: a [`Descriptor`],
//! a request mapping and a response mapping. A sixth provider is one new module here and one
//! line in [`REGISTRY`].

mod fireworks;
mod flexprice;
mod hellgate_cloud;
mod hellgate_commerce;
mod hsrcpay;
mod response;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::descriptor::Descriptor;
use crate::error::{Error, Result};
use crate::values::Values;

pub use response::{
    excerpt, interpret, is_unsafe_char, kept_prefix, sanitize_created, server_text,
    MAX_PREFIX_CHARS, MAX_TEXT_CHARS,
};

/// Every provider Keymint knows, in display order.
pub static REGISTRY: &[&dyn Provider] = &[
    &hellgate_commerce::HellgateCommerce,
    &flexprice::Flexprice,
    &fireworks::Fireworks,
    &hellgate_cloud::HellgateCloud,
    &hsrcpay::Hsrcpay,
];

/// Looks a provider up by id.
pub fn get(id: &str) -> Result<&'static dyn Provider> {
    REGISTRY
        .iter()
        .copied()
        .find(|p| p.descriptor().id == id)
        .ok_or_else(|| {
            Error::invalid(format!(
                "unknown provider `{}`; known providers: {}",
                crate::values::shorten(id),
                REGISTRY
                    .iter()
                    .map(|p| p.descriptor().id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// What a create-key call needs, validated.
pub struct KeyRequest<'a> {
    /// The account's validated fields.
    pub account: &'a Values,
    /// The local label, sent as the key's name where the provider has one.
    pub label: &'a str,
    /// Absolute expiry, already checked to be in the future.
    pub expires: Option<DateTime<Utc>>,
    /// The time the request is made (for relative expiries).
    pub now: DateTime<Utc>,
    /// The key form's validated fields.
    pub fields: &'a Values,
}

/// A create-key request, ready for the transport: always `POST` with a JSON body.
#[derive(Debug)]
pub struct RequestSpec {
    /// Path appended to the base URL, each segment already percent-encoded.
    pub path: String,
    /// Query parameters (encoded by the transport).
    pub query: Vec<(&'static str, String)>,
    /// Headers besides authentication and content type.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body; optional fields without a value are absent, never `null`.
    pub body: serde_json::Value,
}

/// A key the provider created.
#[derive(Debug)]
pub struct CreatedKey {
    /// The shown-once secret.
    pub secret: SecretString,
    /// The provider's id for the key.
    pub remote_id: Option<String>,
    /// Expiry as the provider reports it.
    pub expires_at: Option<DateTime<Utc>>,
    /// The provider's own display prefix of the secret, if it gives one.
    pub prefix: Option<String>,
    /// Scopes, roles or permissions, as the provider reports them.
    pub scopes: Option<serde_json::Value>,
    /// Other non-secret metadata worth keeping.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// What the credential says about the account.
#[derive(Debug, Default, Clone, Copy)]
pub struct CredentialTraits {
    /// The credential belongs to a sandbox / test environment.
    pub sandbox: bool,
}

/// The provider's own error, parsed from a documented error body.
#[derive(Debug)]
pub struct ProviderMessage {
    /// The provider's code, if any.
    pub code: Option<String>,
    /// The provider's message.
    pub message: String,
}

/// One provider: descriptor, request mapping and response mapping.
pub trait Provider: Send + Sync {
    /// What the provider looks like to forms and flags.
    fn descriptor(&self) -> &'static Descriptor;

    /// Checks what the descriptor cannot express about a credential, and reads traits
    /// (sandbox) from it. Called when an account is added.
    fn check_credential(&self, _credential: &SecretString) -> Result<CredentialTraits> {
        Ok(CredentialTraits::default())
    }

    /// The base URL used when the account gives none.
    fn default_base_url(&self, _account: &Values) -> Result<String> {
        self.descriptor()
            .default_base_url
            .map(str::to_owned)
            .ok_or_else(|| Error::field("base_url", "this provider needs a base URL"))
    }

    /// Maps a validated form to a request.
    fn request(&self, req: &KeyRequest<'_>) -> Result<RequestSpec>;

    /// Reads the documented success body; `Err` says what is missing or wrong (no secret in it).
    fn parse_success(&self, body: &serde_json::Value) -> Result<CreatedKey, String>;

    /// Reads a documented error body. Returning `Some` for a 2xx status makes it an error too.
    fn parse_error(&self, status: u16, body: &serde_json::Value) -> Option<ProviderMessage>;

    /// The key-form field whose value the answer's scopes should echo (checked by
    /// [`crate::answer::differences`]); `None` when the answer does not echo one.
    fn scopes_field(&self) -> Option<&'static str> {
        None
    }
}

/// Percent-encodes the value of field `name` as one path segment (everything but unreserved
/// characters). `.` and `..` are refused: URL parsers treat them, even encoded, as steps
/// up the path.
pub fn segment(name: &str, value: &str) -> Result<String> {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::field(
            name,
            format!(
                "{} “{value}” cannot be used in a URL path; give the real id",
                crate::voice::label_of(name)
            ),
        ));
    }
    Ok(percent_encoding::utf8_percent_encode(value, SET).to_string())
}

/// The text of a validated field (validation guarantees presence for required fields).
pub fn text<'a>(values: &'a Values, name: &str) -> Result<&'a str> {
    values
        .get(name)
        .and_then(crate::values::Value::as_text)
        .ok_or_else(|| {
            Error::field(
                name,
                format!("{} is required", crate::voice::label_of(name)),
            )
        })
}

/// Reads a string at a JSON pointer.
pub(crate) fn str_at(body: &serde_json::Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// Reads an RFC 3339 time at a JSON pointer.
pub(crate) fn time_at(body: &serde_json::Value, pointer: &str) -> Option<DateTime<Utc>> {
    body.pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Reads the non-empty secret at a JSON pointer, or says it is missing.
pub(crate) fn secret_at(body: &serde_json::Value, pointer: &str) -> Result<SecretString, String> {
    match body.pointer(pointer).and_then(serde_json::Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(SecretString::from(s.to_owned())),
        Some(_) => Err(format!("the secret field `{pointer}` is empty")),
        None => Err(format!("the response has no secret at `{pointer}`")),
    }
}

/// Copies the listed non-secret string fields at `base` into an extra map.
pub(crate) fn extra_from(
    body: &serde_json::Value,
    base: &str,
    names: &[&str],
) -> serde_json::Map<String, serde_json::Value> {
    names
        .iter()
        .filter_map(|n| {
            let v = body.pointer(&format!("{base}/{n}"))?;
            (!v.is_null()).then(|| ((*n).to_owned(), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_are_unique_and_found() {
        let ids: Vec<_> = REGISTRY.iter().map(|p| p.descriptor().id).collect();
        for id in &ids {
            assert_eq!(get(id).map(|p| p.descriptor().id).ok(), Some(*id));
            assert_eq!(ids.iter().filter(|i| *i == id).count(), 1);
        }
        assert!(get("nope").is_err());
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(
            segment("f", "a/b?c#d").ok().as_deref(),
            Some("a%2Fb%3Fc%23d")
        );
        assert_eq!(
            segment("f", "acc-1_x.y~").ok().as_deref(),
            Some("acc-1_x.y~")
        );
        assert_eq!(segment("f", "a b%").ok().as_deref(), Some("a%20b%25"));
        for bad in ["", ".", ".."] {
            assert_eq!(
                segment("f", bad)
                    .err()
                    .and_then(|e| e.field_name().map(str::to_owned))
                    .as_deref(),
                Some("f")
            );
        }
    }
}
