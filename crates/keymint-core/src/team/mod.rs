//! Team stores (SPEC §8): a KV version 2 mount on an OpenBao or HashiCorp Vault server where a
//! team's secrets live. Named `team` because `store` is the local SQLite inventory; a team
//! store is a second place for secrets, reached over the Vault HTTP API ([`client`]) with the
//! project's one HTTP client ([`crate::http`]). Its token lives in the keychain.

pub mod client;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};

/// Mount used when none is given: the KV version 2 mount of a dev server.
pub const DEFAULT_MOUNT: &str = "secret";
/// Path under the mount used when none is given.
pub const DEFAULT_PREFIX: &str = "keymint";

/// A team store as the inventory knows it. Holds no secret.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TeamStore {
    /// Local id (the keychain item of its token is `store:<id>`).
    pub id: String,
    /// Unique local name.
    pub name: String,
    /// The server's address, e.g. `https://bao.example:8200`.
    pub address: String,
    /// The KV version 2 mount.
    pub mount: String,
    /// The path under the mount that Keymint uses.
    pub prefix: String,
    /// The namespace sent as `X-Vault-Namespace`, if any.
    pub namespace: Option<String>,
    /// Extra CA certificate (PEM) trusted for this server.
    #[serde(skip)]
    #[ts(skip)]
    pub ca_cert_pem: Option<String>,
    /// Whether an extra CA is set.
    pub has_ca_cert: bool,
    /// When it was added.
    #[serde(serialize_with = "crate::model::ser_time")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// This machine's name in the store's entries (`created_by` of the keys it creates).
    pub member: String,
    /// When the last sync ended.
    #[serde(serialize_with = "crate::model::ser_opt_time")]
    #[ts(type = "string | null")]
    pub synced_at: Option<DateTime<Utc>>,
    /// Why the last sync failed, if it did.
    pub sync_error: Option<String>,
    /// The storage index of this machine's latest write (see [`client::Client::with_index`]).
    #[serde(skip)]
    #[ts(skip)]
    pub write_index: Option<String>,
}

impl TeamStore {
    /// The KV version 2 data path of everything Keymint keeps, as policies name it:
    /// `<mount>/data/<prefix>/*`.
    pub fn data_glob(&self) -> String {
        format!("{}/data/{}/*", self.mount, self.prefix)
    }

    /// The KV version 2 metadata path of everything Keymint keeps: `<mount>/metadata/<prefix>/*`.
    pub fn metadata_glob(&self) -> String {
        format!("{}/metadata/{}/*", self.mount, self.prefix)
    }
}

/// Checks a Vault path given by the user (a mount, a prefix, a namespace): segments of
/// letters, digits, `-`, `_` and `.`, separated by `/`, none of them `.` or `..`. Returns it
/// without leading or trailing slashes. Such a path needs no encoding in a URL.
pub fn check_path(field: &str, what: &str, value: &str) -> Result<String> {
    let trimmed = value.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Err(Error::field(field, format!("{what} is required")));
    }
    if trimmed.len() > 200 {
        return Err(Error::field(
            field,
            format!("{what} is too long (at most 200 characters)"),
        ));
    }
    let fine = trimmed.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !fine {
        return Err(Error::field(
            field,
            format!(
                "{what} `{}` may hold only letters, digits, -, _ and . in segments separated by /, none of them . or ..",
                crate::values::shorten(value)
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_and_trimmed() {
        assert_eq!(
            check_path("mount", "mount", "/secret/").ok().as_deref(),
            Some("secret")
        );
        assert_eq!(
            check_path("prefix", "prefix", "teams/keymint_1.x")
                .ok()
                .as_deref(),
            Some("teams/keymint_1.x")
        );
        for bad in ["", "/", "a//b", "a/../b", "..", "a b", "a?b", "a%2fb", "ü"] {
            let e = check_path("prefix", "prefix", bad).expect_err(bad);
            assert_eq!(e.field_name(), Some("prefix"), "{bad}");
            assert!(!e.to_string().contains('`'), "{e}");
        }
    }
}
