//! Templates for `keymint inject` (SPEC §6): `{{ keymint://ACCOUNT/LABEL }}` placeholders
//! (spaces inside the braces optional) replaced by the secrets they name.

use crate::error::{Error, Result};
use crate::reference::{Reference, SCHEME};

/// A template split into literal text and placeholders.
#[derive(Debug, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text copied as is.
    Text(&'a str),
    /// A placeholder's reference.
    Placeholder(Reference),
}

/// Splits `text` into parts. A `{{` that holds a `keymint://` reference must be well formed;
/// other `{{ … }}` (another template language's) are left as text.
pub fn parse(text: &str) -> Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while let Some(open) = rest.find("{{") {
        let inner_start = open + 2;
        let Some(close) = rest[inner_start..].find("}}") else {
            break;
        };
        let inner = rest[inner_start..inner_start + close].trim();
        if inner.starts_with(SCHEME) {
            if open > 0 {
                parts.push(Part::Text(&rest[..open]));
            }
            line += rest[..open].matches('\n').count();
            let reference =
                Reference::parse(inner).map_err(|e| Error::invalid(format!("line {line}: {e}")))?;
            parts.push(Part::Placeholder(reference));
        } else {
            parts.push(Part::Text(&rest[..inner_start + close + 2]));
            line += rest[..inner_start + close + 2].matches('\n').count();
        }
        rest = &rest[inner_start + close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_leaves_other_braces() {
        let parts = parse("a: {{ keymint://p/k }}\nb: {{keymint://p/l}} {{ other }}").expect("ok");
        assert_eq!(
            parts,
            vec![
                Part::Text("a: "),
                Part::Placeholder(Reference::new("p", "k")),
                Part::Text("\nb: "),
                Part::Placeholder(Reference::new("p", "l")),
                Part::Text(" {{ other }}"),
            ]
        );
    }

    #[test]
    fn a_bad_placeholder_names_its_line() {
        let e = parse("ok\n\nx: {{ keymint://p }}").expect_err("bad");
        assert!(e.to_string().starts_with("Line 3:"), "{e}");
    }
}
