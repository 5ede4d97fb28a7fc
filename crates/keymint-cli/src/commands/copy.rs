//! `keymint key copy`: the secret is handed (over a pipe) to a detached copy of `keymint`
//! that serves the clipboard and clears it after `--clear-after` seconds if it still holds
//! the secret, so this command returns at once.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use keymint_core::clipboard::SecretClipboard;
use keymint_core::settings::CLIPBOARD_CLEAR_SECS;
use keymint_core::{Error, ExposeSecret, Keymint};

/// Hidden subcommand name of the clipboard holder.
pub const HOLDER: &str = "__hold-clipboard";

pub async fn run(core: &Keymint, reference: &str, clear_after: u64) -> Result<ExitCode, Error> {
    if !u32::try_from(clear_after).is_ok_and(|s| CLIPBOARD_CLEAR_SECS.contains(&s)) {
        return Err(Error::invalid(format!(
            "--clear-after must be between {} and {} seconds, as the clipboard_clear_secs setting",
            CLIPBOARD_CLEAR_SECS.start(),
            CLIPBOARD_CLEAR_SECS.end()
        )));
    }
    let key = core.resolve_key(reference)?;
    let secret = core.key_secret(&key.id, "copied").await?;
    let exe =
        std::env::current_exe().map_err(|e| Error::Io(format!("cannot find keymint: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.arg(HOLDER)
        .arg(clear_after.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    detach(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Io(format!("cannot start the clipboard holder: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(secret.expose_secret().as_bytes())
            .map_err(|e| Error::Io(format!("cannot hand over the secret: {e}")))?;
    }
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    match line.trim() {
        "ok" => {
            eprintln!("Copied {} — clears in {clear_after} s.", key.label);
            Ok(ExitCode::SUCCESS)
        }
        other => Err(Error::Io(if other.is_empty() {
            "the clipboard is not available; is a desktop session running (DISPLAY or WAYLAND_DISPLAY)?".to_owned()
        } else {
            other.to_owned()
        })),
    }
}

#[cfg(unix)]
fn detach(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // Its own process group: the terminal's Ctrl-C and hang-up do not reach the holder.
    cmd.process_group(0);
}

#[cfg(not(unix))]
fn detach(_cmd: &mut Command) {}

/// The holder: reads the secret from stdin, copies it, says "ok", waits, clears.
pub fn hold(clear_after: &str) -> ExitCode {
    let secs = clear_after
        .parse::<u32>()
        .unwrap_or(30)
        .clamp(*CLIPBOARD_CLEAR_SECS.start(), *CLIPBOARD_CLEAR_SECS.end());
    let secret = match crate::input::secret_from_stdin("secret") {
        Ok(s) => s,
        Err(e) => {
            println!("{e}");
            return ExitCode::from(1);
        }
    };
    match SecretClipboard::copy(secret) {
        Ok(clip) => {
            println!("ok");
            let _ = std::io::stdout().flush();
            clip.hold_then_clear(Duration::from_secs(secs.into()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::from(1)
        }
    }
}
