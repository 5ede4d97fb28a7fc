//! Field values: parsed from `FIELD=VALUE` strings (the CLI's `--set`) or taken from the UI's
//! JSON, and validated against a [`Field`]'s constraints. Validation happens here, once,
//! before anything is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::descriptor::{Field, FieldKind, JsonValues, TextPattern};
use crate::error::{Error, Result};

/// Longest value accepted for any field, whatever its own limit (hostile-input guard).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// A field's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
#[ts(rename = "FieldValue")]
pub enum Value {
    /// Text or enum.
    Text(String),
    /// Multi-enum.
    List(Vec<String>),
    /// JSON object.
    Object(serde_json::Map<String, serde_json::Value>),
}

/// Validated values by field name. Empty optional fields are absent.
pub type Values = BTreeMap<String, Value>;

/// An account's stored text fields as values (for [`validate`] or a provider's default URL).
pub fn text_values(fields: &BTreeMap<String, String>) -> Values {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::Text(v.clone())))
        .collect()
}

/// Splits `FIELD=VALUE` pairs at their first `=`, in order. Refuses a pair without `=` and a
/// field given twice. The names are not checked here: [`parse_set_args`] and [`validate`] do.
pub fn parse_pairs(pairs: &[String]) -> Result<Vec<(&str, &str)>> {
    let mut out = Vec::with_capacity(pairs.len());
    let mut seen = std::collections::BTreeSet::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(Error::invalid(format!(
                "a field is given as FIELD=VALUE; got `{}`",
                shorten(pair)
            )));
        };
        if !seen.insert(name) {
            return Err(Error::invalid(format!(
                "{} is given twice; give it once",
                shorten(name)
            )));
        }
        out.push((name, value));
    }
    Ok(out)
}

/// Parses `FIELD=VALUE` pairs (see [`parse_pairs`]) into raw values, typed by `fields`.
pub fn parse_set_args(fields: &[Field], pairs: &[String]) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for (name, raw) in parse_pairs(pairs)? {
        let field = fields.iter().find(|f| f.name == name).ok_or_else(|| {
            Error::invalid(format!(
                "unknown field `{}`; this form accepts: {}",
                shorten(name),
                field_names(fields)
            ))
        })?;
        let value = match &field.kind {
            FieldKind::MultiEnum { .. } => Value::List(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            FieldKind::JsonObject { .. } if raw.trim().is_empty() => Value::Text(String::new()),
            FieldKind::JsonObject { .. } => match serde_json::from_str(raw) {
                Ok(serde_json::Value::Object(map)) => Value::Object(map),
                _ => return Err(Error::field(field.name, json_problem(field, raw))),
            },
            _ => Value::Text(raw.to_owned()),
        };
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// Validates raw values against `fields`: required fields present, defaults applied, unknown
/// names refused, every constraint checked. Empty optional values are dropped.
pub fn validate(fields: &[Field], raw: &BTreeMap<String, Value>) -> Result<Values> {
    if let Some(unknown) = raw.keys().find(|k| !fields.iter().any(|f| f.name == *k)) {
        return Err(Error::invalid(format!(
            "unknown field `{}`; this form accepts: {}",
            shorten(unknown),
            field_names(fields)
        )));
    }
    let mut out = Values::new();
    for field in fields {
        let given = raw.get(field.name).filter(|v| !is_empty(v));
        let value = match (given, field.default) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => Value::Text(d.to_owned()),
            (None, None) if field.required => {
                return Err(Error::field(
                    field.name,
                    format!("{} is required: {}", field.label, field.help),
                ))
            }
            (None, None) => continue,
        };
        out.insert(field.name.to_owned(), check(field, value)?);
    }
    Ok(out)
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Text(s) => s.trim().is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Object(_) => false,
    }
}

