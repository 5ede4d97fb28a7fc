//! `keymint exec --env VAR=KEY ... -- COMMAND`: every secret is resolved before the command
//! starts; secrets travel in the environment only, never in argv.

use std::process::{Command, ExitCode};

use keymint_core::{Error, ExposeSecret, Keymint};

use crate::cli::ExecArgs;

pub async fn run(core: &Keymint, args: ExecArgs) -> Result<ExitCode, Error> {
    let mut vars = Vec::with_capacity(args.env.len());
    let mut refs = Vec::with_capacity(args.env.len());
    for pair in &args.env {
        let (var, key) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("--env expects VAR=KEY, got `{pair}`")))?;
        let valid = !var.is_empty()
            && !var.starts_with(|c: char| c.is_ascii_digit())
            && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(Error::invalid(format!(
                "`{var}` is not a valid environment variable name"
            )));
        }
        vars.push(var.to_owned());
        refs.push(key.to_owned());
    }
    let secrets = core.key_secrets(&refs, "exec").await?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::invalid("give the command to run after --"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (var, secret) in vars.iter().zip(&secrets) {
        cmd.env(var, secret.expose_secret());
    }
    run_child(cmd, program)
}

/// On Unix the command replaces this process: signals reach it directly and its exit
/// status is ours.
#[cfg(unix)]
pub(crate) fn run_child(mut cmd: Command, program: &str) -> Result<ExitCode, Error> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(Error::Io(format!("cannot run `{program}`: {err}")))
}

#[cfg(not(unix))]
pub(crate) fn run_child(mut cmd: Command, program: &str) -> Result<ExitCode, Error> {
    let status = cmd
        .status()
        .map_err(|e| Error::Io(format!("cannot run `{program}`: {e}")))?;
    Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
}
