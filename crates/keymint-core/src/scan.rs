//! `keymint scan` (SPEC §7): finds the inventory's secrets — every stored key's secret and every
//! account's credential — in files, and says where, never what.
//!
//! The secrets are read from the keychain once ([`Keymint::scan_patterns`], one `get_many`
//! round trip) and compiled into one Aho-Corasick automaton; the tree is walked in parallel by
//! the `ignore` crate (ripgrep's walker) with every ignore rule off, because the secrets that
//! matter most sit in git-ignored files (`.env`, `.env.local`). What is skipped:
//!
//! - `.git` directories (the repository's internals; a committed secret is also in the work
//!   tree, where it is found, or in history, which `git log -p | …` is the tool for);
//! - symbolic links (never followed: a link out of the tree would scan what was not asked for);
//! - binary files (a NUL byte in the first 8 KiB, as grep and ripgrep decide);
//! - files larger than [`DEFAULT_MAX_FILE_SIZE`] (reported, not silently dropped);
//! - secrets shorter than [`MIN_SECRET_LEN`] bytes (they would match ordinary text).
//!
//! A secret is found only when it appears whole: one split over two lines (a wrapped line, a
//! string concatenation) or encoded (base64, URL-encoded, JSON-escaped) is not.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use ignore::{WalkBuilder, WalkState};
use secrecy::ExposeSecret;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::KeyStatus;
use crate::reference::Reference;
use crate::service::destination;
use crate::store::KeyQuery;
use crate::vault::Item;
use crate::Keymint;

/// Secrets shorter than this many bytes are not searched: they would match ordinary text.
pub const MIN_SECRET_LEN: usize = 8;

/// Files larger than this are skipped (and reported): logs and dumps, not configuration.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// How much of a file's start is looked at for a NUL byte to call it binary.
const BINARY_PROBE: usize = 8 * 1024;

/// What kind of inventory secret a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A key's secret.
    Key,
    /// An account's credential (API key, token or client private key).
    Credential,
}

/// Whose secret a pattern is: everything about it but the secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// Key or credential.
    pub kind: SourceKind,
    /// Account name.
    pub account: String,
    /// Key label (`None` for a credential).
    pub label: Option<String>,
    /// Key id (`None` for a credential).
    pub key_id: Option<String>,
    /// The key's `keymint://ACCOUNT/LABEL` reference (`None` for a credential).
    pub reference: Option<String>,
    /// The key was replaced by a rotation (it may still be valid at the provider).
    pub superseded: bool,
}

impl Source {
    /// The key `label` of `account`.
    pub fn key(account: &str, label: &str, key_id: &str, superseded: bool) -> Self {
        Self {
            kind: SourceKind::Key,
            account: account.to_owned(),
            label: Some(label.to_owned()),
            key_id: Some(key_id.to_owned()),
            reference: Some(Reference::new(account, label).to_string()),
            superseded,
        }
    }

    /// The credential of `account`.
    pub fn credential(account: &str) -> Self {
        Self {
            kind: SourceKind::Credential,
            account: account.to_owned(),
            label: None,
            key_id: None,
            reference: None,
            superseded: false,
        }
    }
}

/// One secret to look for and whose it is. Its `Debug` shows the source only; the bytes are
/// zeroized on drop.
pub struct Pattern {
    /// The secret's bytes.
    pub secret: Zeroizing<Vec<u8>>,
    /// Whose it is.
    pub source: Source,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pattern")
            .field("secret", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

/// One place where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// The file, as the walk reached it (under the root it was given).
    pub path: PathBuf,
    /// 1-based line where the secret starts.
    pub line: u64,
    /// Whose secret it is.
    pub source: Source,
}

/// Why a file was not searched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Larger than the limit (its size in bytes).
    TooLarge(u64),
    /// Could not be listed or read (the system's reason).
    Unreadable(String),
}

/// A file or directory that was not searched, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub reason: SkipReason,
}

/// What a scan found and what it left out.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings, sorted by file, line and source; one per secret per line.
    pub findings: Vec<Finding>,
    /// Files not searched for a reason worth telling (sorted).
    pub skipped: Vec<Skipped>,
    /// Files searched.
    pub files: u64,
    /// Bytes searched.
    pub bytes: u64,
    /// Binary files passed over.
    pub binary: u64,
}

