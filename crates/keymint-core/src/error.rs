//! Typed errors with a stable machine code. The CLI maps codes to exit statuses (SPEC §4),
//! the app serializes them as `{code, message, field}`. No message ever contains a secret.

use serde::Serialize;
use ts_rs::TS;

/// Result with Keymint's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable classification of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input refused before anything was sent.
    Validation,
    /// A named account or key does not exist.
    NotFound,
    /// A key reference matches several keys.
    Ambiguous,
    /// The name is already taken.
    Conflict,
    /// The provider answered with an error.
    ProviderRefused,
    /// The provider answered with something Keymint cannot use.
    BadResponse,
    /// Connection, TLS, timeout, redirect or size-limit failure.
    Network,
    /// The OS keychain cannot be reached or is locked.
    KeychainUnavailable,
    /// Another keychain failure.
    Keychain,
    /// The keychain holds no secret for this key.
    SecretMissing,
    /// The SQLite inventory failed.
    Store,
    /// The user cancelled the operation.
    Cancelled,
    /// A local file or process failed.
    Io,
    /// An account's row names another destination (origin, CA or client certificate) than
    /// the one its credential was entered for: nothing is sent.
    DestinationChanged,
    /// The data directory is not the user's own or others may write to it.
    UnsafeDataDir,
    /// Too many requests of one kind in a short time (reveals from the window).
    RateLimited,
    /// A team store (OpenBao / Vault) refused: a bad or expired token, a policy that does not
    /// allow what was asked, or a sealed server.
    StoreDenied,
    /// A bug: a background task panicked or an invariant broke. Nothing else fits.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on every boundary (`"validation"`, `"network"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::NotFound => "not_found",
            Self::Ambiguous => "ambiguous",
            Self::Conflict => "conflict",
            Self::ProviderRefused => "provider_refused",
            Self::BadResponse => "bad_response",
            Self::Network => "network",
            Self::KeychainUnavailable => "keychain_unavailable",
            Self::Keychain => "keychain",
            Self::SecretMissing => "secret_missing",
            Self::Store => "store",
            Self::Cancelled => "cancelled",
            Self::Io => "io",
            Self::DestinationChanged => "destination_changed",
            Self::UnsafeDataDir => "unsafe_data_dir",
            Self::RateLimited => "rate_limited",
            Self::StoreDenied => "store_denied",
            Self::Internal => "internal",
        }
    }

    /// Exit status of the `keymint` command for this code (SPEC §4).
    pub fn exit_status(self) -> i32 {
        match self {
            Self::Validation
            | Self::NotFound
            | Self::Ambiguous
            | Self::Conflict
            | Self::DestinationChanged
            | Self::UnsafeDataDir => 2,
            Self::ProviderRefused | Self::BadResponse => 3,
            Self::Network => 4,
            // A policy refusal, like a locked keychain: the request was not allowed to run.
            Self::KeychainUnavailable | Self::StoreDenied => 5,
            _ => 1,
        }
    }
}

