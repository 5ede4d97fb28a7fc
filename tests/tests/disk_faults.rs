//! Real disk faults while a key is being created: the data directory is its own filesystem,
//! and while the provider is still answering (its pending row is written, the response not
//! yet sent) the disk fills up (a 4 MiB tmpfs) or turns read-only (an ext4 image mounted
//! `errors=remount-ro`: `mount -o remount,ro` is tried first, but the kernel refuses it while
//! Keymint holds the database open for writing, so a filesystem error makes the kernel
//! remount it read-only, as it does on a failing disk). The secret the provider issued must
//! be printed with the "could not be recorded" warning and be in the keychain; once the disk
//! is usable again the next start recovers the row and the database passes SQLite's
//! integrity check.
//!
//! Mounting needs root with `CAP_SYS_ADMIN`. Where it is refused, each test says so on one
//! line and checks the same outcomes with the injected fault `KEYMINT_FAULT=db_write:fail`
//! (so the binary must be built with `--features keymint-cli/fault-injection`, as for
//! `never_lose.rs`).

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{contains_bytes, Env, Mount, ReadOnly, Run};

/// How long the fake holds back its response headers: the window for the fault.
const SLOW: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    DiskFull,
    ReadOnly,
}

/// One scenario's world. `s` is declared first so it is dropped first: the keychain items
/// are cleared and the data directory emptied before the mount goes away.
struct World {
    s: Setup,
    mount: Option<Mount>,
}

/// A line on the test's real stderr, shown even when the test passes.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "disk_faults: {line}");
}

fn world(fault: Fault) -> World {
    let mut env = Env::new();
    env.vars.push(("KEYMINT_TIMEOUT_SECS".into(), "30".into()));
    let mounted = match fault {
        Fault::DiskFull => Mount::tmpfs(&env.dir, "4m"),
        Fault::ReadOnly => Mount::ext4_image(&env.dir, 16),
    };
    let mount = match mounted {
        Ok(m) => Some(m),
        Err(why) => {
            note(&format!(
                "{fault:?}: the real-filesystem variant could not run ({}); checking the \
                 same outcomes with the injected fault KEYMINT_FAULT=db_write:fail",
                why.lines().next().unwrap_or_default()
            ));
            None
        }
    };
    let mode = if mount.is_some() {
        Mode::SlowHeaders
    } else {
        Mode::Normal
    };
    let s = Setup::with_env(Provider::Fireworks, mode, env, SLOW);
    if let Some(m) = &mount {
        // The account is on disk before anything goes wrong.
        m.sync();
    }
    World { s, mount }
}

/// Whether a new file can be written in `dir`; the error otherwise.
fn probe_write(dir: &std::path::Path) -> std::io::Result<()> {
    let path = dir.join(".probe");
    let r = std::fs::write(&path, vec![1u8; 8192]);
    let _ = std::fs::remove_file(&path);
    r
}

