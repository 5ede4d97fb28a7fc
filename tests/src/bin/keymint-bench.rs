//! `keymint-bench`: Keymint's benchmark suite. Run it with `make bench` (scripts/bench.sh),
//! which builds the release artifacts and runs this inside scripts/test-session.sh.
//!
//!     keymint-bench [--runs N] [--cli-runs N] [--query-reps N] [--keystrokes N]
//!                   [--only startup,search,query,cli,scan,size] [--quick] [--keep] [--out DIR]
//!
//! See docs/performance.md for what each measurement is and how it is taken.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use keymint_tests::bench::{self, procs, Options};

const USAGE: &str = "usage: keymint-bench [--runs N] [--cli-runs N] [--query-reps N] [--keystrokes N] [--only startup,search,query,cli,scan,size] [--quick] [--keep] [--out DIR]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // WebKitWebDriver starts windows through this: note the time, then become the window.
    if args.first().map(String::as_str) == Some("__exec-stamp") && args.len() >= 3 {
        let _ = std::fs::write(&args[1], format!("{:.6}", procs::boottime()));
        let err = std::process::Command::new(&args[2]).args(&args[3..]).exec();
        eprintln!("keymint-bench: cannot start {}: {err}", args[2]);
        std::process::exit(127);
    }
    let bin_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let mut opts = Options {
        runs: 7,
        cli_runs: 21,
        query_reps: 31,
        keystrokes: 7,
        only: Vec::new(),
        keep: false,
        out_dir: bin_dir
            .parent()
            .map(|t| t.join("bench"))
            .unwrap_or_else(|| PathBuf::from("bench-results")),
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut number = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n: &usize| n > 0)
                .unwrap_or_else(|| {
                    eprintln!("{name} needs a positive number\n{USAGE}");
                    std::process::exit(2)
                })
        };
        match a.as_str() {
            "--runs" => opts.runs = number("--runs"),
            "--cli-runs" => opts.cli_runs = number("--cli-runs"),
            "--query-reps" => opts.query_reps = number("--query-reps"),
            "--keystrokes" => opts.keystrokes = number("--keystrokes"),
            "--quick" => {
                opts.runs = 3;
                opts.cli_runs = 7;
                opts.query_reps = 11;
                opts.keystrokes = 3;
            }
            "--keep" => opts.keep = true,
            "--only" => {
                opts.only = it
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            "--out" => {
                opts.out_dir = it.next().map(PathBuf::from).unwrap_or_else(|| {
                    eprintln!("--out needs a directory\n{USAGE}");
                    std::process::exit(2)
                });
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    std::process::exit(bench::run(&opts));
}
