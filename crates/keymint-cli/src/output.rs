//! Output: JSON with `--json`, an aligned table on a terminal, tab-separated lines otherwise.
//! Stored text goes through [`safe`] on the way out, so a row kept before the core cleaned
//! server text at ingest cannot put an escape sequence into a terminal either.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use chrono::{DateTime, Local, Utc};
use keymint_core::model::KeyRecord;
use keymint_core::Error;
use serde::Serialize;

/// How to print.
pub struct Output {
    /// `--json` was given.
    pub json: bool,
    /// Stdout is a terminal.
    pub tty: bool,
}

/// A key as SPEC §4 prints it.
#[derive(Serialize)]
pub struct KeyJson<'a> {
    id: Cow<'a, str>,
    account: Cow<'a, str>,
    provider: Cow<'a, str>,
    label: Cow<'a, str>,
    reference: Cow<'a, str>,
    remote_id: Option<Cow<'a, str>>,
    hint: Option<Cow<'a, str>>,
    scopes: Option<serde_json::Value>,
    created_at: String,
    expires_at: Option<String>,
    status: keymint_core::model::KeyStatus,
    sandbox: bool,
    superseded_by: Option<Cow<'a, str>>,
    /// Where the provider's answer differed from the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answer_notes: Vec<Cow<'a, str>>,
    /// The team store of the key's account, where its secret lives once uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    team_store: Option<Cow<'a, str>>,
    /// `uploaded` or `upload_pending` for a team store's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    store_state: Option<keymint_core::model::StoreState>,
    /// The member who created a key synced from a team store.
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

impl<'a> KeyJson<'a> {
    /// The SPEC view of `k`, with the secret only when given.
    pub fn new(k: &'a KeyRecord, secret: Option<&'a str>) -> Self {
        Self {
            id: safe(&k.id),
            account: safe(&k.account),
            provider: safe(&k.provider),
            label: safe(&k.label),
            reference: safe(&k.reference),
            remote_id: k.remote_id.as_deref().map(safe),
            hint: k.hint.as_deref().map(safe),
            scopes: k.scopes.as_ref().map(safe_json),
            created_at: keymint_core::expiry::rfc3339(k.created_at),
            expires_at: k.expires_at.map(keymint_core::expiry::rfc3339),
            status: k.status,
            sandbox: k.sandbox,
            superseded_by: k.superseded_by.as_deref().map(safe),
            answer_notes: k.answer_notes.iter().map(|n| safe(n)).collect(),
            team_store: k.team_store.as_deref().map(safe),
            store_state: k.team_store.as_ref().map(|_| k.store_state),
            created_by: k.created_by.as_deref().map(safe),
            secret,
        }
    }
}

impl Output {
    /// Decides from `--json` and whether stdout is a terminal.
    pub fn new(json: bool) -> Self {
        Self {
            json,
            tty: std::io::stdout().is_terminal(),
        }
    }

    /// Prints a value as pretty JSON.
    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("keymint: cannot print JSON: {e}"),
        }
    }

    /// Prints rows: aligned with a header on a terminal, tab-separated otherwise. Every cell
    /// goes through [`safe`].
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| safe(c).into_owned()).collect())
            .collect();
        let rows = rows.as_slice();
        let mut out = std::io::stdout().lock();
        if !self.tty {
            for r in rows {
                let _ = writeln!(out, "{}", r.join("\t"));
            }
            return;
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let _ = writeln!(
            out,
            "{}",
            line(header.iter().map(|h| h.to_uppercase()).collect())
        );
        for r in rows {
            let _ = writeln!(out, "{}", line(r.clone()));
        }
    }
}

/// An error as the CLI prints it: one line, the core's message and, where a `keymint`
/// command or flag does what the message asks, that command in parentheses ([`hint_for`]).
pub fn error_line(e: &Error) -> String {
    match hint_for(e) {
        Some(hint) => format!("{e} ({hint})"),
        None => e.to_string(),
    }
}

