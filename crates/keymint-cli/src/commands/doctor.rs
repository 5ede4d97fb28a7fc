//! `keymint doctor`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use keymint_core::vault::KeyringVault;

use crate::output::Output;

pub async fn run(dir: &Path, json: bool) -> ExitCode {
    let vault = Arc::new(KeyringVault::from_env());
    let mut checks = keymint_core::doctor::diagnose(dir, vault.as_ref());
    if checks.iter().all(|c| c.ok) {
        checks.push(keymint_core::doctor::reconcile_check(dir, vault.clone()));
        match keymint_core::Keymint::open(dir.to_path_buf(), vault) {
            Ok(core) => checks.extend(keymint_core::doctor::team_store_checks(&core).await),
            Err(e) => checks.push(keymint_core::doctor::Check {
                name: "team store",
                ok: false,
                detail: e.to_string(),
                code: Some(e.code()),
            }),
        }
    }
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
    // The first failed check decides, by its error code (a check without one exits 1).
    match checks.iter().find(|c| !c.ok) {
        None => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(c.code.map_or(1, |code| code.exit_status()) as u8),
    }
}
