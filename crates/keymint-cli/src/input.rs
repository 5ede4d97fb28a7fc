//! Reading secrets from where the CLI allows them: standard input, an environment variable,
//! or a file. Never from an argument.

use std::io::Read;
use std::path::Path;

use keymint_core::{Error, SecretString};
use zeroize::Zeroizing;

/// Largest secret read from standard input.
const MAX_STDIN: u64 = 64 * 1024;

/// Reads a secret from standard input, without its trailing line break.
pub fn secret_from_stdin(what: &str) -> Result<SecretString, Error> {
    let mut buf = Zeroizing::new(String::new());
    std::io::stdin()
        .take(MAX_STDIN)
        .read_to_string(&mut buf)
        .map_err(|e| Error::Io(format!("cannot read the {what} from standard input: {e}")))?;
    let trimmed = buf.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        return Err(Error::field(
            "credential",
            format!("no {what} on standard input; pipe it in, e.g. `pass show x | keymint …`"),
        ));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Reads a secret from the environment variable `var`.
pub fn secret_from_env(var: &str) -> Result<SecretString, Error> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
        _ => Err(Error::field(
            "credential",
            format!("environment variable {var} is not set or empty"),
        )),
    }
}

/// Reads a small text file (PEM).
pub fn read_file(path: &Path, field: &str) -> Result<String, Error> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::field(field, format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > 256 * 1024 {
        return Err(Error::field(
            field,
            format!("{} is too large for a PEM file", path.display()),
        ));
    }
    std::fs::read_to_string(path)
        .map_err(|e| Error::field(field, format!("cannot read {}: {e}", path.display())))
}
