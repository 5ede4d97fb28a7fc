//! `parse_set_args` + `validate`: the input's lines are `--set FIELD=VALUE` arguments, run
//! against the key fields and the account fields of every registered provider.
//!
//! Invariants when accepted:
//! - only the form's fields are present, and every required field and every field with a
//!   default is;
//! - text: at most `max_len` (and `MAX_VALUE_BYTES`) bytes, not empty, no control character,
//!   no leading or trailing space, a DNS label where the field says so;
//! - enum: one of the options; multi-enum: at least `min` options, none twice;
//! - JSON object: an object, at most `MAX_VALUE_BYTES` serialized, and for string-list
//!   objects every key non-empty and every value a list of strings;
//! - validating the result again gives the same result.
//!
//! When refused: a validation error whose field, if it names one, is one of the form's, and
//! whose message has no control character (the CLI prints it).
#![no_main]

use std::collections::BTreeMap;

use keymint_core::descriptor::{Field, FieldKind, JsonValues, TextPattern};
use keymint_core::providers::REGISTRY;
use keymint_core::values::{parse_set_args, validate, Value, Values, MAX_VALUE_BYTES};
use keymint_core::ErrorCode;
use libfuzzer_sys::fuzz_target;

fn check_value(form: &str, field: &Field, value: &Value) {
    let name = field.name;
    match (&field.kind, value) {
        (FieldKind::Text { max_len, pattern }, Value::Text(s)) => {
            assert!(!s.is_empty(), "{form}.{name}: empty text kept");
            assert!(
                s.len() <= (*max_len).min(MAX_VALUE_BYTES),
                "{form}.{name}: {} bytes, limit {max_len}",
                s.len()
            );
            assert!(
                !s.chars().any(char::is_control),
                "{form}.{name}: control character in {s:?}"
            );
            assert_eq!(s.trim(), s, "{form}.{name}: untrimmed {s:?}");
            if let Some(TextPattern::DnsLabel) = pattern {
                assert!(
                    (1..=63).contains(&s.len())
                        && s.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && !s.starts_with('-')
                        && !s.ends_with('-'),
                    "{form}.{name}: not a DNS label: {s:?}"
                );
            }
        }
        (FieldKind::Enum { options }, Value::Text(s)) => {
            assert!(
                options.contains(&s.as_str()),
                "{form}.{name}: {s:?} not in {options:?}"
            );
        }
        (FieldKind::MultiEnum { options, min }, Value::List(items)) => {
            assert!(items.len() >= *min, "{form}.{name}: fewer than {min}");
            for (i, item) in items.iter().enumerate() {
                assert!(
                    options.contains(&item.as_str()),
                    "{form}.{name}: {item:?} not in {options:?}"
                );
                assert!(
                    !items[..i].contains(item),
                    "{form}.{name}: {item:?} listed twice in {items:?}"
                );
            }
        }
        (FieldKind::JsonObject { values }, Value::Object(map)) => {
            let size = serde_json_len(value);
            assert!(
                size <= MAX_VALUE_BYTES,
                "{form}.{name}: {size} bytes of JSON"
            );
            if let JsonValues::StringList = values {
                for (k, v) in map {
                    assert!(!k.is_empty(), "{form}.{name}: empty key");
                    assert!(
                        v.as_array()
                            .is_some_and(|a| a.iter().all(|x| x.is_string())),
                        "{form}.{name}: {k:?} maps to {v}, not a list of strings"
                    );
                }
            }
        }
        (kind, value) => panic!("{form}.{name}: {value:?} kept for a {kind:?} field"),
    }
}

fn serde_json_len(value: &Value) -> usize {
    value.to_json().to_string().len()
}

fn check_accepted(form: &str, fields: &[Field], out: &Values) {
    for key in out.keys() {
        assert!(
            fields.iter().any(|f| f.name == key),
            "{form}: unknown field {key:?} kept"
        );
    }
    for field in fields {
        match out.get(field.name) {
            Some(v) => check_value(form, field, v),
            None => assert!(
                !field.required && field.default.is_none(),
                "{form}.{}: required or defaulted field missing",
                field.name
            ),
        }
    }
    match validate(fields, out) {
        Ok(again) => assert_eq!(&again, out, "{form}: validating twice changes the values"),
        Err(e) => panic!("{form}: validated values refused on a second pass: {e}"),
    }
}

fn check_refused(form: &str, fields: &[Field], e: &keymint_core::Error) {
    assert_eq!(e.code(), ErrorCode::Validation, "{form}: {e}");
    if let Some(name) = e.field_name() {
        assert!(
            fields.iter().any(|f| f.name == name),
            "{form}: error names unknown field {name:?}: {e}"
        );
    }
    let msg = e.to_string();
    assert!(
        !msg.chars().any(char::is_control),
        "{form}: control character in message {msg:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.strip_suffix('\n').unwrap_or(text);
    let pairs: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    };
    for provider in REGISTRY {
        let d = provider.descriptor();
        for (which, fields) in [("key", d.key_fields), ("account", d.account_fields)] {
            let form = format!("{}/{which}", d.id);
            let result = parse_set_args(fields, &pairs)
                .and_then(|raw: BTreeMap<String, Value>| validate(fields, &raw));
            match result {
                Ok(out) => check_accepted(&form, fields, &out),
                Err(e) => check_refused(&form, fields, &e),
            }
        }
    }
});
