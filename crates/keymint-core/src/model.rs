//! The records Keymint keeps: accounts, keys and events. None of them holds a secret.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use ts_rs::TS;

/// A provider account.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Account {
    /// Local id.
    pub id: String,
    /// Unique local name.
    pub name: String,
    /// Provider id.
    pub provider: String,
    /// Base URL given by the user, if any.
    pub base_url_override: Option<String>,
    /// Base URL in use (override or the provider's default).
    pub base_url: String,
    /// Extra CA certificate (PEM) trusted for this account.
    #[serde(skip)]
    pub ca_cert_pem: Option<String>,
    /// Whether an extra CA is set.
    pub has_ca_cert: bool,
    /// Client certificate (PEM; public) for mutual TLS; its private key is in the keychain.
    #[serde(skip)]
    pub client_cert_pem: Option<String>,
    /// Provider account fields.
    pub fields: BTreeMap<String, String>,
    /// Sandbox / test account.
    pub sandbox: bool,
    /// Number of keys in the inventory.
    pub key_count: i64,
    /// When it was added.
    #[serde(serialize_with = "ser_time")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// The team store holding its credential (its local id); `None` for the keychain.
    #[serde(skip)]
    #[ts(skip)]
    pub team_store_id: Option<String>,
    /// The name of the team store holding its credential; absent for the keychain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub team_store: Option<String>,
}

/// Whether the keychain holds a key's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// The provider was asked for the key and the answer is not recorded yet (or the process
    /// died while waiting; see [`crate::Keymint::reconcile`]).
    Pending,
    /// The secret is in the keychain.
    Stored,
    /// The keychain write failed; the secret was shown once and is not kept.
    NotStored,
    /// The keychain item has disappeared.
    Missing,
    /// The request left but no usable answer came back (timeout, cancel, a crash): the
    /// provider may hold a key with this label. Nothing is in the keychain.
    Interrupted,
}

impl KeyStatus {
    /// Database form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Stored => "stored",
            Self::NotStored => "not_stored",
            Self::Missing => "missing",
            Self::Interrupted => "interrupted",
        }
    }
    /// From the database form.
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "not_stored" => Self::NotStored,
            "missing" => Self::Missing,
            "interrupted" => Self::Interrupted,
            _ => Self::Stored,
        }
    }
}

/// A key in the inventory.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "Key")]
pub struct KeyRecord {
    /// Local id.
    pub id: String,
    /// `keymint://ACCOUNT/LABEL`: names the key without holding it (SPEC §6).
    pub reference: String,
    /// Account name.
    pub account: String,
    /// Account id.
    #[serde(skip)]
    pub account_id: String,
    /// Provider id.
    pub provider: String,
    /// Local label.
    pub label: String,
    /// The provider's id for the key.
    pub remote_id: Option<String>,
    /// Short display hint (provider prefix or `abcd…wxyz`), never the secret.
    pub hint: Option<String>,
    /// Scopes, roles or permissions.
    pub scopes: Option<serde_json::Value>,
    /// When Keymint recorded it.
    #[serde(serialize_with = "ser_time")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// When it expires.
    #[serde(serialize_with = "ser_opt_time")]
    #[ts(type = "string | null")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Keychain status.
    pub status: KeyStatus,
    /// Belongs to a sandbox account.
    pub sandbox: bool,
    /// `created` or `imported`.
    pub origin: String,
    /// Other provider metadata.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The key that replaced this one when it was rotated; its reference now resolves there.
    pub superseded_by: Option<String>,
    /// Where the provider's answer differed from the request: an expiry in the past or other
    /// than asked, other scopes. One sentence each; empty when it matched.
    pub answer_notes: Vec<String>,
    /// Where the secret of a key of a team store's account is (SPEC §8); `local` otherwise.
    pub store_state: StoreState,
    /// The member whose Keymint created the key, for a key synced from a team store.
    pub created_by: Option<String>,
    /// The team store of the key's account, if any.
    pub team_store: Option<String>,
}

/// Where a key's secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StoreState {
    /// In this machine's keychain (every key of an account that is not in a team store).
    Local,
    /// In the team store of its account, at `PREFIX/keys/ACCOUNT/ID`; not on this machine.
    Uploaded,
    /// In this machine's keychain, waiting for the next sync to put it in the team store.
    UploadPending,
}

impl StoreState {
    /// Database form (`NULL` for [`StoreState::Local`]).
    pub fn as_sql(self) -> Option<&'static str> {
        match self {
            Self::Local => None,
            Self::Uploaded => Some("uploaded"),
            Self::UploadPending => Some("upload_pending"),
        }
    }
    /// From the database form.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("uploaded") => Self::Uploaded,
            Some("upload_pending") => Self::UploadPending,
            _ => Self::Local,
        }
    }
}

/// An audit event. Never holds a secret.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "KeyEvent")]
pub struct Event {
    /// When.
    #[serde(serialize_with = "ser_time")]
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    /// `created`, `copied`, `revealed`, `imported`, `forgotten`, `account_added`, ...
    pub kind: String,
    /// Key concerned.
    pub key_id: Option<String>,
    /// Account concerned.
    pub account_id: Option<String>,
    /// Short non-secret detail.
    pub detail: Option<String>,
}

pub(crate) fn ser_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::expiry::rfc3339(*t))
}

pub(crate) fn ser_opt_time<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::expiry::rfc3339(*t)),
        None => s.serialize_none(),
    }
}
