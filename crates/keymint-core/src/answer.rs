//! The provider's answer compared with the request: a key that comes back already expired,
//! with another expiry than asked for, or with other scopes is created all the same (the
//! provider made it), but the user is told in one sentence each, and the key keeps them.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// How far the answered expiry may be from the asked one before it is worth a word (the
/// providers round to seconds or minutes).
const EXPIRY_SLACK_SECS: i64 = 60;

/// What was asked for and what came back.
#[derive(Debug, Clone, Copy)]
pub struct Comparison<'a> {
    /// The expiry asked for.
    pub asked_expiry: Option<DateTime<Utc>>,
    /// The expiry in the answer.
    pub answered_expiry: Option<DateTime<Utc>>,
    /// The scopes (permissions, roles) asked for, as the form gave them.
    pub asked_scopes: Option<&'a Value>,
    /// The scopes in the answer.
    pub answered_scopes: Option<&'a Value>,
    /// When the answer arrived.
    pub now: DateTime<Utc>,
}

/// One sentence per difference; empty when the answer matches the request.
pub fn differences(c: &Comparison<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(answered) = c.answered_expiry {
        if answered <= c.now {
            notes.push(format!(
                "The provider returned the key already expired (expiry {})",
                human_time(answered)
            ));
        } else if let Some(asked) = c.asked_expiry {
            if (answered - asked).num_seconds().abs() > EXPIRY_SLACK_SECS {
                notes.push(format!(
                    "The provider set the expiry to {}, not {} as asked",
                    human_time(answered),
                    human_time(asked)
                ));
            }
        }
    }
    if let (Some(asked), Some(answered)) = (c.asked_scopes, c.answered_scopes) {
        if normalized(asked) != normalized(answered) {
            notes.push(format!(
                "The provider granted other scopes than asked: {} instead of {}",
                compact(answered),
                compact(asked)
            ));
        }
    }
    notes
}

/// `5 Mar 2027 14:00 UTC`.
fn human_time(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

/// Order and repeats do not matter in a list of scopes; objects compare by their keys.
fn normalized(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(normalized).collect();
            items.sort_by_key(Value::to_string);
            items.dedup();
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A short rendering: `A, B` for a list of texts, JSON otherwise, at most 200 characters.
fn compact(v: &Value) -> String {
    let text = match v {
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let names: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        }
        other => other.to_string(),
    };
    // The provider's words reach a terminal: no control or direction characters.
    let text: String = text
        .chars()
        .filter(|c| {
            !c.is_control()
                && !('\u{202a}'..='\u{202e}').contains(c)
                && !('\u{2066}'..='\u{2069}').contains(c)
        })
        .collect();
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(199).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("date")
    }

    fn compare(
        asked: Option<DateTime<Utc>>,
        answered: Option<DateTime<Utc>>,
        asked_scopes: Option<Value>,
        answered_scopes: Option<Value>,
    ) -> Vec<String> {
        differences(&Comparison {
            asked_expiry: asked,
            answered_expiry: answered,
            asked_scopes: asked_scopes.as_ref(),
            answered_scopes: answered_scopes.as_ref(),
            now: at(2026, 12, 5),
        })
    }

    #[test]
    fn a_matching_answer_says_nothing() {
        let asked = at(2027, 3, 5);
        let within = asked + chrono::Duration::seconds(59);
        assert!(compare(
            Some(asked),
            Some(within),
            Some(json!(["b", "a", "a"])),
            Some(json!(["a", "b"]))
        )
        .is_empty());
        assert!(compare(None, None, None, None).is_empty());
        let perms = json!({"payments": ["write", "read"]});
        let back = json!({"payments": ["read", "write"]});
        assert!(compare(None, None, Some(perms), Some(back)).is_empty());
    }

    #[test]
    fn an_expiry_in_the_past_is_named() {
        let notes = compare(Some(at(2027, 3, 5)), Some(at(2023, 1, 1)), None, None);
        assert_eq!(
            notes,
            ["The provider returned the key already expired (expiry 1 Jan 2023 12:00 UTC)"]
        );
        // Also when no expiry was asked for.
        assert_eq!(
            compare(None, Some(at(2023, 1, 1)), None, None).len(),
            1,
            "past expiry without one asked"
        );
    }

    #[test]
    fn another_expiry_than_asked_is_named() {
        let asked = at(2027, 3, 5);
        let notes = compare(
            Some(asked),
            Some(asked + chrono::Duration::seconds(61)),
            None,
            None,
        );
        assert_eq!(
            notes,
            ["The provider set the expiry to 5 Mar 2027 12:01 UTC, not 5 Mar 2027 12:00 UTC as asked"]
        );
    }

    #[test]
    fn other_scopes_are_named() {
        let notes = compare(None, None, Some(json!(["A", "B"])), Some(json!(["A", "C"])));
        assert_eq!(
            notes,
            ["The provider granted other scopes than asked: A, C instead of A, B"]
        );
        let perms = compare(
            None,
            None,
            Some(json!({"payments": ["read"]})),
            Some(json!({"payments": ["read", "write"]})),
        );
        assert_eq!(perms.len(), 1, "{perms:?}");
    }
}