/// The compiled patterns: one automaton over every distinct secret.
pub struct Scanner {
    matcher: Option<AhoCorasick>,
    /// Pattern index → the sources holding that secret (one secret may be stored twice).
    owners: Vec<Vec<usize>>,
    sources: Vec<Source>,
    too_short: Vec<Source>,
    max_file_size: u64,
}

impl Scanner {
    /// Compiles `patterns`; those shorter than [`MIN_SECRET_LEN`] are left out (see
    /// [`Scanner::too_short`]).
    pub fn new(patterns: Vec<Pattern>) -> Self {
        let (kept, short): (Vec<Pattern>, Vec<Pattern>) = patterns
            .into_iter()
            .partition(|p| p.secret.len() >= MIN_SECRET_LEN);
        let too_short = short.into_iter().map(|p| p.source).collect();
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut secrets: Vec<&[u8]> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (source, p) in kept.iter().enumerate() {
            let i = *index.entry(p.secret.as_slice()).or_insert_with(|| {
                secrets.push(p.secret.as_slice());
                owners.push(Vec::new());
                secrets.len() - 1
            });
            owners[i].push(source);
        }
        // Standard semantics, searched overlapping: a secret that contains another (or shares
        // bytes with the next one) is still reported. A DFA: the fastest search, and 1,000
        // secrets of ~50 bytes make a few MB of table.
        let matcher = (!secrets.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&secrets)
                    .or_else(|_| {
                        AhoCorasick::builder()
                            .match_kind(MatchKind::Standard)
                            .build(&secrets)
                    })
                    .ok()
            })
            .flatten();
        drop(index);
        drop(secrets);
        // The automaton keeps its own copy of the bytes (not zeroized: aho-corasick's tables);
        // the patterns' own bytes are zeroized here.
        let sources = kept.into_iter().map(|p| p.source).collect();
        Self {
            matcher,
            owners,
            sources,
            too_short,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }

    /// Sets the largest file searched (bytes).
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// The secrets left out for being shorter than [`MIN_SECRET_LEN`].
    pub fn too_short(&self) -> &[Source] {
        &self.too_short
    }

    /// Number of secrets searched for.
    pub fn searched(&self) -> usize {
        self.sources.len()
    }

    /// The `(line, source index)` of every secret in `text`, sorted, one per secret per line.
    fn hits(&self, text: &[u8]) -> Vec<(u64, usize)> {
        let mut out = Vec::new();
        let Some(matcher) = &self.matcher else {
            return out;
        };
        // Matches come in order of their end; their starts can step back a little (overlaps),
        // so the line counter moves both ways from the last start.
        let (mut at, mut line) = (0usize, 1u64);
        for m in matcher.find_overlapping_iter(text) {
            let start = m.start();
            if start >= at {
                line += newlines(&text[at..start]);
            } else {
                line -= newlines(&text[start..at]);
            }
            at = start;
            for &s in &self.owners[m.pattern().as_usize()] {
                out.push((line, s));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The findings in `text`, reported under `path`.
    /// Sorted by line, then by source.
    pub fn scan_bytes(&self, path: &Path, text: &[u8]) -> Vec<Finding> {
        let mut found: Vec<Finding> = self
            .hits(text)
            .into_iter()
            .map(|(line, s)| Finding {
                path: path.to_path_buf(),
                line,
                source: self.sources[s].clone(),
            })
            .collect();
        found.sort();
        found
    }

    /// Walks `roots` (files or directories) in parallel and searches every file.
    pub fn scan(&self, roots: &[PathBuf]) -> Report {
        let Some((first, rest)) = roots.split_first() else {
            return Report::default();
        };
        let mut walk = WalkBuilder::new(first);
        for r in rest {
            walk.add(r);
        }
        // Every ignore rule off (hidden files, .gitignore, .ignore, global excludes): an
        // ignored `.env` is exactly where a secret hides. Only `.git` directories are pruned.
        walk.standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.depth() > 0
                    && e.file_name() == ".git"
                    && e.file_type().is_some_and(|t| t.is_dir()))
            });
        let found: Mutex<Vec<Finding>> = Mutex::new(Vec::new());
        let skipped: Mutex<Vec<Skipped>> = Mutex::new(Vec::new());
        let (files, bytes, binary) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
        let skip = |path: &Path, reason: SkipReason| {
            skipped
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Skipped {
                    path: path.to_path_buf(),
                    reason,
                });
        };
        walk.build_parallel().run(|| {
            // One buffer per thread, reused for every file it reads.
            let mut buf: Vec<u8> = Vec::new();
            let (found, skip, files, bytes, binary) = (&found, &skip, &files, &bytes, &binary);
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        let path = error_path(&e).unwrap_or_default();
                        skip(&path, SkipReason::Unreadable(error_text(&e)));
                        return WalkState::Continue;
                    }
                };
                // Regular files only: directories are walked, links never followed.
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let path = entry.path();
                match self.read(path, &mut buf) {
                    Ok(Loaded::Text) => {
                        files.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
                        let here = self.scan_bytes(path, &buf);
                        if !here.is_empty() {
                            found.lock().unwrap_or_else(|p| p.into_inner()).extend(here);
                        }
                    }
                    Ok(Loaded::Binary) => {
                        binary.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Loaded::TooLarge(size)) => skip(path, SkipReason::TooLarge(size)),
                    Err(e) => skip(path, SkipReason::Unreadable(e.to_string())),
                }
                WalkState::Continue
            })
        });
        let mut findings = found.into_inner().unwrap_or_else(|p| p.into_inner());
        findings.sort();
        let mut skipped = skipped.into_inner().unwrap_or_else(|p| p.into_inner());
        skipped.sort();
        Report {
            findings,
            skipped,
            files: files.into_inner(),
            bytes: bytes.into_inner(),
            binary: binary.into_inner(),
        }
    }

    /// Reads `path` into `buf` unless it is too large or binary.
    fn read(&self, path: &Path, buf: &mut Vec<u8>) -> std::io::Result<Loaded> {
        buf.clear();
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        if size > self.max_file_size {
            return Ok(Loaded::TooLarge(size));
        }
        // Its start first: a binary file is not read further. At most the limit and one byte
        // more, so a file that grows while read is still caught.
        let mut file = file.take(self.max_file_size + 1);
        (&mut file).take(BINARY_PROBE as u64).read_to_end(buf)?;
        if buf.contains(&0) {
            return Ok(Loaded::Binary);
        }
        buf.reserve(usize::try_from(size).unwrap_or(0).saturating_sub(buf.len()));
        file.read_to_end(buf)?;
        if buf.len() as u64 > self.max_file_size {
            return Ok(Loaded::TooLarge(buf.len() as u64));
        }
        Ok(Loaded::Text)
    }
}

