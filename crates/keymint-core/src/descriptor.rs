//! What a provider looks like to the rest of Keymint: its account fields, credential kind and
//! key-form fields with their constraints. The UI builds its forms and the CLI its `--set`
//! fields from this, so neither holds per-provider code.

use serde::Serialize;
use ts_rs::TS;

/// A provider's self-description.
#[derive(Debug, Serialize, TS)]
pub struct Descriptor {
    /// Stable id, e.g. `fireworks`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Default base URL; `{field}` placeholders are filled from account fields.
    pub default_base_url: Option<&'static str>,
    /// How the account's credential is sent.
    pub credential: CredentialKind,
    /// Fields stored with the account (not secret).
    pub account_fields: &'static [Field],
    /// Fields of the create-key form besides label and expiry.
    pub key_fields: &'static [Field],
    /// How the uniform expiry is sent.
    pub expiry: ExpiryKind,
}

/// How a provider authenticates create-key calls.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CredentialKind {
    /// API key in a header.
    ApiKeyHeader {
        /// Header name.
        header: &'static str,
        /// What the user should paste.
        hint: &'static str,
    },
    /// Token as `Authorization: Bearer …`.
    Bearer {
        /// What the user should paste.
        hint: &'static str,
    },
    /// Mutual TLS: a client certificate and its private key, both PEM.
    ClientCertificate {
        /// What the user should provide.
        hint: &'static str,
    },
}

/// How the uniform expiry maps onto the provider's request.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExpiryKind {
    /// An absolute RFC 3339 timestamp.
    Timestamp,
    /// Whole seconds from now, at most `max_seconds`.
    Seconds {
        /// Largest accepted value.
        max_seconds: i64,
    },
}

/// One input field.
#[derive(Debug, Serialize, TS)]
pub struct Field {
    /// Machine name (also the `--set` name and the JSON key where sent as-is).
    pub name: &'static str,
    /// Human label.
    pub label: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Whether a value must be given.
    pub required: bool,
    /// Value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub default: Option<&'static str>,
    /// Type and constraints.
    pub kind: FieldKind,
}

/// Type and constraints of a field.
#[derive(Debug, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text up to `max_len` bytes, optionally a DNS label.
    Text {
        /// Longest accepted value in bytes.
        max_len: usize,
        /// Extra rule the text must follow.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pattern: Option<TextPattern>,
    },
    /// One of `options`.
    Enum {
        /// Accepted values.
        options: &'static [&'static str],
    },
    /// A set of `options`, at least `min`, no repeats.
    MultiEnum {
        /// Accepted values.
        options: &'static [&'static str],
        /// Fewest values accepted.
        min: usize,
    },
    /// A JSON object.
    JsonObject {
        /// What the object's values must be.
        values: JsonValues,
    },
}

/// Extra rule for a text field.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TextPattern {
    /// `[a-z0-9-]`, 1–63 characters, no hyphen at either end.
    DnsLabel,
    /// Sent as one URL path segment: anything but `.` and `..` (which URL parsers treat as
    /// steps up the path, even percent-encoded).
    PathSegment,
}

/// Allowed values of a JSON object field.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum JsonValues {
    /// Each value is a list of strings (`{"payments": ["read"]}`).
    StringList,
    /// Any JSON values.
    Any,
}

impl Descriptor {
    /// The account field called `name`.
    pub fn account_field(&self, name: &str) -> Option<&'static Field> {
        self.account_fields.iter().find(|f| f.name == name)
    }
    /// The key-form field called `name`.
    pub fn key_field(&self, name: &str) -> Option<&'static Field> {
        self.key_fields.iter().find(|f| f.name == name)
    }
}

/// Shorthand for a required text field of ordinary length.
pub const fn text(name: &'static str, label: &'static str, help: &'static str) -> Field {
    Field {
        name,
        label,
        help,
        required: true,
        default: None,
        kind: FieldKind::Text {
            max_len: 256,
            pattern: None,
        },
    }
}

/// Shorthand for a required text field that is sent as a URL path segment.
pub const fn path_segment(name: &'static str, label: &'static str, help: &'static str) -> Field {
    Field {
        kind: FieldKind::Text {
            max_len: 256,
            pattern: Some(TextPattern::PathSegment),
        },
        ..text(name, label, help)
    }
}

/// Shorthand for an optional text field of ordinary length.
pub const fn optional_text(name: &'static str, label: &'static str, help: &'static str) -> Field {
    Field {
        required: false,
        ..text(name, label, help)
    }
}
