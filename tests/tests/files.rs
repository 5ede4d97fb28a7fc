//! The data directory and the files in it (SPEC §5): a directory others may write to, or that
//! belongs to someone else, is refused with the fix; one Keymint creates is `0700`; the
//! database and its `-wal` and `-shm` files are `0600`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use std::time::Duration;

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{target_bin, Env, Run};

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
    std::process::Command::new(target_bin("keymint"))
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
            run.stderr.contains(&format!("chmod 700 {}", dir.display())),
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
    let mut env = Env::new();
    let _ = std::fs::remove_dir(&env.dir);
    env.dir = env.dir.with_extension("fresh").join("nested").join("data");
    // A permissive umask must not loosen what Keymint creates.
    let run: Run = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$@\"")
        .arg("sh")
        .arg(target_bin("keymint"))
        .arg("--data-dir")
        .arg(&env.dir)
        .args(["key", "list"])
        .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
        .env_remove("KEYMINT_DATA_DIR")
        .output()
        .expect("keymint")
        .into();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mode(&env.dir), 0o700, "the data directory");
    assert_eq!(mode(&env.dir.join("keymint.db")), 0o600, "the database");

    // The -wal and -shm files exist while a connection is open: a create killed after it
    // wrote leaves them behind (KEYMINT_FAULT, the never-lose tests' fault points).
    let s = Setup::with_env(
        Provider::Fireworks,
        Mode::Normal,
        env,
        Duration::from_secs(20),
    );
    let mut cmd = s
        .env
        .command(&["key", "create", &s.account, "--label", "killed"]);
    cmd.env("KEYMINT_FAULT", "after_db:kill");
    let killed: Run = cmd.output().expect("keymint").into();
    assert_eq!(killed.code, -1, "killed at the fault point: {killed:?}");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&s.env.dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            continue;
        }
        seen.push((
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
            mode(&path),
        ));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            ("keymint.db".to_owned(), 0o600),
            ("keymint.db-shm".to_owned(), 0o600),
            ("keymint.db-wal".to_owned(), 0o600),
        ],
        "every file in the data directory"
    );

    // A database left 0644 by an older Keymint is brought to 0600 on the next run.
    chmod(&s.env.dir.join("keymint.db"), 0o644);
    s.env.run(&["key", "list"], None).ok();
    assert_eq!(mode(&s.env.dir.join("keymint.db")), 0o600);
}
