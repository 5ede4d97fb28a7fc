//! Fault points in the create flow, for tests that prove the never-lose order. Compiled in
//! only with the `fault-injection` feature; in every other build [`hit`] does nothing.
//!
//! `KEYMINT_FAULT=<point>:<action>` where action is `kill` (SIGKILL this process at that
//! point), `fail` (make that step fail as the real component would, every time) or
//! `fail_once` (only the first time in this process).

use crate::error::Result;

/// Points of the create flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// The keychain check before a create that cannot show a secret (`keymint mcp`).
    VaultProbe,
    /// The provider's answer is parsed; nothing is stored yet.
    AfterResponse,
    /// The keychain write (a `fail` makes it fail).
    VaultWrite,
    /// The secret is in the keychain; the row is not updated yet.
    AfterVault,
    /// The row update (a `fail` makes it fail).
    DbWrite,
    /// Everything is recorded; nothing is printed yet.
    AfterDb,
    /// The write of a new key to its team store (a `fail` makes it fail).
    StoreWrite,
}

impl Point {
    /// Name used in `KEYMINT_FAULT`.
    pub fn name(self) -> &'static str {
        match self {
            Self::VaultProbe => "vault_probe",
            Self::AfterResponse => "after_response",
            Self::VaultWrite => "vault_write",
            Self::AfterVault => "after_vault",
            Self::DbWrite => "db_write",
            Self::AfterDb => "after_db",
            Self::StoreWrite => "store_write",
        }
    }
}

/// Triggers the configured fault at `point`: kills the process, or returns `make_err()`.
#[cfg(feature = "fault-injection")]
pub fn hit(point: Point, make_err: impl FnOnce() -> crate::Error) -> Result<()> {
    let Ok(spec) = std::env::var("KEYMINT_FAULT") else {
        return Ok(());
    };
    match spec.split_once(':') {
        Some((p, "kill")) if p == point.name() => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &std::process::id().to_string()])
                .status();
            // SIGKILL is asynchronous: never go on.
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        Some((p, "fail")) if p == point.name() => Err(make_err()),
        Some((p, "fail_once")) if p == point.name() => {
            static FAILED: std::sync::atomic::AtomicBool =
                std::sync::atomic::AtomicBool::new(false);
            if FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                Ok(())
            } else {
                Err(make_err())
            }
        }
        _ => Ok(()),
    }
}

/// Without the `fault-injection` feature there are no faults.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn hit(_point: Point, _make_err: impl FnOnce() -> crate::Error) -> Result<()> {
    Ok(())
}
