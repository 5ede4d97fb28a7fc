//! Turning an HTTP answer into a created key or a readable error, the same way for every
//! provider: documented errors in the provider's words, anything else with the status and a
//! short excerpt that cannot contain a secret.

use secrecy::ExposeSecret;

use crate::error::{Error, Result};
use crate::providers::{CreatedKey, Provider};

/// Longest excerpt quoted in an error.
const EXCERPT_CHARS: usize = 120;

/// Longest id, name, scope or other text kept from a server (in characters).
pub const MAX_TEXT_CHARS: usize = 200;

/// Longest provider message or code quoted in an error (in characters).
const MAX_MESSAGE_CHARS: usize = 300;

/// Longest provider prefix kept for a hint: with its `…`, a hint is at most 12 characters.
pub const MAX_PREFIX_CHARS: usize = 11;

/// Longest run of a secret's characters that text kept from a server may contain.
const MAX_SECRET_RUN: usize = 11;

/// Most items kept from one JSON array or object, and deepest nesting kept, of the scopes
/// and metadata a server reports.
const MAX_JSON_ITEMS: usize = 100;
const MAX_JSON_DEPTH: usize = 8;

/// Whether `c` may never reach a stored row or a terminal: the C0 and C1 control characters
/// and DEL (ESC and BEL among them: escape sequences cannot be formed without them), and the
/// bidirectional controls that reorder what is shown (U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// Text from a server made safe to keep and to print: every [`is_unsafe_char`] removed (a
/// control that is whitespace, such as a newline, becomes a space), runs of spaces collapsed
/// to one, trimmed, and at most `max_chars` characters (the last one `…` when cut).
pub fn server_text(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut count = 0;
    let mut space = false;
    for c in s.chars() {
        let c = if c.is_whitespace() {
            ' '
        } else if is_unsafe_char(c) {
            continue;
        } else {
            c
        };
        if c == ' ' {
            space = count > 0;
            continue;
        }
        let needed = usize::from(space) + 1;
        if count + needed > max_chars {
            if max_chars > 0 {
                while count >= max_chars {
                    out.pop();
                    count -= 1;
                }
                out.push('…');
            }
            return out.trim_end_matches(' ').to_owned();
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Whether `text` contains the secret, or any run of more of its characters than a hint
/// shows (see [`crate::hint`]).
fn reveals(text: &str, secret: &[char]) -> bool {
    if secret.is_empty() {
        return false;
    }
    if secret.len() <= MAX_SECRET_RUN {
        let whole: String = secret.iter().collect();
        return text.contains(&whole);
    }
    secret
        .windows(MAX_SECRET_RUN + 1)
        .any(|w| text.contains(&w.iter().collect::<String>()))
}

/// Scopes and metadata from a server made safe: strings through [`server_text`] (one that
/// reveals part of the secret becomes `[redacted]`), object keys too, at most
/// [`MAX_JSON_ITEMS`] items per array or object, nothing nested deeper than
/// [`MAX_JSON_DEPTH`].
fn safe_json(v: serde_json::Value, secret: &[char], depth: usize) -> serde_json::Value {
    use serde_json::Value;
    if depth >= MAX_JSON_DEPTH {
        return Value::Null;
    }
    match v {
        Value::String(s) => {
            let t = server_text(&s, MAX_TEXT_CHARS);
            Value::String(if reveals(&s, secret) || reveals(&t, secret) {
                "[redacted]".to_owned()
            } else {
                t
            })
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .take(MAX_JSON_ITEMS)
                .map(|i| safe_json(i, secret, depth + 1))
                .collect(),
        ),
        Value::Object(map) => Value::Object(safe_map(map, secret, depth + 1)),
        other => other,
    }
}

fn safe_map(
    map: serde_json::Map<String, serde_json::Value>,
    secret: &[char],
    depth: usize,
) -> serde_json::Map<String, serde_json::Value> {
    map.into_iter()
        .filter(|(k, _)| !reveals(k, secret))
        .take(MAX_JSON_ITEMS)
        .map(|(k, v)| (server_text(&k, 64), safe_json(v, secret, depth)))
        .collect()
}

/// The provider's display prefix, if it is one a hint may show: safe characters only, at
/// most [`MAX_PREFIX_CHARS`], a real prefix of the secret and at most half of it.
pub fn kept_prefix(prefix: &str, secret: &str) -> Option<String> {
    let p = prefix.trim();
    let ok = !p.is_empty()
        && p.chars().count() <= MAX_PREFIX_CHARS
        && !p.chars().any(|c| is_unsafe_char(c) || c.is_whitespace())
        && secret.starts_with(p)
        && p.len() * 2 <= secret.len();
    ok.then(|| p.to_owned())
}

/// A created key with everything besides its secret made safe to store and print: ids and
/// names cleaned and capped ([`server_text`]), a prefix kept only if a hint may show it
/// ([`kept_prefix`]), scopes and metadata cleaned, with any text that reveals part of the
/// secret redacted.
pub fn sanitize_created(mut k: CreatedKey) -> CreatedKey {
    let secret = k.secret.expose_secret();
    let chars: Vec<char> = secret.chars().collect();
    k.remote_id = k
        .remote_id
        .map(|r| server_text(&r, MAX_TEXT_CHARS))
        .filter(|r| !r.is_empty() && !reveals(r, &chars));
    k.prefix = k.prefix.and_then(|p| kept_prefix(&p, secret));
    k.scopes = k.scopes.map(|v| safe_json(v, &chars, 0));
    let mut extra = safe_map(std::mem::take(&mut k.extra), &chars, 0);
    // A provider's `prefix` member is the hint's source: kept only as the hint would keep it.
    if extra.contains_key("prefix") {
        match &k.prefix {
            Some(p) => extra.insert("prefix".to_owned(), serde_json::Value::String(p.clone())),
            None => extra.remove("prefix"),
        };
    }
    k.extra = extra;
    k
}

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
            code: m.code.map(|c| clean_capped(&c, 64)),
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
        .map(sanitize_created)
        .map_err(|reason| bad(id, status, true, clean(&reason), json_shape(&json)))
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
    clean_capped(&plain, EXCERPT_CHARS + 1)
}

/// The shape of a JSON body (its keys), never its values: a 2xx body may hold a secret.
fn json_shape(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::Object(map) => {
            let keys: Vec<String> = map.keys().map(|k| clean_capped(k, 40)).take(12).collect();
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

/// A provider's message made safe to show: [`server_text`] (one line, no control or bidi
/// characters, capped), token-like words redacted.
fn clean(s: &str) -> String {
    clean_capped(s, MAX_MESSAGE_CHARS)
}

fn clean_capped(s: &str, max_chars: usize) -> String {
    redact_tokens(&server_text(s, max_chars))
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
            "token [redacted] is[2J revoked"
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

    #[test]
    fn server_text_strips_controls_and_bidi_and_caps() {
        let hostile = "id_1\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{202e}evil\u{9b}31m\u{2066}x\u{200f}\u{61c}\u{7f}";
        let t = server_text(hostile, MAX_TEXT_CHARS);
        assert_eq!(t, "id_1]52;c;aGFja2Vk[2Jevil31mx");
        assert!(!t.chars().any(is_unsafe_char));
        for c in [
            '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{80}', '\u{9f}', '\u{202a}', '\u{202e}',
            '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
        }
        for c in ['a', 'é', '…', '\u{200d}', '日'] {
            assert!(!is_unsafe_char(c), "{c:?}");
        }
        assert_eq!(server_text(" a \n\t b  ", 10), "a b");
        let long = "x".repeat(5000);
        let capped = server_text(&long, MAX_TEXT_CHARS);
        assert_eq!(capped.chars().count(), MAX_TEXT_CHARS);
        assert!(capped.ends_with('…'));
        assert_eq!(server_text("abc def", 4), "abc…");
        assert_eq!(server_text("", 4), "");
    }

    fn created(secret: &str, prefix: Option<&str>) -> CreatedKey {
        let mut extra = serde_json::Map::new();
        extra.insert("email".into(), serde_json::json!("me@example.com\u{1b}[2J"));
        extra.insert("echo".into(), serde_json::json!(format!("key is {secret}")));
        if let Some(p) = prefix {
            extra.insert("prefix".into(), serde_json::json!(p));
        }
        CreatedKey {
            secret: secrecy::SecretString::from(secret.to_owned()),
            remote_id: Some(format!("key_1\u{1b}]0;title\u{7}{}", "y".repeat(4096))),
            expires_at: None,
            prefix: prefix.map(str::to_owned),
            scopes: Some(serde_json::json!(["read\u{202e}", {"deep": [secret]}])),
            extra,
        }
    }

    #[test]
    fn created_keys_keep_no_escape_no_secret_and_no_long_prefix() {
        let secret = "fw_0123456789abcdefghijklmnopqrstuv";
        let k = sanitize_created(created(secret, Some(secret)));
        let id = k.remote_id.as_deref().expect("id");
        assert!(id.starts_with("key_1]0;title") && id.chars().count() == MAX_TEXT_CHARS);
        assert_eq!(
            k.prefix, None,
            "a prefix that is the whole secret is dropped"
        );
        assert!(!k.extra.contains_key("prefix"));
        let stored = serde_json::to_string(&(k.scopes, k.extra)).expect("json");
        assert!(!stored.contains(&secret[..12]), "{stored}");
        assert!(
            !stored.contains("\\u001b") && !stored.contains('\u{202e}'),
            "{stored}"
        );
        assert!(stored.contains("[redacted]") && stored.contains("me@example.com[2J"));

        let k = sanitize_created(created(secret, Some("fw_0123")));
        assert_eq!(k.prefix.as_deref(), Some("fw_0123"));
        assert_eq!(k.extra.get("prefix"), Some(&serde_json::json!("fw_0123")));
        for long in ["fw_0123456789", "fw_\u{1b}", "zz_", ""] {
            assert_eq!(kept_prefix(long, secret), None, "{long:?}");
        }
    }
}