/// Creates "precious" and breaks the disk while the provider is answering. Returns the run,
/// the secret the provider issued, and how the disk was made read-only (for undoing it).
fn create_under_fault(w: &World, fault: Fault) -> (Run, String, Option<ReadOnly>) {
    let mut cmd = w.s.env.command(&[
        "--json",
        "key",
        "create",
        &w.s.account,
        "--label",
        "precious",
    ]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let Some(mount) = &w.mount else {
        let run: Run = cmd
            .env("KEYMINT_FAULT", "db_write:fail")
            .output()
            .expect("run keymint")
            .into();
        let secret = w.s.fake.issued_secrets().pop().expect("a key was created");
        return (run, secret, None);
    };
    let before = w.s.fake.request_count();
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn keymint");
    // The request has arrived: the pending row was committed before it was sent.
    if !w
        .s
        .fake
        .wait_for_requests(before + 1, Duration::from_secs(30))
    {
        let _ = child.kill();
        panic!("the create request never reached the fake");
    }
    let ro = match fault {
        Fault::DiskFull => {
            let filled = mount.fill().expect("fill the tmpfs");
            assert!(filled > 0, "the tmpfs was already full before the fault");
            let err = probe_write(&mount.dir).expect_err("the disk is full");
            assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
            note(&format!(
                "DiskFull: filled the 4 MiB tmpfs with {filled} bytes {} ms after the start",
                started.elapsed().as_millis()
            ));
            None
        }
        Fault::ReadOnly => {
            // On a real disk the pending row may reach the platter long before a failure:
            // flush it, so the outcome does not depend on the kernel's writeback timing.
            mount.sync();
            let how = mount
                .make_read_only()
                .expect("make the filesystem read-only");
            let err = probe_write(&mount.dir).expect_err("the filesystem is read-only");
            assert_eq!(err.raw_os_error(), Some(libc::EROFS), "{err}");
            note(&format!(
                "ReadOnly: {} {} ms after the start",
                match &how {
                    ReadOnly::Remounted => "remounted read-only".to_owned(),
                    ReadOnly::AfterError(refused) => format!(
                        "`mount -o remount,ro` refused while Keymint holds the database \
                         open ({}); read-only through ext4's errors=remount-ro",
                        refused.lines().next().unwrap_or_default()
                    ),
                },
                started.elapsed().as_millis()
            ));
            Some(how)
        }
    };
    // The fault came before the answer: the provider has not issued the key yet.
    assert!(
        w.s.fake.issued_secrets().is_empty(),
        "the response was sent before the fault was in place ({} ms): raise SLOW",
        started.elapsed().as_millis()
    );
    let run: Run = child.wait_with_output().expect("wait keymint").into();
    let secret = w.s.fake.issued_secrets().pop().expect("a key was created");
    note(&format!(
        "{fault:?}: create exited {} after {} ms",
        run.code,
        started.elapsed().as_millis()
    ));
    (run, secret, ro)
}

/// What the create must have done: exit 0, the secret printed and in the keychain, and one
/// warning saying why it is not in the inventory yet.
fn assert_nothing_lost(w: &World, fault: Fault, run: &Run, secret: &str) {
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(
        out["secret"].as_str(),
        Some(secret),
        "the secret is printed"
    );
    assert_eq!(out["stored"], true, "{out}");
    assert!(
        w.s.env.secret_tool_search().contains(secret),
        "the secret is in the keychain"
    );
    assert!(
        run.stderr
            .contains("could not be recorded in the inventory"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the next start recovers it"),
        "{}",
        run.stderr
    );
    if w.mount.is_some() {
        let cause = match fault {
            Fault::DiskFull => "disk is full",
            // SQLite only says "disk I/O error"; Keymint names the cause.
            Fault::ReadOnly => "is on a read-only filesystem",
        };
        assert!(run.stderr.contains(cause), "{}", run.stderr);
    }
    assert_eq!(
        run.stderr.matches("keymint: warning:").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(secret), "no secret on stderr");
    note(&format!("{fault:?}: {}", run.stderr.trim()));
}

/// The next start (any command) recovers the row; the database is sound.
fn assert_recovered(w: &World, secret: &str) {
    let env = &w.s.env;
    // The pending row is older than the stale limit (0 here; 5 minutes by default, so that
    // a create still in flight in another process is never touched).
    let list = env
        .command(&["--json", "key", "list"])
        .env("KEYMINT_STALE_PENDING_SECS", "0")
        .output()
        .expect("key list");
    let list = Run::from(list).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["label"], "precious");
    assert_eq!(list[0]["status"], "stored", "{list}");
    assert_eq!(
        list[0]["hint"].as_str(),
        Some(format!("{}…{}", &secret[..4], &secret[secret.len() - 4..]).as_str())
    );
    assert_eq!(
        env.run(&["key", "secret", "precious"], None)
            .ok()
            .stdout
            .trim_end(),
        secret
    );
    let kinds = env.event_kinds("precious");
    assert!(kinds.iter().any(|k| k == "recovered"), "{kinds:?}");
    // Keychain and inventory in step, nothing left over.
    let doctor = env.run(&["--json", "doctor"], None).ok().json();
    let step = doctor
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "in step"))
        .expect("in-step check")
        .clone();
    assert_eq!(step["ok"], true, "{step}");
    // A further create works on the repaired disk.
    let again = w.s.create("after", &[]).ok().json();
    assert_eq!(again["status"], "stored", "{again}");
    let db = rusqlite::Connection::open(env.dir.join("keymint.db")).expect("open the database");
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    let keys: i64 = db
        .query_row("SELECT count(*) FROM keys", [], |r| r.get(0))
        .expect("count");
    assert_eq!(keys, 2);
    drop(db);
    assert!(!contains_bytes(&env.db_bytes(), secret.as_bytes()));
}

#[test]
fn disk_full_while_the_provider_answers_loses_nothing() {
    let w = world(Fault::DiskFull);
    let (run, secret, _) = create_under_fault(&w, Fault::DiskFull);
    assert_nothing_lost(&w, Fault::DiskFull, &run, &secret);
    if let Some(m) = &w.mount {
        // Still full: reading the inventory works, the pending row is listed.
        let list = w.s.env.run(&["--json", "key", "list"], None).ok().json();
        assert_eq!(list[0]["status"], "pending", "{list}");
        m.unfill();
    }
    assert_recovered(&w, &secret);
}

#[test]
fn read_only_filesystem_while_the_provider_answers_loses_nothing() {
    let w = world(Fault::ReadOnly);
    let (run, secret, how) = create_under_fault(&w, Fault::ReadOnly);
    assert_nothing_lost(&w, Fault::ReadOnly, &run, &secret);
    if let (Some(m), Some(how)) = (&w.mount, &how) {
        // Still read-only: reading the inventory works, the pending row is listed.
        let list = w.s.env.run(&["--json", "key", "list"], None).ok().json();
        assert_eq!(list[0]["status"], "pending", "{list}");
        m.make_writable(how).expect("make the filesystem writable");
    }
    assert_recovered(&w, &secret);
}
