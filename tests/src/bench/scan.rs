//! The `scan` phase: `keymint scan` over a generated tree (100k files, 1 GB by default) with
//! 1,000 keys in the inventory and the keychain, next to `grep -rnF -f PATTERNS` over the same
//! tree with the same secrets, in the same run and with the same (warm) page cache.
//!
//! The size is a parameter: `KEYMINT_BENCH_SCAN_MB` and `KEYMINT_BENCH_SCAN_FILES` (defaults
//! 1024 and 100000; with `--quick`, 128 and 12500). A few files hold a secret, so both tools
//! report findings; every other byte is text that shares the secrets' `sk_` prefix often.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::seed;
use super::stats::Samples;

/// Keys in the scanned inventory.
pub const KEYS: usize = 1_000;

/// What the phase measured.
pub struct ScanResults {
    /// Files in the tree.
    pub files: usize,
    /// Bytes in the tree.
    pub bytes: u64,
    /// `keymint scan TREE` wall time, seconds.
    pub keymint: Samples,
    /// `grep -rnF -f PATTERNS TREE` wall time, seconds.
    pub grep: Samples,
    /// `keymint scan` of an empty directory: start, keychain read, automaton (seconds).
    pub fixed: Samples,
    /// Seconds to write the tree.
    pub build_secs: f64,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// A small xorshift generator: the same tree every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Writes `files` files totalling about `bytes` under `root` (100 files per directory, two
/// levels), source-like lines with `sk_` prefixes that are not secrets; every
/// `files / 10`-th file holds one of `secrets`. Returns the bytes written.
fn build_tree(root: &Path, files: usize, bytes: u64, secrets: &[String]) -> Result<u64, String> {
    let per_file = (bytes / files as u64).max(64) as usize;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let words = [
        "let", "config", "value", "return", "sk_live_", "token", "fn", "import", "sk_", "data",
        "self", "client", "request", "=", "{", "}", "(", ")", "// note", "key",
    ];
    // One block of text reused with a different offset per file: generating 1 GB of random
    // words would take longer than scanning it.
    let mut block = String::with_capacity(per_file * 4 + 4096);
    while block.len() < per_file * 2 + 4096 {
        let n = 4 + rng.next() % 10;
        for _ in 0..n {
            block.push_str(words[(rng.next() % words.len() as u64) as usize]);
            if rng.next().is_multiple_of(3) {
                block.push_str(&format!("{:08x}", rng.next() as u32));
            }
            block.push(' ');
        }
        block.push('\n');
    }
    let mut written = 0u64;
    let plant_every = (files / 10).max(1);
    for i in 0..files {
        let dir = root.join(format!("d{:03}/e{:02}", i / 10_000, (i / 100) % 100));
        if i.is_multiple_of(100) {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let start = (rng.next() as usize) % (block.len() - per_file - 1);
        let mut body = block.as_bytes()[start..start + per_file].to_vec();
        if i % plant_every == plant_every / 2 {
            let s = &secrets[i % secrets.len()];
            body.extend_from_slice(format!("\nAPI_KEY={s}\n").as_bytes());
        }
        let name = if i.is_multiple_of(7) { ".env" } else { "f.txt" };
        let path = dir.join(format!("{i:06}{name}"));
        std::fs::write(&path, &body).map_err(|e| format!("{}: {e}", path.display()))?;
        written += body.len() as u64;
    }
    Ok(written)
}

fn timed(cmd: &mut Command, ok: &[i32], what: &str) -> Result<f64, String> {
    let started = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let code = out.status.code().unwrap_or(-1);
    if !ok.contains(&code) {
        return Err(format!(
            "{what} exited {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(secs)
}

/// Seeds 1,000 keys (inventory and keychain under `service`), builds the tree under `work`,
/// and times `keymint scan` and `grep` alternately `runs` times after one warm-up each.
pub fn run(
    keymint: &Path,
    work: &Path,
    service: &str,
    quick: bool,
    runs: usize,
    log: &mut dyn Write,
) -> Result<ScanResults, String> {
    let (mb, files) = if quick {
        (128, 12_500)
    } else {
        (1024, 100_000)
    };
    let mb = env_number("KEYMINT_BENCH_SCAN_MB", mb);
    let files = env_number("KEYMINT_BENCH_SCAN_FILES", files) as usize;
    let data = work.join("scan-data");
    let (d, keys) = seed::seed(&data, KEYS, true);
    seed::keychain_items(service, &keys)?;
    let secrets: Vec<String> = keys.iter().map(|k| k.secret.clone()).collect();
    let patterns: PathBuf = work.join("scan-patterns.txt");
    std::fs::write(&patterns, secrets.join("\n") + "\n").map_err(|e| e.to_string())?;
    let tree = work.join("scan-tree");
    let started = Instant::now();
    let bytes = build_tree(&tree, files, mb * 1_000_000, &secrets)?;
    let build_secs = started.elapsed().as_secs_f64();
    writeln!(
        log,
        "scan: {files} files, {:.0} MB written in {build_secs:.1} s; {KEYS} keys",
        bytes as f64 / 1e6
    )
    .ok();
    let empty = work.join("scan-empty");
    std::fs::create_dir_all(&empty).map_err(|e| e.to_string())?;
    let keymint_cmd = |root: &Path| {
        let mut c = Command::new(keymint);
        c.arg("scan")
            .arg(root)
            .env("KEYMINT_DATA_DIR", &d.dir)
            .env("KEYMINT_KEYCHAIN_SERVICE", service);
        c
    };
    let grep_cmd = || {
        let mut c = Command::new("grep");
        c.arg("-rnF")
            .arg("-f")
            .arg(&patterns)
            .arg(&tree)
            .env("LC_ALL", "C");
        c
    };
    // Warm-up: the tree into the page cache for both.
    timed(&mut keymint_cmd(&tree), &[6], "keymint scan")?;
    timed(&mut grep_cmd(), &[0], "grep")?;
    let (mut k, mut g, mut f) = (Samples::default(), Samples::default(), Samples::default());
    for i in 0..runs {
        let ks = timed(&mut keymint_cmd(&tree), &[6], "keymint scan")?;
        let gs = timed(&mut grep_cmd(), &[0], "grep")?;
        let fs = timed(&mut keymint_cmd(&empty), &[0], "keymint scan (empty)")?;
        writeln!(
            log,
            "  run {i}: keymint scan {ks:.2} s, grep -rnF {gs:.2} s, keymint scan of an empty directory {fs:.2} s"
        )
        .ok();
        k.push(ks);
        g.push(gs);
        f.push(fs);
    }
    let _ = std::fs::remove_dir_all(&tree);
    Ok(ScanResults {
        files,
        bytes,
        keymint: k,
        grep: g,
        fixed: f,
        build_secs,
    })
}