/// What reading one file gave.
enum Loaded {
    Text,
    Binary,
    TooLarge(u64),
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn error_text(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_text(err),
        other => other.to_string(),
    }
}

/// The transcript and history folders of known coding agents, under `home`: where a secret
/// pasted into a chat, or printed by a command an agent ran, stays on disk.
///
/// | Agent | Where |
/// |---|---|
/// | Claude Code | `~/.claude/projects` (one JSONL transcript per session), `~/.claude/history.jsonl`, `~/.claude.json` (prompt history per project) |
/// | OpenAI Codex CLI | `~/.codex/sessions`, `~/.codex/history.jsonl` |
/// | Gemini CLI | `~/.gemini/tmp` (chats, checkpoints and logs per project) |
/// | Cursor (agent CLI) | `~/.cursor` (chats; its SQLite stores are binary and skipped) |
/// | Aider | `~/.aider.chat.history.md`, `~/.aider.input.history`, `~/.aider.llm.history` and any other `~/.aider*` file; in a project, the same files in the scanned tree |
/// | Continue | `~/.continue/sessions` |
/// | opencode | `~/.local/share/opencode/storage` |
/// | Cline (VS Code) | `~/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks` |
///
/// Only those that exist are returned.
pub fn agent_folders(home: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = [
        ".claude/projects",
        ".claude/history.jsonl",
        ".claude.json",
        ".codex/sessions",
        ".codex/history.jsonl",
        ".gemini/tmp",
        ".cursor",
        ".continue/sessions",
        ".local/share/opencode/storage",
        ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks",
    ]
    .iter()
    .map(|p| home.join(p))
    .filter(|p| p.symlink_metadata().is_ok())
    .collect();
    if let Ok(dir) = std::fs::read_dir(home) {
        let mut aider: Vec<PathBuf> = dir
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".aider"))
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        aider.sort();
        out.extend(aider);
    }
    out
}

/// The user's home directory, for [`agent_folders`].
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

