//! Output: JSON with `--json`, an aligned table on a terminal, tab-separated lines otherwise.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Local, Utc};
use keymint_core::model::KeyRecord;
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
    id: &'a str,
    account: &'a str,
    provider: &'a str,
    label: &'a str,
    remote_id: Option<&'a str>,
    hint: Option<&'a str>,
    scopes: Option<&'a serde_json::Value>,
    created_at: String,
    expires_at: Option<String>,
    status: keymint_core::model::KeyStatus,
    sandbox: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

impl<'a> KeyJson<'a> {
    /// The SPEC view of `k`, with the secret only when given.
    pub fn new(k: &'a KeyRecord, secret: Option<&'a str>) -> Self {
        Self {
            id: &k.id,
            account: &k.account,
            provider: &k.provider,
            label: &k.label,
            remote_id: k.remote_id.as_deref(),
            hint: k.hint.as_deref(),
            scopes: k.scopes.as_ref(),
            created_at: keymint_core::expiry::rfc3339(k.created_at),
            expires_at: k.expires_at.map(keymint_core::expiry::rfc3339),
            status: k.status,
            sandbox: k.sandbox,
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

    /// Prints rows: aligned with a header on a terminal, tab-separated otherwise.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
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
