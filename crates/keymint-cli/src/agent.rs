//! The CLI's side of agent sessions (SPEC §7): commands that would print a secret into a
//! coding agent's transcript are refused there unless `--reason` is given.

use keymint_core::{Error, Keymint};

/// What a guarded command may do, and what to record afterwards.
pub struct Allowed {
    /// The audit detail when this is an agent session (`None` outside one).
    detail: Option<String>,
}

/// Refuses `action` (e.g. "keymint read") in an agent session without a reason.
pub fn guard(core: &Keymint, action: &str, reason: Option<&str>) -> Result<Allowed, Error> {
    if !detection_on(core) {
        return Ok(Allowed { detail: None });
    }
    let Some(var) = keymint_core::agent::detect_from_env() else {
        return Ok(Allowed { detail: None });
    };
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => Ok(Allowed {
            detail: Some(format!(
                "{action} in an agent session ({var} is set); reason: {}",
                keymint_core::values::shorten(reason)
            )),
        }),
        None => Err(Error::invalid(format!(
            "{action} would put a secret into this coding agent's transcript (agent session: {var} is set). \
             Use `keymint run --env VAR=keymint://ACCOUNT/LABEL -- COMMAND` to give a program the key without showing it, \
             or add --reason TEXT to do it anyway (the reason is recorded)"
        ))),
    }
}

fn detection_on(core: &Keymint) -> bool {
    core.settings().map_or(true, |s| s.agent_detection)
}

impl Allowed {
    /// Records the access on `references` when this was an agent session.
    pub fn record(&self, core: &Keymint, references: &[String]) {
        if let Some(detail) = &self.detail {
            if let Err(e) = core.note_agent_access(references, detail) {
                eprintln!("keymint: warning: the agent-session reason was not recorded ({e})");
            }
        }
    }
}
