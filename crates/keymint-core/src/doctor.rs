//! `keymint doctor`: checks what Keymint depends on and says how to fix what is broken.

use std::path::Path;

use serde::Serialize;

use crate::store::Store;
use crate::vault::Vault;

/// One check's outcome.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, or how to fix it.
    pub detail: String,
    /// For a failed check, the code of what failed (`keychain_unavailable`, `store`, ...):
    /// the CLI's exit status comes from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::ErrorCode>,
}

/// Runs every check. Keychain checks come first: they are what most often breaks.
pub fn diagnose(data_dir: &Path, vault: &dyn Vault) -> Vec<Check> {
    let mut checks = Vec::new();
    if cfg!(all(unix, not(target_os = "macos"))) {
        let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
        checks.push(Check {
            name: "D-Bus session",
            ok: bus.is_some(),
            detail: match bus {
                Some(_) => "DBUS_SESSION_BUS_ADDRESS is set".to_owned(),
                None => "no D-Bus session: run inside a desktop session, or `dbus-run-session -- $SHELL`".to_owned(),
            },
            code: bus.is_none().then_some(crate::ErrorCode::KeychainUnavailable),
        });
    }
    checks.push(match vault.probe() {
        Ok(()) => Check {
            name: "keychain",
            ok: true,
            detail: "write, read and delete of a test item worked".to_owned(),
            code: None,
        },
        Err(e) => Check {
            name: "keychain",
            ok: false,
            detail: e.to_string(),
            code: Some(e.code()),
        },
    });
    checks.push(match Store::open(data_dir) {
        Ok(store) => {
            let accounts = store.list_accounts().map(|a| a.len()).unwrap_or(0);
            Check {
                name: "inventory",
                ok: true,
                detail: format!("{} opens ({accounts} accounts)", store.path().display()),
                code: None,
            }
        }
        Err(e) => Check {
            name: "inventory",
            ok: false,
            detail: format!("{e}; check that {} is writable", data_dir.display()),
            code: Some(e.code()),
        },
    });
    checks
}

/// Compares the inventory with the keychain, fixing what can be fixed (see
/// [`crate::Keymint::reconcile`]).
pub fn reconcile_check(data_dir: &Path, vault: std::sync::Arc<dyn Vault>) -> Check {
    let result = crate::Keymint::open(data_dir.to_path_buf(), vault)
        .and_then(|core| core.reconcile(core.config().stale_pending, true));
    match result {
        Ok(r) => Check {
            name: "in step",
            ok: r.orphans.is_empty(),
            detail: format!(
                "{} recovered, {} interrupted, {} missing from the keychain, {} keychain items without a row{}",
                r.recovered,
                r.interrupted,
                r.missing,
                r.orphans.len(),
                if r.orphans.is_empty() {
                    String::new()
                } else {
                    format!(" ({}); import them with `keymint key import` or delete them with secret-tool", r.orphans.join(", "))
                }
            ),
            code: None,
        },
        Err(e) => Check {
            name: "in step",
            ok: false,
            detail: e.to_string(),
            code: Some(e.code()),
        },
    }
}

/// One check per team store (see [`crate::Keymint::check_team_store`]): reachable, unsealed,
/// the token's TTL (renewed when due) and its capabilities on the store's prefix. The checks
/// run one after the other: a team has a handful of stores, and each is a few requests.
pub async fn team_store_checks(core: &crate::Keymint) -> Vec<Check> {
    let stores = match core.team_stores() {
        Ok(stores) => stores,
        Err(e) => {
            return vec![Check {
                name: "team store",
                ok: false,
                detail: e.to_string(),
                code: Some(e.code()),
            }]
        }
    };
    let mut checks = Vec::with_capacity(stores.len());
    for team in &stores {
        let found = core.check_team_store(team).await;
        checks.push(Check {
            name: "team store",
            ok: found.ok,
            detail: found.detail,
            code: found.code,
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;

    #[test]
    fn reports_a_failing_keychain() {
        let vault = MemoryVault::default();
        let dir = std::env::temp_dir().join(format!("keymint-doctor-{}", crate::store::new_id()));
        let ok = diagnose(&dir, &vault);
        assert!(
            ok.iter()
                .filter(|c| c.name != "D-Bus session")
                .all(|c| c.ok),
            "{ok:?}"
        );
        vault
            .fail_writes
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let bad = diagnose(&dir, &vault);
        assert!(bad.iter().any(|c| c.name == "keychain" && !c.ok));
        let _ = std::fs::remove_dir_all(dir);
    }
}
