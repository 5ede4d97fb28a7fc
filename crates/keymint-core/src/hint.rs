//! The short display hint a key row may keep instead of its secret: never longer than
//! [`MAX_HINT_CHARS`] characters, never a control or bidi character, never more than a
//! provider's short prefix or the first and last four characters of a long secret.

use secrecy::{ExposeSecret, SecretString};

use crate::providers::{is_unsafe_char, kept_prefix};

/// Shortest secret for which the first 4 and last 4 characters may be shown.
pub const MIN_LEN_FOR_HINT: usize = 24;

/// Longest hint, in characters (`…` included).
pub const MAX_HINT_CHARS: usize = 12;

/// The provider's own prefix when it gave one (and it is a real prefix of the secret, at
/// most 11 characters and half the secret, see [`kept_prefix`]), else `abcd…wxyz` for a
/// secret of 24 or more characters, else none.
pub fn display_hint(secret: &SecretString, provider_prefix: Option<&str>) -> Option<String> {
    let s = secret.expose_secret();
    if let Some(p) = provider_prefix.and_then(|p| kept_prefix(p, s)) {
        return Some(format!("{p}…"));
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < MIN_LEN_FOR_HINT {
        return None;
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    let hint = format!("{head}…{tail}");
    // A secret with control characters at its ends gets no hint rather than a cleaned one
    // that would mislead.
    (!hint.chars().any(|c| is_unsafe_char(c) || c.is_whitespace())).then_some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        let long = SecretString::from("fw_abcdefghijklmnopqrstuvwxyz");
        assert_eq!(display_hint(&long, None).as_deref(), Some("fw_a…wxyz"));
        assert_eq!(
            display_hint(&long, Some("fw_abc")).as_deref(),
            Some("fw_abc…")
        );
        assert_eq!(
            display_hint(&long, Some("zz")).as_deref(),
            Some("fw_a…wxyz")
        );
        assert_eq!(display_hint(&SecretString::from("short"), None), None);
        // A prefix that is the whole secret, or longer than a hint, falls back.
        let whole = long.expose_secret();
        for p in [whole, "fw_abcdefghi", "fw_\u{1b}[2J"] {
            assert_eq!(display_hint(&long, Some(p)).as_deref(), Some("fw_a…wxyz"));
        }
        assert_eq!(
            display_hint(&long, Some("fw_abcdefgh")).as_deref(),
            Some("fw_abcdefgh…")
        );
        let escaped = SecretString::from("\u{1b}]52;abcdefghijklmnopqrstuvwxyz");
        assert_eq!(display_hint(&escaped, None), None);
    }

    #[test]
    fn hints_are_at_most_twelve_characters() {
        let secret = SecretString::from("x".repeat(200));
        for p in [
            None,
            Some("xxxxxxxxxxx"),
            Some("xxxxxxxxxxxx"),
            Some(&*"x".repeat(100)),
        ] {
            let h = display_hint(&secret, p).expect("hint");
            assert!(h.chars().count() <= MAX_HINT_CHARS, "{h}");
        }
    }
}