impl Keymint {
    /// Every secret of the inventory, for [`Scanner::new`]: the secret of each key the
    /// keychain holds (rotated-away keys included: they may still work) and each account's
    /// credential (without the destination header it is stored with). One keychain round
    /// trip; items the keychain lacks are left out. No audit event: nothing leaves the process.
    pub async fn scan_patterns(&self) -> Result<Vec<Pattern>> {
        let (_, keys) = self.list_keys(&KeyQuery::default())?;
        let keys: Vec<_> = keys
            .into_iter()
            .filter(|k| matches!(k.status, KeyStatus::Stored | KeyStatus::Missing))
            .collect();
        let accounts = self.accounts()?;
        let mut items: Vec<Item> = keys
            .iter()
            .map(|k| Item::key(&k.id, &k.provider, &k.account, &k.label))
            .collect();
        items.extend(
            accounts
                .iter()
                .map(|a| Item::credential(&a.id, &a.provider, &a.name)),
        );
        let vault = self.vault().clone();
        let results = tokio::task::spawn_blocking(move || vault.get_many(&items))
            .await
            .map_err(|e| Error::from_join(&e, "a keychain call"))?;
        let mut results = results.into_iter();
        let mut out = Vec::with_capacity(results.len());
        for (key, r) in keys.iter().zip(results.by_ref()) {
            match r {
                Ok(s) => out.push(Pattern {
                    secret: Zeroizing::new(s.expose_secret().as_bytes().to_vec()),
                    source: Source::key(
                        &key.account,
                        &key.label,
                        &key.id,
                        key.superseded_by.is_some(),
                    ),
                }),
                Err(Error::SecretMissing(_)) => {}
                Err(e) => return Err(e),
            }
        }
        for (account, r) in accounts.iter().zip(results) {
            let stored = match r {
                Ok(s) => s,
                Err(Error::SecretMissing(_)) => continue,
                Err(e) => return Err(e),
            };
            // A damaged header: the credential cannot be told from it, so it is not searched.
            let Ok(bound) = destination::decode(&stored) else {
                continue;
            };
            out.push(Pattern {
                secret: Zeroizing::new(bound.secret.expose_secret().as_bytes().to_vec()),
                source: Source::credential(&account.name),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(secret: &str, account: &str, label: &str) -> Pattern {
        Pattern {
            secret: Zeroizing::new(secret.as_bytes().to_vec()),
            source: Source::key(account, label, &format!("id-{label}"), false),
        }
    }

    fn scanner() -> Scanner {
        Scanner::new(vec![
            pattern("sk-alpha-0123456789", "prod", "alpha"),
            pattern("sk-beta-9876543210", "prod", "beta"),
            pattern("short", "prod", "tiny"),
            Pattern {
                secret: Zeroizing::new(b"cred-secret-abcdef".to_vec()),
                source: Source::credential("prod"),
            },
        ])
    }

    fn lines(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                let what = f.source.label.as_deref().unwrap_or("credential");
                format!("{}:{}: {what}", f.path.display(), f.line)
            })
            .collect()
    }

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "keymint-scan-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("tree");
        dir
    }

    #[test]
    fn reports_the_line_of_each_secret_and_several_on_one_line() {
        let s = scanner();
        let text = b"first\n\nA=sk-alpha-0123456789 B=sk-beta-9876543210 A2=sk-alpha-0123456789\nx cred-secret-abcdef\nlast sk-beta-9876543210";
        let found = s.scan_bytes(Path::new("f"), text);
        assert_eq!(
            lines(&found),
            ["f:3: alpha", "f:3: beta", "f:4: credential", "f:5: beta"]
        );
        // The same text without a final newline, with CRLF line ends: same lines.
        let crlf = String::from_utf8_lossy(text).replace('\n', "\r\n");
        assert_eq!(
            lines(&s.scan_bytes(Path::new("f"), crlf.as_bytes())),
            lines(&found)
        );
    }

    #[test]
    fn finds_overlapping_and_nested_secrets_and_shared_ones() {
        let s = Scanner::new(vec![
            pattern("abcdefgh-secret", "a", "outer"),
            pattern("efgh-secret", "a", "inner"),
            pattern("0123456789", "a", "one"),
            pattern("0123456789", "b", "same"),
        ]);
        let found = s.scan_bytes(Path::new("f"), b"\nabcdefgh-secret\n0123456789");
        assert_eq!(
            lines(&found),
            ["f:2: inner", "f:2: outer", "f:3: one", "f:3: same"]
        );
    }

    #[test]
    fn leaves_out_short_secrets_and_finds_nothing_in_a_split_secret() {
        let s = scanner();
        assert_eq!(s.searched(), 3);
        assert_eq!(s.too_short().len(), 1);
        assert_eq!(s.too_short()[0].label.as_deref(), Some("tiny"));
        assert!(s.scan_bytes(Path::new("f"), b"short short").is_empty());
        assert!(s
            .scan_bytes(Path::new("f"), b"sk-alpha-\n0123456789")
            .is_empty());
        assert!(Scanner::new(Vec::new())
            .scan_bytes(Path::new("f"), b"anything")
            .is_empty());
    }

    #[test]
    fn walks_dotfiles_and_ignored_files_but_not_git_binaries_large_files_or_links() {
        let dir = tree();
        let w = |p: &str, body: &[u8]| {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, body).expect("write");
        };
        w(".gitignore", b".env\n");
        w(".env", b"X=1\nKEY=sk-alpha-0123456789\n");
        w(".config/tool.toml", b"key = \"sk-beta-9876543210\"\n");
        w("src/main.rs", b"fn main() {}\n");
        w(".git/config", b"sk-alpha-0123456789\n");
        w("sub/.git/objects/x", b"sk-alpha-0123456789\n");
        let mut binary = b"\x00\x01head".to_vec();
        binary.extend_from_slice(b"sk-alpha-0123456789");
        w("image.bin", &binary);
        // A NUL after the first 8 KiB: text.
        let mut late = vec![b'a'; BINARY_PROBE];
        late.extend_from_slice(b"\nsk-beta-9876543210\x00");
        w("late-nul.txt", &late);
        let big = format!("{}\nsk-alpha-0123456789\n", "x".repeat(2000));
        w("big.log", big.as_bytes());
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join(".env"), dir.join("link.env")).expect("symlink");

