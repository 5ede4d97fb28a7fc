//! `keymint check [--env-file F]... [--within D]` (SPEC §6): one line per problem, exit 6 when
//! there is any. Made for CI and pre-commit hooks.

use std::process::ExitCode;

use keymint_core::envfile::{self, EnvValue};
use keymint_core::{Error, Keymint};

use crate::cli::CheckArgs;
use crate::output::{safe, Output};

/// Exit status when a reference has a problem.
pub const PROBLEMS: u8 = 6;

pub async fn run(core: &Keymint, out: &Output, args: CheckArgs) -> Result<ExitCode, Error> {
    let within = keymint_core::expiry::parse_window(&args.within)
        .map_err(|e| Error::field("within", format!("--within: {e}")))?;
    let references = if args.env_files.is_empty() {
        None
    } else {
        let mut refs = Vec::new();
        for file in &args.env_files {
            for entry in envfile::read(file)? {
                if let EnvValue::Reference(r) = entry.value {
                    refs.push((r, Some(format!("{}: {}", file.display(), entry.name))));
                }
            }
        }
        Some(refs)
    };
    let checked = references.as_ref().map(Vec::len);
    let problems = core.check(references, within).await?;
    if out.json {
        out.json(&problems);
    } else {
        for p in &problems {
            match &p.source {
                Some(source) => println!("{}: {}", safe(source), safe(&p.message)),
                None => println!("{}", safe(&p.message)),
            }
        }
        if problems.is_empty() {
            match checked {
                Some(n) => eprintln!("keymint: {n} reference(s) resolve, stored, none expiring"),
                None => eprintln!("keymint: every key label resolves, stored, none expiring"),
            }
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(PROBLEMS)
    })
}
