//! `keymint doctor`.

use std::path::Path;
use std::process::ExitCode;

use keymint_core::vault::KeyringVault;

use crate::output::Output;

pub fn run(dir: &Path, json: bool) -> ExitCode {
    let vault = KeyringVault::from_env();
    let checks = keymint_core::doctor::diagnose(dir, &vault);
    let out = Output::new(json);
    if json {
        out.json(&checks);
    } else {
        for c in &checks {
            println!(
                "{}  {:<14} {}",
                if c.ok { "ok  " } else { "FAIL" },
                c.name,
                c.detail
            );
        }
    }
    match checks.iter().find(|c| !c.ok) {
        None => ExitCode::SUCCESS,
        Some(c) if c.name == "inventory" => ExitCode::from(1),
        Some(_) => ExitCode::from(5),
    }
}
