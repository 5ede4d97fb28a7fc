//! Process hardening for every process that holds a secret (the app, the `keymint` command
//! line and its clipboard holder): no core dump may write a secret to disk, and on Linux the
//! process is not dumpable, so the user's other processes cannot `ptrace` it or read its
//! memory through `/proc/PID/mem`.
//!
//! Children inherit the core-size limit of 0 (the web view's processes, and the command
//! `keymint exec` runs with secrets in its environment); the dumpable flag is reset by the
//! kernel on `execve`, so it covers this process only.

use crate::error::Result;

/// Sets `RLIMIT_CORE` to 0 (soft and hard) and, on Linux, `PR_SET_DUMPABLE` to 0. Call it
/// first thing in `main`, before any secret is read. A no-op where neither exists.
pub fn forbid_core_dumps() -> Result<()> {
    imp::forbid_core_dumps()
}

#[cfg(unix)]
mod imp {
    use rustix::process::{setrlimit, Resource, Rlimit};

    use crate::error::{Error, Result};

    pub(super) fn forbid_core_dumps() -> Result<()> {
        setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        )
        .map_err(|e| Error::Io(format!("cannot turn core dumps off (RLIMIT_CORE): {e}")))?;
        not_dumpable()
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn not_dumpable() -> Result<()> {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        set_dumpable_behavior(DumpableBehavior::NotDumpable)
            .map_err(|e| Error::Io(format!("cannot turn core dumps off (PR_SET_DUMPABLE): {e}")))
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn not_dumpable() -> Result<()> {
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use crate::error::Result;

    pub(super) fn forbid_core_dumps() -> Result<()> {
        // Windows writes no core files by itself; Windows Error Reporting is the user's choice.
        Ok(())
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};

    #[test]
    fn no_core_and_not_dumpable_afterwards() {
        super::forbid_core_dumps().expect("hardening");
        let limit = getrlimit(Resource::Core);
        assert_eq!((limit.current, limit.maximum), (Some(0), Some(0)));
        assert_eq!(
            dumpable_behavior().ok(),
            Some(DumpableBehavior::NotDumpable)
        );
        // Idempotent: the app and the CLI may both call it in one process tree.
        super::forbid_core_dumps().expect("again");
    }
}
