//! Binding an account's credential to where it was given for (SPEC §5).
//!
//! The keychain item of a credential holds, besides the credential, the destination it was
//! entered for: the origin (`scheme://host:port`), the SHA-256 of the account's extra CA and
//! of its client certificate, and the provider. The inventory row can be edited by anything
//! that can write a file (a restored backup, a synced folder, another program); the keychain
//! item cannot be changed without the keychain. A create whose row names another
//! destination is refused before anything is sent.
//!
//! Stored form, a header then a blank line then the credential as entered (which may span
//! lines: a PEM private key):
//!
//! ```text
//! keymint-credential/1
//! provider=fireworks
//! origin=https://api.fireworks.ai
//! ca-sha256=-
//! client-cert-sha256=-
//!
//! fw_…
//! ```
//!
//! An API key never starts with the header (credentials with line breaks are refused at
//! entry) and a PEM key starts with `-----BEGIN`, so an item without it is a credential
//! stored before binding existed: it is bound on first use.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::http::check_base_url;
use crate::model::Account;
use crate::{providers, values};

const HEADER: &str = "keymint-credential/1";

/// Where a credential may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Provider id.
    pub provider: String,
    /// `scheme://host:port` of the base URL.
    pub origin: String,
    /// SHA-256 (hex) of the extra CA certificate PEM, if any.
    pub ca_sha256: Option<String>,
    /// SHA-256 (hex) of the client certificate PEM (mutual TLS), if any.
    pub client_cert_sha256: Option<String>,
}

impl Destination {
    /// The destination an account's row names now.
    pub fn of(account: &Account) -> Result<Self> {
        Self::new(
            &account.provider,
            &account.base_url,
            account.ca_cert_pem.as_deref(),
            account.client_cert_pem.as_deref(),
        )
    }

    /// The destination for a base URL, CA and client certificate.
    pub fn new(
        provider: &str,
        base_url: &str,
        ca_pem: Option<&str>,
        client_cert_pem: Option<&str>,
    ) -> Result<Self> {
        let origin = check_base_url(base_url)?.origin().ascii_serialization();
        Ok(Self {
            provider: provider.to_owned(),
            origin,
            ca_sha256: ca_pem.map(fingerprint),
            client_cert_sha256: client_cert_pem.map(fingerprint),
        })
    }

    /// What differs from `now`, in words, for the refusal message.
    pub fn differences(&self, now: &Destination) -> Vec<String> {
        let mut out = Vec::new();
        if self.provider != now.provider {
            out.push(format!(
                "the provider changed from {} to {}",
                self.provider, now.provider
            ));
        }
        if self.origin != now.origin {
            out.push(format!(
                "the base URL now points to {} instead of {}",
                now.origin, self.origin
            ));
        }
        if self.ca_sha256 != now.ca_sha256 {
            out.push(match (&self.ca_sha256, &now.ca_sha256) {
                (None, Some(_)) => "an extra CA certificate was added".to_owned(),
                (Some(_), None) => "the extra CA certificate was removed".to_owned(),
                _ => "the extra CA certificate was replaced".to_owned(),
            });
        }
        if self.client_cert_sha256 != now.client_cert_sha256 {
            out.push("the client certificate was replaced".to_owned());
        }
        out
    }
}

