//! References, `read`, `run` with masking, `inject` and `check` (SPEC §6), against the built
//! binary, a real Secret Service and real child processes.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keymint_tests::accounts::offline_account;
use keymint_tests::harness::{Env, Run};

const CONCEALED: &str = "<concealed by keymint>";

/// Imports a key with a chosen secret; returns its id.
fn import(env: &Env, account: &str, label: &str, secret: &str, expires: Option<&str>) -> String {
    let mut args = vec!["--json", "key", "import", account, "--label", label];
    if let Some(e) = expires {
        args.extend(["--expires", e]);
    }
    let run = env.run(&args, Some(secret)).ok();
    run.json()["id"].as_str().expect("id").to_owned()
}

/// An inventory with account `prod` (and `a b`), and keys whose secrets are known.
fn inventory() -> Env {
    let env = Env::new();
    offline_account(&env, "prod");
    offline_account(&env, "a b");
    import(&env, "prod", "api", "sk-old-api-0000000000000000", None);
    import(&env, "prod", "api", "sk-new-api-1111111111111111", None);
    import(&env, "a b", "x/y", "sk-slash-2222222222222222", None);
    env
}

#[test]
fn read_resolves_the_newest_stored_key_and_explains_refusals() {
    let env = inventory();
    let run = env.run(&["read", "keymint://prod/api"], None).ok();
    assert_eq!(run.stdout, "sk-new-api-1111111111111111\n");
    let run = env.run(&["read", "keymint://a%20b/x%2Fy"], None).ok();
    assert_eq!(run.stdout.trim_end(), "sk-slash-2222222222222222");
    // The reference is in the key's JSON, encoded.
    let list = env.run(&["--json", "key", "list"], None).ok().json();
    let refs: Vec<&str> = list
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["reference"].as_str())
        .collect();
    assert!(refs.contains(&"keymint://a%20b/x%2Fy"), "{list}");
    for (reference, says) in [
        ("keymint://prod", "exactly two parts"),
        ("keymint://prod/none", "has no key labelled `none`"),
        ("keymint://nobody/api", "no account named `nobody`"),
    ] {
        let run = env.run(&["read", reference], None);
        assert_eq!(run.code, 2, "{reference}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{reference}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

fn run_with(env: &Env, pre: &[&str], child: &[String]) -> Run {
    let mut args: Vec<&str> = vec!["run"];
    args.extend(pre);
    args.push("--");
    args.extend(child.iter().map(String::as_str));
    env.run(&args, None)
}

#[test]
fn run_masks_secrets_split_across_reads_on_stdout_and_stderr() {
    let env = inventory();
    let dotenv = env.dir.join(".env.keymint");
    std::fs::write(
        &dotenv,
        "# committed: references only\nexport API=keymint://prod/api\nSLASH=\"keymint://a%20b/x%2Fy\"\nPLAIN='not a secret'\n",
    )
    .expect("write env file");
    let file = dotenv.display().to_string();
    // The child writes the values one byte at a time, flushing and pausing between bytes, to
    // stdout and then to stderr: every secret arrives split across many reads.
    let script = "import os, sys, time\ntext = '[' + os.environ['API'] + '|' + os.environ['SLASH'] + '|' + os.environ['PLAIN'] + ']'\nfor s in (sys.stdout, sys.stderr):\n    for ch in text:\n        s.write(ch); s.flush(); time.sleep(0.002)\nsys.exit(7)\n";
    let child = vec!["python3".to_owned(), "-c".to_owned(), script.to_owned()];
    let run = run_with(&env, &["--env-file", &file], &child);
    assert_eq!(run.code, 7, "the child's exit status: {}", run.stderr);
    let expected = format!("[{CONCEALED}|{CONCEALED}|not a secret]");
    assert_eq!(run.stdout, expected);
    assert!(run.stderr.ends_with(&expected), "{}", run.stderr);
    for secret in ["sk-new-api-1111111111111111", "sk-slash-2222222222222222"] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
    // --env wins over the file; a reference in keymint's own environment is resolved too.
    let run: Run = env
        .command(&[
            "run",
            "--env-file",
            &file,
            "--env",
            "SLASH=keymint://prod/api",
            "--no-masking",
            "--",
            "sh",
            "-c",
            "printf '%s %s %s' \"$API\" \"$SLASH\" \"$OWN\"",
        ])
        .env("OWN", "keymint://a%20b/x%2Fy")
        .output()
        .expect("run")
        .into();
    assert_eq!(
        run.stdout,
        "sk-new-api-1111111111111111 sk-new-api-1111111111111111 sk-slash-2222222222222222",
        "--no-masking hands the child the terminal: {}",
        run.stderr
    );
    // A reference that does not resolve: the child never starts.
    let marker = env.dir.join("ran");
    let run = env.run(
        &[
            "run",
            "--env",
            "X=keymint://prod/none",
            "--",
            "touch",
            &marker.display().to_string(),
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!marker.exists());
}

/// Starts `keymint run` with a child that traps SIGINT/SIGTERM/SIGHUP and exits with
/// 40 + the signal number; waits for it to be ready, sends `sig` to keymint only.
fn signal_through(env: &Env, sig: &str) -> Option<i32> {
    let mut child = env
        .command(&[
            "run",
            "--env",
            "API=keymint://prod/api",
            "--",
            "sh",
            "-c",
            "trap 'exit 42' INT; trap 'exit 55' TERM; trap 'exit 41' HUP; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start keymint run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok);
    assert_eq!(first.as_deref(), Some("ready"));
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn run_passes_signals_to_the_child_and_its_status_back() {
    let env = inventory();
    assert_eq!(signal_through(&env, "INT"), Some(42));
    assert_eq!(signal_through(&env, "TERM"), Some(55));
    assert_eq!(signal_through(&env, "HUP"), Some(41));
    // A child killed by a signal: 128 + N, as a shell reports it.
    let run = env.run(
        &[
            "run",
            "--env",
            "API=keymint://prod/api",
            "--",
            "sh",
            "-c",
            "kill -KILL $$",
        ],
        None,
    );
    assert_eq!(run.code, 128 + 9, "{}", run.stderr);
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn inject_fills_placeholders_and_will_not_write_into_git_unignored() {
    let env = inventory();
    let tpl = env.dir.join("config.tpl");
    std::fs::write(
        &tpl,
        "api: {{ keymint://prod/api }}\nslash: {{keymint://a%20b/x%2Fy}}\nother: {{ name }}\n",
    )
    .expect("template");
    let tpl_s = tpl.display().to_string();
    let want =
        "api: sk-new-api-1111111111111111\nslash: sk-slash-2222222222222222\nother: {{ name }}\n";
    let run = env.run(&["inject", "-i", &tpl_s], None).ok();
    assert_eq!(run.stdout, want);

    let repo = env.dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    git(&repo, &["init", "-q"]);
    let out = repo.join("config.yml");
    let out_s = out.display().to_string();
    let run = env.run(&["inject", "-i", &tpl_s, "-o", &out_s], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("git does not ignore it"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing written");
    // --force overrides; the file is private.
    env.run(&["inject", "-i", &tpl_s, "-o", &out_s, "--force"], None)
        .ok();
    assert_eq!(std::fs::read_to_string(&out).expect("written"), want);
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::remove_file(&out).expect("rm");
    // Ignored by git: written without --force.
    std::fs::write(repo.join(".gitignore"), "config.yml\n").expect("gitignore");
    env.run(&["inject", "-i", &tpl_s, "-o", &out_s], None).ok();
    assert_eq!(std::fs::read_to_string(&out).expect("written"), want);
    // A malformed placeholder names its line; nothing is written.
    std::fs::write(&tpl, "a\n{{ keymint://prod }}\n").expect("template");
    let run = env.run(&["inject", "-i", &tpl_s], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.to_lowercase().contains("line 2"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn check_reports_each_problem_and_exits_6() {
    let env = inventory();
    import(&env, "prod", "soon", "sk-soon-3333333333333333", Some("3d"));
    let gone = import(&env, "prod", "gone", "sk-gone-4444444444444444", None);
    let dotenv = env.dir.join(".env");
    std::fs::write(
        &dotenv,
        "A=keymint://prod/api\nB=keymint://prod/missing\nC=keymint://prod/soon\nD=keymint://prod/gone\nE=plain\n",
    )
    .expect("env file");
    let file = dotenv.display().to_string();
    // All but the unresolved one are fine before the item goes and within 1 day.
    let run = env.run(&["check", "--env-file", &file, "--within", "1d"], None);
    assert_eq!(run.code, 6, "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(": B: keymint://prod/missing"),
        "{}",
        run.stdout
    );

    let cleared = Command::new("secret-tool")
        .args([
            "clear",
            "service",
            &env.service,
            "username",
            &format!("key:{gone}"),
        ])
        .status()
        .expect("secret-tool");
    assert!(cleared.success());
    let run = env.run(&["--json", "check", "--env-file", &file], None);
    assert_eq!(run.code, 6, "{}", run.stderr);
    let problems = run.json();
    let kinds: Vec<(&str, &str)> = problems
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["reference"].as_str().unwrap_or(""),
                p["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("keymint://prod/missing", "unresolved"),
            ("keymint://prod/soon", "expiring"),
            ("keymint://prod/gone", "not_in_keychain"),
        ],
        "{problems}"
    );
    // Without env files: every label of the inventory.
    let run = env.run(&["check"], None);
    assert_eq!(run.code, 6);
    assert!(run.stdout.contains("keymint://prod/gone"), "{}", run.stdout);
    // A clean file passes.
    std::fs::write(&dotenv, "A=keymint://prod/api\n").expect("env file");
    let run = env.run(&["check", "--env-file", &file], None);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
}