/// Everything that can go wrong in Keymint.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Input refused before any request; `field` names the form field when there is one.
    #[error("{message}")]
    Validation {
        /// The offending field, if the error belongs to one.
        field: Option<String>,
        /// What is wrong and what to do.
        message: String,
    },
    /// Something named that does not exist (a reference's account or label, ...).
    #[error("{0}")]
    NotFound(String),
    /// No account has this name.
    #[error("no account named `{}`; list the accounts to see their names", crate::values::shorten(.name))]
    AccountNotFound {
        /// The name asked for.
        name: String,
    },
    /// No key matches this id, id prefix or label.
    #[error(
        "no key matches `{}`; give a key id, a unique id prefix (4+ characters) or a label (list the keys to see them)",
        crate::values::shorten(.reference)
    )]
    KeyNotFound {
        /// The reference asked for.
        reference: String,
    },
    /// A key reference that matches more than one key.
    #[error("{0}")]
    Ambiguous(String),
    /// A name already in use.
    #[error("{0}")]
    Conflict(String),
    /// An account that still has keys cannot be removed on its own.
    #[error(
        "account `{}` still has {keys} key(s) in the inventory; remove the account together with its keys, or forget the keys first",
        crate::values::shorten(.account)
    )]
    AccountHasKeys {
        /// The account's name.
        account: String,
        /// How many keys it has.
        keys: usize,
    },
    /// The provider refused, in its own words.
    #[error("{provider} refused (HTTP {status}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    ProviderRefused {
        /// Provider id.
        provider: String,
        /// HTTP status.
        status: u16,
        /// The provider's own error code, if it gave one.
        code: Option<String>,
        /// The provider's own message.
        message: String,
    },
    /// A response Keymint cannot use (no secret, not JSON, HTML, ...).
    #[error(
        "{provider} answered HTTP {status} but {reason}{}",
        excerpt_suffix(excerpt)
    )]
    BadResponse {
        /// Provider id.
        provider: String,
        /// HTTP status.
        status: u16,
        /// What is wrong with it.
        reason: String,
        /// A short, secret-free excerpt of the body.
        excerpt: String,
    },
    /// Transport failure: connect, TLS, timeout, redirect, oversize body.
    #[error("{0}")]
    Network(String),
    /// The keychain cannot be used at all.
    #[error("keychain unavailable: {reason}. {hint}")]
    KeychainUnavailable {
        /// Why.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// Another keychain failure.
    #[error("keychain error: {0}")]
    Keychain(String),
    /// No keychain item for this key.
    #[error("{0}")]
    SecretMissing(String),
    /// SQLite failure.
    #[error("inventory database: {0}")]
    Store(String),
    /// Cancelled by the user.
    #[error("cancelled")]
    Cancelled,
    /// Local I/O failure.
    #[error("{0}")]
    Io(String),
    /// The account's destination differs from the one its credential is bound to.
    #[error("{0}")]
    DestinationChanged(String),
    /// The data directory is not safe to keep an inventory in; the message says how to fix it.
    #[error("{0}")]
    UnsafeDataDir(String),
    /// Too many requests of one kind in a short time.
    #[error("{0}")]
    RateLimited(String),
    /// A team store refused the token or the operation; the message names the store, the path
    /// and what is missing.
    #[error("{0}")]
    StoreDenied(String),
    /// A bug (a background task that panicked): the message says what stopped.
    #[error("internal error: {0}; this is a bug in Keymint, please report it")]
    Internal(String),
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(" (body starts: {excerpt})")
    }
}

impl Error {
    /// A background task that did not finish: cancelled (the user stopped it) or a panic (a
    /// bug, kept apart so it is not reported as the user's own cancel).
    #[cfg(feature = "runtime")]
    pub fn from_join(e: &tokio::task::JoinError, what: &str) -> Self {
        if e.is_cancelled() {
            Self::Cancelled
        } else {
            Self::Internal(format!("{what} stopped unexpectedly"))
        }
    }

