//! Every message a form can show, walked: each provider's account and key fields with every
//! kind of bad value, expiries, provider limits, settings, names. None may name a field by
//! its internal name, quote with backticks, count seconds above an hour, start in lower case
//! or end with a full stop.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};

use crate::descriptor::{Field, FieldKind, TextPattern};
use crate::error::Error;
use crate::providers::{KeyRequest, REGISTRY};
use crate::settings::{Settings, SETTINGS};
use crate::values::{self, Value};

/// Bad values for one field, each with the field's kind in mind.
fn bad_values(field: &Field) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    match &field.kind {
        FieldKind::Text { max_len, pattern } => {
            let mut v = vec![
                text(&"x".repeat(max_len + 1)),
                text("a\nb"),
                text(" padded"),
            ];
            match pattern {
                Some(TextPattern::DnsLabel) => v.push(text("Not_A_Label")),
                Some(TextPattern::PathSegment) => v.push(text("a/b")),
                None => {}
            }
            v
        }
        FieldKind::Enum { .. } => vec![text("no-such-option")],
        FieldKind::MultiEnum { options, .. } => vec![
            Value::List(vec!["no-such-option".to_owned()]),
            Value::List(vec![options[0].to_owned(), options[0].to_owned()]),
            text("no-such-option"),
        ],
        FieldKind::JsonObject { .. } => vec![
            text("{team: 1}"),
            text("{\"team\": [\"a\""),
            text("{\"a\": 1,}"),
            text("[1, 2]"),
            text("not json"),
            Value::Object(serde_json::Map::from_iter([(
                "big".to_owned(),
                serde_json::Value::from("x".repeat(20_000)),
            )])),
        ],
    }
}

fn message(e: Error) -> String {
    match e {
        Error::Validation { message, .. } => message,
        other => panic!("not a validation error: {other:?}"),
    }
}

/// Every message the walk produces, with what produced it.
fn all_messages() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let now = Utc::now();
    for p in REGISTRY {
        let d = p.descriptor();
        for (form, fields) in [("account", d.account_fields), ("key", d.key_fields)] {
            // Nothing given: the first required field's message.
            if let Err(e) = values::validate(fields, &BTreeMap::new()) {
                out.push((format!("{} {form}: empty", d.id), message(e)));
            }
            for field in fields {
                for bad in bad_values(field) {
                    let raw = BTreeMap::from([(field.name.to_owned(), bad)]);
                    if let Err(e) = values::validate(fields, &raw) {
                        out.push((format!("{} {form} {}", d.id, field.name), message(e)));
                    }
                }
                if matches!(field.kind, FieldKind::JsonObject { .. }) {
                    let raw = format!("{}={{oops}}", field.name);
                    if let Err(e) = values::parse_set_args(fields, &[raw]) {
                        out.push((format!("{} --set {}", d.id, field.name), message(e)));
                    }
                }
            }
        }
        // The provider's own limits: an expiry 120 days away.
        let account: values::Values = d
            .account_fields
            .iter()
            .map(|f| (f.name.to_owned(), Value::Text("acme".to_owned())))
            .collect();
        let fields: values::Values = d
            .key_fields
            .iter()
            .filter_map(|f| match &f.kind {
                FieldKind::MultiEnum { options, .. } => {
                    Some((f.name.to_owned(), Value::List(vec![options[0].to_owned()])))
                }
                _ => None,
            })
            .collect();
        if let Err(e) = p.request(&KeyRequest {
            account: &account,
            label: "l",
            expires: Some(now + Duration::days(120)),
            now,
            fields: &fields,
        }) {
            out.push((format!("{} request, 120 days", d.id), message(e)));
        }
        // Account fields missing at request time.
        if let Err(e) = p.request(&KeyRequest {
            account: &values::Values::new(),
            label: "l",
            expires: None,
            now,
            fields: &fields,
        }) {
            out.push((format!("{} request, no account fields", d.id), message(e)));
        }
    }
    for bad in ["soon", "2001-01-01T00:00:00Z", "999y", "12 parsecs"] {
        if let Err(e) = crate::expiry::parse_expiry(bad, now) {
            out.push((format!("expiry {bad}"), message(e)));
        }
    }
    for setting in SETTINGS {
        for bad in ["nonsense", "0", "100000", "-1"] {
            if let Err(e) = Settings::default().set(setting.name, bad) {
                out.push((format!("setting {} = {bad}", setting.name), message(e)));
            }
        }
    }
    for (value, max) in [("", 10), ("x".repeat(20).as_str(), 10)] {
        if let Err(e) = crate::service::check_name("label", "label", value, max) {
            out.push(("label".to_owned(), message(e)));
        }
    }
    out
}

/// Field and setting names that are not words a user sees.
fn internal_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = REGISTRY
        .iter()
        .flat_map(|p| {
            let d = p.descriptor();
            d.account_fields.iter().chain(d.key_fields)
        })
        .map(|f| f.name)
        .chain(SETTINGS.iter().map(|s| s.name))
        .chain(["expires_in", "base_url", "ca_cert_pem", "client_cert_pem"])
        .filter(|n| n.contains('_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A count of seconds above an hour: `7776000 seconds`, `10368000s`.
fn big_seconds(message: &str) -> Option<u64> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
        let n: u64 = digits.parse().ok()?;
        let rest = &w[digits.len()..];
        let unit_next = words.get(i + 1).is_some_and(|u| u.starts_with("second"));
        let seconds =
            rest.trim_end_matches([',', ')', ';']) == "s" || (rest.is_empty() && unit_next);
        (seconds && n > 3600).then_some(n)
    })
}

#[test]
fn every_form_message_is_in_one_voice() {
    let messages = all_messages();
    assert!(
        messages.len() > 80,
        "the walk found {} messages",
        messages.len()
    );
    let internal = internal_names();
    let mut problems = Vec::new();
    for (what, m) in &messages {
        let first = m.chars().next().unwrap_or(' ');
        if first.is_lowercase() {
            problems.push(format!("{what}: starts in lower case: {m}"));
        }
        if m.ends_with('.') && !m.ends_with("...") {
            problems.push(format!("{what}: ends with a full stop: {m}"));
        }
        if m.contains('`') {
            problems.push(format!("{what}: backticks: {m}"));
        }
        if let Some(name) = internal.iter().find(|n| m.contains(**n)) {
            problems.push(format!("{what}: internal name {name}: {m}"));
        }
        if let Some(n) = big_seconds(m) {
            problems.push(format!("{what}: {n} seconds: {m}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checks_catch_what_they_are_for() {
    assert_eq!(
        big_seconds("at most 7776000 seconds (90 days)"),
        Some(7_776_000)
    );
    assert_eq!(big_seconds("or 10368000s"), Some(10_368_000));
    assert_eq!(big_seconds("like 90d, 12h or 3600s"), None);
    assert!(internal_names().contains(&"cluster_id"));
    assert!(internal_names().contains(&"clipboard_clear_secs"));
}

#[test]
fn json_problems_say_what_and_where() {
    let messages = all_messages();
    let unquoted = messages
        .iter()
        .find(|(what, m)| what.contains("permissions") && m.contains("double quotes"))
        .map(|(_, m)| m.as_str());
    assert_eq!(
        unquoted,
        Some("Permissions must be a JSON object: a name must be in double quotes (line 1, column 2); e.g. {\"payments\": [\"read\"]}")
    );
}