/// The origin (`scheme://host:port`) a credential sent to `base_url` is bound to; `None` for
/// a base URL Keymint refuses (nothing would be sent there).
pub fn origin_of(base_url: &str) -> Option<String> {
    check_base_url(base_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// The origin a `provider` account with `fields` uses when no base URL is given; `None` when
/// the fields do not make a valid default URL.
pub fn default_origin(provider: &str, fields: &BTreeMap<String, String>) -> Option<String> {
    let provider = providers::get(provider).ok()?;
    let vals = values::validate(
        provider.descriptor().account_fields,
        &values::text_values(fields),
    )
    .ok()?;
    origin_of(&provider.default_base_url(&vals).ok()?)
}

/// The origin an account form sends to: its base URL when one is given, else the
/// provider's default for its fields.
pub fn effective_origin(
    provider: &str,
    base_url: Option<&str>,
    fields: &BTreeMap<String, String>,
) -> Option<String> {
    match base_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => origin_of(url),
        None => default_origin(provider, fields),
    }
}

/// SHA-256 of a PEM text, hex; surrounding whitespace does not count.
pub fn fingerprint(pem: &str) -> String {
    Sha256::digest(pem.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A credential as read from the keychain.
pub struct Bound {
    /// The destination it is bound to; `None` for an item stored before binding existed.
    pub destination: Option<Destination>,
    /// The credential itself.
    pub secret: SecretString,
}

/// The keychain form of `secret` bound to `dest`.
pub fn encode(dest: &Destination, secret: &SecretString) -> SecretString {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let text = Zeroizing::new(format!(
        "{HEADER}\nprovider={}\norigin={}\nca-sha256={}\nclient-cert-sha256={}\n\n{}",
        dest.provider,
        dest.origin,
        dash(&dest.ca_sha256),
        dash(&dest.client_cert_sha256),
        secret.expose_secret()
    ));
    SecretString::from(text.as_str())
}

/// Reads a keychain item's text: bound, or an unbound credential from an earlier version.
pub fn decode(stored: &SecretString) -> Result<Bound> {
    let text = stored.expose_secret();
    let Some(rest) = text.strip_prefix(HEADER).and_then(|r| r.strip_prefix('\n')) else {
        return Ok(Bound {
            destination: None,
            secret: SecretString::from(text),
        });
    };
    let corrupt = || {
        Error::DestinationChanged(
            "the account's credential in the keychain is damaged (its destination cannot be read); enter the credential again".to_owned(),
        )
    };
    let (head, secret) = rest.split_once("\n\n").ok_or_else(corrupt)?;
    let mut fields = std::collections::HashMap::new();
    for line in head.lines() {
        let (k, v) = line.split_once('=').ok_or_else(corrupt)?;
        fields.insert(k, v);
    }
    let field = |k: &str| fields.get(k).map(|v| (*v).to_owned()).ok_or_else(corrupt);
    let optional = |k: &str| field(k).map(|v| (v != "-").then_some(v));
    Ok(Bound {
        destination: Some(Destination {
            provider: field("provider")?,
            origin: field("origin")?,
            ca_sha256: optional("ca-sha256")?,
            client_cert_sha256: optional("client-cert-sha256")?,
        }),
        secret: SecretString::from(secret),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(url: &str, ca: Option<&str>) -> Destination {
        Destination::new("fireworks", url, ca, None).expect("destination")
    }

    #[test]
    fn round_trip_keeps_multiline_secrets() {
        let d = Destination::new(
            "hellgate-commerce",
            "https://api.example:8443/v1",
            Some("CA"),
            Some("CERT"),
        )
        .expect("destination");
        let pem = "-----BEGIN PRIVATE KEY-----\nabc\n\ndef\n-----END PRIVATE KEY-----\n";
        let bound = decode(&encode(&d, &SecretString::from(pem))).expect("decode");
        assert_eq!(bound.destination.as_ref(), Some(&d));
        assert_eq!(bound.secret.expose_secret(), pem);
        assert_eq!(d.origin, "https://api.example:8443");
    }

    #[test]
    fn unbound_items_are_read_as_they_are() {
        let legacy = decode(&SecretString::from("fw_abc")).expect("decode");
        assert!(legacy.destination.is_none());
        assert_eq!(legacy.secret.expose_secret(), "fw_abc");
    }

    #[test]
    fn damaged_headers_are_refused_not_guessed() {
        let e = decode(&SecretString::from("keymint-credential/1\norigin\n\nx"))
            .err()
            .map(|e| e.code().as_str());
        assert_eq!(e, Some("destination_changed"));
    }

    #[test]
    fn differences_name_what_changed() {
        let a = dest("https://api.fireworks.ai", None);
        assert!(a.differences(&a.clone()).is_empty());
        let moved = dest("https://elsewhere.example", None);
        assert_eq!(
            a.differences(&moved),
            vec!["the base URL now points to https://elsewhere.example instead of https://api.fireworks.ai"]
        );
        let with_ca = dest("https://api.fireworks.ai", Some("PEM"));
        assert_eq!(
            a.differences(&with_ca),
            vec!["an extra CA certificate was added"]
        );
        // A path change within the origin is not a new destination.
        assert!(a
            .differences(&dest("https://api.fireworks.ai/v2", None))
            .is_empty());
    }
}
