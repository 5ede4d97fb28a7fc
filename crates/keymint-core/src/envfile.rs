//! Env files for `keymint run` and `keymint check` (SPEC §6): dotenv syntax as the common
//! parsers take it (comments, quotes, `export` prefixes), read by `dotenvy`. Values may be
//! references; everything else passes through unchanged.

use std::path::Path;

use crate::error::{Error, Result};
use crate::reference::Reference;

/// One variable of an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Variable name.
    pub name: String,
    /// A reference to resolve, or the literal value.
    pub value: EnvValue,
}

/// What a variable holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// `keymint://ACCOUNT/LABEL`.
    Reference(Reference),
    /// Anything else, passed on as written.
    Literal(String),
}

impl EnvValue {
    /// A value as written: a reference when it is one as a whole, an error when it starts like
    /// one but is malformed (a typo must not reach the program as a literal).
    pub fn classify(raw: &str) -> Result<Self> {
        if Reference::looks_like(raw) {
            Ok(Self::Reference(Reference::parse(raw)?))
        } else {
            Ok(Self::Literal(raw.to_owned()))
        }
    }
}

/// Largest env file read (they are a few lines; this only guards against a wrong path).
const MAX_BYTES: u64 = 1024 * 1024;

/// Reads `path`. Errors name the file and, for syntax errors, the line.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Io(format!("cannot read env file {shown}: {e}")))?;
    if meta.len() > MAX_BYTES {
        return Err(Error::invalid(format!(
            "env file {shown} is larger than 1 MiB; is it the right file?"
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Io(format!("cannot read env file {shown}: {e}")))?;
    parse(&text).map_err(|e| match e {
        Error::Validation { field, message } => Error::Validation {
            field,
            message: format!("{shown}: {message}"),
        },
        other => other,
    })
}

/// Parses env-file text.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        let (name, raw) = item.map_err(|e| match e {
            dotenvy::Error::LineParse(line, at) => Error::invalid(format!(
                "cannot parse `{}` (at character {at}); write NAME=VALUE, quoting values with spaces",
                crate::values::shorten(line.trim())
            )),
            other => Error::invalid(format!("cannot parse the env file: {other}")),
        })?;
        let value = EnvValue::classify(&raw)?;
        out.push(Entry { name, value });
    }
    Ok(out)
}

/// Whether `name` can be an environment variable name here (letters, digits, `_`, not
/// starting with a digit).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dotenv_syntax_with_references() {
        let entries = parse(
            "# a comment\nexport API_KEY=keymint://prod/payments\nQUOTED=\"keymint://a%20b/x\"\nPLAIN='hello world' # note\nEMPTY=\n",
        )
        .expect("parses");
        assert_eq!(
            entries,
            vec![
                Entry {
                    name: "API_KEY".into(),
                    value: EnvValue::Reference(Reference::new("prod", "payments"))
                },
                Entry {
                    name: "QUOTED".into(),
                    value: EnvValue::Reference(Reference::new("a b", "x"))
                },
                Entry {
                    name: "PLAIN".into(),
                    value: EnvValue::Literal("hello world".into())
                },
                Entry {
                    name: "EMPTY".into(),
                    value: EnvValue::Literal(String::new())
                },
            ]
        );
    }

    #[test]
    fn a_malformed_reference_is_an_error_not_a_literal() {
        let e = parse("K=keymint://only-account\n").expect_err("refused");
        assert!(e.to_string().contains("exactly two parts"), "{e}");
        let e = parse("K=\"unterminated\n").expect_err("refused");
        assert!(e.to_string().contains("Cannot parse"), "{e}");
    }
}