fn check(field: &Field, value: Value) -> Result<Value> {
    let name = field.name;
    let label = field.label;
    let err = |m: String| Err(Error::field(name, m));
    match (&field.kind, value) {
        (FieldKind::Text { max_len, pattern }, Value::Text(s)) => {
            check_text(name, &s, *max_len)?;
            match pattern {
                Some(TextPattern::DnsLabel) => check_dns_label(name, &s)?,
                Some(TextPattern::PathSegment) => {
                    crate::providers::segment(name, &s)?;
                }
                None => {}
            }
            Ok(Value::Text(s))
        }
        (FieldKind::Enum { options }, Value::Text(s)) => {
            if options.contains(&s.as_str()) {
                Ok(Value::Text(s))
            } else {
                err(format!(
                    "{label} must be one of {}; got `{}`",
                    options.join(", "),
                    shorten(&s)
                ))
            }
        }
        (FieldKind::MultiEnum { options, min }, Value::List(items)) => {
            let mut seen = Vec::with_capacity(items.len());
            for item in &items {
                if !options.contains(&item.as_str()) {
                    return err(format!(
                        "{label}: `{}` is not a known value; choose from {}",
                        shorten(item),
                        options.join(", ")
                    ));
                }
                if seen.contains(&item) {
                    return err(format!("{label}: `{item}` is listed twice; list it once"));
                }
                seen.push(item);
            }
            if items.len() < *min {
                return err(format!("{label}: choose at least {min}"));
            }
            Ok(Value::List(items))
        }
        (FieldKind::JsonObject { values }, Value::Object(map)) => {
            let size = serde_json::to_string(&map).map(|s| s.len()).unwrap_or(0);
            if size > MAX_VALUE_BYTES {
                return err(format!(
                    "{label} is too large (at most {MAX_VALUE_BYTES} bytes)"
                ));
            }
            if let JsonValues::StringList = values {
                for (k, v) in &map {
                    let ok = v
                        .as_array()
                        .is_some_and(|a| a.iter().all(serde_json::Value::is_string));
                    if !ok || k.is_empty() {
                        return err(format!(
                            "{label}: each entry must map a name to a list of strings, e.g. {}",
                            json_example(field)
                        ));
                    }
                }
            }
            Ok(Value::Object(map))
        }
        (FieldKind::MultiEnum { .. }, Value::Text(s)) => check(
            field,
            Value::List(
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        ),
        (FieldKind::JsonObject { .. }, Value::Text(s)) => match serde_json::from_str(&s) {
            Ok(serde_json::Value::Object(map)) => check(field, Value::Object(map)),
            _ => Err(Error::field(name, json_problem(field, &s))),
        },
        _ => err(format!("{label} has the wrong type of value")),
    }
}

/// What is wrong with `raw` as the JSON object `field` takes, and where: “Permissions is not
/// valid JSON: a name must be in double quotes (line 1, column 2)”.
fn json_problem(field: &Field, raw: &str) -> String {
    let label = field.label;
    let example = json_example(field);
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(_) => format!("{label} must be a JSON object in braces, e.g. {example}"),
        Err(e) => {
            let text = e.to_string();
            let what = text.split(" at line ").next().unwrap_or(&text);
            let plain = match what {
                "key must be a string" => "a name must be in double quotes".to_owned(),
                w if w.starts_with("EOF while parsing") => {
                    "it ends too early (a closing brace, bracket or quote is missing)".to_owned()
                }
                "trailing comma" => "there is a comma before a closing brace or bracket".to_owned(),
                "expected ident" | "expected value" => {
                    "this is not JSON (names and texts go in double quotes)".to_owned()
                }
                w => w.to_owned(),
            };
            format!(
                "{label} must be a JSON object: {plain} (line {}, column {}); e.g. {example}",
                e.line(),
                e.column()
            )
        }
    }
}

/// Checks a free-text value: length, no control characters (CR, LF, NUL, ...).
pub fn check_text(name: &str, s: &str, max_len: usize) -> Result<()> {
    let label = crate::voice::label_of(name);
    if s.len() > max_len.min(MAX_VALUE_BYTES) {
        return Err(Error::field(
            name,
            format!("{label} is too long ({} bytes; at most {max_len})", s.len()),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::field(
            name,
            format!("{label} contains a control character (line break, tab or NUL); remove it"),
        ));
    }
    if s.trim() != s {
        return Err(Error::field(
            name,
            format!("{label} starts or ends with a space; remove it"),
        ));
    }
    Ok(())
}

/// Checks a DNS label: `[a-z0-9-]`, 1–63 characters, no hyphen at either end.
pub fn check_dns_label(name: &str, s: &str) -> Result<()> {
    let ok = (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            name,
            format!(
                "{} must be a DNS label: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-' (got `{}`)",
                crate::voice::label_of(name),
                shorten(s)
            ),
        ))
    }
}

