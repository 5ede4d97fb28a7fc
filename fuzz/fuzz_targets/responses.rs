//! `providers::interpret` for every registered provider, on a fuzzed status and body.
//!
//! Input: two bytes of status (big-endian, mapped onto 100..=599), then the body.
//!
//! Invariants:
//! - never a panic;
//! - accepted only for a 2xx status, and the secret is not blank;
//! - a refusal is `ProviderRefused` or `BadResponse`, and its message quotes no token from
//!   the body: no run of 20 characters that mixes ASCII letters and digits and has no
//!   space (in `[A-Za-z0-9_.~+/=-]`, the alphabet of API keys, base64 and JWTs) appears in
//!   the message when it appears in the body, raw or as a decoded JSON string or key.
//!
//! With `KEYMINT_FUZZ_STRICT=1` in the environment, a refusal's message must also be free of
//! control characters (CR, LF, ESC, ...), which a hostile server could otherwise print to
//! the user's terminal.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use keymint_core::providers::{interpret, REGISTRY};
use keymint_core::{ErrorCode, ExposeSecret};
use libfuzzer_sys::fuzz_target;

/// Shortest run treated as a token.
const TOKEN: usize = 20;

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("KEYMINT_FUZZ_STRICT").is_some_and(|v| v == "1"))
}

fn token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_.~+/=-".contains(&b)
}

/// Calls `f` on every `TOKEN`-byte window of a token-character run in `s` that holds both
/// a letter and a digit.
fn token_windows<'a>(s: &'a [u8], mut f: impl FnMut(&'a [u8])) {
    for run in s.split(|b| !token_char(*b)) {
        if run.len() < TOKEN {
            continue;
        }
        for w in run.windows(TOKEN) {
            if w.iter().any(u8::is_ascii_alphabetic) && w.iter().any(u8::is_ascii_digit) {
                f(w);
            }
        }
    }
}

/// Every string and key in a JSON value.
fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k);
                json_strings(x, out);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 100 + u16::from_be_bytes(*head) % 500;

    // The body's tokens, raw and as decoded JSON strings (escapes such as \u0041 undone).
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let mut decoded = Vec::new();
    if let Some(v) = &json {
        json_strings(v, &mut decoded);
    }
    let mut tokens: HashSet<&[u8]> = HashSet::new();
    token_windows(body, |w| {
        tokens.insert(w);
    });
    for s in &decoded {
        token_windows(s.as_bytes(), |w| {
            tokens.insert(w);
        });
    }

    for provider in REGISTRY {
        let id = provider.descriptor().id;
        match interpret(*provider, status, body) {
            Ok(key) => {
                assert!(
                    (200..300).contains(&status),
                    "{id}: HTTP {status} accepted as a created key"
                );
                assert!(
                    !key.secret.expose_secret().trim().is_empty(),
                    "{id}: HTTP {status} accepted with a blank secret"
                );
            }
            Err(e) => {
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::ProviderRefused | ErrorCode::BadResponse
                    ),
                    "{id}: HTTP {status}: unexpected error kind {:?}: {e}",
                    e.code()
                );
                let msg = e.to_string();
                token_windows(msg.as_bytes(), |w| {
                    assert!(
                        !tokens.contains(w),
                        "{id}: HTTP {status}: the error message quotes `{}` from the body: {msg}",
                        String::from_utf8_lossy(w)
                    );
                });
                if strict() {
                    assert!(
                        !msg.chars().any(char::is_control),
                        "{id}: HTTP {status}: control character in the error message: {msg:?}"
                    );
                }
            }
        }
    }
});
