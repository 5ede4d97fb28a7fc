//! Commands return `{code, message, field}`; the UI maps the code to a presentation.

use keymint_core::error::ErrorBody;
use keymint_core::Error;
use serde::Serialize;

/// The error every command returns.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CommandError(ErrorBody);

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        Self(ErrorBody::from(&e))
    }
}

/// Result of a command.
pub type CmdResult<T> = Result<T, CommandError>;
