//! `keymint inject -i TEMPLATE [-o OUT] [--force]` (SPEC §6): fills `{{ keymint://a/l }}`
//! placeholders. OUT is written atomically with mode 0600, and refused inside a git work tree
//! that does not ignore it (a filled template must not be committed by accident).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use keymint_core::template::{self, Part};
use keymint_core::{Error, ExposeSecret, Keymint};
use zeroize::Zeroizing;

use crate::cli::InjectArgs;

/// Largest template read.
const MAX_TEMPLATE: u64 = 4 * 1024 * 1024;

pub async fn run(
    core: &Keymint,
    args: InjectArgs,
    reason: Option<&str>,
) -> Result<ExitCode, Error> {
    let shown = args.input.display();
    let size = std::fs::metadata(&args.input)
        .map_err(|e| Error::Io(format!("cannot read template {shown}: {e}")))?
        .len();
    if size > MAX_TEMPLATE {
        return Err(Error::invalid(format!(
            "template {shown} is larger than 4 MiB; is it the right file?"
        )));
    }
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| Error::Io(format!("cannot read template {shown}: {e}")))?;
    let parts = template::parse(&text).map_err(|e| Error::invalid(format!("{shown}: {e}")))?;
    if let Some(out) = &args.output {
        if !args.force {
            refuse_unignored(out)?;
        }
    }
    // To stdout the secrets land wherever stdout goes: an agent's transcript, in its session.
    let allowed = if args.output.is_none() {
        Some(crate::agent::guard(
            core,
            "keymint inject (to standard output)",
            reason,
        )?)
    } else {
        None
    };
    let refs: Vec<String> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Placeholder(r) => Some(r.to_string()),
            Part::Text(_) => None,
        })
        .collect();
    let secrets = if refs.is_empty() {
        Vec::new()
    } else {
        core.key_secrets(&refs, "inject").await?
    };
    if let Some(allowed) = &allowed {
        allowed.record(core, &refs);
    }
    let mut filled = Zeroizing::new(String::with_capacity(text.len()));
    let mut next = secrets.iter();
    for p in &parts {
        match p {
            Part::Text(t) => filled.push_str(t),
            Part::Placeholder(_) => {
                if let Some(s) = next.next() {
                    filled.push_str(s.expose_secret());
                }
            }
        }
    }
    match &args.output {
        Some(out) => write_private(out, filled.as_bytes())?,
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(filled.as_bytes())
                .and_then(|()| o.flush())
                .map_err(|e| Error::Io(format!("cannot write to standard output: {e}")))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses `out` when it is inside a git work tree and git does not ignore it.
fn refuse_unignored(out: &Path) -> Result<(), Error> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let inside = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(inside) = inside else {
        return Ok(()); // no git on this machine: no work tree to protect
    };
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return Ok(());
    }
    let name = out
        .file_name()
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let ignored = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["check-ignore", "-q", "--no-index", "--"])
        .arg(&name)
        .status()
        .map_err(|e| Error::Io(format!("cannot run git check-ignore: {e}")))?;
    if ignored.success() {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "{} is inside a git work tree and git does not ignore it: a file with secrets could be committed. Add it to .gitignore, write it elsewhere, or pass --force",
        out.display()
    )))
}

/// Writes `bytes` to `out` through a temporary file in the same directory (mode 0600), then
/// renames it over `out`: readers see the old file or the whole new one.
fn write_private(out: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", out.display()));
    // tempfile creates it with mode 0600 on Unix.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(out).map_err(|e| fail(e.error))?;
    Ok(())
}
