//! The short display hint a key row may keep instead of its secret.

use secrecy::{ExposeSecret, SecretString};

/// Shortest secret for which the first 4 and last 4 characters may be shown.
pub const MIN_LEN_FOR_HINT: usize = 24;

/// The provider's own prefix when it gave one (and it is a real prefix of the secret, at
/// most 12 characters), else `abcd…wxyz` for a secret of 24 or more characters, else none.
pub fn display_hint(secret: &SecretString, provider_prefix: Option<&str>) -> Option<String> {
    let s = secret.expose_secret();
    if let Some(p) = provider_prefix {
        let p = p.trim();
        if !p.is_empty() && p.chars().count() <= 12 && s.starts_with(p) && p.len() * 2 <= s.len() {
            return Some(format!("{p}…"));
        }
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < MIN_LEN_FOR_HINT {
        return None;
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    Some(format!("{head}…{tail}"))
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
    }
}
