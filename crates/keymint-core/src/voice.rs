//! One voice for what a form tells its user: sentence case, no closing full stop, values in
//! quotes rather than backticks, the field's visible name rather than its internal one,
//! durations in human units. [`Error::field`](crate::Error::field) and
//! [`Error::invalid`](crate::Error::invalid) pass every message through [`sentence`].

use crate::descriptor::Field;

/// `message` in the form's voice: first letter upper-case, no full stop at the end, each
/// `` `value` `` as “value”.
pub fn sentence(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 4);
    let mut open = true;
    for c in message.chars() {
        if c == '`' {
            out.push(if open { '“' } else { '”' });
            open = !open;
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim_end();
    let trimmed = trimmed
        .strip_suffix('.')
        .filter(|t| !t.ends_with('.'))
        .unwrap_or(trimmed);
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The visible name of the provider form field `name` (`cluster_id` → `Cluster ID`), looked
/// up in every provider's forms; `name` itself when no form has it.
pub fn label_of(name: &str) -> &str {
    crate::providers::REGISTRY
        .iter()
        .flat_map(|p| {
            let d = p.descriptor();
            d.account_fields.iter().chain(d.key_fields)
        })
        .find(|f: &&Field| f.name == name)
        .map_or(name, |f| f.label)
}

/// A span of seconds in the largest whole unit that reads naturally: `90 days`, `36 hours`,
/// `45 minutes`, `30 seconds`.
pub fn span(secs: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let abs = secs.unsigned_abs() as i64;
    if abs >= 2 * 86_400 {
        plural((abs + 43_200) / 86_400, "day")
    } else if abs >= 2 * 3_600 {
        plural((abs + 1_800) / 3_600, "hour")
    } else if abs >= 120 {
        plural((abs + 30) / 60, "minute")
    } else {
        plural(abs, "second")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(sentence("expiry `x` is wrong."), "Expiry “x” is wrong");
        assert_eq!(sentence("give 1, 2, ..."), "Give 1, 2, ...");
        assert_eq!(sentence("HSRC pay expects"), "HSRC pay expects");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn spans() {
        assert_eq!(span(7_776_000), "90 days");
        assert_eq!(span(10_368_000), "120 days");
        assert_eq!(span(86_400 + 3_600 * 12), "36 hours");
        assert_eq!(span(600), "10 minutes");
        assert_eq!(span(45), "45 seconds");
        assert_eq!(span(1), "1 second");
    }

    #[test]
    fn labels() {
        assert_eq!(label_of("cluster_id"), "Cluster ID");
        assert_eq!(label_of("no_such_field"), "no_such_field");
    }
}