fn json_example(field: &Field) -> &'static str {
    match field.kind {
        FieldKind::JsonObject {
            values: JsonValues::StringList,
        } => r#"{"payments": ["read"]}"#,
        _ => r#"{"team": "billing"}"#,
    }
}

fn field_names(fields: &[Field]) -> String {
    if fields.is_empty() {
        return "no extra fields".to_owned();
    }
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// Cuts user input for quoting in a message.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(MAX)
        .collect();
    if s.chars().count() > MAX {
        format!("{clean}…")
    } else {
        clean
    }
}

impl Value {
    /// The text of a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// This value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::from(l.clone()),
            Value::Object(m) => serde_json::Value::Object(m.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::text;

    const FIELDS: &[Field] = &[
        text("account_id", "Account", "your account id"),
        Field {
            name: "scopes",
            label: "Scopes",
            help: "",
            required: true,
            default: None,
            kind: FieldKind::MultiEnum {
                options: &["a:read", "a:write"],
                min: 1,
            },
        },
        Field {
            name: "permissions",
            label: "Permissions",
            help: "",
            required: false,
            default: None,
            kind: FieldKind::JsonObject {
                values: JsonValues::StringList,
            },
        },
    ];

    fn set(pairs: &[&str]) -> Result<Values> {
        let pairs: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
        validate(FIELDS, &parse_set_args(FIELDS, &pairs)?)
    }

    #[test]
    fn parses_lists_and_objects() {
        let v = set(&[
            "account_id=acc",
            "scopes=a:read, a:write",
            r#"permissions={"payments":["read"]}"#,
        ])
        .expect("valid");
        assert_eq!(
            v["scopes"],
            Value::List(vec!["a:read".into(), "a:write".into()])
        );
        assert!(matches!(v["permissions"], Value::Object(_)));
    }

    #[test]
    fn refuses_bad_values_with_the_field_named() {
        for (args, field) in [
            (vec!["scopes=a:read"], "account_id"),
            (vec!["account_id=a", "scopes=a:read,a:read"], "scopes"),
            (vec!["account_id=a", "scopes=b"], "scopes"),
            (vec!["account_id=a\r\nx", "scopes=a:read"], "account_id"),
            (
                vec!["account_id=a", "scopes=a:read", "permissions=[1]"],
                "permissions",
            ),
            (
                vec![
                    "account_id=a",
                    "scopes=a:read",
                    r#"permissions={"p":"read"}"#,
                ],
                "permissions",
            ),
        ] {
            let e = set(&args).expect_err("must refuse");
            assert_eq!(e.field_name(), Some(field), "{args:?}: {e}");
        }
        assert!(set(&["nope=1"]).is_err());
        assert!(set(&["account_id"]).is_err());
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        let args: Vec<String> = ["a=1", "b==2", "c=", "=d", "url=https://x/?q=1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            parse_pairs(&args).expect("pairs"),
            [
                ("a", "1"),
                ("b", "=2"),
                ("c", ""),
                ("", "d"),
                ("url", "https://x/?q=1")
            ]
        );
        let e = parse_pairs(&["region".to_owned()]).expect_err("no =");
        assert!(e.to_string().contains("FIELD=VALUE"), "{e}");
        assert!(!e.to_string().contains("--"), "names no flag: {e}");
        let e = parse_pairs(&["a=1".to_owned(), "a=2".to_owned()]).expect_err("twice");
        assert!(e.to_string().contains("given twice"), "{e}");
        assert!(set(&["account_id=a", "scopes=a:read", "account_id=b"]).is_err());
    }

    #[test]
    fn dns_labels() {
        for ok in ["a", "prod-1", &"a".repeat(63)] {
            assert!(check_dns_label("c", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "A",
            "a.b",
            "a/b",
            "a@b",
            "a:1",
            &"a".repeat(64),
        ] {
            assert!(check_dns_label("c", bad).is_err(), "{bad}");
        }
    }
}
