//! References (SPEC §6): `keymint://ACCOUNT/LABEL` names a key without holding it. It is safe
//! to commit, paste and show to tools; it resolves to the newest stored key with that label in
//! that account.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::error::{Error, Result};

/// The scheme every reference starts with.
pub const SCHEME: &str = "keymint://";

/// Encoded in a segment: controls, space, and what would end or split it (`/`, `?`, `#`, `%`)
/// or confuse a dotenv or template reader (quotes, braces, `=`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'%')
    .add(b'"')
    .add(b'\'')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'=')
    .add(b'\\');

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Account name.
    pub account: String,
    /// Key label.
    pub label: String,
}

impl Reference {
    /// The reference of `label` in `account`.
    pub fn new(account: &str, label: &str) -> Self {
        Self {
            account: account.to_owned(),
            label: label.to_owned(),
        }
    }

    /// Whether `text` is meant as a reference (starts with the scheme), valid or not.
    pub fn looks_like(text: &str) -> bool {
        text.trim_start().starts_with(SCHEME)
    }

    /// Parses `keymint://ACCOUNT/LABEL` (segments percent-encoded).
    pub fn parse(text: &str) -> Result<Self> {
        let shown = crate::values::shorten(text);
        let rest = text.trim().strip_prefix(SCHEME).ok_or_else(|| {
            Error::invalid(format!(
                "`{shown}` is not a reference: a reference looks like keymint://ACCOUNT/LABEL"
            ))
        })?;
        let mut parts = rest.split('/');
        let (Some(account), Some(label), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::invalid(format!(
                "`{shown}` must have exactly two parts, keymint://ACCOUNT/LABEL (write a `/` inside a name as %2F)"
            )));
        };
        let account = segment(account, "account", &shown)?;
        let label = segment(label, "label", &shown)?;
        Ok(Self { account, label })
    }
}

fn segment(raw: &str, what: &str, shown: &str) -> Result<String> {
    if raw.is_empty() {
        return Err(Error::invalid(format!(
            "`{shown}` has no {what}: a reference looks like keymint://ACCOUNT/LABEL"
        )));
    }
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        Error::invalid(format!(
            "the {what} of `{shown}` is not valid UTF-8 once its %-escapes are decoded"
        ))
    })?;
    if decoded.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "the {what} of `{shown}` contains a control character"
        )));
    }
    Ok(decoded.into_owned())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME}{}/{}",
            utf8_percent_encode(&self.account, SEGMENT),
            utf8_percent_encode(&self.label, SEGMENT)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names_with_reserved_characters() {
        for (account, label) in [
            ("prod", "payments-ro"),
            ("a b", "x/y"),
            ("100%", "q?#{}=\"'"),
            ("ünï", "ключ"),
        ] {
            let r = Reference::new(account, label);
            let text = r.to_string();
            assert_eq!(text.matches('/').count(), 3, "{text}");
            assert_eq!(Reference::parse(&text).expect("parses"), r, "{text}");
        }
        assert_eq!(
            Reference::new("a b", "x/y").to_string(),
            "keymint://a%20b/x%2Fy"
        );
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, says) in [
            ("https://a/b", "is not a reference"),
            ("keymint://a", "exactly two parts"),
            ("keymint://a/b/c", "exactly two parts"),
            ("keymint:///b", "has no account"),
            ("keymint://a/", "has no label"),
            ("keymint://a/%FF", "not valid UTF-8"),
            ("keymint://a/%0A", "control character"),
        ] {
            let e = Reference::parse(text).expect_err(text);
            assert_eq!(e.code(), crate::ErrorCode::Validation);
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }
}
