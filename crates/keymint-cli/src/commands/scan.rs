//! `keymint scan [--agents] [PATH]...` (SPEC §7): `FILE:LINE: LABEL (ACCOUNT)` on stdout per
//! inventory secret found in a file, never the secret; notes and what to do on stderr; exit 6
//! when anything is found. The walk and the matching are the core's (`keymint_core::scan`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keymint_core::scan::{self, Finding, Scanner, SkipReason, Source, SourceKind};
use keymint_core::{Error, Keymint};
use serde::Serialize;

use crate::cli::ScanArgs;
use crate::commands::check::PROBLEMS;
use crate::output::{safe, Output};

/// One finding as `--json` prints it.
#[derive(Serialize)]
struct FindingJson<'a> {
    file: String,
    line: u64,
    #[serde(flatten)]
    source: &'a Source,
    action: String,
}

pub async fn run(core: &Keymint, out: &Output, args: ScanArgs) -> Result<ExitCode, Error> {
    let default = args.paths.is_empty();
    let mut roots = if default {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    if let Some(missing) = roots.iter().find(|p| p.symlink_metadata().is_err()) {
        return Err(Error::field(
            "path",
            format!("{} does not exist", safe(&missing.display().to_string())),
        ));
    }
    if args.agents {
        let found = scan::home_dir()
            .map(|home| scan::agent_folders(&home))
            .unwrap_or_default();
        if found.is_empty() {
            eprintln!(
                "keymint: note: no coding agent transcript folder found in the home directory"
            );
        }
        roots.extend(found);
    }
    let scanner = Scanner::new(core.scan_patterns().await?);
    if !scanner.too_short().is_empty() {
        let names: Vec<String> = scanner.too_short().iter().map(name).collect();
        eprintln!(
            "keymint: note: not searched, shorter than {} bytes: {}",
            scan::MIN_SECRET_LEN,
            names.join(", ")
        );
    }
    let searched = scanner.searched();
    let report = tokio::task::spawn_blocking(move || scanner.scan(&roots))
        .await
        .map_err(|e| Error::from_join(&e, "the scan"))?;
    let shown = |p: &Path| {
        let p = if default {
            p.strip_prefix(".").unwrap_or(p)
        } else {
            p
        };
        safe(&p.display().to_string()).into_owned()
    };
    for s in &report.skipped {
        match &s.reason {
            SkipReason::TooLarge(size) => eprintln!(
                "keymint: note: skipped {}: {size} bytes, larger than the {} MiB limit",
                shown(&s.path),
                scan::DEFAULT_MAX_FILE_SIZE / (1024 * 1024)
            ),
            SkipReason::Unreadable(why) => {
                eprintln!(
                    "keymint: note: cannot read {}: {}",
                    shown(&s.path),
                    safe(why)
                );
            }
        }
    }
    if out.json {
        let rows: Vec<FindingJson<'_>> = report
            .findings
            .iter()
            .map(|f| FindingJson {
                file: shown(&f.path),
                line: f.line,
                source: &f.source,
                action: action(&f.source),
            })
            .collect();
        out.json(&rows);
    } else {
        for f in &report.findings {
            println!("{}", line(f, &shown(&f.path)));
        }
    }
    eprintln!(
        "keymint: searched {} file(s), {:.1} MB, for {} secret(s); {} binary file(s) passed over",
        report.files,
        report.bytes as f64 / 1e6,
        searched,
        report.binary
    );
    if report.findings.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let exposed: BTreeSet<&Source> = report.findings.iter().map(|f| &f.source).collect();
    eprintln!(
        "keymint: {} finding(s) of {} secret(s). Replace each, then revoke the old one at the provider:",
        report.findings.len(),
        exposed.len()
    );
    for s in exposed {
        eprintln!("  {}: {}", name(s), action(s));
    }
    Ok(ExitCode::from(PROBLEMS))
}

/// `FILE:LINE: LABEL (ACCOUNT)`, or `FILE:LINE: credential of account ACCOUNT`.
fn line(f: &Finding, file: &str) -> String {
    format!("{file}:{}: {}", f.line, name(&f.source))
}

fn name(s: &Source) -> String {
    match (s.kind, &s.label) {
        (SourceKind::Key, Some(label)) => format!("{} ({})", safe(label), safe(&s.account)),
        _ => format!("credential of account {}", safe(&s.account)),
    }
}

/// What to do about an exposed secret.
fn action(s: &Source) -> String {
    match (s.kind, &s.reference) {
        (SourceKind::Key, Some(_)) if s.superseded => format!(
            "already replaced by a rotation; revoke this key ({}) at the provider",
            s.key_id.as_deref().unwrap_or("?")
        ),
        (SourceKind::Key, Some(reference)) => {
            format!("keymint key rotate {reference}, then revoke the old key at the provider")
        }
        _ => format!(
            "make a new credential at the provider, `keymint account edit {} --credential-stdin`, then revoke the old one",
            shell_quoted(&s.account)
        ),
    }
}

/// `s` as one shell word: as it is when plain, single-quoted otherwise.
fn shell_quoted(s: &str) -> String {
    let s = safe(s);
    let plain = !s.is_empty()
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
