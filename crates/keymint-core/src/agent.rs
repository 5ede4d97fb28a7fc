//! Coding-agent sessions (SPEC §7). Agents keep every tool output in a transcript; in their
//! sessions, commands that would print a secret are refused unless a reason is given, and the
//! reason goes into the audit trail. Detection reads the environment once; it is a guard
//! against accidents, not a wall: a process with the user's rights can still reach the
//! keychain (docs/security.md, "Coding agents").

/// Variables coding agents set in the shells they run (any value), in the order checked.
pub const AGENT_VARS: &[&str] = &[
    "KEYMINT_AGENT",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CURSOR_AGENT",
    "CURSOR_TRACE_ID",
    "CODEX_SANDBOX",
    "CODEX_SANDBOX_NETWORK_DISABLED",
    "GEMINI_CLI",
    "OPENCODE",
    "GOOSE_TERMINAL",
    "CLINE_ACTIVE",
    "REPL_ID",
];

/// Prefixes of variables set by agents that use several (`AIDER_MODEL`, ...).
pub const AGENT_PREFIXES: &[&str] = &["AIDER_"];

/// The agent session this process runs in, if any: the variable that gave it away.
/// `KEYMINT_AGENT=1` forces one (`KEYMINT_AGENT=0` or empty does not count).
pub fn detect<I, K, V>(vars: I) -> Option<String>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut found: Option<(usize, String)> = None;
    for (k, v) in vars {
        let (k, v) = (k.as_ref(), v.as_ref());
        let rank = if k == "KEYMINT_AGENT" {
            if v.trim() == "1" {
                Some(0)
            } else {
                None
            }
        } else if v.is_empty() {
            None
        } else if let Some(i) = AGENT_VARS.iter().position(|a| *a == k) {
            Some(i)
        } else if AGENT_PREFIXES.iter().any(|p| k.starts_with(p)) {
            Some(AGENT_VARS.len())
        } else {
            None
        };
        if let Some(r) = rank {
            if found.as_ref().is_none_or(|(best, _)| r < *best) {
                found = Some((r, k.to_owned()));
            }
        }
    }
    found.map(|(_, k)| k)
}

/// [`detect`] over this process's environment.
pub fn detect_from_env() -> Option<String> {
    detect(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_agent_variables() {
        assert_eq!(detect([("PATH", "/bin"), ("HOME", "/h")]), None);
        assert_eq!(
            detect([("PATH", "/bin"), ("CLAUDECODE", "1")]).as_deref(),
            Some("CLAUDECODE")
        );
        assert_eq!(
            detect([("AIDER_MODEL", "x")]).as_deref(),
            Some("AIDER_MODEL")
        );
        assert_eq!(detect([("CLAUDECODE", "")]), None, "empty does not count");
        assert_eq!(detect([("KEYMINT_AGENT", "0")]), None);
        assert_eq!(
            detect([("GEMINI_CLI", "1"), ("KEYMINT_AGENT", "1")]).as_deref(),
            Some("KEYMINT_AGENT")
        );
    }
}
