//! `keymint completions SHELL` and `keymint man`, generated from the clap definition.

use std::process::ExitCode;

use clap::CommandFactory;
use keymint_core::Error;

use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "keymint",
        &mut std::io::stdout(),
    );
    ExitCode::SUCCESS
}

pub fn man() -> Result<ExitCode, Error> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(|e| Error::Io(format!("cannot write the man page: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
