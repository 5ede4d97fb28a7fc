//! What the kernel says about processes: parents, start times, CPU time and proportional
//! memory (PSS), read from /proc.

use std::path::{Path, PathBuf};

/// One line of /proc/<pid>/stat, the fields the bench needs.
#[derive(Clone, Debug)]
pub struct Stat {
    /// Process id.
    pub pid: u32,
    /// Parent's id.
    pub ppid: u32,
    /// Process group.
    pub pgrp: u32,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Start time after boot, in clock ticks.
    pub start_ticks: u64,
}

/// Clock ticks per second (`_SC_CLK_TCK`).
pub fn clk_tck() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

fn clock(id: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid, writable timespec.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Seconds since boot (CLOCK_BOOTTIME, the clock of /proc start times).
pub fn boottime() -> f64 {
    clock(libc::CLOCK_BOOTTIME)
}

/// Wall-clock seconds since the epoch minus seconds since boot, read back to back: adds to a
/// boot time to give an epoch time (what `performance.timeOrigin` uses).
pub fn epoch_minus_boot() -> f64 {
    let b1 = boottime();
    let r = clock(libc::CLOCK_REALTIME);
    let b2 = boottime();
    r - (b1 + b2) / 2.0
}

/// Parses /proc/<pid>/stat.
pub fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: split after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state).
    let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
    Some(Stat {
        pid,
        ppid: num(1)? as u32,
        pgrp: num(2)? as u32,
        cpu_ticks: num(11)? + num(12)?,
        start_ticks: num(19)?,
    })
}

/// Every process now.
pub fn all() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .collect()
}

/// `root` and all its descendants that are alive now.
pub fn tree(root: u32) -> Vec<u32> {
    let all = all();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(all.iter().filter(|s| s.ppid == parent).map(|s| s.pid));
        i += 1;
    }
    out.retain(|p| Path::new(&format!("/proc/{p}")).exists());
    out
}

/// The executable of `pid`.
pub fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// The command name of `pid`.
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// A descendant of `root` running `binary`, if any.
pub fn find_descendant(root: u32, binary: &Path) -> Option<u32> {
    let want = binary
        .canonicalize()
        .unwrap_or_else(|_| binary.to_path_buf());
    tree(root)
        .into_iter()
        .find(|&p| p != root && exe(p).is_some_and(|e| e == want))
}

/// A field of /proc/<pid>/smaps_rollup (e.g. `Pss`), in KiB.
pub fn rollup_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Memory of a process tree: (PSS, RSS) in KiB summed over every process, and who they are.
pub fn tree_memory(root: u32) -> (u64, u64, Vec<(String, u64)>) {
    let mut pss = 0;
    let mut rss = 0;
    let mut each = Vec::new();
    for p in tree(root) {
        let this = rollup_kib(p, "Pss").unwrap_or(0);
        pss += this;
        rss += rollup_kib(p, "Rss").unwrap_or(0);
        each.push((comm(p), this));
    }
    (pss, rss, each)
}

/// CPU ticks used so far by a process tree.
pub fn tree_cpu_ticks(root: u32) -> u64 {
    tree(root)
        .into_iter()
        .filter_map(stat)
        .map(|s| s.cpu_ticks)
        .sum()
}

/// Whether `pid` exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|t| {
            t.rfind(')')
                .and_then(|i| t[i + 1..].split_whitespace().next().map(|s| s != "Z"))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

/// Sends `signal` to `pid` (a process this bench started, directly or through the driver).
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: kill has no memory preconditions.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// Sends `signal` to the process group `pgid` (one this bench created).
pub fn signal_group(pgid: u32, signal: i32) {
    // SAFETY: as above.
    unsafe {
        libc::kill(-(pgid as i32), signal);
    }
}