    /// A validation error tied to a form field.
    /// The message is put in the form's voice ([`crate::voice::sentence`]).
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            field: Some(field.to_owned()),
            message: crate::voice::sentence(&message.into()),
        }
    }

    /// A validation error not tied to one field.
    /// The message is put in the form's voice ([`crate::voice::sentence`]).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Validation {
            field: None,
            message: crate::voice::sentence(&message.into()),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation { .. } => ErrorCode::Validation,
            Self::NotFound(_) | Self::AccountNotFound { .. } | Self::KeyNotFound { .. } => {
                ErrorCode::NotFound
            }
            Self::Ambiguous(_) => ErrorCode::Ambiguous,
            Self::Conflict(_) | Self::AccountHasKeys { .. } => ErrorCode::Conflict,
            Self::ProviderRefused { .. } => ErrorCode::ProviderRefused,
            Self::BadResponse { .. } => ErrorCode::BadResponse,
            Self::Network(_) => ErrorCode::Network,
            Self::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            Self::Keychain(_) => ErrorCode::Keychain,
            Self::SecretMissing(_) => ErrorCode::SecretMissing,
            Self::Store(_) => ErrorCode::Store,
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Io(_) => ErrorCode::Io,
            Self::DestinationChanged(_) => ErrorCode::DestinationChanged,
            Self::UnsafeDataDir(_) => ErrorCode::UnsafeDataDir,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::StoreDenied(_) => ErrorCode::StoreDenied,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The same error with every occurrence of each of `values` (the credential a request
    /// carried, a secret it knew) replaced by `[redacted]`: a server that echoes what it was
    /// sent cannot put it into a message, however short it is. Values under 4 characters are
    /// left alone (they would blank out ordinary words).
    #[must_use]
    pub fn redact(self, values: &[&str]) -> Self {
        let scrub = |mut text: String| {
            for v in values.iter().filter(|v| v.len() >= 4) {
                if text.contains(*v) {
                    text = text.replace(*v, "[redacted]");
                }
            }
            text
        };
        match self {
            Self::Validation { field, message } => Self::Validation {
                field,
                message: scrub(message),
            },
            Self::NotFound(m) => Self::NotFound(scrub(m)),
            Self::AccountNotFound { name } => Self::AccountNotFound { name: scrub(name) },
            Self::KeyNotFound { reference } => Self::KeyNotFound {
                reference: scrub(reference),
            },
            Self::Ambiguous(m) => Self::Ambiguous(scrub(m)),
            Self::Conflict(m) => Self::Conflict(scrub(m)),
            Self::AccountHasKeys { account, keys } => Self::AccountHasKeys {
                account: scrub(account),
                keys,
            },
            Self::ProviderRefused {
                provider,
                status,
                code,
                message,
            } => Self::ProviderRefused {
                provider,
                status,
                code: code.map(scrub),
                message: scrub(message),
            },
            Self::BadResponse {
                provider,
                status,
                reason,
                excerpt,
            } => Self::BadResponse {
                provider,
                status,
                reason: scrub(reason),
                excerpt: scrub(excerpt),
            },
            Self::Network(m) => Self::Network(scrub(m)),
            Self::KeychainUnavailable { reason, hint } => Self::KeychainUnavailable {
                reason: scrub(reason),
                hint: scrub(hint),
            },
            Self::Keychain(m) => Self::Keychain(scrub(m)),
            Self::SecretMissing(m) => Self::SecretMissing(scrub(m)),
            Self::Store(m) => Self::Store(scrub(m)),
            Self::Cancelled => Self::Cancelled,
            Self::Io(m) => Self::Io(scrub(m)),
            Self::DestinationChanged(m) => Self::DestinationChanged(scrub(m)),
            Self::UnsafeDataDir(m) => Self::UnsafeDataDir(scrub(m)),
            Self::RateLimited(m) => Self::RateLimited(scrub(m)),
            Self::StoreDenied(m) => Self::StoreDenied(scrub(m)),
            Self::Internal(m) => Self::Internal(scrub(m)),
        }
    }

    /// The same error with `note` added to its message (transport and response errors; other
    /// kinds are returned unchanged).
    #[must_use]
    pub fn with_note(self, note: &str) -> Self {
        match self {
            Self::Network(m) => Self::Network(format!("{m}; {note}")),
            Self::BadResponse {
                provider,
                status,
                reason,
                excerpt,
            } => Self::BadResponse {
                provider,
                status,
                reason: format!("{reason}; {note}"),
                excerpt,
            },
            other => other,
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_by_value_catches_short_echoes() {
        let e = Error::ProviderRefused {
            provider: "fireworks".into(),
            status: 401,
            code: Some("bad key pw-123".into()),
            message: "invalid credential 'pw-123' (pw-123)".into(),
        }
        .redact(&["pw-123", "ab"]);
        let text = e.to_string();
        assert!(!text.contains("pw-123"), "{text}");
        assert_eq!(text.matches("[redacted]").count(), 3, "{text}");
        assert_eq!(e.code(), ErrorCode::ProviderRefused);
    }
}

#[cfg(feature = "runtime")]
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.to_string())
    }
}

/// The `{code, message, field}` shape errors take on the app boundary.
#[derive(Debug, Serialize, TS)]
#[ts(optional_fields)]
pub struct ErrorBody {
    /// Stable code.
    pub code: ErrorCode,
    /// Human message.
    pub message: String,
    /// Form field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
            field: e.field_name().map(str::to_owned),
        }
    }
}