        let s = scanner().max_file_size(1024);
        let report = s.scan(std::slice::from_ref(&dir));
        let rel: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let p = f.path.strip_prefix(&dir).expect("under the root");
                format!(
                    "{}:{}: {}",
                    p.display(),
                    f.line,
                    f.source.label.as_deref().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(rel, [".config/tool.toml:1: beta", ".env:2: alpha"]);
        assert_eq!(report.binary, 1, "image.bin: {report:?}");
        let skipped: Vec<_> = report
            .skipped
            .iter()
            .map(|k| {
                (
                    k.path.strip_prefix(&dir).expect("under").to_path_buf(),
                    k.reason.clone(),
                )
            })
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    PathBuf::from("big.log"),
                    SkipReason::TooLarge(big.len() as u64)
                ),
                (
                    PathBuf::from("late-nul.txt"),
                    SkipReason::TooLarge(late.len() as u64)
                ),
            ]
        );
        // With the default limit the late NUL does not make the file binary.
        let report = scanner().scan(std::slice::from_ref(&dir));
        assert!(report
            .findings
            .iter()
            .any(|f| f.path.ends_with("late-nul.txt") && f.line == 2));
        assert_eq!(report.binary, 1);
        assert!(report.skipped.is_empty());
        // A file given as a root is searched.
        let report = scanner().scan(&[dir.join(".env")]);
        assert_eq!(report.findings.len(), 1);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn lists_the_agent_folders_that_exist() {
        let home = tree();
        assert!(agent_folders(&home).is_empty());
        std::fs::create_dir_all(home.join(".claude/projects/x")).expect("dirs");
        std::fs::create_dir_all(home.join(".codex/sessions")).expect("dirs");
        std::fs::write(home.join(".aider.chat.history.md"), "hi").expect("write");
        std::fs::write(home.join(".bashrc"), "hi").expect("write");
        assert_eq!(
            agent_folders(&home),
            [
                home.join(".claude/projects"),
                home.join(".codex/sessions"),
                home.join(".aider.chat.history.md"),
            ]
        );
        std::fs::remove_dir_all(&home).ok();
    }

    #[test]
    fn a_pattern_does_not_print_its_secret() {
        let p = pattern("sk-alpha-0123456789", "prod", "alpha");
        assert!(!format!("{p:?}").contains("sk-alpha"));
    }
}