/// The command that does what an error's message asks, for the errors where one does. The
/// core's messages say what to do in the product's terms ("list the accounts to see their
/// names"), because the app shows them too; this names the `keymint` command or flag.
pub fn hint_for(e: &Error) -> Option<String> {
    Some(match e {
        Error::AccountNotFound { .. } => "see `keymint account list`".to_owned(),
        Error::KeyNotFound { .. } => "see `keymint key list`".to_owned(),
        Error::AccountHasKeys { account, .. } => format!(
            "`keymint account remove {} --forget-keys` does both",
            shell_word(account).unwrap_or("ACCOUNT")
        ),
        Error::DestinationChanged(_) => {
            "`keymint account edit ACCOUNT --credential-stdin` or --credential-env VAR".to_owned()
        }
        Error::KeychainUnavailable { .. } => "`keymint doctor` checks the setup".to_owned(),
        Error::StoreDenied(_) => "keymint doctor shows what each store's token may do".to_owned(),
        Error::UnsafeDataDir(_) => "--data-dir DIR chooses another data directory".to_owned(),
        // The core's form messages use the field's visible name; here the user typed the
        // internal one.
        Error::Validation {
            field: Some(f),
            message,
        } if !message.contains(f.as_str()) => format!("in {f}"),
        _ => return None,
    })
}

/// `s` when it can be pasted into a shell as one word as it is.
fn shell_word(s: &str) -> Option<&str> {
    let plain = !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
    plain.then_some(s)
}

/// Stored text made safe to print: without control characters (ESC, BEL, C1, DEL) and bidi
/// controls, and at most as long as the core keeps server text
/// ([`keymint_core::providers::server_text`]). Text that is already safe is not copied.
pub fn safe(s: &str) -> Cow<'_, str> {
    use keymint_core::providers::{is_unsafe_char, server_text, MAX_TEXT_CHARS};
    if s.chars().any(is_unsafe_char) || s.chars().nth(MAX_TEXT_CHARS).is_some() {
        Cow::Owned(server_text(s, MAX_TEXT_CHARS))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`safe`] for every string (and object key) of stored JSON.
pub fn safe_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(safe(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(safe_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (safe(k).into_owned(), safe_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An expiry for people: local time and how far away ("in 12 days", "expired 3 days ago").
pub fn expiry_text(t: Option<DateTime<Utc>>, tty: bool) -> String {
    let Some(t) = t else {
        return if tty { "never".into() } else { String::new() };
    };
    if !tty {
        return keymint_core::expiry::rfc3339(t);
    }
    let local = t.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    let delta = t - Utc::now();
    let rel = relative(delta);
    if delta.num_seconds() < 0 {
        format!("{local} (expired {rel} ago)")
    } else {
        format!("{local} (in {rel})")
    }
}

fn relative(d: chrono::Duration) -> String {
    let s = d.num_seconds().abs();
    let (n, unit) = match s {
        s if s >= 2 * 86_400 => (s / 86_400, "days"),
        s if s >= 2 * 3600 => (s / 3600, "hours"),
        s if s >= 120 => (s / 60, "minutes"),
        s => (s, "seconds"),
    };
    format!("{n} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_command_for_what_the_message_asks() {
        let cases = [
            (
                Error::AccountNotFound { name: "x".into() },
                "keymint account list",
            ),
            (
                Error::KeyNotFound {
                    reference: "x".into(),
                },
                "keymint key list",
            ),
            (
                Error::AccountHasKeys {
                    account: "prod".into(),
                    keys: 2,
                },
                "keymint account remove prod --forget-keys",
            ),
            (
                Error::AccountHasKeys {
                    account: "my prod; rm -rf".into(),
                    keys: 2,
                },
                "keymint account remove ACCOUNT --forget-keys",
            ),
            (
                Error::DestinationChanged("moved".into()),
                "--credential-stdin",
            ),
            (
                Error::KeychainUnavailable {
                    reason: "locked".into(),
                    hint: "unlock it".into(),
                },
                "keymint doctor",
            ),
            (Error::UnsafeDataDir("not yours".into()), "--data-dir"),
        ];
        for (e, expected) in cases {
            let hint = hint_for(&e).unwrap_or_default();
            assert!(hint.contains(expected), "{e:?}: {hint}");
            assert!(
                !e.to_string().contains("keymint "),
                "the core's message names no command: {e}"
            );
        }
        assert_eq!(hint_for(&Error::invalid("bad")), None);
        assert_eq!(hint_for(&Error::NotFound("gone".into())), None);
        let line = error_line(&Error::AccountNotFound { name: "x".into() });
        assert_eq!(
            line,
            "no account named `x`; list the accounts to see their names (see `keymint account list`)"
        );
        assert_eq!(error_line(&Error::invalid("bad")), "Bad");
        // A form message with the field's visible name: the CLI names the internal one.
        assert_eq!(
            error_line(&Error::field(
                "clipboard_clear_secs",
                "give 5 seconds to 10 minutes"
            )),
            "Give 5 seconds to 10 minutes (in clipboard_clear_secs)"
        );
    }
}
