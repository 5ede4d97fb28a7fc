//! `keymint`: the command line over keymint-core. Parsing and output only.

mod agent;
mod cli;
mod commands;
mod input;
mod output;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use keymint_core::vault::KeyringVault;
use keymint_core::{Error, Keymint};

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    // Before anything reads a secret, in every process this binary runs as (the clipboard
    // holder included): no core dump, not dumpable.
    let json_requested = std::env::args_os().any(|a| a == "--json");
    if let Err(e) = keymint_core::hardening::forbid_core_dumps() {
        return fail(&e, json_requested);
    }
    // args_os: a non-UTF-8 argument must reach clap's error, not panic here.
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == commands::copy::HOLDER) {
        let secs = args.next().and_then(|s| s.into_string().ok());
        return commands::copy::hold(secs.as_deref().unwrap_or("30"));
    }
    let cli = Cli::parse();
    let json = cli.json;
    // Logging is off unless asked for; without KEYMINT_LOG no subscriber is set up at all.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("KEYMINT_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    // One command, one task: no worker threads to start. Keychain calls still run on
    // tokio's blocking pool and the vault's own thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&Error::Io(format!("cannot start: {e}")), json),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => fail(&e, json),
    }
}

/// Prints the error on stderr — one line, or with `--json` `{"error": {code, message, field}}`
/// — and returns its exit status (SPEC §4).
fn fail(e: &Error, json: bool) -> ExitCode {
    if json {
        let body = serde_json::json!({ "error": keymint_core::error::ErrorBody::from(e) });
        eprintln!("{body}");
    } else {
        eprintln!("keymint: {}", output::error_line(e));
    }
    ExitCode::from(e.code().exit_status() as u8)
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let dir = keymint_core::paths::data_dir(cli.data_dir.clone())?;
    match cli.command {
        Command::Providers => {
            commands::providers::run(cli.json);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Doctor => return Ok(commands::doctor::run(&dir, cli.json).await),
        Command::Completions { shell } => return Ok(commands::docs::completions(shell)),
        Command::Man => return commands::docs::man(),
        _ => {}
    }
    let core = Keymint::open(dir, Arc::new(KeyringVault::from_env()))?;
    // Cheap unless a create died half-way: then its pending row is resolved now.
    if let Err(e) = core.reconcile(keymint_core::service::stale_after_from_env(), false) {
        tracing::warn!(code = e.code().as_str(), "reconcile skipped");
    }
    let out = output::Output::new(cli.json);
    let reason = cli.reason.clone();
    match cli.command {
        Command::Providers | Command::Doctor | Command::Completions { .. } | Command::Man => {
            Ok(ExitCode::SUCCESS)
        }
        Command::Account(cmd) => commands::account::run(&core, &out, cmd).await,
        Command::Store(cmd) => commands::store::run(&core, &out, cmd).await,
        Command::Key(cmd) => commands::key::run(&core, &out, cmd, reason.as_deref()).await,
        Command::Exec(args) => commands::exec::run(&core, args).await,
        Command::Read { reference } => {
            let allowed = agent::guard(&core, "keymint read", reason.as_deref())?;
            let secret = core.key_secret(&reference, "read").await?;
            allowed.record(&core, &[reference]);
            println!("{}", keymint_core::ExposeSecret::expose_secret(&secret));
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => commands::run::run(&core, args).await,
        Command::Inject(args) => commands::inject::run(&core, args, reason.as_deref()).await,
        Command::Check(args) => commands::check::run(&core, &out, args).await,
        Command::Scan(args) => commands::scan::run(&core, &out, args).await,
        Command::Settings { cmd } => commands::settings::run(&core, &out, cmd),
        Command::Mcp => commands::mcp::run(core).await,
    }
}
