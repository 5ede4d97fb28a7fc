//! Turning an HTTP answer into a created key or a readable error, the same way for every
//! provider: documented errors in the provider's words, anything else with the status and a
//! short excerpt that cannot contain a secret.

use crate::error::{Error, Result};
use crate::providers::{CreatedKey, Provider};

/// Longest excerpt quoted in an error.
const EXCERPT_CHARS: usize = 120;

/// Interprets `status` and `body` from `provider`.
pub fn interpret(provider: &dyn Provider, status: u16, body: &[u8]) -> Result<CreatedKey> {
    let id = provider.descriptor().id.to_owned();
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let success = (200..300).contains(&status);
    let Some(json) = json else {
        let reason = if body.is_empty() {
            "the body is empty".to_owned()
        } else if looks_like_html(body) {
            "the body is an HTML page, not JSON (is the base URL right?)".to_owned()
        } else {
            "the body is not JSON".to_owned()
        };
        return Err(bad(id, status, success, reason, excerpt(body)));
    };
    if let Some(m) = provider.parse_error(status, &json) {
        // The provider's own words, but never a token it echoed, nor terminal control codes.
        return Err(Error::ProviderRefused {
            provider: id,
            status,
            code: m.code.map(|c| clean(&c)),
            message: clean(&m.message),
        });
    }
    if !success {
        let message = json
            .pointer("/message")
            .or_else(|| json.pointer("/error/message"))
            .or_else(|| json.pointer("/error"))
            .and_then(serde_json::Value::as_str)
            .map(clean)
            .unwrap_or_else(|| format!("unexpected answer; body starts: {}", excerpt(body)));
        return Err(Error::ProviderRefused {
            provider: id,
            status,
            code: None,
            message,
        });
    }
    provider
        .parse_success(&json)
        .map_err(|reason| bad(id, status, true, reason, json_shape(&json)))
}

fn bad(provider: String, status: u16, success: bool, reason: String, excerpt: String) -> Error {
    let reason = if success {
        format!("{reason}; the key may exist at the provider without its secret — check the provider's console")
    } else {
        reason
    };
    Error::BadResponse {
        provider,
        status,
        reason,
        excerpt,
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    head.trim_start().starts_with('<') || head.contains("<html")
}

/// A short, single-line, secret-free excerpt of a body: tags stripped, every long
/// token-like word replaced by `[redacted]`.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let line = clean(&plain);
    let mut out: String = line.chars().take(EXCERPT_CHARS).collect();
    if line.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// The shape of a JSON body (its keys), never its values: a 2xx body may hold a secret.
fn json_shape(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::Object(map) => {
            let keys: Vec<String> = map.keys().map(|k| clean(k)).take(12).collect();
            format!("a JSON object with keys: {}", keys.join(", "))
        }
        other => format!("a JSON {}", kind(other)),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Text from a server made safe to show: one line, control characters replaced, token-like
/// words redacted.
fn clean(s: &str) -> String {
    let printable: String = s
        .chars()
        .map(|c| {
            if c.is_whitespace() {
                ' '
            } else if c.is_control() {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let line = printable.split_whitespace().collect::<Vec<_>>().join(" ");
    redact_tokens(&line)
}

/// Replaces words that look like keys or tokens (20+ characters without spaces, mixing
/// letters and digits) so that an echoed credential never reaches a message.
fn redact_tokens(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let long = w.chars().count() >= 20;
            let digits = w.chars().any(|c| c.is_ascii_digit());
            let letters = w.chars().any(|c| c.is_ascii_alphabetic());
            if long && digits && letters {
                "[redacted]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_strip_html_and_tokens() {
        let e = excerpt(b"<html><body><h1>502 Bad Gateway</h1> token sk_live_abcdefghij0123456789</body></html>");
        assert_eq!(e, "502 Bad Gateway token [redacted]");
        let long = "x".repeat(1000);
        assert!(excerpt(long.as_bytes()).chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn provider_words_are_cleaned() {
        // Found by the `responses` fuzz target: echoed tokens and escape codes.
        assert_eq!(
            clean("token sk_test_0123456789abcdefABCDEF is\u{1b}[2J revoked\n"),
            "token [redacted] is\u{fffd}[2J revoked"
        );
        let v = serde_json::json!({"sk_live_0123456789abcdefABCDEF": {"id": "k1"}});
        assert!(!json_shape(&v).contains("sk_live_0123"));
    }

    #[test]
    fn shape_hides_values() {
        let v = serde_json::json!({"key": "sk_secret_value_123456789", "id": "1"});
        let s = json_shape(&v);
        assert!(!s.contains("sk_secret"), "{s}");
        assert!(s.contains("key") && s.contains("id"));
    }
}
