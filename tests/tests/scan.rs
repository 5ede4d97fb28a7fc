//! `keymint scan` (SPEC §7) against the built binary and the real keychain: the inventory's
//! secrets found in a tree (dotfiles and git-ignored files included; `.git`, binary files and
//! secrets split over lines not), in a coding agent's transcript with `--agents`, and never
//! printed.

use std::path::{Path, PathBuf};

use keymint_tests::accounts::offline_account;
use keymint_tests::fakes::DEFAULT_CREDENTIAL;
use keymint_tests::harness::{unique, Env, Run};

const API: &str = "sk-scan-api-0000000000000000";
const WEB: &str = "sk-scan-web-1111111111111111";
/// Seven bytes: too short to search for.
const TINY: &str = "tiny777";

fn inventory() -> Env {
    let env = Env::new();
    offline_account(&env, "prod");
    for (label, secret) in [("api", API), ("web", WEB), ("tiny", TINY)] {
        env.run(&["key", "import", "prod", "--label", label], Some(secret))
            .ok();
    }
    env
}

fn write(root: &Path, path: &str, body: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
    std::fs::write(p, body).expect("write");
}

fn tree() -> PathBuf {
    let root = std::env::temp_dir().join(unique("keymint-scan-tree"));
    std::fs::create_dir_all(&root).expect("tree");
    root
}

fn scan_in(env: &Env, cwd: &Path, args: &[&str], home: Option<&Path>) -> Run {
    let mut cmd = env.command(args);
    cmd.current_dir(cwd);
    if let Some(h) = home {
        cmd.env("HOME", h);
    }
    let run: Run = cmd.output().expect("run keymint scan").into();
    for secret in [API, WEB, TINY, DEFAULT_CREDENTIAL] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret was printed: {run:?}"
        );
    }
    run
}

#[test]
fn finds_secrets_in_dotfiles_and_ignored_files_and_says_what_to_do() {
    let env = inventory();
    let root = tree();
    write(&root, ".gitignore", b".env\n");
    write(
        &root,
        ".git/config",
        format!("[x]\n\ttoken = {API}\n").as_bytes(),
    );
    write(&root, ".git/objects/ab/cd", API.as_bytes());
    write(
        &root,
        "config/settings.yaml",
        format!("name: demo\nport: 8080\napi_key: {API}\n").as_bytes(),
    );
    // Git-ignored: found all the same. Two secrets on one line, the credential on the next.
    write(
        &root,
        ".env",
        format!("# local\nA={API} B={WEB}\nFW={DEFAULT_CREDENTIAL}\nT={TINY}\n").as_bytes(),
    );
    write(
        &root,
        ".npmrc",
        format!("//registry/:_authToken={WEB}\n").as_bytes(),
    );
    // Split over two lines: not found (a known limit of a literal search).
    let (head, tail) = API.split_at(12);
    write(&root, "notes.txt", format!("{head}\n{tail}\n").as_bytes());
    // Binary (a NUL in the first 8 KiB): passed over.
    let mut blob = b"\x89PNG\x00\x00".to_vec();
    blob.extend_from_slice(WEB.as_bytes());
    write(&root, "logo.png", &blob);
    std::os::unix::fs::symlink(root.join(".env"), root.join("link.env")).expect("symlink");

    let run = scan_in(&env, &root, &["scan"], None);
    assert_eq!(run.code, 6, "{run:?}");
    assert_eq!(
        run.stdout,
        ".env:2: api (prod)\n\
         .env:2: web (prod)\n\
         .env:3: credential of account prod\n\
         .npmrc:1: web (prod)\n\
         config/settings.yaml:3: api (prod)\n",
        "{}",
        run.stderr
    );
    for says in [
        "not searched, shorter than 8 bytes: tiny (prod)",
        "5 finding(s) of 3 secret(s)",
        "api (prod): keymint key rotate keymint://prod/api, then revoke the old key at the provider",
        "credential of account prod: make a new credential at the provider, `keymint account edit prod --credential-stdin`",
        "1 binary file(s) passed over",
    ] {
        assert!(run.stderr.contains(says), "missing `{says}`: {}", run.stderr);
    }

    // A path given: printed under it; --json: one object per finding.
    let run = scan_in(
        &env,
        Path::new("/"),
        &["--json", "scan", &root.display().to_string()],
        None,
    );
    assert_eq!(run.code, 6, "{run:?}");
    let list = run.json();
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 5, "{list:?}");
    assert_eq!(list[0]["file"], format!("{}/.env", root.display()));
    assert_eq!(list[0]["line"], 2);
    assert_eq!(list[0]["kind"], "key");
    assert_eq!(list[0]["account"], "prod");
    assert_eq!(list[0]["label"], "api");
    assert_eq!(list[0]["reference"], "keymint://prod/api");
    assert_eq!(list[2]["kind"], "credential");
    assert!(list[2]["label"].is_null());

    // A clean tree: nothing on stdout, exit 0.
    let clean = tree();
    write(&clean, "README.md", b"# nothing here\n");
    write(&clean, ".env", b"API=keymint://prod/api\n");
    let run = scan_in(&env, &clean, &["scan"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    // A path that does not exist is an error, not a clean result.
    let run = scan_in(&env, &clean, &["scan", "no-such-dir"], None);
    assert_eq!(run.code, 2, "{run:?}");
    std::fs::remove_dir_all(&root).ok();
    std::fs::remove_dir_all(&clean).ok();
}

#[test]
fn agents_adds_the_transcript_folders_of_coding_agents() {
    let env = inventory();
    let home = tree();
    let project = tree();
    write(&project, "main.py", b"print('hello')\n");
    write(
        &home,
        ".claude/projects/x/transcript.jsonl",
        format!("{{\"role\":\"user\"}}\n{{\"content\":\"use {WEB} please\"}}\n").as_bytes(),
    );
    // Without --agents the home is not searched.
    let run = scan_in(&env, &project, &["scan"], Some(&home));
    assert_eq!(run.code, 0, "{run:?}");
    let run = scan_in(&env, &project, &["scan", "--agents"], Some(&home));
    assert_eq!(run.code, 6, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "{}/.claude/projects/x/transcript.jsonl:2: web (prod)\n",
            home.display()
        )
    );
    // No agent folder at all: said, and the tree is still searched.
    let empty = tree();
    let run = scan_in(&env, &project, &["scan", "--agents"], Some(&empty));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("no coding agent transcript folder"),
        "{}",
        run.stderr
    );
    for d in [&home, &project, &empty] {
        std::fs::remove_dir_all(d).ok();
    }
}
