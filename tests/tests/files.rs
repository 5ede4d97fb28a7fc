//! The data directory and the files in it (SPEC §5): a directory others may write to, or that
//! belongs to someone else, is refused with the fix; one Keymint creates is `0700`; the
//! database and its `-wal` and `-shm` files are `0600`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use keymint_tests::harness::{unique, Env, Run};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `keymint --data-dir DIR key list` with `env`'s keychain service.
fn list_in(env: &Env, dir: &Path) -> Run {
    std::process::Command::new(keymint_tests::harness::target_bin("keymint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["key", "list"])
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
        .env_remove("KEYMINT_DATA_DIR")
        .output()
        .expect("run keymint")
        .into()
}

#[test]
fn a_data_directory_others_may_write_to_is_refused_with_the_fix() {
    let env = Env::new();
    for bad in [0o777, 0o770, 0o720, 0o702, 0o1777] {
        let dir = env.dir.join(format!("data-{bad:o}"));
        std::fs::create_dir_all(&dir).expect("dir");
        chmod(&dir, bad);
        let run = list_in(&env, &dir);
        assert_eq!(run.code, 2, "mode {bad:o}: {run:?}");
        assert!(
            run.stderr
                .contains(&format!("chmod 700 {}", dir.display())),
            "mode {bad:o}: the message gives the fix: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            !dir.join("keymint.db").exists(),
            "mode {bad:o}: nothing is written into it"
        );
        assert_eq!(mode(&dir), bad, "left as it was");
        // Fixed as the message says, it is used.
        chmod(&dir, 0o700);
        assert_eq!(list_in(&env, &dir).code, 0);
    }
}

#[test]
fn a_data_directory_of_another_user_is_refused() {
    let env = Env::new();
    let dir = env.dir.join("theirs");
    std::fs::create_dir_all(&dir).expect("dir");
    chmod(&dir, 0o700);
    let me = std::fs::metadata(&env.dir).expect("meta").uid();
    let other = if me == 65534 { 65533 } else { 65534 };
    if std::os::unix::fs::chown(&dir, Some(other), None).is_err() {
        // Only root can give a directory away; as another user, a directory of root's
        // stands in for it.
        let root_owned = Path::new("/");
        let run = list_in(&env, root_owned);
        assert_eq!(run.code, 2, "{run:?}");
        return;
    }
    let run = list_in(&env, &dir);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("not to you") && run.stderr.contains("--data-dir"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("keymint.db").exists());
}

#[test]
fn a_new_data_directory_is_0700_and_every_file_in_it_0600() {
    let env = Env::new();
    let parent = std::env::temp_dir().join(unique("keymint-files"));
    let dir = parent.join("nested").join("data");
    // A permissive umask must not loosen anything Keymint creates.
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("umask 000; exec \"$@\"")
        .arg("sh")
        .arg(keymint_tests::harness::target_bin("keymint"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["account", "add", "fireworks", "files"])
        .args(["--set", "account_id=a", "--set", "user_id=u"])
        .args(["--base-url", "http://127.0.0.1:9", "--credential-stdin"])
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
        .env_remove("KEYMINT_DATA_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("keymint");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"fw-credential-files").expect("credential");
    }
    let run: Run = child.wait_with_output().expect("keymint").into();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mode(&dir), 0o700, "the data directory");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("list") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        seen.push(path.file_name().expect("name").to_string_lossy().into_owned());
    }
    seen.sort();
    assert!(
        ["keymint.db", "keymint.db-shm", "keymint.db-wal"]
            .iter()
            .all(|f| seen.iter().any(|s| s == f)),
        "{seen:?}"
    );
    // A database left 0644 by an older Keymint is brought to 0600 on the next run.
    chmod(&dir.join("keymint.db"), 0o644);
    let run = list_in(&env, &dir);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mode(&dir.join("keymint.db")), 0o600);
    let _ = std::process::Command::new("secret-tool")
        .args(["clear", "service", &env.service])
        .output();
    let _ = std::fs::remove_dir_all(&parent);
}
